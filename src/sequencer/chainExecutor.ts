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
  /**
   * Rewinds the chain to its block `toBlock` (an L1 reorg removed the origin of the blocks
   * above, or a dev network reverts to a snapshot): one storage transaction, so a crash
   * leaves the old head or the new one. Answers the new head and the removed blocks'
   * signed transactions in block order, for the coordinator to requeue bundle legs and
   * hand the rest to `restoreToPool`; given `dropReason`, none (they are dropped, counted).
   * Deposits come from L1 again and dev transactions are never returned. Refused
   * (`PayloadStateError`, `PreparedBlockPendingError`) while a payload is open or a block
   * is prepared; `toBlock` above the head is refused too, at the head removes nothing.
   */
  rewind(toBlock: bigint, dropReason?: string): Promise<Rewound>
  /**
   * After a rewind: every sender's state in the pool is read again (a pending nonce may be
   * ahead of the rewound state), then `txs` are put back, each as if sent again (one the
   * pool refuses now is dropped). Empty: the re-read alone (a dev snapshot's revert).
   */
  restoreToPool(txs: readonly PooledTx[]): Promise<void>
}

/** A chain rewound by its executor. */
export interface Rewound {
  head: { number: bigint; hash: Hex }
  /** The removed blocks' signed transactions in block order (empty when they were dropped). */
  removed: PooledTx[]
  /** How many signed transactions the removed blocks carried, returned or dropped. */
  removedCount: number
}

/** An executor's state as it reports it to the coordinator (`plexus_executorHello`). */
export interface ExecutorStatus {
  chainId: bigint
  head: { number: bigint; hash: Hex }
  prepared?: { slot: bigint; number: bigint; hash: Hex }
}
