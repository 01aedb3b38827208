import { erc20Abi, parseAbiItem, type Hex } from 'viem'
import { contractName } from '../net/abis'
import type { ChainConn, Network } from '../net/network'
import type { RpcDeposit, RpcWithdrawal } from '../net/registry'
import { h, replace } from '../ui/dom'
import { address, amount, badge, hex, num, routes } from '../ui/format'
import { messageStatus } from '../ui/messageStatus'
import { fromEveryRollup, withdrawalStage } from './messages'

const TRANSFER = parseAbiItem('event Transfer(address indexed from, address indexed to, uint256 value)')
/** How far back token transfers are looked up (one eth_getLogs range). */
const TRANSFER_WINDOW = 5_000n

/** An address on every chain at once: balances, nonce, code, tokens, messages, deposits and withdrawals, recent token transfers. */
export function addressPage(el: HTMLElement, net: Network, params: Record<string, string>): void {
  const a = params.address as Hex
  const name = contractName(a)
  const balances = h('tbody')
  const activity = h('div', null, h('p.muted', null, 'Loading …'))
  el.append(
    h('div.page-head', null, h('h1', null, name ? `${name}` : 'Address'), hex(a, undefined, { full: true })),
    h(
      'section.panel',
      null,
      h('h2', null, 'On every chain'),
      h('div.table-wrap', null, h('table', null, h('thead', null, h('tr', null, h('th', null, 'Chain'), h('th', null, 'Balance'), h('th', null, 'Tokens'), h('th', null, 'Nonce'), h('th', null, 'Code'))), balances)),
    ),
    activity,
  )
  const token = net.registry?.chains[0]?.contracts.superchainERC20?.PlexusToken
  void Promise.all(net.chains.map((c) => chainRow(c, a, token))).then((rows) => replace(balances, rows))
  void loadActivity(net, a).then((nodes) => replace(activity, nodes))
}

async function chainRow(c: ChainConn, a: Hex, token: Hex | undefined): Promise<HTMLElement> {
  const [balance, nonce, code, plx] = await Promise.all([
    c.client.getBalance({ address: a }).catch(() => undefined),
    c.client.getTransactionCount({ address: a }).catch(() => undefined),
    c.client.getCode({ address: a }).catch(() => undefined),
    c.kind === 'l2' && token ? c.client.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [a] }).catch(() => undefined) : Promise.resolve(undefined),
  ])
  return h(
    'tr',
    { 'data-chain': c.id },
    h('td', null, h('a', { href: routes.chain(c.id) }, c.name)),
    h('td.mono', null, balance === undefined ? '—' : amount(balance, c.nativeCurrency.symbol)),
    h('td.mono', null, plx ? amount(plx, 'PLX') : h('span.muted', null, '—')),
    h('td.mono', null, nonce === undefined ? '—' : String(nonce)),
    h('td', null, code && code !== '0x' ? badge(`contract · ${(code.length - 2) / 2} B`, 'info') : h('span.muted', null, 'none')),
  )
}

async function loadActivity(net: Network, a: Hex): Promise<HTMLElement[]> {
  const [messages, deposits, withdrawals, transfers] = await Promise.all([
    net.primary.request({ method: 'plexus_listMessages' as never, params: [{ address: a, limit: 50 }] as never }).then((r) => (r as { messages: import('../net/registry').RpcMessage[] }).messages).catch(() => []),
    fromEveryRollup<RpcDeposit>(net, 'plexus_listDeposits', { address: a, limit: 20 }).then((x) => x.map(({ c, item: d }) => ({ c, d })), () => []),
    fromEveryRollup<RpcWithdrawal>(net, 'plexus_listWithdrawals', { address: a, limit: 20 }).then((x) => x.map(({ c, item: w }) => ({ c, w })), () => []),
    Promise.all(net.chains.map((c) => transfersOf(c, a))).then((x) => x.flat().sort((p, q) => Number(q.block - p.block)).slice(0, 30)),
  ])
  const section = (title: string, head: string[], rows: HTMLElement[], empty: string) =>
    h('section.panel', null, h('h2', null, `${title} (${rows.length})`), rows.length ? h('div.table-wrap', null, h('table', null, h('thead', null, h('tr', null, head.map((x) => h('th', null, x)))), h('tbody', null, rows))) : h('p.empty', null, empty))
  return [
    section(
      'Cross-chain messages',
      ['Message', 'Route', 'Status', 'Source tx'],
      messages.map((m) => h('tr', null, h('td', null, hex(m.msgHash, routes.message(m.msgHash))), h('td', null, `${Number(m.source)} → ${Number(m.destination)}`), h('td', null, messageStatus(m)), h('td', null, hex(m.sourceTx, routes.tx(Number(m.source), m.sourceTx))))),
      'No messages sent by or to this address.',
    ),
    section(
      'Deposits and withdrawals',
      ['Kind', 'Chain', 'Stage', 'Amount', 'Transaction'],
      [
        ...deposits.map(({ c, d }) => h('tr', null, h('td', null, 'deposit'), h('td', null, c.name), h('td', null, d.status === 'included' ? badge('arrived', 'ok') : badge('on L1', 'warn')), h('td', null, amount(BigInt(d.mint), c.nativeCurrency.symbol)), h('td', null, hex(d.l2TxHash, d.status === 'included' ? routes.tx(c.id, d.l2TxHash) : undefined)))),
        ...withdrawals.map(({ c, w }) => h('tr', null, h('td', null, 'withdrawal'), h('td', null, c.name), h('td', null, withdrawalStage(w)), h('td', null, amount(BigInt(w.withdrawal.value), c.nativeCurrency.symbol)), h('td', null, hex(w.l2TxHash, routes.tx(c.id, w.l2TxHash))))),
      ],
      'No deposits or withdrawals.',
    ),
    section(
      'Token transfers (recent)',
      ['Chain', 'Block', 'Token', 'From', 'To', 'Value', 'Tx'],
      transfers.map((t) => h('tr', null, h('td', null, t.c.name), h('td.mono', null, h('a', { href: routes.block(t.c.id, t.block) }, num(t.block))), h('td', null, address(t.token, t.c.id)), h('td', null, address(t.from, t.c.id)), h('td', null, address(t.to, t.c.id)), h('td.mono', null, num(t.value)), h('td', null, hex(t.tx, routes.tx(t.c.id, t.tx))))),
      'No ERC-20 transfers in the recent blocks.',
    ),
  ]
}

/** ERC-20 Transfer logs from or to `a` in the chain's newest blocks. */
async function transfersOf(c: ChainConn, a: Hex): Promise<{ c: ChainConn; block: bigint; token: Hex; from: Hex; to: Hex; value: bigint; tx: Hex }[]> {
  const head = c.head?.number ?? (await c.client.getBlockNumber())
  const fromBlock = head > TRANSFER_WINDOW ? head - TRANSFER_WINDOW : 0n
  const q = (args: { from?: Hex; to?: Hex }) => c.client.getLogs({ event: TRANSFER, args, fromBlock, toBlock: head, strict: true }).catch(() => [])
  const logs = [...(await q({ from: a })), ...(await q({ to: a }))]
  return logs.map((l) => ({ c, block: l.blockNumber, token: l.address, from: l.args.from, to: l.args.to, value: l.args.value, tx: l.transactionHash }))
}
