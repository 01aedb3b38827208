import type { Network } from '../net/network'
import { addChainToWallet, injectedProvider } from '../net/wallet'
import { chainCard } from '../ui/chainCard'
import { append, h, replace } from '../ui/dom'
import { ago, fields, hex, num, routes } from '../ui/format'
import { Subscriptions } from '../ui/live'
import { throttleFrame } from './network'

/** One chain: its live card, the newest blocks, its RPC endpoints and contracts. */
export function chainPage(el: HTMLElement, net: Network, params: Record<string, string>): () => void {
  const subs = new Subscriptions()
  const c = net.chain(Number(params.chain))
  if (!c) {
    el.append(h('div.panel', null, h('h2', null, `Chain ${params.chain} is not part of this network`)))
    return subs.stop
  }
  const card = chainCard(c, c.kind === 'l2' ? net.registry?.slotTimeMs : undefined)
  const blocks = h('tbody')
  const drawBlocks = () =>
    replace(
      blocks,
      c.recent.slice(0, 20).map((b) =>
        h(
          'tr',
          { 'data-block': String(b.number) },
          h('td', null, h('a.mono', { href: routes.block(c.id, b.number) }, num(b.number))),
          h('td', null, hex(b.hash, routes.block(c.id, b.hash))),
          h('td', null, String(b.txCount)),
          h('td.hide-sm', null, `${num(b.gasUsed)}`),
          h('td.muted', null, ago(b.timestamp)),
        ),
      ),
    )
  const contracts = c.kind === 'l1' ? net.registry?.l1.contracts : { ...c.registryEntry?.contracts.l2, ...c.registryEntry?.contracts.superchainERC20 }
  const provider = injectedProvider()
  const walletNote = h('span.muted')
  append(el, [
    h(
      'div.page-head',
      null,
      h('h1', null, c.name),
      h('span.sub.mono', null, `chain id ${c.id}`),
      c.registryEntry && provider
        ? h(
            'button.secondary',
            {
              type: 'button',
              onclick: () =>
                addChainToWallet(provider, c.registryEntry!).then(
                  () => (walletNote.textContent = 'Added to your wallet'),
                  (e: Error) => (walletNote.textContent = e.message),
                ),
            },
            'Add to wallet',
          )
        : null,
      walletNote,
    ),
    h('div.cols', null, card.el, h('section.panel', null, h('h2', null, 'Endpoints'), fields([
      ['JSON-RPC', hex(c.rpcUrl, undefined, { full: true })],
      ['WebSocket', hex(c.wsUrl, undefined, { full: true })],
      ['Currency', `${c.nativeCurrency.name} (${c.nativeCurrency.symbol})`],
    ]))),
    h('div', { style: 'height:16px' }),
    h('section.panel', null, h('h2', null, 'Latest blocks'), h('div.table-wrap', null, h('table', null, h('thead', null, h('tr', null, h('th', null, 'Block'), h('th', null, 'Hash'), h('th', null, 'Txs'), h('th.hide-sm', null, 'Gas used'), h('th', null, 'Age'))), blocks))),
    contracts && Object.keys(contracts).length
      ? h('section.panel', null, h('h2', null, 'Contracts'), fields(Object.entries(contracts).map(([name, a]) => [name, hex(a, routes.address(a, c.id), { full: true })])))
      : null,
  ])
  drawBlocks()
  subs.add(c.on('head', card.update))
  subs.add(c.on('sync', card.update))
  subs.add(c.on('head', throttleFrame(drawBlocks)))
  return subs.stop
}
