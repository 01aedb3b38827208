import type { Block } from '@ethereumjs/block'
import type { PooledTx } from '../execution/pooledTx.js'
import type { StoredReceipt } from '../execution/receipts.js'
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
 * phases of `PayloadBuilder`, whether the chain runs in this thread, a worker, or another
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
  commitPayload(): Promise<void>
  /** The sealed payload's write was committed by the coordinator from its slot record: forget it, and do what follows a commit. */
  committedElsewhere(): Promise<void>
  abort(): Promise<void>
}
