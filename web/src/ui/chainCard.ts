import type { ChainConn } from '../net/network'
import { h, replace } from './dom'
import { num, routes } from './format'

/** The live card of one chain on the network view: head, block time, TPS, gas, settlement heads, what L1 still owes. */
export function chainCard(c: ChainConn, slotTimeMs: number | undefined): { el: HTMLElement; update(): void } {
  const pulse = h('span.pulse')
  const body = h('div')
  const el = h(
    'a.panel.card',
    { href: routes.chain(c.id), 'data-chain': c.id },
    h('div.title', null, pulse, h('strong', null, c.name), h('span', { class: `badge ${c.kind === 'l1' ? 'info' : 'neutral'}` }, c.kind === 'l1' ? 'L1' : 'rollup'), h('span.id.muted.mono', null, `#${c.id}`)),
    body,
  )
  const update = () => {
    const head = c.head
    const s = c.sync
    const gasPct = head && head.gasLimit > 0n ? Number((head.gasUsed * 10000n) / head.gasLimit) / 100 : 0
    const bt = c.blockTime()
    const slot = c.kind === 'l2' && slotTimeMs ? `${slotTimeMs} ms` : bt !== undefined ? `${bt.toFixed(1)} s` : '—'
    const n = (x: `0x${string}` | undefined | null) => (x ? num(BigInt(x)) : '—')
    replace(
      body,
      h('div.head', { 'data-head': head ? String(head.number) : '' }, head ? num(head.number) : '—', h('small', null, 'head')),
      h('div.meter', { title: `gas used ${gasPct}%` }, h('i', { style: `width:${Math.min(100, gasPct)}%` })),
      h(
        'div.stats',
        null,
        h('div', null, h('span', null, c.kind === 'l2' ? 'Slot' : 'Block time'), h('span', null, slot)),
        h('div', null, h('span', null, 'TPS'), h('span', { 'data-tps': '' }, c.tps().toFixed(1))),
        h('div', null, h('span', null, 'Gas used'), h('span', null, head ? `${gasPct.toFixed(1)}%` : '—')),
        h('div', null, h('span', null, 'Txs (last)'), h('span', null, head ? String(head.txCount) : '—')),
        c.kind === 'l2'
          ? [
              h('div', null, h('span', null, 'Safe'), h('span', { 'data-safe': '' }, n(s?.safe?.number))),
              h('div', null, h('span', null, 'Finalized'), h('span', null, n(s?.finalized?.number))),
              h('div', { title: 'blocks produced but not yet in a batch on L1' }, h('span', null, 'To batch'), h('span', null, s?.unbatchedBlocks ? `${num(BigInt(s.unbatchedBlocks))} blk` : '—')),
              h(
                'div',
                { title: s?.nextOutput ? `newest output root on L1; the next covers block ${n(s.nextOutput)}${s.outputDue ? ' and is due now' : ''}` : 'newest output root on L1' },
                h('span', null, 'Output'),
                h('span', null, s ? n(s.latestOutput) : '—'),
              ),
            ]
          : null,
      ),
    )
    pulse.classList.remove('live')
    void pulse.offsetWidth // restart the animation
    pulse.classList.add('live')
  }
  update()
  return { el, update }
}
