import { BaseError } from '../../primitives/errors.js'

/**
 * Why a blob batch could not be read back, and so what the reader should do:
 * - `unavailable`: the source did not serve the blobs (network error, not found, block
 *   reorged away, past the beacon node's retention of ~18 days). Temporary: retry later
 *   or against another source; never skip the batch on this reason alone.
 * - `mismatch`: the source served a blob whose KZG commitment does not hash to the
 *   versioned hash L1 committed to (or that is not a valid blob at all). The source is
 *   faulty or lying: retry another source; never derive from such data.
 * - `malformed`: the blobs are the ones L1 committed to, but they do not hold data in the
 *   blob encoding. The batcher posted garbage: skip the batch, as for a `BatchDecodeError`.
 */
export type BlobDataReason = 'unavailable' | 'mismatch' | 'malformed'

/** Blob data that could not be fetched, verified or decoded; `reason` says which. */
export class BlobDataError extends BaseError {
  override name = 'BlobDataError'
  readonly reason: BlobDataReason
  constructor(reason: BlobDataReason, message: string, params: { details?: string; cause?: unknown } = {}) {
    super(`blob data ${reason}: ${message}`, params)
    this.reason = reason
  }
}
