import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { pseudoRandom } from '../../../test/helpers/random.js'
import {
  BLOB_PAYLOAD_BYTES,
  BYTES_PER_BLOB,
  MAX_BLOB_BATCH_BYTES,
  MAX_BLOBS_PER_TX,
  blobCountFor,
  decodeBlobs,
  encodeBlobs,
} from './blobCodec.js'
import { BlobDataError } from './errors.js'

function assertMalformed(blobs: Uint8Array[], pattern: RegExp): void {
  assert.throws(
    () => decodeBlobs(blobs),
    (e: unknown) => e instanceof BlobDataError && e.reason === 'malformed' && pattern.test(e.message),
  )
}

/** Every field element's first byte, which must keep its top two bits clear. */
function topBytes(blob: Uint8Array): number[] {
  return Array.from({ length: 4096 }, (_, i) => blob[i * 32]!)
}

describe('blob codec', () => {
  it('carries 130,044 bytes per blob and six blobs per transaction', () => {
    assert.equal(BLOB_PAYLOAD_BYTES, 130_044)
    assert.equal(MAX_BLOBS_PER_TX, 6)
    assert.equal(MAX_BLOB_BATCH_BYTES, 780_264)
    assert.deepEqual([1, 130_044, 130_045, 260_088, 260_089].map(blobCountFor), [1, 1, 2, 2, 3])
  })

  it('round-trips any length, with the blob count blobCountFor predicts', () => {
    for (const n of [1, 2, 3, 4, 31, 123, 127, 128, 130_043, 130_044, 130_045, 200_000, MAX_BLOB_BATCH_BYTES]) {
      const data = pseudoRandom(n, n)
      const blobs = encodeBlobs(data)
      assert.equal(blobs.length, blobCountFor(n), `${n} bytes`)
      for (const blob of blobs) {
        assert.equal(blob.length, BYTES_PER_BLOB)
        assert.ok(topBytes(blob).every((b) => b < 0x40), `${n} bytes: a field element reaches the modulus range`)
      }
      assert.deepEqual(decodeBlobs(blobs), data, `${n} bytes`)
    }
  })

  it('keeps all-0xff data below the field modulus', () => {
    const blobs = encodeBlobs(new Uint8Array(BLOB_PAYLOAD_BYTES).fill(0xff))
    // round 0 spreads the header; every later round spreads ff ff ff: the six bits, all set
    assert.ok(topBytes(blobs[0]!).slice(4).every((b) => b === 0x3f))
  })

  it('lays bytes out as specified (a fixed vector, so the format cannot drift)', () => {
    // 130 bytes: header 00 000082, then data; stream round 1 (stream bytes 127…253)
    // starts at data byte 123, whose first three bytes FF 00 81 spread as 3f 30 02 01.
    const data = new Uint8Array(130).map((_, i) => i)
    data[123] = 0xff
    data[124] = 0x00
    data[125] = 0x81
    const [blob] = encodeBlobs(data)
    assert.deepEqual([blob![0], blob![32], blob![64], blob![96]], [0, 0, 0, 0]) // spread of 00 00 00
    assert.equal(blob![1], 0x82) // length's last byte opens element 0's 31 bytes
    assert.deepEqual(Array.from(blob!.subarray(2, 32)), Array.from(data.subarray(0, 30)))
    assert.equal(blob![33], data[30]) // element 1 continues the stream
    assert.deepEqual([blob![128], blob![160], blob![192], blob![224]], [0x3f, 0x30, 0x02, 0x01])
    assert.deepEqual(Array.from(blob!.subarray(129, 133)), [126, 127, 128, 129])
    assert.ok(blob!.subarray(133).every((b, i) => b === 0 || [160, 192, 224].includes(133 + i)))
  })

  it('refuses to encode nothing', () => {
    assert.throws(() => encodeBlobs(new Uint8Array(0)), /no data/)
  })

  it('accepts exactly what encoding produces', () => {
    const two = () => encodeBlobs(pseudoRandom(BLOB_PAYLOAD_BYTES + 10, 7))
    assertMalformed([], /at least one blob/)
    assertMalformed([new Uint8Array(BYTES_PER_BLOB - 1)], /131071 bytes/)

    const topBit = two()
    topBit[1]![32 * 100] |= 0x80
    assertMalformed(topBit, /blob 1 of 2: field element 100 has its top bits set/)

    const version = two()
    version[0]![0] = 0x01 // the version byte's top 6 bits
    assertMalformed(version, /unknown encoding version 4/)

    assertMalformed([new Uint8Array(BYTES_PER_BLOB)], /chunk length 0/)
    const tooLong = encodeBlobs(Uint8Array.of(1))
    tooLong[0]![32] = 0x0f // element 1's 6 bits: the length's first byte becomes 0xf0
    assertMalformed(tooLong, /chunk length 15728641 is not within/)

    const padding = encodeBlobs(Uint8Array.of(1, 2, 3))
    padding[0]![BYTES_PER_BLOB - 1] = 1
    assertMalformed(padding, /non-zero byte after the chunk's 3 bytes/)

    const [, last] = two()
    const short = encodeBlobs(Uint8Array.of(9))[0]!
    assertMalformed([short, last!], /blob 0 of 2 holds 1 bytes; every blob but the last must be full/)
  })
})
