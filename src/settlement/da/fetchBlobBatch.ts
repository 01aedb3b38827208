import { parseAbiItem, parseEventLogs, type Hex, type Log } from 'viem'
import { BYTES_PER_BLOB, decodeBlobs } from './blobCodec.js'
import type { BlobSource, L1BlockRef } from './blobSource.js'
import { BlobDataError } from './errors.js'
import { blobKzg, KzgInputError, versionedHash } from './kzg.js'

export const NETWORK_BLOB_BATCH_SUBMITTED_EVENT = parseAbiItem(
  'event NetworkBlobBatchSubmitted(uint256 indexed batchIndex, bytes32[] blobHashes)',
)

/** One `NetworkBlobBatchSubmitted` event: which blobs of which L1 block carry a network batch. */
export interface BlobBatchRef {
  batchIndex: bigint
  block: L1BlockRef
  txHash: Hex
  /** Versioned hashes of the transaction's blobs, in blob order. */
  blobHashes: readonly Hex[]
}

/** The blob batches that `inbox` announced in `logs` (a receipt's, or from eth_getLogs). */
export function blobBatchesIn(logs: readonly Log[], inbox: Hex): BlobBatchRef[] {
  const own = logs.filter((log) => log.address.toLowerCase() === inbox.toLowerCase())
  return parseEventLogs({ abi: [NETWORK_BLOB_BATCH_SUBMITTED_EVENT], logs: own as Log[], strict: true }).flatMap((log) => {
    // Pending logs have no block yet; a batch counts only once it is in one.
    if (log.blockHash === null || log.blockNumber === null || log.transactionHash === null) return []
    return [
      {
        batchIndex: log.args.batchIndex,
        block: { number: log.blockNumber, hash: log.blockHash },
        txHash: log.transactionHash,
        blobHashes: log.args.blobHashes,
      },
    ]
  })
}

/**
 * The batch bytes that `postBlobBatch` put in the blobs `ref` names. Every blob from the
 * source is checked before use: its KZG commitment, recomputed here (the source's is not
 * trusted), must hash to the versioned hash that L1 committed to. Throws BlobDataError:
 * `unavailable` (retry), `mismatch` (the source served other data) or `malformed` (the
 * right blobs, not holding a batch); anything else is a local fault (the KZG worker died).
 */
export async function fetchBlobBatch(source: BlobSource, ref: Pick<BlobBatchRef, 'block' | 'blobHashes'>): Promise<Uint8Array> {
  const { block, blobHashes } = ref
  let served: Uint8Array[]
  try {
    served = await source.blobs(block, blobHashes)
  } catch (err) {
    if (err instanceof BlobDataError) throw err
    throw new BlobDataError('unavailable', `reading the blobs of L1 block ${block.number} failed: ${(err as Error).message}`, { cause: err })
  }
  const byHash = new Map<string, Uint8Array>()
  const strangers: string[] = []
  for (const blob of served) {
    const hash = await hashOf(blob)
    if (hash !== undefined && blobHashes.some((h) => h.toLowerCase() === hash)) byHash.set(hash, blob)
    else strangers.push(hash ?? 'an invalid blob')
  }
  const ordered = blobHashes.map((wanted, i) => {
    const blob = byHash.get(wanted.toLowerCase())
    if (blob) return blob
    const which = `blob ${i} of ${blobHashes.length} (versioned hash ${wanted}) of L1 block ${block.number}`
    if (strangers.length) {
      throw new BlobDataError('mismatch', `the source did not serve ${which}`, {
        details: `it served blobs that do not match any hash of the batch: ${strangers.join(', ')}`,
      })
    }
    throw new BlobDataError('unavailable', `the source does not have ${which}`)
  })
  return decodeBlobs(ordered)
}

/** The versioned hash of a served blob, or undefined if it is no valid blob at all. */
async function hashOf(blob: Uint8Array): Promise<string | undefined> {
  if (blob.length !== BYTES_PER_BLOB) return undefined
  try {
    const [commitment] = await blobKzg.commitments([blob])
    return versionedHash(commitment!)
  } catch (err) {
    if (err instanceof KzgInputError) return undefined // no commitment exists for it
    throw err
  }
}
