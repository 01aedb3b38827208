import type { Hex, PublicClient } from 'viem'
import { readPostedBatches, type PostedBatchTx } from '../batch/postedBatches.js'

/** One batch commitment found on L1, with its data or why the data could not be read. */
export type L1BatchData = Pick<PostedBatchTx, 'l1Number' | 'l1Hash' | 'batchIndex' | 'txHash' | 'logIndex' | 'data' | 'error'>

/**
 * Retrieval stage of derivation for calldata batches: the batches committed for one
 * chain in a range of L1 blocks, in L1 order, with their bytes.
 */
export class CalldataBatchSource {
  constructor(
    private readonly client: PublicClient,
    private readonly inbox: Hex,
    private readonly chainId: bigint,
  ) {}

  batchesIn(fromBlock: bigint, toBlock: bigint): Promise<L1BatchData[]> {
    return readPostedBatches(this.client, { inbox: this.inbox, chainId: this.chainId, fromBlock, toBlock })
  }
}
