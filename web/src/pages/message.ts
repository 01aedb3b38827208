import type { Hex } from 'viem'
import { abi, contractName, decodeCall } from '../net/abis'
import { identify } from '../net/userAbis'
import { errorText, isMethodClosed } from '../net/errors'
import type { Network } from '../net/network'
import type { RpcMessage } from '../net/registry'
import { loadDevAccounts, walletFor } from '../net/wallet'
import { h, replace } from '../ui/dom'
import { address, ago, argValue, dateTime, fields, hex, num, routes } from '../ui/format'
import { Subscriptions } from '../ui/live'
import { messageSummary } from '../ui/messageSummary'
import { prepareMessageUnits } from '../net/messageInfo'
import { messageStatus } from '../ui/messageStatus'

/**
 * One cross-chain message: its lifecycle (sent → relayed / failed), both transactions, the
 * decoded call, why it failed, its relay payment, and what can deliver it now: a retry
 * while paid gas is left, else a top-up (payForRelay) or a relay by hand.
 */
export function messagePage(el: HTMLElement, net: Network, params: Record<string, string>): () => void {
  const subs = new Subscriptions()
  const hash = params.hash!.toLowerCase() as Hex
  const view = h('div', null, h('p.muted', null, 'Loading message …'))
  el.append(view)
  let current: RpcMessage | undefined = net.messages.get(hash)
  const draw = (): void => {
    if (!current) return void replace(view, h('div.panel', null, h('h2', null, 'Message not found'), h('p.muted', null, `No chain of this network sent ${hash}.`)))
    render(view, net, current)
    // A token transfer's units are read from the token once; drawn again when known.
    void prepareMessageUnits(net, [current]).then((read) => read && draw())
    // A user contract target (--abi-dir): its call is decoded once its code matches an artifact.
    const dst = net.chain(Number(current.destination))
    const target = current.target
    if (dst && !contractName(target, dst.id)) void identify(dst, [target]).then(() => contractName(target, dst.id) && draw())
  }
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

/** The paymaster predeploy (docs/rpc.md "Relay payments"). */
const PAYMASTER = '0x4200000000000000000000000000000000000029' as Hex
/** Gas a top-up from the page pays for: enough for a typical target, well under the per-message cap. */
const TOP_UP_GAS = 200_000n

function render(el: HTMLElement, net: Network, m: RpcMessage): void {
  const src = Number(m.source)
  const dst = Number(m.destination)
  const call = decodeCall(m.target, m.message, dst)
  const relayGas = BigInt(m.relayGas ?? '0x0')
  const paidGas = BigInt(m.paidGas ?? '0x0')
  // Nothing paid is left: the network will not relay it (again) until someone pays or relays it by hand.
  const stuck = m.status !== 'relayed' && m.autoRelay === false
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
            stuck ? h('div.muted', { style: 'margin-top:10px' }, 'The failed relay used up the gas paid for it: see "Deliver it" below.') : retryButton(net, m),
          )
        : stuck
          ? h('div.step', null, h('h3', null, messageStatus(m), 'not relayed by the network'), h('div.muted', null, `nothing was paid for its relay to ${net.chain(dst)?.name ?? dst}: see "Deliver it" below`))
          : h('div.step', null, h('h3', null, messageStatus(m), 'waiting for the network to relay'), h('div.muted', null, `to ${net.chain(dst)?.name ?? dst}`))
  const relayPaid =
    paidGas > 0n ? `${num(paidGas)} gas paid` : relayGas > 0n ? 'nothing paid (a network bridge: relayed on the network\'s allowance)' : 'nothing paid'
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
        ['What', messageSummary(net, m)],
        ['Sender', address(m.sender, src)],
        ['Target', address(m.target, dst)],
        ['Nonce', num(BigInt(m.nonce))],
        ['Sent at', dateTime(BigInt(m.identifier.timestamp))],
        ['Relay attempts', num(BigInt(m.relayAttempts))],
        ['Relay payment', h('span', { 'data-relay-gas': relayGas.toString(), 'data-paid-gas': paidGas.toString() }, relayPaid, m.status === 'relayed' ? null : h('span.muted', null, ` · ${num(relayGas)} left for the next relay`))],
        ['Call', call ? h('span', null, h('span.tag', null, call.contract), h('strong.mono', null, call.functionName)) : h('span.mono.wrap', null, m.message.length > 202 ? `${m.message.slice(0, 202)}…` : m.message)],
        ...(call ? call.args.map((a) => [`  ${a.name}`, argValue(a.value, dst)] as [string, ReturnType<typeof argValue>]) : []),
      ]),
    ),
    stuck ? deliverPanel(net, m) : null,
  )
}

/** Retry relay (plexus_retryMessage): the network relays it again with what is left of the paid gas. An operator method: a node may keep it closed. */
function retryButton(net: Network, m: RpcMessage): HTMLElement {
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
          note.textContent = isMethodClosed(e)
            ? ' Retrying is an operator method, closed on this network\'s RPC (start it with `plexus up --rpc-expose operator`). A top-up (payForRelay) queues it again by itself.'
            : ` ${errorText(e)}`
          retry.removeAttribute('disabled')
        }
      },
    },
    'Retry relay',
  )
  return h('div', { style: 'margin-top:10px' }, retry, note)
}

/**
 * What delivers a message the network will not relay: a top-up on its source chain (the
 * network relays it in the slot after the payment), or a relay by hand on its destination
 * (plexus_relayMessageTx builds the transaction). On a dev network the page pays with a dev
 * account in one click.
 */
function deliverPanel(net: Network, m: RpcMessage): HTMLElement {
  const src = Number(m.source)
  const dst = Number(m.destination)
  const srcName = net.chain(src)?.name ?? String(src)
  const dstName = net.chain(dst)?.name ?? String(dst)
  const note = h('div.muted', { 'data-pay-note': '' })
  const handTx = h('pre.mono.wrap', { hidden: true, 'data-hand-relay': '' })
  const pay = h(
    'button.primary',
    {
      type: 'button',
      id: 'pay',
      onclick: async () => {
        const c = net.chain(src)
        if (!c) return
        pay.setAttribute('disabled', '')
        note.textContent = 'Paying …'
        try {
          const signer = { kind: 'dev' as const, index: 0, account: (await loadDevAccounts())[0]! }
          const wallet = await walletFor(signer, c)
          const quote = (await c.client.readContract({ address: PAYMASTER, abi: abi('RelayGasPaymaster'), functionName: 'quoteRelay', args: [BigInt(dst), TOP_UP_GAS] })) as bigint
          // twice the quote: the base fee may rise before inclusion; the paymaster refunds the rest
          const hash = await wallet.writeContract({ account: wallet.account!, chain: c.viemChain, address: PAYMASTER, abi: abi('RelayGasPaymaster'), functionName: 'payForRelay', args: [m.msgHash, BigInt(dst), TOP_UP_GAS], value: quote * 2n })
          note.textContent = `Paid in ${hash.slice(0, 10)}…: the network relays it in the slot after the payment.`
        } catch (e) {
          note.textContent = errorText(e)
          pay.removeAttribute('disabled')
        }
      },
    },
    `Pay for ${num(TOP_UP_GAS)} gas with dev account 0`,
  )
  const show = h(
    'button',
    {
      type: 'button',
      id: 'hand-relay',
      onclick: async () => {
        try {
          const tx = await net.primary.request({ method: 'plexus_relayMessageTx' as never, params: [m.msgHash] as never })
          handTx.textContent = JSON.stringify(tx, null, 2)
        } catch (e) {
          handTx.textContent = errorText(e)
        }
        handTx.hidden = false
      },
    },
    'Show the relay transaction',
  )
  return h(
    'section.panel',
    { 'data-relay-help': '' },
    h('h2', null, 'Deliver it'),
    h('p', null, `The network relays a message only with gas paid for its relay on its source chain, ${srcName}; nothing paid is left for this one. Either:`),
    h(
      'ol',
      null,
      h(
        'li',
        null,
        h('strong', null, 'Top up: '),
        `call payForRelay(${m.msgHash.slice(0, 10)}…, ${dst}, gasLimit) on the RelayGasPaymaster (${PAYMASTER}) on ${srcName}, with at least quoteRelay(${dst}, gasLimit) in value (the rest is refunded). The network relays it in the slot after the payment.`,
        net.dev ? h('div', { style: 'margin-top:6px' }, pay, note) : null,
      ),
      h(
        'li',
        null,
        h('strong', null, 'Relay it yourself: '),
        `plexus_relayMessageTx("${m.msgHash.slice(0, 10)}…") gives the transaction to sign and send on ${dstName} (estimate its gas with eth_estimateGas on the same fields); its sender pays the gas.`,
        h('div', { style: 'margin-top:6px' }, show, handTx),
      ),
    ),
  )
}
