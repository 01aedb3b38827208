import type { Block } from '@ethereumjs/block'
import type { PooledTx } from '../execution/pooledTx.js'
import type { StoredReceipt } from '../execution/receipts.js'
import type { Hex } from '../primitives/hex.js'
import type { BundleLegResult, OpenedPayload, PayloadAttributes, SealedDigests, SignedRelay } from './payloadBuilder.js'
import type { RelayOutcome } from './slotBuilder.js'

/** A chain's block of a slot, sealed by its executor: what the coordinator learns of it. */
export interface SealedPayload {
  block: Block
  receipts: readonly StoredReceipt[]
  /** The same-slot relays' fate. */
  relays: RelayOutcome[]
}

/**
 * What the coordinator drives for each chain of a slot (docs/design/executors.md): the
 * phases of `PayloadBuilder` — `sealPayload` also *prepares* the block durably in the
 * chain's own store, phase one of the slot's two-phase commit — whether the chain runs in this thread, a worker, or another
 * process. Implemented by `PayloadBuilder` in process and by `RemoteExecutor`
 * (src/executor/client.ts) over the executor protocol.
 */
export interface ChainExecutor {
  readonly chainId: bigint
  openPayload(attrs: PayloadAttributes): Promise<OpenedPayload>
  applyBundleLeg(txs: readonly PooledTx[]): Promise<BundleLegResult>
  settleBundle(keep: boolean): Promise<void>
  fill(relays: readonly SignedRelay[]): Promise<RelayOutcome[]>
  sealPayload(relays: readonly SignedRelay[], sealed: SealedDigests): Promise<SealedPayload>
  /**
   * Phase two of the slot's commit (forkchoice): makes `head` canonical. The block
   * prepared with that hash (sealed in memory, or only in the chain's prepared record
   * after a restart) is committed, its record cleared in the same storage transaction;
   * `head` being the chain's head already commits nothing and drops a block prepared on
   * it. So a commit retried after it succeeded is harmless.
   */
  commitPayload(head: Hex): Promise<void>
  /** Drops the payload, open or sealed, and its prepared record: the slot was not decided. */
  abort(): Promise<void>
  /** What the executor holds (its hello, at start-up): the head, and a block prepared and neither committed nor dropped. */
  hello(): Promise<ExecutorStatus>
}

/** An executor's state as it reports it to the coordinator (`plexus_executorHello`). */
export interface ExecutorStatus {
  chainId: bigint
  head: { number: bigint; hash: Hex }
  prepared?: { slot: bigint; number: bigint; hash: Hex }
}
