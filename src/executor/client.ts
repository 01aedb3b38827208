import type { Common } from '@ethereumjs/common'
import { decodeStoredBlock } from '../execution/chain.js'
import type { PooledTx } from '../execution/pooledTx.js'
import { unpackReceipts } from '../execution/receipts.js'
import { toData, type Hex } from '../primitives/hex.js'
import type { ChainExecutor, ExecutorStatus, SealedPayload } from '../sequencer/chainExecutor.js'
import type { BundleLegResult, OpenedPayload, PayloadAttributes, SealedDigests, SignedRelay } from '../sequencer/payloadBuilder.js'
import type { RelayOutcome } from '../sequencer/slotBuilder.js'
import type { RpcPeer } from './peer.js'
import {
  decodeLegResult,
  decodeOpened,
  decodePayload,
  decodeRelayOutcomes,
  decodeStatus,
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
    const digests = [...sealed].map(([chainId, d]) => ({ chainId, number: d.number, timestamp: d.timestamp, logs: [...d.logs] }))
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
