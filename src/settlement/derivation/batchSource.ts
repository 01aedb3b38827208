import type { Hex, PublicClient } from 'viem'
import { readPostedBatches, type PostedBatchTx } from '../batch/postedBatches.js'
import { NETWORK_BLOB_BATCH_SUBMITTED_EVENT, BlobDataError, blobBatchesIn, fetchBlobBatch, type BlobSource } from '../da/index.js'

/** One network batch commitment found on L1, with its data or why the data could not be read. */
export type L1BatchData = Pick<PostedBatchTx, 'l1Number' | 'l1Hash' | 'batchIndex' | 'txHash' | 'logIndex' | 'data' | 'error'>

/** Where network batches come from (calldata or blobs), in L1 order. */
export interface BatchSource {
  batchesIn(fromBlock: bigint, toBlock: bigint): Promise<L1BatchData[]>
}

/**
 * Retrieval stage of derivation: the network batches committed in a range of L1 blocks,
 * in L1 order, as calldata (`submitNetworkBatch`) or blobs (`submitNetworkBlobBatch`),
 * each with its bytes or the reason they are unusable. Blobs a source does not have
 * (yet) throw, so the range is read again later rather than skipped.
 */
export class L1BatchSource implements BatchSource {
  constructor(
    private readonly client: PublicClient,
    private readonly inbox: Hex,
    private readonly blobs: BlobSource,
  ) {}

  async batchesIn(fromBlock: bigint, toBlock: bigint): Promise<L1BatchData[]> {
    const [calldata, blobLogs] = await Promise.all([
      readPostedBatches(this.client, { inbox: this.inbox, fromBlock, toBlock }),
      this.client.getLogs({ address: this.inbox, event: NETWORK_BLOB_BATCH_SUBMITTED_EVENT, fromBlock, toBlock }),
    ])
    const found: L1BatchData[] = [...calldata]
    for (const log of blobLogs) {
      const ref = blobBatchesIn([log], this.inbox)[0]
      if (!ref) continue
      const batch: L1BatchData = { l1Number: ref.block.number, l1Hash: ref.block.hash, batchIndex: ref.batchIndex, txHash: ref.txHash, logIndex: log.logIndex }
      try {
        batch.data = await fetchBlobBatch(this.blobs, ref)
      } catch (err) {
        if (!(err instanceof BlobDataError) || err.reason === 'unavailable') throw err
        batch.error = err.message
      }
      found.push(batch)
    }
    return found.sort((a, b) => (a.l1Number === b.l1Number ? a.logIndex - b.logIndex : a.l1Number < b.l1Number ? -1 : 1))
  }
}
