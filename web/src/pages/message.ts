import type { Hex } from 'viem'
import { decodeCall } from '../net/abis'
import type { Network } from '../net/network'
import type { RpcMessage } from '../net/registry'
import { h, replace } from '../ui/dom'
import { address, ago, argValue, dateTime, fields, hex, num, routes } from '../ui/format'
import { Subscriptions } from '../ui/live'
import { messageStatus } from '../ui/messageStatus'

/** One cross-chain message: its lifecycle (sent → relayed / failed), both transactions, the decoded call, why it failed, and a retry. */
export function messagePage(el: HTMLElement, net: Network, params: Record<string, string>): () => void {
  const subs = new Subscriptions()
  const hash = params.hash!.toLowerCase() as Hex
  const view = h('div', null, h('p.muted', null, 'Loading message …'))
  el.append(view)
  let current: RpcMessage | undefined = net.messages.get(hash)
  const draw = () => (current ? render(view, net, current) : replace(view, h('div.panel', null, h('h2', null, 'Message not found'), h('p.muted', null, `No chain of this network sent ${hash}.`))))
  if (current) draw()
  else
    void net.primary
      .request({ method: 'plexus_getMessage' as never, params: [hash] as never })
      .then((m) => ((current = (m as RpcMessage | null) ?? undefined), draw()))
      .catch((e: Error) => replace(view, h('p.error', null, e.message)))
  subs.add(
    net.on('message', (m) => {
      if (m.msgHash.toLowerCase() !== hash) return
      current = m
      draw()
    }),
  )
  return subs.stop
}

function render(el: HTMLElement, net: Network, m: RpcMessage): void {
  const src = Number(m.source)
  const dst = Number(m.destination)
  const call = decodeCall(m.target, m.message)
  const note = h('span.muted')
  const retry = h(
    'button.primary',
    {
      type: 'button',
      id: 'retry',
      onclick: async () => {
        retry.setAttribute('disabled', '')
        note.textContent = ' queued…'
        try {
          await net.primary.request({ method: 'plexus_retryMessage' as never, params: [m.msgHash] as never })
          note.textContent = ' The network relays it again in the next slot.'
        } catch (e) {
          note.textContent = ` ${(e as Error).message.split('\n')[0]}`
          retry.removeAttribute('disabled')
        }
      },
    },
    'Retry relay',
  )
  const relayedStep =
    m.status === 'relayed'
      ? h('div.step.done', null, h('h3', null, messageStatus(m), `on ${net.chain(dst)?.name ?? dst}`), m.destinationTx ? hex(m.destinationTx, routes.tx(dst, m.destinationTx)) : null, m.destinationBlock ? h('div.muted', null, `block ${num(BigInt(m.destinationBlock))}`) : null)
      : m.status === 'failed'
        ? h(
            'div.step.failed',
            null,
            h('h3', null, messageStatus(m), `on ${net.chain(dst)?.name ?? dst}`),
            h('div.reason', { 'data-failure': '' }, m.failure ?? 'the relay reverted'),
            m.destinationTx ? h('div', { style: 'margin-top:6px' }, 'Relay tx ', hex(m.destinationTx, routes.tx(dst, m.destinationTx))) : null,
            h('div', { style: 'margin-top:10px' }, retry, note),
          )
        : h('div.step', null, h('h3', null, messageStatus(m), 'waiting for the network to relay'), h('div.muted', null, `to ${net.chain(dst)?.name ?? dst}`))
  replace(
    el,
    h('div.page-head', null, h('h1', null, 'Cross-chain message'), h('span.sub', null, `${src} → ${dst}`), messageStatus(m)),
    h(
      'section.panel',
      null,
      h('h2', null, 'Lifecycle'),
      h(
        'div.lifecycle',
        null,
        h('div.step.done', null, h('h3', null, h('span.badge.ok', null, 'sent'), `on ${net.chain(src)?.name ?? src}`), hex(m.sourceTx, routes.tx(src, m.sourceTx)), h('div.muted', null, `block ${num(BigInt(m.identifier.blockNumber))} · ${ago(BigInt(m.identifier.timestamp))}`)),
        h('div.arrow', null, '→'),
        relayedStep,
      ),
    ),
    h(
      'section.panel',
      null,
      fields([
        ['Message hash', hex(m.msgHash, undefined, { full: true })],
        ['Sender', address(m.sender, src)],
        ['Target', address(m.target, dst)],
        ['Nonce', num(BigInt(m.nonce))],
        ['Sent at', dateTime(BigInt(m.identifier.timestamp))],
        ['Relay attempts', num(BigInt(m.relayAttempts))],
        ['Call', call ? h('span', null, h('span.tag', null, call.contract), h('strong.mono', null, call.functionName)) : h('span.mono.wrap', null, m.message.length > 202 ? `${m.message.slice(0, 202)}…` : m.message)],
        ...(call ? call.args.map((a) => [`  ${a.name}`, argValue(a.value, dst)] as [string, ReturnType<typeof argValue>]) : []),
      ]),
    ),
  )
}
