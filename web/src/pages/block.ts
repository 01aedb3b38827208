import type { Block, Hex } from 'viem'
import type { Network } from '../net/network'
import { decodeCall } from '../net/abis'
import { identify } from '../net/userAbis'
import { h } from '../ui/dom'
import { address, ago, amount, dateTime, fields, hex, num, routes } from '../ui/format'

/** A block: its header and its transactions, with each call decoded where the ABI is known. */
export function blockPage(el: HTMLElement, net: Network, params: Record<string, string>): void {
  const c = net.chain(Number(params.chain))
  if (!c) return void el.append(h('div.panel', null, h('h2', null, `Chain ${params.chain} is not part of this network`)))
  const id = params.block!
  el.append(h('p.muted', null, 'Loading block …'))
  const req = id.startsWith('0x') ? c.client.getBlock({ blockHash: id as Hex, includeTransactions: true }) : c.client.getBlock({ blockNumber: BigInt(id), includeTransactions: true })
  req.then(
    // the user's contracts among the called ones (--abi-dir), so their methods are decoded too
    (b) => void identify(c, (b as Block<bigint, true>).transactions.map((t) => t.to)).then(() => render(el, net, c.id, b as Block<bigint, true>)),
    (err: Error) => el.replaceChildren(h('div.panel', null, h('h2', null, 'Block not found'), h('p.muted', null, err.message.split('\n')[0]))),
  )
}

function render(el: HTMLElement, net: Network, chainId: number, b: Block<bigint, true>): void {
  const symbol = net.symbol(chainId)
  el.replaceChildren(
    h(
      'div.page-head',
      null,
      h('h1', null, `Block ${num(b.number!)}`),
      h('a.sub', { href: routes.chain(chainId) }, net.chain(chainId)?.name ?? String(chainId)),
      h('span.sub', null, h('a', { href: routes.block(chainId, b.number! - 1n) }, '← prev'), ' · ', h('a', { href: routes.block(chainId, b.number! + 1n) }, 'next →')),
    ),
    h(
      'section.panel',
      null,
      fields([
        ['Hash', hex(b.hash!, undefined, { full: true })],
        ['Parent', hex(b.parentHash, routes.block(chainId, b.parentHash), { full: true })],
        ['Time', `${dateTime(b.timestamp)} (${ago(b.timestamp)})`],
        ['Transactions', String(b.transactions.length)],
        ['Gas used', `${num(b.gasUsed)} of ${num(b.gasLimit)} (${((Number(b.gasUsed) / Number(b.gasLimit)) * 100).toFixed(2)}%)`],
        ['Base fee', b.baseFeePerGas !== null && b.baseFeePerGas !== undefined ? `${num(b.baseFeePerGas)} wei` : '—'],
        ['Fee recipient', address(b.miner, chainId)],
        ['State root', hex(b.stateRoot, undefined, { full: true })],
      ]),
    ),
    h(
      'section.panel',
      null,
      h('h2', null, 'Transactions'),
      b.transactions.length === 0
        ? h('p.empty', null, 'No transactions.')
        : h(
            'div.table-wrap',
            null,
            h(
              'table',
              null,
              h('thead', null, h('tr', null, h('th', null, '#'), h('th', null, 'Hash'), h('th', null, 'Method'), h('th', null, 'From'), h('th', null, 'To'), h('th', null, 'Value'))),
              h(
                'tbody',
                null,
                b.transactions.map((tx, i) => {
                  const call = decodeCall(tx.to, tx.input, chainId)
                  const method = (tx.type as string) === 'deposit' || (tx.typeHex as string) === '0x7e' ? 'deposit' : call ? call.functionName : tx.input === '0x' ? 'transfer' : tx.input.slice(0, 10)
                  return h(
                    'tr',
                    null,
                    h('td.muted', null, String(i)),
                    h('td', null, hex(tx.hash, routes.tx(chainId, tx.hash))),
                    h('td', null, h('span.tag', null, method)),
                    h('td', null, address(tx.from, chainId)),
                    h('td', null, address(tx.to, chainId)),
                    h('td', null, amount(tx.value, symbol)),
                  )
                }),
              ),
            ),
          ),
    ),
  )
}
