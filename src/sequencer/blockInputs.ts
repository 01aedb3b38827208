import type { BlockHeader } from '@ethereumjs/block'
import type { DepositTransaction } from '../execution/depositTx.js'
import type { L1FeeParams } from '../execution/l1Fee.js'

/** What a settled chain's next block must contain besides pool transactions. */
export interface BlockInputs {
  /** The block's timestamp (never before its L1 origin's). */
  timestamp: bigint
  /** The L1-info deposit, then the origin's deposits: they open the block. */
  deposits: readonly DepositTransaction[]
  /** The block's L1 data-fee parameters. */
  l1Fee: L1FeeParams
}

/**
 * Supplies the inputs of the next block from what is known of L1 (implemented by the
 * settlement layer). Synchronous, from memory: production never waits on L1.
 * Undefined means the next block cannot be built yet (its L1 origin is not known).
 */
export interface BlockInputSource {
  inputsFor(parent: BlockHeader, timestamp: bigint): BlockInputs | undefined
  /**
   * The newest block at or below `head` whose L1 origin is still canonical, when `head`'s
   * is not (an L1 reorg removed it): the chain must rewind there before building on.
   * Undefined when `head` is fine.
   */
  rewindTarget(head: BlockHeader): bigint | undefined
}
