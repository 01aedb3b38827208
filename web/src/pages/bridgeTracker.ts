import type { Hex, TransactionReceipt } from 'viem'
import { abi } from '../net/abis'
import { errorText } from '../net/errors'
import { throttle, type ChainConn, type Network } from '../net/network'
import type { RpcDeposit, RpcMessage, RpcWithdrawal } from '../net/registry'
import { walletFor, type Signer } from '../net/wallet'
import { h, replace, type Child } from '../ui/dom'
import { amount, dateTime, hex, routes } from '../ui/format'
import { Subscriptions } from '../ui/live'

/** A transfer the bridge sent: everything the tracker needs, also read back from the URL. */
export interface Transfer {
  kind: 'interop' | 'deposit' | 'withdrawal'
  from: number
  to: number
  tx: Hex
  amount: bigint
  symbol: string
  decimals: number
  token?: Hex
  recipient: Hex
}

type StepState = 'done' | 'active' | 'pending' | 'failed'
interface Step {
  label: string
  detail?: Child
  state: StepState
}

/**
 * Follows a transfer until the funds arrive: live from the chains' events (message
 * updates, new heads), never by a timer. The element's `data-stage` is the newest stage
 * reached (`arrived` at the end, `failed` when it cannot go on without the user).
 */
export function trackTransfer(el: HTMLElement, net: Network, t: Transfer, signer: () => Signer | undefined, onChange: () => void): () => void {
  const subs = new Subscriptions()
  const src = net.chain(t.from)
  const dst = net.chain(t.to)
  if (!src || !dst) {
    replace(el, h('p.error', null, `Chain ${!src ? t.from : t.to} is not part of this network.`))
    return subs.stop
  }
  const title = h('h2', null, `${amount(t.amount, t.symbol, t.decimals)} · ${src.name} → ${dst.name}`)
  const list = h('ol.tracker')
  replace(el, title, list)
  const draw = (stage: string, steps: Step[]) => {
    el.dataset.stage = stage
    replace(
      list,
      steps.map((s) => h('li', { class: s.state, 'data-state': s.state }, h('span.dot'), h('div.what', null, h('strong', null, s.label), s.detail ? h('small', null, s.detail) : null))),
    )
    onChange()
  }
  const sent: Step = { label: `Sent on ${src.name}`, detail: hex(t.tx, routes.tx(src.id, t.tx)), state: 'active' }
  draw('sending', [sent])

  void waitReceipt(src, t.tx, subs).then((receipt) => {
    if (receipt.status !== 'success') {
      draw('failed', [{ ...sent, state: 'failed', detail: h('span', null, 'The transaction reverted. ', h('a', { href: routes.tx(src.id, t.tx) }, 'See why')) }])
      return
    }
    sent.state = 'done'
    if (t.kind === 'interop') followMessage(net, src, dst, t, sent, draw, subs)
    else if (t.kind === 'deposit') followDeposit(net, dst, t, sent, draw, subs)
    else followWithdrawal(net, src, t, sent, draw, subs, signer)
  })
  return subs.stop
}

/**
 * The receipt, looked up at once and again on each new head of the chain (its newHeads
 * subscription): found in the slot that includes it, with no polling interval to wait out
 * (viem's waitForTransactionReceipt polls every 4 s on a chain without a block time).
 */
function waitReceipt(c: ChainConn, hash: Hex, subs: Subscriptions): Promise<TransactionReceipt> {
  return new Promise((resolve) => {
    let done = false
    const check = () =>
      void c.client.getTransactionReceipt({ hash }).then(
        (r) => {
          if (done) return
          done = true
          off()
          resolve(r)
        },
        () => undefined, // not included yet: the next head asks again
      )
    const off = c.on('head', check)
    subs.add(off)
    check()
  })
}

function followMessage(net: Network, src: ChainConn, dst: ChainConn, t: Transfer, sent: Step, draw: (stage: string, s: Step[]) => void, subs: Subscriptions): void {
  let msgHash: Hex | undefined
  const render = (m: RpcMessage | undefined) => {
    if (!m) return draw('sent', [sent, { label: 'Cross-chain message', state: 'active', detail: 'waiting for the message …' }])
    const message: Step = { label: 'Message sent', state: 'done', detail: hex(m.msgHash, routes.message(m.msgHash)) }
    if (m.status === 'failed') {
      return draw('failed', [
        sent,
        message,
        { label: `Relay on ${dst.name} failed`, state: 'failed', detail: h('span', null, m.failure ?? 'reverted', ' · ', h('a', { href: routes.message(m.msgHash) }, m.autoRelay === false ? 'details, top up or relay by hand' : 'details and retry')) },
      ])
    }
    if (m.status === 'sent') return draw('relaying', [sent, message, { label: `Relaying to ${dst.name}`, state: 'active', detail: 'the network relays it in the same or the next slot' }, { label: 'Arrived', state: 'pending' }])
    draw('arrived', [
      sent,
      message,
      { label: `Relayed on ${dst.name}`, state: 'done', detail: m.destinationTx ? hex(m.destinationTx, routes.tx(dst.id, m.destinationTx)) : undefined },
      { label: 'Arrived', state: 'done', detail: `${amount(t.amount, t.symbol, t.decimals)} credited to ${t.recipient.slice(0, 10)}… on ${dst.name}` },
    ])
  }
  subs.add(net.on('message', (m) => m.msgHash === msgHash && render(m)))
  void src.client
    .request({ method: 'plexus_getMessagesByTx' as never, params: [`0x${src.id.toString(16)}`, t.tx] as never })
    .then((r) => {
      const m = (r as RpcMessage[])[0]
      msgHash = m?.msgHash
      // The subscription may have seen a newer state already.
      render(msgHash ? (net.messages.get(msgHash) ?? m) : undefined)
    })
}

function followDeposit(net: Network, dst: ChainConn, t: Transfer, sent: Step, draw: (stage: string, s: Step[]) => void, subs: Subscriptions): void {
  let done = false
  const check = async () => {
    if (done) return
    const [d] = (await dst.client.request({ method: 'plexus_listDeposits' as never, params: [{ l1TxHash: t.tx, limit: 1 }] as never })) as RpcDeposit[]
    if (!d || d.status === 'pending') {
      return draw('deposited', [sent, { label: `Waiting for ${dst.name} to include it`, state: 'active', detail: 'the rollup picks up L1 deposits within a few L1 blocks' }, { label: 'Arrived', state: 'pending' }])
    }
    done = true
    if (d.l2Success === false) return draw('failed', [sent, { label: `Deposit reverted on ${dst.name}`, state: 'failed', detail: hex(d.l2TxHash, routes.tx(dst.id, d.l2TxHash)) }])
    draw('arrived', [sent, { label: `Included on ${dst.name}`, state: 'done', detail: hex(d.l2TxHash, routes.tx(dst.id, d.l2TxHash)) }, { label: 'Arrived', state: 'done', detail: `${amount(BigInt(d.mint), t.symbol, t.decimals)} on ${dst.name}` }])
  }
  void check()
  subs.add(dst.on('head', throttle(() => void check().catch(() => undefined), net.slotMs)))
}

function followWithdrawal(
  net: Network,
  src: ChainConn,
  t: Transfer,
  sent: Step,
  draw: (stage: string, s: Step[]) => void,
  subs: Subscriptions,
  signer: () => Signer | undefined,
): void {
  const l1 = net.l1!
  let busy = ''
  let error = ''
  let latest: RpcWithdrawal | undefined
  const l1Action = async (what: 'prove' | 'finalize', w: RpcWithdrawal) => {
    const s = signer()
    if (!s) return void ((error = 'Choose an account above to sign on L1'), render())
    busy = what
    error = ''
    render()
    try {
      const wallet = await walletFor(s, l1)
      const portal = net.registry!.l1.contracts.Portal!
      const withdrawal = {
        nonce: BigInt(w.withdrawal.nonce),
        sender: w.withdrawal.sender,
        target: w.withdrawal.target,
        value: BigInt(w.withdrawal.value),
        gasLimit: BigInt(w.withdrawal.gasLimit),
        data: w.withdrawal.data,
      }
      const base = { account: wallet.account!, chain: l1.viemChain, address: portal, abi: abi('Portal') }
      const hash =
        what === 'prove'
          ? await wallet.writeContract({ ...base, functionName: 'proveWithdrawal', args: [BigInt(src.id), withdrawal, BigInt(w.proof!.outputIndex), w.proof!.outputRootProof, w.proof!.withdrawalProof] })
          : await wallet.writeContract({ ...base, functionName: 'finalizeWithdrawal', args: [BigInt(src.id), withdrawal] })
      const receipt = await waitReceipt(l1, hash, subs)
      if (receipt.status !== 'success') error = `${what} reverted on L1 (${hash})`
    } catch (e) {
      error = errorText(e)
    }
    busy = ''
    await check()
  }
  const render = () => {
    const w = latest
    if (!w) return draw('sent', [sent, { label: 'Reading the withdrawal …', state: 'active' }])
    const order = ['initiated', 'ready-to-prove', 'proven', 'finalizable', 'finalized']
    const at = order.indexOf(w.stage)
    const state = (i: number): StepState => (at > i ? 'done' : at === i ? 'active' : 'pending')
    const err = error ? h('span.error', null, error) : null
    const button = (label: string, what: 'prove' | 'finalize') =>
      h('button.primary', { type: 'button', id: what, disabled: busy !== '', onclick: () => void l1Action(what, w), style: 'margin-top:6px;width:auto' }, busy === what ? `${label} …` : label)
    const steps: Step[] = [
      sent,
      { label: 'Output root on L1', state: state(0), detail: w.output ? `output ${Number(w.output.index)} covers L2 block ${Number(w.output.l2BlockNumber)}` : 'the proposer posts one every few blocks, once they are batched' },
      { label: 'Prove on L1', state: state(1), detail: w.stage === 'ready-to-prove' ? h('span', null, button('Prove withdrawal', 'prove'), ' ', err) : w.provenAt ? `proven at ${dateTime(BigInt(w.provenAt))}` : undefined },
      { label: 'Challenge window', state: state(2), detail: w.finalizableAt ? `finalizable at ${dateTime(BigInt(w.finalizableAt))}` : undefined },
      { label: 'Finalize on L1', state: state(3), detail: w.stage === 'finalizable' ? h('span', null, button('Finalize withdrawal', 'finalize'), ' ', err) : undefined },
      { label: 'Arrived', state: w.stage === 'finalized' ? 'done' : 'pending', detail: w.stage === 'finalized' ? `${amount(BigInt(w.withdrawal.value), t.symbol, t.decimals)} on L1` : undefined },
    ]
    draw(w.stage === 'finalized' ? 'arrived' : w.stage, steps)
  }
  const check = async () => {
    const [w] = (await src.client.request({ method: 'plexus_getWithdrawal' as never, params: [t.tx] as never })) as RpcWithdrawal[]
    latest = w
    render()
  }
  void check()
  // Every stage change happens in an L1 block (an output, a proof, time passing): follow L1 heads.
  subs.add(l1.on('head', throttle(() => void (busy ? undefined : check().catch(() => undefined)), net.slotMs)))
}
