/**
 * Data availability in EIP-4844 blobs (`da: blobs`): the network batcher posts a network
 * batch with `postBlobBatch`; replicas find it with `blobBatchesIn` and read it back with
 * `fetchBlobBatch` from a `BlobSource` (a beacon node, or anvil for a dev L1).
 */
export { BLOB_PAYLOAD_BYTES, MAX_BLOB_BATCH_BYTES, MAX_BLOBS_PER_TX, blobCountFor, decodeBlobs, encodeBlobs } from './blobCodec.js'
export { anvilBlobSource, beaconBlobSource, type BeaconBlobSourceOptions, type BlobSource, type L1BlockRef } from './blobSource.js'
export { sidecarVersionOf } from './blobTx.js'
export { BlobDataError, type BlobDataReason } from './errors.js'
export { NETWORK_BLOB_BATCH_SUBMITTED_EVENT, blobBatchesIn, fetchBlobBatch, type BlobBatchRef } from './fetchBlobBatch.js'
export { type BlobSidecarVersion } from './kzg.js'
export { blobTxFees, estimateBlobBatchGas, postBlobBatch, prepareBlobBatch, sendBlobBatch, type BlobTxFees, type PostBlobBatchOptions, type PreparedBlobBatch } from './postBlobBatch.js'
export { blobSourceFor } from './blobSource.js'
