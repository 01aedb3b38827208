import { erc20Abi, parseAbiItem, type Hex } from 'viem'
import { contractName } from '../net/abis'
import type { ChainConn, Network } from '../net/network'
import type { RpcDeposit, RpcWithdrawal } from '../net/registry'
import { h, replace } from '../ui/dom'
import { address, amount, badge, hex, num, routes } from '../ui/format'
import { messageStatus } from '../ui/messageStatus'
import { messageSummary } from '../ui/messageSummary'
import { messageParties, prepareMessageUnits } from '../net/messageInfo'
import { tokenUnit } from '../net/tokens'
import { identify } from '../net/userAbis'
import type { RpcMessage } from '../net/registry'
import { fromEveryRollup, withdrawalStage } from './messages'

const TRANSFER = parseAbiItem('event Transfer(address indexed from, address indexed to, uint256 value)')
/** How far back token transfers are looked up (one eth_getLogs range). */
const TRANSFER_WINDOW = 5_000n
/** How many recent blocks per chain are read for the address's transactions (the node keeps no address index). */
const TX_WINDOW = 200n
/** Pages of a bridge's messages read to find the address's transfers (1,000 each). */
const BRIDGE_PAGES = 5

/** An address on every chain at once: balances, nonce, code, tokens, messages, deposits and withdrawals, recent token transfers. */
export function addressPage(el: HTMLElement, net: Network, params: Record<string, string>): void {
  const a = params.address as Hex
  const chainId = params.chain ? Number(params.chain) : undefined
  const name = contractName(a, chainId)
  const title = h('h1', null, name ? `${name}` : 'Address')
  // A user contract (--abi-dir) is named once its code matches an artifact on some chain.
  if (!name) {
    for (const c of net.chains) {
      void identify(c, [a]).then(() => {
        const found = contractName(a, c.id)
        if (found) title.textContent = found
      })
    }
  }
  const balances = h('tbody')
  const activity = h('div', null, h('p.muted', null, 'Loading …'))
  el.append(
    h('div.page-head', null, title, hex(a, undefined, { full: true })),
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
  const unit = plx && token ? await tokenUnit(c, token) : null
  return h(
    'tr',
    { 'data-chain': c.id },
    h('td', null, h('a', { href: routes.chain(c.id) }, c.name)),
    h('td.mono', null, balance === undefined ? '—' : amount(balance, c.nativeCurrency.symbol, c.nativeCurrency.decimals)),
    h('td.mono', null, plx ? amount(plx, unit?.symbol ?? 'PLX', unit?.decimals ?? 18) : h('span.muted', null, '—')),
    h('td.mono', null, nonce === undefined ? '—' : String(nonce)),
    h('td', null, code && code !== '0x' ? badge(`contract · ${(code.length - 2) / 2} B`, 'info') : h('span.muted', null, 'none')),
  )
}

async function loadActivity(net: Network, a: Hex): Promise<HTMLElement[]> {
  const [messages, deposits, withdrawals, transfers, txs] = await Promise.all([
    messagesOf(net, a),
    fromEveryRollup<RpcDeposit>(net, 'plexus_listDeposits', { address: a, limit: 20 }).then((x) => x.map(({ c, item: d }) => ({ c, d })), () => []),
    fromEveryRollup<RpcWithdrawal>(net, 'plexus_listWithdrawals', { address: a, limit: 20 }).then((x) => x.map(({ c, item: w }) => ({ c, w })), () => []),
    Promise.all(net.chains.map((c) => transfersOf(c, a))).then((x) => x.flat().sort((p, q) => Number(q.block - p.block)).slice(0, 30)),
    Promise.all(net.chains.map((c) => transactionsOf(c, a))).then((x) => x.flat().sort((p, q) => Number(q.timestamp - p.timestamp)).slice(0, 50)),
  ])
  await prepareMessageUnits(net, messages)
  const self = a.toLowerCase()
  const section = (title: string, head: string[], rows: HTMLElement[], empty: string) =>
    h('section.panel', null, h('h2', null, `${title} (${rows.length})`), rows.length ? h('div.table-wrap', null, h('table', null, h('thead', null, h('tr', null, head.map((x) => h('th', null, x)))), h('tbody', null, rows))) : h('p.empty', null, empty))
  return [
    section(
      'Cross-chain messages',
      ['Message', 'Route', 'Direction', 'What', 'Status', 'Source tx'],
      messages.map((m) => {
        const [sender, target, from, to] = messageParties(m)
        const out = sender === self || from === self
        const dir = out && (target === self || to === self) ? 'self' : out ? 'out' : 'in'
        return h(
          'tr',
          { 'data-msg': m.msgHash, 'data-direction': dir },
          h('td', null, hex(m.msgHash, routes.message(m.msgHash))),
          h('td', null, `${Number(m.source)} → ${Number(m.destination)}`),
          h('td', null, badge(dir, dir === 'in' ? 'ok' : 'info')),
          h('td', null, messageSummary(net, m)),
          h('td', null, messageStatus(m)),
          h('td', null, hex(m.sourceTx, routes.tx(Number(m.source), m.sourceTx))),
        )
      }),
      'No messages sent by or to this address.',
    ),
    section(
      `Transactions (last ${TX_WINDOW} blocks of each chain)`,
      ['Chain', 'Block', 'Direction', 'From', 'To', 'Value', 'Tx'],
      txs.map((t) =>
        h(
          'tr',
          { 'data-tx': t.hash, 'data-direction': t.dir },
          h('td', null, t.c.name),
          h('td.mono', null, h('a', { href: routes.block(t.c.id, t.block) }, num(t.block))),
          h('td', null, badge(t.dir, t.dir === 'in' ? 'ok' : 'info')),
          h('td', null, address(t.from, t.c.id)),
          h('td', null, address(t.to, t.c.id)),
          h('td.mono', null, amount(t.value, t.c.nativeCurrency.symbol, t.c.nativeCurrency.decimals)),
          h('td', null, hex(t.hash, routes.tx(t.c.id, t.hash))),
        ),
      ),
      'No transactions from or to this address in the recent blocks.',
    ),
    section(
      'Deposits and withdrawals',
      ['Kind', 'Chain', 'Stage', 'Amount', 'Transaction'],
      [
        ...deposits.map(({ c, d }) => h('tr', null, h('td', null, 'deposit'), h('td', null, c.name), h('td', null, d.status === 'included' ? badge('arrived', 'ok') : badge('on L1', 'warn')), h('td', null, amount(BigInt(d.mint), c.nativeCurrency.symbol, c.nativeCurrency.decimals)), h('td', null, hex(d.l2TxHash, d.status === 'included' ? routes.tx(c.id, d.l2TxHash) : undefined)))),
        ...withdrawals.map(({ c, w }) => h('tr', null, h('td', null, 'withdrawal'), h('td', null, c.name), h('td', null, withdrawalStage(w)), h('td', null, amount(BigInt(w.withdrawal.value), c.nativeCurrency.symbol, c.nativeCurrency.decimals)), h('td', null, hex(w.l2TxHash, routes.tx(c.id, w.l2TxHash))))),
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

/**
 * Every message the address takes part in, on any chain: as the messenger's sender or
 * target (plexus_listMessages' address filter), or as the user of a bridge transfer
 * (the bridges' payloads name who sent and who receives; the messenger sees only the
 * bridge), plus the newest ones the page already follows.
 */
async function messagesOf(net: Network, a: Hex): Promise<RpcMessage[]> {
  const self = a.toLowerCase()
  const list = (address: string, fromIndex?: number) =>
    net.primary
      .request({ method: 'plexus_listMessages' as never, params: [{ address, limit: 1_000, ...(fromIndex !== undefined ? { fromIndex } : {}) }] as never })
      .then((r) => r as { messages: RpcMessage[]; next: number | null })
      .catch(() => ({ messages: [] as RpcMessage[], next: null }))
  const bridged = async (bridge: string | undefined): Promise<RpcMessage[]> => {
    if (!bridge) return []
    const out: RpcMessage[] = []
    let next: number | undefined
    for (let i = 0; i < BRIDGE_PAGES; i++) {
      const page = await list(bridge, next)
      out.push(...page.messages.filter((m) => messageParties(m).includes(self)))
      if (page.next === null) break
      next = page.next
    }
    return out
  }
  const l2 = net.registry?.chains[0]?.contracts.l2 ?? {}
  const found = (await Promise.all([list(a).then((p) => p.messages), bridged(l2.SuperchainETHBridge), bridged(l2.SuperchainTokenBridge)])).flat()
  const byHash = new Map<string, RpcMessage>()
  for (const m of [...found, ...net.messageList().filter((m) => messageParties(m).includes(self))]) {
    // The live copy (plexus_messages) is the newest state of a message.
    byHash.set(m.msgHash, net.messages.get(m.msgHash) ?? byHash.get(m.msgHash) ?? m)
  }
  return [...byHash.values()].sort((x, y) => y.index - x.index)
}

/** Transactions from or to `a` in the chain's newest blocks (the node keeps no index by address). */
async function transactionsOf(c: ChainConn, a: Hex): Promise<{ c: ChainConn; block: bigint; timestamp: bigint; hash: Hex; from: Hex; to: Hex | null; value: bigint; dir: string }[]> {
  const self = a.toLowerCase()
  const head = c.head?.number ?? (await c.client.getBlockNumber().catch(() => 0n))
  const from = head > TX_WINDOW ? head - TX_WINDOW + 1n : 0n
  const blocks = await Promise.all(Array.from({ length: Number(head - from + 1n) }, (_, i) => c.client.getBlock({ blockNumber: from + BigInt(i), includeTransactions: true }).catch(() => undefined)))
  return blocks.flatMap((b) =>
    !b
      ? []
      : b.transactions
          .filter((t) => t.from.toLowerCase() === self || t.to?.toLowerCase() === self)
          .map((t) => {
            const out = t.from.toLowerCase() === self
            return { c, block: b.number!, timestamp: b.timestamp, hash: t.hash, from: t.from, to: t.to, value: t.value, dir: out && t.to?.toLowerCase() === self ? 'self' : out ? 'out' : 'in' }
          }),
  )
}

/** ERC-20 Transfer logs from or to `a` in the chain's newest blocks. */
async function transfersOf(c: ChainConn, a: Hex): Promise<{ c: ChainConn; block: bigint; token: Hex; from: Hex; to: Hex; value: bigint; tx: Hex }[]> {
  const head = c.head?.number ?? (await c.client.getBlockNumber())
  const fromBlock = head > TRANSFER_WINDOW ? head - TRANSFER_WINDOW : 0n
  const q = (args: { from?: Hex; to?: Hex }) => c.client.getLogs({ event: TRANSFER, args, fromBlock, toBlock: head, strict: true }).catch(() => [])
  const logs = [...(await q({ from: a })), ...(await q({ to: a }))]
  return logs.map((l) => ({ c, block: l.blockNumber, token: l.address, from: l.args.from, to: l.args.to, value: l.args.value, tx: l.transactionHash }))
}
