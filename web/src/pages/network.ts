import type { Network } from '../net/network'
import type { RpcMessage } from '../net/registry'
import { chainCard } from '../ui/chainCard'
import { h, replace } from '../ui/dom'
import { ago, hex, num, routes } from '../ui/format'
import { Subscriptions } from '../ui/live'
import { messageStatus } from '../ui/messageStatus'
import { messageSummary } from '../ui/messageSummary'
import { prepareMessageUnits } from '../net/messageInfo'

/** The network view: every chain live, the newest blocks of all chains, the newest cross-chain messages. */
export function networkPage(el: HTMLElement, net: Network): () => void {
  const subs = new Subscriptions()
  // Redrawn with the cards: a chain may join while the page is open.
  const sub = h('span.sub')
  const drawSub = () => {
    sub.textContent = `${net.l2s.length} rollup${net.l2s.length === 1 ? '' : 's'} settled on L1 ${net.l1?.id ?? ''} · one slot every ${net.registry?.slotTimeMs ?? '?'} ms`
  }
  const grid = h('div.grid', { id: 'chains' })
  const blocksBody = h('tbody')
  const messagesBody = h('tbody')
  el.append(
    h('div.page-head', null, h('h1', null, 'Network'), sub),
    grid,
    h(
      'div.cols',
      null,
      h('section.panel', null, h('h2', null, 'Latest blocks'), h('div.table-wrap', null, h('table', null, h('thead', null, h('tr', null, h('th', null, 'Chain'), h('th', null, 'Block'), h('th', null, 'Txs'), h('th.hide-sm', null, 'Hash'), h('th', null, 'Age'))), blocksBody))),
      h(
        'section.panel',
        null,
        h('h2', null, 'Latest messages', h('a.right', { href: routes.messages() }, 'All messages →')),
        h('div.table-wrap', null, h('table', null, h('thead', null, h('tr', null, h('th', null, 'Message'), h('th', null, 'Route'), h('th', null, 'What'), h('th', null, 'Status'), h('th', null, 'Sent'))), messagesBody)),
      ),
    ),
  )

  const cards = new Map<number, ReturnType<typeof chainCard>>()
  const drawCards = () => {
    drawSub()
    for (const c of net.chains) {
      if (cards.has(c.id)) continue
      const card = chainCard(c, c.kind === 'l2' ? net.registry?.slotTimeMs : undefined)
      cards.set(c.id, card)
      grid.append(card.el)
      subs.add(c.on('head', card.update))
      subs.add(c.on('sync', card.update))
      subs.add(c.on('head', redrawBlocks))
    }
  }
  const drawBlocks = () => {
    const rows = net.chains
      .flatMap((c) => c.recent.slice(0, 8).map((b) => ({ c, b })))
      .sort((x, y) => Number(y.b.timestamp - x.b.timestamp) || y.c.id - x.c.id)
      .slice(0, 10)
    replace(
      blocksBody,
      rows.map(({ c, b }) =>
        h(
          'tr',
          { 'data-block': String(b.number), 'data-block-chain': String(c.id) },
          h('td', null, h('a', { href: routes.chain(c.id) }, c.name)),
          h('td', null, h('a.mono', { href: routes.block(c.id, b.number) }, num(b.number))),
          h('td', null, String(b.txCount)),
          h('td.hide-sm', null, hex(b.hash, routes.block(c.id, b.hash))),
          h('td.muted', null, ago(b.timestamp)),
        ),
      ),
    )
  }
  const drawMessages = () => {
    const list = net.messageList().slice(0, 10)
    replace(messagesBody, list.length ? list.map((m) => messageRow(net, m)) : h('tr', null, h('td.empty', { colspan: 5 }, 'No cross-chain messages yet. Send one from the Bridge page.')))
    void prepareMessageUnits(net, list).then((read) => read && drawMessages())
  }
  const redrawBlocks = throttleFrame(drawBlocks)
  drawCards()
  drawBlocks()
  drawMessages()
  // A chain added with `plexus chain add` appears here without a reload.
  subs.add(net.on('chains', () => (drawCards(), drawBlocks())))
  subs.add(net.on('message', throttleFrame(drawMessages)))
  return subs.stop
}

function messageRow(net: Network, m: RpcMessage): HTMLElement {
  return h(
    'tr',
    { 'data-msg': m.msgHash },
    h('td', null, hex(m.msgHash, routes.message(m.msgHash))),
    h('td', null, `${Number(m.source)} → ${Number(m.destination)}`),
    h('td', null, messageSummary(net, m)),
    h('td', null, messageStatus(m)),
    h('td.muted', null, ago(BigInt(m.identifier.timestamp))),
  )
}

/** Coalesces bursts of events (every chain's head in the same slot) into one redraw per frame. */
export function throttleFrame(fn: () => void): () => void {
  let queued = false
  return () => {
    if (queued) return
    queued = true
    requestAnimationFrame(() => {
      queued = false
      fn()
    })
  }
}
