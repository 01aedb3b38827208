import { throttle, type ChainConn, type Network } from '../net/network'
import type { RpcBundle, RpcDeposit, RpcMessage, RpcWithdrawal } from '../net/registry'
import { h, replace, type Child } from '../ui/dom'
import { address, ago, amount, badge, dateTime, hex, num, refreshAges, routes } from '../ui/format'
import { Subscriptions } from '../ui/live'
import { messageStatus } from '../ui/messageStatus'
import { messageSummary } from '../ui/messageSummary'
import { prepareMessageUnits } from '../net/messageInfo'
import { throttleFrame } from './network'

const TABS = [
  ['messages', 'Messages'],
  ['bundles', 'Bundles'],
  ['deposits', 'Deposits'],
  ['withdrawals', 'Withdrawals'],
] as const

/** Cross-chain activity: messages (live), bundles, deposits and withdrawals with their stage. */
export function messagesPage(el: HTMLElement, net: Network, params: Record<string, string>): () => void {
  const subs = new Subscriptions()
  const tab = TABS.some(([t]) => t === params.tab) ? params.tab! : 'messages'
  const body = h('div')
  el.append(
    h('div.page-head', null, h('h1', null, 'Cross-chain activity')),
    h('nav.tabs', null, TABS.map(([t, label]) => h('a', { href: routes.messages(t === 'messages' ? undefined : t), class: t === tab ? 'active' : '' }, label))),
    body,
  )
  if (tab === 'messages') messagesTab(body, net, subs)
  else if (tab === 'bundles') bundlesTab(body, net, subs)
  else if (tab === 'deposits') depositsTab(body, net, subs)
  else withdrawalsTab(body, net, subs)
  return subs.stop
}

function table(head: string[], rows: Child[], empty: string): HTMLElement {
  return h(
    'div.table-wrap',
    null,
    h('table', null, h('thead', null, h('tr', null, head.map((x) => h('th', null, x)))), h('tbody', null, rows.length ? rows : h('tr', null, h('td.empty', { colspan: head.length }, empty)))),
  )
}

function messagesTab(el: HTMLElement, net: Network, subs: Subscriptions): void {
  const filter = h('select', { 'aria-label': 'Status' }, ['all', 'sent', 'unpaid', 'relayed', 'failed'].map((s) => h('option', { value: s }, s === 'all' ? 'All statuses' : s)))
  const panel = h('section.panel')
  const draw = () => {
    const status = filter.value
    // unpaid: sent, and the network will not relay it until its relay gas is paid (or someone relays it by hand)
    const list = net.messageList().filter((m) => status === 'all' || (status === 'unpaid' ? m.status === 'sent' && m.autoRelay === false : m.status === status))
    replace(
      panel,
      h('h2', null, `Messages (${list.length})`, h('span.right', null, filter)),
      table(
        ['Message', 'Route', 'Status', 'What', 'Source tx', 'Destination tx', 'Sent'],
        list.slice(0, 200).map((m) => messageRow(net, m)),
        'No cross-chain messages yet.',
      ),
    )
    // A token's units are read once from the token: drawn again when new ones are known.
    void prepareMessageUnits(net, list.slice(0, 200)).then((read) => read && draw())
  }
  filter.addEventListener('change', draw)
  el.append(panel)
  draw()
  subs.add(net.on('message', throttleFrame(draw)))
  // A clock, not a poll: only the relative times ("12 s ago") change between events.
  subs.every(1_000, () => refreshAges(panel))
}

function messageRow(net: Network, m: RpcMessage): HTMLElement {
  const src = Number(m.source)
  const dst = Number(m.destination)
  return h(
    'tr',
    { 'data-msg': m.msgHash, 'data-status': m.status, 'data-auto-relay': String(m.autoRelay !== false) },
    h('td', null, hex(m.msgHash, routes.message(m.msgHash))),
    h('td', null, `${src} → ${dst}`),
    h('td.grow', null, messageStatus(m), m.failure ? h('div.muted', { style: 'font-size:12px' }, m.failure) : null),
    h('td', null, messageSummary(net, m)),
    h('td', null, hex(m.sourceTx, routes.tx(src, m.sourceTx))),
    h('td', null, m.destinationTx ? hex(m.destinationTx, routes.tx(dst, m.destinationTx)) : h('span.muted', null, '—')),
    h('td.muted', { 'data-ago': String(BigInt(m.identifier.timestamp)) }, ago(BigInt(m.identifier.timestamp))),
  )
}

function bundlesTab(el: HTMLElement, net: Network, subs: Subscriptions): void {
  const panel = h('section.panel', null, h('p.muted', null, 'Loading …'))
  el.append(panel)
  const read = async () => {
    const list = (await net.primary.request({ method: 'plexus_listBundles' as never, params: [{ limit: 100 }] as never })) as RpcBundle[]
    replace(
      panel,
      h('h2', null, `Bundles (${list.length})`),
      table(
        ['Bundle', 'Status', 'Slot', 'Transactions', 'Reason'],
        list.map((b) =>
          h(
            'tr',
            null,
            h('td', null, hex(b.bundleId)),
            h('td', null, b.status === 'included' ? badge('included', 'ok') : b.status === 'rejected' ? badge('rejected', 'bad') : badge('pending', 'warn')),
            h('td.mono', null, b.slot ? num(BigInt(b.slot)) : b.submittedSlot ? `from ${num(BigInt(b.submittedSlot))}` : '—'),
            h('td', null, (b.txs ?? []).map((t) => h('div', null, h('span.muted', null, `${Number(t.chainId)} `), hex(t.hash, routes.tx(Number(t.chainId), t.hash))))),
            h('td.grow', null, b.reason ?? b.lastFailure?.reason ?? ''),
          ),
        ),
        'No bundles yet (plexus_sendBundle).',
      ),
    )
  }
  void read().catch((e: Error) => replace(panel, h('p.error', null, e.message)))
  // Bundles are decided slot by slot: re-read when a new slot arrives.
  const first = net.l2s[0]
  if (first) subs.add(first.on('head', throttle(() => void read().catch(() => undefined), net.slotMs)))
}

function depositsTab(el: HTMLElement, net: Network, subs: Subscriptions): void {
  const panel = h('section.panel', null, h('p.muted', null, 'Loading …'))
  el.append(panel)
  const read = async () => {
    const rows = (await fromEveryRollup<RpcDeposit>(net, 'plexus_listDeposits')).map(({ c, item: d }) => ({ c, d })).sort((a, b) => Number(BigInt(b.d.l1BlockNumber) - BigInt(a.d.l1BlockNumber)))
    replace(
      panel,
      h('h2', null, `Deposits L1 → L2 (${rows.length})`),
      table(
        ['To chain', 'Stage', 'From', 'To', 'Amount', 'L1 tx', 'L2 tx'],
        rows.map(({ c, d }) =>
          h(
            'tr',
            null,
            h('td', null, h('a', { href: routes.chain(c.id) }, c.name)),
            h('td', null, d.status === 'included' ? (d.l2Success === false ? badge('failed on L2', 'bad') : badge('arrived', 'ok')) : badge('on L1', 'warn')),
            h('td', null, address(d.from, net.l1?.id)),
            h('td', null, address(d.to, c.id)),
            h('td', null, amount(BigInt(d.mint), c.nativeCurrency.symbol, c.nativeCurrency.decimals)),
            h('td', null, hex(d.l1TxHash, net.l1 ? routes.tx(net.l1.id, d.l1TxHash) : undefined)),
            h('td', null, d.status === 'included' ? hex(d.l2TxHash, routes.tx(c.id, d.l2TxHash)) : h('span.muted', null, '—')),
          ),
        ),
        'No deposits yet.',
      ),
    )
  }
  void read().catch((e: Error) => replace(panel, h('p.error', null, e.message)))
  followHeads(net, subs, read)
}

/**
 * Re-reads a list when any chain makes a block (a deposit lands in an L2 block, a withdrawal's
 * stage moves with L1 blocks), at most once a slot: never later than one slot after the change.
 */
function followHeads(net: Network, subs: Subscriptions, read: () => Promise<void>): void {
  const again = throttle(() => void read().catch(() => undefined), net.slotMs)
  for (const c of net.chains) subs.add(c.on('head', again))
}

/** A per-chain list method (deposits, withdrawals) asked of every rollup, with the chain of each item. */
export async function fromEveryRollup<T>(net: Network, method: string, query: Record<string, unknown> = { limit: 50 }): Promise<{ c: ChainConn; item: T }[]> {
  const per = await Promise.all(net.l2s.map(async (c) => ({ c, list: (await c.client.request({ method: method as never, params: [query] as never })) as T[] })))
  return per.flatMap(({ c, list }) => list.map((item) => ({ c, item })))
}

/** initiated · ready to prove · proven (finalizable at T) · finalizable · finalized. */
export function withdrawalStage(w: RpcWithdrawal): HTMLElement {
  switch (w.stage) {
    case 'finalized':
      return badge('finalized', 'ok')
    case 'finalizable':
      return badge('finalizable', 'info')
    case 'proven':
      return h('span', null, badge('proven', 'info'), h('div.muted', { style: 'font-size:12px' }, `finalizable at ${dateTime(BigInt(w.finalizableAt!))}`))
    case 'ready-to-prove':
      return badge('ready to prove', 'warn')
    default:
      return badge('waiting for output root', 'neutral')
  }
}

function withdrawalsTab(el: HTMLElement, net: Network, subs: Subscriptions): void {
  const panel = h('section.panel', null, h('p.muted', null, 'Loading …'))
  el.append(panel)
  const read = async () => {
    const rows = (await fromEveryRollup<RpcWithdrawal>(net, 'plexus_listWithdrawals')).map(({ c, item: w }) => ({ c, w }))
    replace(
      panel,
      h('h2', null, `Withdrawals L2 → L1 (${rows.length})`),
      h('p.muted', null, 'Prove and finalize from the ', h('a', { href: routes.bridge() }, 'Bridge'), ' page, or with ', h('span.mono', null, 'plexus withdraw --wait'), '.'),
      table(
        ['From chain', 'Stage', 'Sender', 'Target', 'Amount', 'L2 tx'],
        rows.map(({ c, w }) =>
          h(
            'tr',
            null,
            h('td', null, h('a', { href: routes.chain(c.id) }, c.name)),
            h('td.grow', null, withdrawalStage(w)),
            h('td', null, address(w.withdrawal.sender, c.id)),
            h('td', null, address(w.withdrawal.target, net.l1?.id)),
            h('td', null, amount(BigInt(w.withdrawal.value), c.nativeCurrency.symbol, c.nativeCurrency.decimals)),
            h('td', null, hex(w.l2TxHash, routes.tx(c.id, w.l2TxHash))),
          ),
        ),
        'No withdrawals yet.',
      ),
    )
  }
  void read().catch((e: Error) => replace(panel, h('p.error', null, e.message)))
  followHeads(net, subs, read)
}
