import type { Block, BlockHeader } from '@ethereumjs/block'
import type { TypedTransaction } from '@ethereumjs/tx'
import { equalsBytes } from '@ethereumjs/util'
import { decodeFunctionData, keccak256, type Hex } from 'viem'
import type { ChainReader } from '../execution/chainReader.js'
import { PREDEPLOYS } from '../execution/predeploys.js'
import type { StoredReceipt } from '../execution/receipts.js'
import { hexToBytes, toData } from '../primitives/hex.js'
import type { MessageIdentifier } from './identifier.js'
import { relayMessageAbi, relayedMessageFromLog, sentMessageFromLog, type SentMessage } from './messages.js'
import { callGasOfRelay, networkAllowance, relayGasPaidFromLog, type RelayGasPayment } from './relayPayment.js'

export type MessageStatus = 'sent' | 'relayed' | 'failed'

/** What `MessageTracker.list` selects; messages come in the order the tracker first saw them. */
export interface MessageQuery {
  /** Only messages in this state. */
  status?: MessageStatus
  /** Only messages whose sender or target is this address (lowercase or checksummed). */
  address?: Hex
  /** Only messages from or to this chain. */
  chainId?: bigint
  /** First index to return (ascending), or the last (descending). Default: the start of the order. */
  fromIndex?: number
  limit: number
  /** Newest first. */
  descending?: boolean
}

export type MessageListener = (message: TrackedMessage) => void

/** A cross-chain message and what became of it. */
export interface TrackedMessage extends SentMessage {
  /** Position in the order the tracker first saw messages (never reused, so a stable cursor). */
  index: number
  id: MessageIdentifier
  sourceTx: Hex
  status: MessageStatus
  /** The destination transaction that relayed it (status relayed), or the last one that failed. */
  destinationTx?: Hex
  destinationBlock?: bigint
  /** Why the last relay failed (status failed). */
  failure?: string
  /**
   * Relay attempts by the network (the sequencer's relayer): its relay transactions in the
   * destination's blocks (rebuilt from chain data), plus relays a block refused since this
   * process started (those leave no trace on chain).
   */
  attempts: number
  /** Set by a retry: the most gas the next relay gives the target (at most `relayGas`). */
  retryGasLimit?: bigint
  /** Gas paid for its relay on the source chain (RelayGasPaymaster), all payments together. */
  paidGas: bigint
  /**
   * The gas the network's next relay gives the target: what was paid, plus the network's
   * allowance for its own bridges' messages, less what the network's failed relays used.
   * 0: the network does not relay it (unpaid, or spent); anyone may relay it by hand.
   */
  relayGas: bigint
}

/** Where a chain's block recorded something, so a rewind can take it back. */
interface Placed {
  chainId: bigint
  blockNumber: bigint
}

export interface MessageTrackerOptions {
  /** The network relayer's address: its failed relays use up what was paid (others' do not). */
  relayer?: Hex
  /** The network slot of a chain's block (default: the block number, every chain's genesis in slot 0). */
  slotOf?: (chainId: bigint, blockNumber: bigint) => bigint
}

const MESSENGER = PREDEPLOYS.L2ToL2CrossDomainMessenger
const MESSENGER_BYTES = hexToBytes(MESSENGER)
const PAYMASTER = PREDEPLOYS.RelayGasPaymaster
const PAYMASTER_BYTES = hexToBytes(PAYMASTER)

/**
 * Follows every message sent through the L2ToL2CrossDomainMessenger of every chain of
 * the network, from the chains' committed blocks: `SentMessage` logs (sent),
 * `RelayedMessage` logs on the destination (relayed), and relay transactions that
 * reverted (failed). Everything here is derived from chain data, so on start-up it is
 * rebuilt by reading the chains, and after a rewind the affected messages go back to
 * what the remaining blocks say. The sequencer's relayer takes what is waiting from
 * `waitingFor`.
 *
 * The outcome of a relay in a block (relayed, or reverted) is recorded from that block
 * and nothing else: the one source a restart, a rewind and a hand relay all go through.
 * The slot that built the block adds only what no block can say: a reverted relay's
 * reason (`explainRevert`) and relays the block refused (`relayRefused`).
 */
export class MessageTracker {
  private readonly messages = new Map<Hex, TrackedMessage>()
  private readonly byTx = new Map<string, Hex[]>()
  /** keccak of a message's payload (what relayMessage takes) → its hash. */
  private readonly byPayload = new Map<Hex, Hex>()
  /** Per destination chain: messages the network has yet to relay, in the order sent. */
  private readonly waiting = new Map<bigint, Set<Hex>>()
  private readonly listeners = new Set<MessageListener>()
  /**
   * Relays seen before the message they deliver: chains are read one after the other at
   * start-up (and a destination may be read before the source), so a destination's
   * `RelayedMessage` (by message hash) or reverted relay (by payload hash, `p:` key) can
   * come first; the message takes it up when its `SentMessage` is seen.
   */
  private readonly early = new Map<string, { chainId: bigint; relayed: boolean; txHash: Hex; blockNumber: bigint }>()
  /**
   * The slot of the block that recorded a message's failed relay (the slot, not the
   * timestamp: several slots may share a second): a payment reopens the message only if
   * its slot is later, a top-up. A restart reads one chain after another, so a payment
   * made with the message (before the failure) may be read after it.
   */
  private readonly failedAt = new Map<Hex, bigint>()
  private nextIndex = 0
  /** Relay payments by message hash, whether or not the message is known (a contract may pay before it sends). */
  private readonly payments = new Map<Hex, (RelayGasPayment & Placed)[]>()
  /** The network relayer's failed relays by payload hash: the target gas each used up. */
  private readonly spent = new Map<Hex, (Placed & { gas: bigint })[]>()
  /** The network relayer's relay transactions in blocks (ok or reverted) by payload hash: its attempts. */
  private readonly networkRelays = new Map<Hex, Placed[]>()
  /** Relays of the network that a block refused (never on chain), by message hash. */
  private readonly refused = new Map<Hex, number>()
  private readonly relayer: Uint8Array | undefined
  private readonly slotOf: (chainId: bigint, blockNumber: bigint) => bigint

  constructor(options: MessageTrackerOptions = {}) {
    this.relayer = options.relayer ? hexToBytes(options.relayer) : undefined
    this.slotOf = options.slotOf ?? ((_chainId, blockNumber) => blockNumber)
  }

  /** Reads `chain` from block 1 to its head (start-up), then follows it. */
  follow(chain: ChainReader): () => void {
    const chainId = chain.chainId
    for (let n = 1n; n <= chain.headHeader().number; n++) {
      const block = chain.getBlockByNumber(n)
      if (block) this.observe(chainId, block, chain.getReceipts(block.hash()) ?? [])
    }
    const offBlock = chain.onBlock((block, receipts) => this.observe(chainId, block, receipts))
    const offRewind = chain.onRewind((head, removed) => this.onRewind(chainId, head, removed))
    return () => {
      offBlock()
      offRewind()
    }
  }

  get(msgHash: Hex): TrackedMessage | undefined {
    return this.messages.get(msgHash.toLowerCase() as Hex)
  }

  /** The messages a transaction sent, in log order. */
  sentBy(chainId: bigint, txHash: Hex): TrackedMessage[] {
    return (this.byTx.get(txKey(chainId, txHash)) ?? []).map((h) => this.messages.get(h)!).filter(Boolean)
  }

  /** Calls `listener` with a message each time one is first seen or its state changes. */
  onChange(listener: MessageListener): () => void {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  /** Every message so far (known to this tracker). */
  get size(): number {
    return this.messages.size
  }

  /** The messages `query` selects, in index order (or reversed), at most `limit`. */
  list(query: MessageQuery): TrackedMessage[] {
    const all = [...this.messages.values()]
    if (query.descending) all.reverse()
    const address = query.address?.toLowerCase()
    const out: TrackedMessage[] = []
    for (const m of all) {
      if (out.length >= query.limit) break
      if (query.fromIndex !== undefined && (query.descending ? m.index > query.fromIndex : m.index < query.fromIndex)) continue
      if (query.status && m.status !== query.status) continue
      if (query.chainId !== undefined && m.source !== query.chainId && m.destination !== query.chainId) continue
      if (address && m.sender.toLowerCase() !== address && m.target.toLowerCase() !== address) continue
      out.push(m)
    }
    return out
  }

  /** Messages to `chainId` the network should relay now, oldest first. */
  waitingFor(chainId: bigint): TrackedMessage[] {
    return [...(this.waiting.get(chainId) ?? [])].map((h) => this.messages.get(h)!)
  }

  /**
   * Why the relay transaction `txHash` of `msgHash` reverted (the target's revert reason,
   * from the slot that built it): the block records the failure, not its reason. Ignored
   * unless that transaction is the failure the tracker holds.
   */
  explainRevert(msgHash: Hex, txHash: Hex, reason: string): void {
    const m = this.messages.get(msgHash)
    if (!m || m.status !== 'failed' || m.destinationTx !== txHash || m.failure === reason) return
    m.failure = reason
    this.emit(m)
  }

  /**
   * A block refused the network's relay of `msgHash` (invalid there, or it could not be
   * signed): no block records it, so the slot reports it. Failed until retried or topped up.
   */
  relayRefused(msgHash: Hex, reason: string): void {
    const m = this.messages.get(msgHash)
    if (!m || m.status === 'relayed') return
    this.refused.set(msgHash, (this.refused.get(msgHash) ?? 0) + 1)
    delete m.retryGasLimit
    m.status = 'failed'
    m.failure = reason
    this.refresh(m)
    this.emit(m)
  }

  /** The network gives up relaying `msgHash` (it expired): failed, until retried. */
  markFailed(msgHash: Hex, reason: string): void {
    const m = this.messages.get(msgHash)
    if (!m || m.status === 'relayed') return
    m.status = 'failed'
    m.failure = reason
    this.waiting.get(m.destination)?.delete(msgHash)
    this.emit(m)
  }

  /**
   * Queues a failed (or not yet relayed) message for another relay by the network, with
   * an optional gas limit for it.
   */
  retry(msgHash: Hex, gasLimit?: bigint): TrackedMessage | undefined {
    const m = this.get(msgHash)
    if (!m || m.status === 'relayed') return m
    this.reopen(m)
    if (gasLimit !== undefined) m.retryGasLimit = gasLimit
    this.refresh(m)
    this.emit(m)
    return m
  }

  /**
   * The messages a block not yet committed (sealed earlier in the slot being built) sends,
   * as the tracker will record them once it is: what a later chain of the slot relays.
   * Nothing is recorded now.
   */
  sentIn(chainId: bigint, block: Block, receipts: readonly StoredReceipt[]): TrackedMessage[] {
    const sent: TrackedMessage[] = []
    const paidHere = new Map<Hex, RelayGasPayment[]>()
    for (const e of messengerEvents(chainId, block, receipts)) {
      if (e.kind === 'paid') paidHere.set(e.payment.msgHash, [...(paidHere.get(e.payment.msgHash) ?? []), e.payment])
      if (e.kind !== 'sent' || this.messages.has(e.sent.msgHash)) continue
      sent.push({ ...e.sent, index: -1, id: e.id, sourceTx: e.txHash(), status: 'sent', attempts: 0, paidGas: 0n, relayGas: 0n })
    }
    // Paid for in the same block (the usual case: sent and paid in one transaction) or before.
    for (const m of sent) this.budget(m, paidHere.get(m.msgHash) ?? [])
    return sent.filter((m) => m.relayGas > 0n)
  }

  private observe(chainId: bigint, block: Block, receipts: readonly StoredReceipt[]): void {
    for (const e of messengerEvents(chainId, block, receipts)) {
      if (e.kind === 'sent') this.onSent(e.sent, e.id, e.txHash())
      else if (e.kind === 'relayed') this.onRelayed(chainId, e.msgHash, e.tx, block.header.number)
      else if (e.kind === 'paid') this.onPaid(chainId, e.payment, block.header.number)
      else this.onFailedRelay(chainId, e.tx, block.header.number)
    }
  }

  private onSent(sent: SentMessage, id: MessageIdentifier, sourceTx: Hex): void {
    const existing = this.messages.get(sent.msgHash)
    // Re-sent (resendMessage) or seen again: the first identifier stays the one relays use
    // unless the message was never relayed, then the newest is as good.
    const record: TrackedMessage = existing ?? { ...sent, index: this.nextIndex++, id, sourceTx, status: 'sent', attempts: 0, paidGas: 0n, relayGas: 0n }
    if (!existing) {
      this.messages.set(sent.msgHash, record)
      this.byPayload.set(sent.payloadHash, sent.msgHash)
      const early = this.early.get(sent.msgHash) ?? this.early.get(`p:${sent.payloadHash}`)
      if (early && early.chainId === sent.destination) {
        this.early.delete(sent.msgHash)
        this.early.delete(`p:${sent.payloadHash}`)
        record.status = early.relayed ? 'relayed' : 'failed'
        record.destinationTx = early.txHash
        record.destinationBlock = early.blockNumber
        if (!early.relayed) {
          record.failure = 'the relay transaction reverted'
          this.failedAt.set(sent.msgHash, this.slotOf(early.chainId, early.blockNumber))
          this.reopenIfToppedUp(record)
        }
      }
      this.refresh(record)
      this.emit(record)
    }
    const key = txKey(id.chainId, sourceTx)
    const list = this.byTx.get(key) ?? []
    if (!list.includes(sent.msgHash)) list.push(sent.msgHash)
    this.byTx.set(key, list)
  }

  private onRelayed(chainId: bigint, msgHash: Hex, tx: TypedTransaction, blockNumber: bigint): void {
    const txHash = toData(tx.hash()) as Hex
    const payload = relayPayloadOf(tx)
    const byNetwork = payload !== undefined && this.isNetworkRelayer(tx)
    if (byNetwork) place(this.networkRelays, keccak256(payload), { chainId, blockNumber })
    const m = this.messages.get(msgHash)
    if (!m) {
      this.early.set(msgHash, { chainId, relayed: true, txHash, blockNumber })
      return
    }
    this.failedAt.delete(msgHash)
    m.status = 'relayed'
    m.destinationTx = txHash
    m.destinationBlock = blockNumber
    delete m.failure
    if (byNetwork) delete m.retryGasLimit
    this.refresh(m)
    this.emit(m)
  }

  /**
   * A payment on `chainId` for the relay of `payment.msgHash`: a message waiting for one is
   * queued, and one whose relay failed before it is queued again (a top-up is how a sender
   * retries with more gas).
   */
  private onPaid(chainId: bigint, payment: RelayGasPayment, blockNumber: bigint): void {
    this.payments.set(payment.msgHash, [...(this.payments.get(payment.msgHash) ?? []), { ...payment, chainId, blockNumber }])
    const m = this.messages.get(payment.msgHash)
    if (!m || m.source !== chainId || m.destination !== payment.destination) return
    if (m.status === 'failed' && !this.failedAt.has(m.msgHash)) this.reopen(m) // refused or expired: no block to compare with
    else this.reopenIfToppedUp(m)
    this.refresh(m)
    this.emit(m)
  }

  /** A failed message paid for again in a later slot than its failed relay: the sender's retry. */
  private reopenIfToppedUp(m: TrackedMessage): void {
    const failedAt = this.failedAt.get(m.msgHash)
    if (m.status !== 'failed' || failedAt === undefined) return
    const payments = this.payments.get(m.msgHash) ?? []
    if (payments.some((p) => p.chainId === m.source && p.destination === m.destination && this.slotOf(p.chainId, p.blockNumber) > failedAt)) this.reopen(m)
  }

  private reopen(m: TrackedMessage): void {
    this.failedAt.delete(m.msgHash)
    m.status = 'sent'
    delete m.failure
  }

  /** A reverted call of relayMessage: the message it carried failed (the reason comes from whoever ran it). */
  private onFailedRelay(chainId: bigint, tx: TypedTransaction, blockNumber: bigint): void {
    const payload = relayPayloadOf(tx)
    if (payload === undefined) return
    const txHash = toData(tx.hash()) as Hex
    const payloadHash = keccak256(payload)
    // The network's own failed relay used up the gas it gave the target (a hand relay by
    // someone else spends nothing the sender paid). Recorded before the message is known,
    // as payments are, since a restart may read the destination first.
    const byNetwork = this.isNetworkRelayer(tx)
    if (byNetwork) {
      const gas = callGasOfRelay(tx.gasLimit, tx.getIntrinsicGas(), (payload.length - 2) / 2)
      place(this.spent, payloadHash, { chainId, blockNumber, gas })
      place(this.networkRelays, payloadHash, { chainId, blockNumber })
    }
    const msgHash = this.byPayload.get(payloadHash)
    const m = msgHash && this.messages.get(msgHash)
    if (!m) {
      // A relay that succeeded later wins over this failure (see onSent).
      const key = `p:${payloadHash}`
      if (!this.early.has(key)) this.early.set(key, { chainId, relayed: false, txHash, blockNumber })
      return
    }
    if (m.status === 'relayed') {
      this.refresh(m)
      return
    }
    m.status = 'failed'
    this.failedAt.set(m.msgHash, this.slotOf(chainId, blockNumber))
    // The slot that built it tells the reason (explainRevert); after a restart it is gone.
    m.failure = 'the relay transaction reverted'
    m.destinationTx = txHash
    m.destinationBlock = blockNumber
    if (byNetwork) delete m.retryGasLimit
    this.reopenIfToppedUp(m)
    this.refresh(m)
    this.emit(m)
  }

  /** Forgets what the removed blocks said: their messages, or their relays. */
  private onRewind(chainId: bigint, head: BlockHeader, removed: readonly Block[]): void {
    if (removed.length === 0) return
    for (const [key, e] of this.early) if (e.chainId === chainId && e.blockNumber > head.number) this.early.delete(key)
    const gone = (p: Placed) => p.chainId === chainId && p.blockNumber > head.number
    for (const map of [this.payments, this.spent, this.networkRelays] as Map<Hex, Placed[]>[]) {
      for (const [key, list] of map) {
        const left = list.filter((p) => !gone(p))
        if (left.length === list.length) continue
        if (left.length > 0) map.set(key, left)
        else map.delete(key)
      }
    }
    for (const [hash, m] of this.messages) {
      if (m.source === chainId && m.id.blockNumber > head.number) {
        this.messages.delete(hash)
        this.failedAt.delete(hash)
        this.byPayload.delete(m.payloadHash)
        this.waiting.get(m.destination)?.delete(hash)
        const key = txKey(chainId, m.sourceTx)
        const left = (this.byTx.get(key) ?? []).filter((h) => h !== hash)
        if (left.length > 0) this.byTx.set(key, left)
        else this.byTx.delete(key)
      } else if (m.destination === chainId && m.destinationBlock !== undefined && m.destinationBlock > head.number) {
        m.status = 'sent'
        this.failedAt.delete(hash)
        delete m.destinationTx
        delete m.destinationBlock
        delete m.failure
        this.refresh(m)
        this.emit(m)
      } else if (m.source === chainId || m.destination === chainId) {
        // Its payments (source) or the network's failed relays (destination) may be gone.
        const before = [m.relayGas, m.attempts]
        this.refresh(m)
        if (m.relayGas !== before[0] || m.attempts !== before[1]) this.emit(m)
      }
    }
  }

  /**
   * Sets `m.paidGas` and `m.relayGas` from the payments on its source chain for its
   * destination (and `extra`, payments of a block not yet committed), the network's
   * allowance, and the gas the network's failed relays of it used up; and `m.attempts`
   * from the network's relays of it.
   */
  private budget(m: TrackedMessage, extra: readonly RelayGasPayment[] = []): void {
    let paid = 0n
    for (const p of [...(this.payments.get(m.msgHash) ?? []).filter((p) => p.chainId === m.source), ...extra]) {
      if (p.destination === m.destination) paid += p.gasLimit
    }
    let spent = 0n
    for (const s of this.spent.get(m.payloadHash) ?? []) if (s.chainId === m.destination) spent += s.gas
    const left = paid + networkAllowance(m) - spent
    let relays = 0
    for (const r of this.networkRelays.get(m.payloadHash) ?? []) if (r.chainId === m.destination) relays++
    m.attempts = relays + (this.refused.get(m.msgHash) ?? 0)
    m.paidGas = paid
    m.relayGas = left > 0n ? left : 0n
    if (m.retryGasLimit !== undefined && m.retryGasLimit > m.relayGas) delete m.retryGasLimit
  }

  /** Recomputes `m`'s budget and whether the network relays it: only a sent message with gas to relay it. */
  private refresh(m: TrackedMessage): void {
    this.budget(m)
    if (m.status === 'sent' && m.relayGas > 0n) this.waitingSet(m.destination).add(m.msgHash)
    else this.waiting.get(m.destination)?.delete(m.msgHash)
  }

  /** Whether the network's relayer signed `tx` (recovers the sender: call only for relay transactions). */
  private isNetworkRelayer(tx: TypedTransaction): boolean {
    return this.relayer !== undefined && equalsBytes(tx.getSenderAddress().bytes, this.relayer)
  }

  private emit(m: TrackedMessage): void {
    for (const listener of this.listeners) listener(m)
  }

  private waitingSet(chainId: bigint): Set<Hex> {
    let set = this.waiting.get(chainId)
    if (!set) this.waiting.set(chainId, (set = new Set()))
    return set
  }
}

type MessengerEvent =
  | { kind: 'sent'; sent: SentMessage; id: MessageIdentifier; txHash: () => Hex }
  | { kind: 'relayed'; msgHash: Hex; tx: TypedTransaction }
  /** A RelayGasPaymaster payment. */
  | { kind: 'paid'; payment: RelayGasPayment }
  /** A transaction that reverted (a relay of a message, if it called relayMessage). */
  | { kind: 'reverted'; tx: TypedTransaction }

/** What a block's messenger logs and reverted transactions say, in block order. */
function* messengerEvents(chainId: bigint, block: Block, receipts: readonly StoredReceipt[]): Generator<MessengerEvent> {
  let logIndex = 0
  for (const [i, tx] of block.transactions.entries()) {
    const receipt = receipts[i]
    if (!receipt) continue
    // Hashed only for a transaction that touched the messenger (hashing every tx would cost a keccak each).
    const txHash = () => toData(tx.hash()) as Hex
    for (const [address, topics, data] of receipt.logs) {
      const index = logIndex++
      // Runs on every committed block: only the messenger's and the paymaster's logs are decoded.
      if (equalsBytes(address, PAYMASTER_BYTES)) {
        const payment = relayGasPaidFromLog({ address: PAYMASTER, topics: topics.map((t) => toData(t) as Hex), data: toData(data) as Hex })
        if (payment) yield { kind: 'paid', payment }
        continue
      }
      if (!equalsBytes(address, MESSENGER_BYTES)) continue
      const log = { address: MESSENGER as Hex, topics: topics.map((t) => toData(t) as Hex), data: toData(data) as Hex }
      const sent = sentMessageFromLog(chainId, log)
      if (sent) {
        yield { kind: 'sent', sent, id: { origin: MESSENGER, blockNumber: block.header.number, logIndex: index, timestamp: block.header.timestamp, chainId }, txHash }
        continue
      }
      const relayed = relayedMessageFromLog(log)
      if (relayed) yield { kind: 'relayed', msgHash: relayed.msgHash, tx: tx as TypedTransaction }
    }
    if (receipt.status === 0) yield { kind: 'reverted', tx: tx as TypedTransaction }
  }
}

/** The payload a direct call of the messenger's `relayMessage` carries; undefined for any other transaction. */
function relayPayloadOf(tx: TypedTransaction): Hex | undefined {
  if (!tx.to || !equalsBytes(tx.to.bytes, MESSENGER_BYTES)) return undefined
  try {
    const call = decodeFunctionData({ abi: relayMessageAbi, data: toData(tx.data) as Hex })
    return call.functionName === 'relayMessage' ? (call.args as readonly [unknown, Hex])[1] : undefined
  } catch {
    return undefined
  }
}

function place<T extends Placed>(map: Map<Hex, T[]>, key: Hex, entry: T): void {
  map.set(key, [...(map.get(key) ?? []), entry])
}

function txKey(chainId: bigint, txHash: Hex): string {
  return `${chainId}:${txHash.toLowerCase()}`
}
