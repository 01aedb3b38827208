import { BlobDataError } from './errors.js'

/**
 * How a batch's bytes are laid out in EIP-4844 blobs, and read back.
 *
 * A blob is 4096 field elements of 32 bytes, each a big-endian integer that must stay
 * below the BLS12-381 scalar modulus (≈ 0x73ed…). Keeping the top two bits of every
 * element's first byte at zero guarantees that and leaves 254 usable bits per element,
 * so 4 elements carry 127 bytes: the first 3 bytes of each 127-byte round are cut into
 * four 6-bit pieces, one in the low bits of each element's first byte (most significant
 * piece in the first element), and the other 124 bytes fill the elements' remaining
 * 4 × 31 bytes in order. 1024 rounds give 130,048 bytes per blob, 2.4% more than the
 * 31-bytes-per-element framing of viem's `toBlobs` (126,976).
 *
 * Each blob holds one self-contained chunk of those 130,048 bytes:
 *   [0]     encoding version, 0x00
 *   [1..3]  chunk length, big-endian uint24, 1 … 130,044
 *   [4..]   the chunk, then zeros to the end of the blob
 * A batch is cut into chunks of 130,044 bytes (the last one shorter) in blob order, which
 * is the order of the transaction's versioned hashes and of `BlobBatchSubmitted`'s list.
 *
 * Why not viem's `toBlobs`/`fromBlobs`: besides the smaller capacity, `fromBlobs` finds
 * its 0x80 end marker by rescanning the rest of the blob at every 0x80 byte (quadratic
 * in the worst case) and ignores what surrounds the data, so it cannot tell a valid
 * encoding from garbage; and viem's KZG hook is synchronous, which would keep seconds of
 * KZG work per blob on the event loop (see kzg.ts). Decoding here is linear and accepts exactly what encoding
 * produces: zero top bits, known version, a length within capacity, zero padding, and
 * every blob but the last one full.
 */

export const BYTES_PER_BLOB = 131_072
const FIELD_ELEMENT_BYTES = 32
const ROUND_BYTES = 127
const ROUNDS = BYTES_PER_BLOB / (4 * FIELD_ELEMENT_BYTES)
const STREAM_BYTES = ROUNDS * ROUND_BYTES
const HEADER_BYTES = 4
const ENCODING_VERSION = 0x00

/** Batch bytes one blob carries. */
export const BLOB_PAYLOAD_BYTES = STREAM_BYTES - HEADER_BYTES

/**
 * Most blobs in one transaction. EIP-7594 (Osaka) caps a transaction at 6 blobs; before
 * it the only cap was the block's (6 in Cancun, 9 in Prague), so 6 is valid on every L1
 * with blobs. Later blob-parameter forks raise blocks' limits, not this one.
 */
export const MAX_BLOBS_PER_TX = 6

/** Largest batch one blob transaction carries: 780,264 bytes. */
export const MAX_BLOB_BATCH_BYTES = MAX_BLOBS_PER_TX * BLOB_PAYLOAD_BYTES

/** Blobs needed for `byteLength` bytes of batch data. */
export function blobCountFor(byteLength: number): number {
  return Math.ceil(byteLength / BLOB_PAYLOAD_BYTES)
}

/**
 * Lays `data` out in as many blobs as it needs. Throws a plain Error for empty data
 * (a caller bug: there is no empty batch).
 */
export function encodeBlobs(data: Uint8Array): Uint8Array[] {
  if (data.length === 0) throw new Error('encodeBlobs: no data')
  const blobs: Uint8Array[] = []
  for (let at = 0; at < data.length; at += BLOB_PAYLOAD_BYTES) {
    blobs.push(encodeBlob(data.subarray(at, at + BLOB_PAYLOAD_BYTES)))
  }
  return blobs
}

function encodeBlob(chunk: Uint8Array): Uint8Array {
  const stream = new Uint8Array(STREAM_BYTES)
  stream[0] = ENCODING_VERSION
  stream[1] = chunk.length >>> 16
  stream[2] = (chunk.length >>> 8) & 0xff
  stream[3] = chunk.length & 0xff
  stream.set(chunk, HEADER_BYTES)
  const blob = new Uint8Array(BYTES_PER_BLOB)
  for (let round = 0; round < ROUNDS; round++) {
    const s = round * ROUND_BYTES
    const b = round * 4 * FIELD_ELEMENT_BYTES
    const spread = (stream[s]! << 16) | (stream[s + 1]! << 8) | stream[s + 2]!
    for (let j = 0; j < 4; j++) {
      const element = b + j * FIELD_ELEMENT_BYTES
      blob[element] = (spread >>> (18 - 6 * j)) & 0x3f
      blob.set(stream.subarray(s + 3 + 31 * j, s + 34 + 31 * j), element + 1)
    }
  }
  return blob
}

/**
 * The batch bytes laid out in `blobs` (in versioned-hash order). For any input it throws
 * nothing but `BlobDataError` with reason `malformed`.
 */
export function decodeBlobs(blobs: readonly Uint8Array[]): Uint8Array {
  if (blobs.length === 0) throw new BlobDataError('malformed', 'a blob batch needs at least one blob')
  const chunks = blobs.map((blob, i) => decodeBlob(blob, i, blobs.length))
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0))
  let at = 0
  for (const chunk of chunks) {
    out.set(chunk, at)
    at += chunk.length
  }
  return out
}

function decodeBlob(blob: Uint8Array, index: number, count: number): Uint8Array {
  const which = `blob ${index} of ${count}`
  if (blob.length !== BYTES_PER_BLOB) throw new BlobDataError('malformed', `${which} has ${blob.length} bytes, not ${BYTES_PER_BLOB}`)
  const stream = new Uint8Array(STREAM_BYTES)
  for (let round = 0; round < ROUNDS; round++) {
    const s = round * ROUND_BYTES
    const b = round * 4 * FIELD_ELEMENT_BYTES
    let spread = 0
    for (let j = 0; j < 4; j++) {
      const element = b + j * FIELD_ELEMENT_BYTES
      const top = blob[element]!
      if (top & 0xc0) {
        throw new BlobDataError('malformed', `${which}: field element ${element / FIELD_ELEMENT_BYTES} has its top bits set`)
      }
      spread |= top << (18 - 6 * j)
      stream.set(blob.subarray(element + 1, element + FIELD_ELEMENT_BYTES), s + 3 + 31 * j)
    }
    stream[s] = spread >>> 16
    stream[s + 1] = (spread >>> 8) & 0xff
    stream[s + 2] = spread & 0xff
  }
  if (stream[0] !== ENCODING_VERSION) throw new BlobDataError('malformed', `${which}: unknown encoding version ${stream[0]}`)
  const length = (stream[1]! << 16) | (stream[2]! << 8) | stream[3]!
  if (length === 0 || length > BLOB_PAYLOAD_BYTES) {
    throw new BlobDataError('malformed', `${which}: chunk length ${length} is not within 1…${BLOB_PAYLOAD_BYTES}`)
  }
  if (index < count - 1 && length !== BLOB_PAYLOAD_BYTES) {
    throw new BlobDataError('malformed', `${which} holds ${length} bytes; every blob but the last must be full`)
  }
  const end = HEADER_BYTES + length
  for (let i = end; i < STREAM_BYTES; i++) {
    if (stream[i] !== 0) throw new BlobDataError('malformed', `${which}: non-zero byte after the chunk's ${length} bytes`)
  }
  return stream.slice(HEADER_BYTES, end)
}
