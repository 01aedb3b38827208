import type { Common } from '@ethereumjs/common'
import { decodeStoredBlock } from '../execution/chain.js'
import { decodeWithKnownSender } from '../execution/decodeTx.js'
import type { PooledTx } from '../execution/pooledTx.js'
import { unpackReceipts } from '../execution/receipts.js'
import { toData, type Hex } from '../primitives/hex.js'
import type { ChainExecutor, ExecutorStatus, Rewound, SealedPayload } from '../sequencer/chainExecutor.js'
import type { BundleLegResult, OpenedPayload, PayloadAttributes, SealedDigests, SignedRelay } from '../sequencer/payloadBuilder.js'
import type { RelayOutcome } from '../sequencer/slotBuilder.js'
import type { RpcPeer } from './peer.js'
import {
  decodeLegResult,
  decodeOpened,
  decodePayload,
  decodeRelayOutcomes,
  decodeRewound,
  decodeStatus,
  encodeRestoreToPool,
  encodeRewind,
  MAX_SEND_BATCH,
  MAX_SEND_BATCH_BYTES,
  RESTORE_TO_POOL,
  REWIND,
  encodeBundleLeg,
  encodeGetPayload,
  encodeHello,
  encodeOpen,
  encodeRelays,
  EXECUTOR_HELLO,
  METHODS,
  PROTOCOL_VERSION,
  ProtocolVersionError,
  type WireRelayOutcome,
} from './protocol.js'

/**
 * A chain whose executor runs elsewhere (a worker thread, another process), driven over
 * the executor protocol: the coordinator's side of `executorHandlers`.
 */
export class RemoteExecutor implements ChainExecutor {
  private payloadId: Hex | undefined
  /** The relays handed over for the payload in progress, by message: outcomes come back by hash. */
  private readonly relays = new Map<Hex, PooledTx>()

  constructor(
    readonly chainId: bigint,
    private readonly common: Common,
    private readonly peer: RpcPeer,
    /** The executor's head block hash (from its hello; updated on each commit). */
    private head: Hex,
  ) {}

  async openPayload(a: PayloadAttributes): Promise<OpenedPayload> {
    this.relays.clear()
    const wire = {
      slot: a.slot,
      timestamp: a.timestamp,
      suggestedFeeRecipient: a.coinbase,
      ...(a.gasLimit !== undefined ? { gasLimit: a.gasLimit } : {}),
      transactions: (a.deposits ?? []).map((d) => d.serialize()),
      ...(a.l1Fee ? { l1Fee: a.l1Fee } : {}),
      ...(a.maxTxDataBytes !== undefined ? { maxTxDataBytes: a.maxTxDataBytes } : {}),
      ...(a.depositsOnly ? { depositsOnly: true } : {}),
      ...(a.sameSlotReserve ? { sameSlotReserve: a.sameSlotReserve } : {}),
    }
    const opened = decodeOpened(await this.peer.request(METHODS.forkchoiceUpdated, encodeOpen(this.head, wire)))
    this.payloadId = opened.payloadId
    return { number: opened.number, timestamp: opened.timestamp, baseFee: opened.baseFee, gasLimit: opened.gasLimit, relayerNonce: opened.relayerNonce }
  }

  async applyBundleLeg(txs: readonly PooledTx[]): Promise<BundleLegResult> {
    return decodeLegResult(await this.peer.request(METHODS.bundleLeg, encodeBundleLeg(this.id(), txs.map((t) => ({ raw: t.raw, sender: t.sender })))))
  }

  async settleBundle(keep: boolean): Promise<void> {
    await this.peer.request(METHODS.settleBundle, [this.id(), keep])
  }

  async fill(relays: readonly SignedRelay[]): Promise<RelayOutcome[]> {
    const result = await this.peer.request(METHODS.fill, [this.id(), encodeRelays(this.remember(relays))])
    return decodeRelayOutcomes(result, METHODS.fill).map((o) => this.outcome(o))
  }

  async sealPayload(relays: readonly SignedRelay[], sealed: SealedDigests): Promise<SealedPayload> {
    const digests = [...sealed].map(([chainId, d]) => ({ chainId, number: d.number, timestamp: d.timestamp, logs: d.logs }))
    const p = decodePayload(await this.peer.request(METHODS.getPayload, encodeGetPayload(this.id(), this.remember(relays), digests)))
    const block = decodeStoredBlock(p.header, p.body, this.common)
    if (toData(block.hash()) !== p.blockHash) throw new Error(`chain ${this.chainId}: the executor's payload hashes to ${toData(block.hash())}, not the ${p.blockHash} it claims`)
    return { block, receipts: unpackReceipts(p.receipts), relays: p.relays.map((o) => this.outcome(o)) }
  }

  /** Forkchoice to `head`: the executor commits its prepared block with that hash (or drops one prepared on its head). */
  async commitPayload(head: Hex): Promise<void> {
    await this.peer.request(METHODS.forkchoiceUpdated, [{ headBlockHash: head }, null])
    this.head = head
    this.payloadId = undefined
  }

  async hello(): Promise<ExecutorStatus> {
    const s = decodeStatus(await this.peer.request(EXECUTOR_HELLO, encodeHello()))
    if (s.protocolVersion !== PROTOCOL_VERSION) throw new ProtocolVersionError(`chain ${this.chainId}: the executor speaks executor protocol ${s.protocolVersion}, this coordinator ${PROTOCOL_VERSION}; run the same Plexus version on both`)
    if (s.chainId !== this.chainId) throw new Error(`the executor connected as chain ${this.chainId} holds chain ${s.chainId}`)
    this.head = s.head.hash
    return { chainId: s.chainId, head: s.head, ...(s.prepared ? { prepared: s.prepared } : {}) }
  }

  async abort(): Promise<void> {
    const id = this.payloadId
    this.payloadId = undefined
    if (id) await this.peer.request(METHODS.abort, [id])
  }

  /** Rewinds the executor's chain (`plexus_rewind`); the removed transactions come back with the senders the executor's blocks had. */
  async rewind(toBlock: bigint, dropReason?: string): Promise<Rewound> {
    const r = decodeRewound(await this.peer.request(REWIND, encodeRewind(toBlock, dropReason)))
    this.head = r.head.hash
    this.payloadId = undefined
    const removed = r.removed.map((t) => {
      const ptx = decodeWithKnownSender(t.raw, this.common, t.sender)
      if (ptx.hash !== t.hash) throw new Error(`chain ${this.chainId}: the executor's rewound transaction hashes to ${ptx.hash}, not the ${t.hash} it claims`)
      return ptx
    })
    return { head: r.head, removed, removedCount: r.removedCount }
  }

  /** `plexus_restoreToPool`, in as many batches as its bounds need (the senders' state is read again on each: harmless). */
  async restoreToPool(txs: readonly PooledTx[]): Promise<void> {
    for (const batch of sendBatches(txs.map((t) => t.raw))) await this.peer.request(RESTORE_TO_POOL, encodeRestoreToPool(batch))
  }

  private id(): Hex {
    if (!this.payloadId) throw new Error(`chain ${this.chainId}: no payload is open`)
    return this.payloadId
  }

  private remember(relays: readonly SignedRelay[]): { msgHash: Hex; raw: Uint8Array; sender: Hex }[] {
    return relays.map((r) => {
      this.relays.set(r.msgHash, r.ptx)
      return { msgHash: r.msgHash, raw: r.ptx.raw, sender: r.ptx.sender }
    })
  }

  private outcome(o: WireRelayOutcome): RelayOutcome {
    const ptx = this.relays.get(o.msgHash)
    return { chainId: this.chainId, msgHash: o.msgHash, ...(ptx ? { ptx } : {}), ok: o.ok, kind: o.kind, included: o.kind === 'included', ...(o.reason !== undefined ? { reason: o.reason } : {}) }
  }
}

/** `raws` cut, in order, into batches within `MAX_SEND_BATCH` and `MAX_SEND_BATCH_BYTES`; one empty batch for none. */
export function sendBatches(raws: readonly Uint8Array[]): Uint8Array[][] {
  const out: Uint8Array[][] = [[]]
  let bytes = 0
  for (const raw of raws) {
    const last = out[out.length - 1]!
    if (last.length > 0 && (last.length >= MAX_SEND_BATCH || bytes + raw.length > MAX_SEND_BATCH_BYTES)) {
      out.push([raw])
      bytes = raw.length
    } else {
      last.push(raw)
      bytes += raw.length
    }
  }
  return out
}
