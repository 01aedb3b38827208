import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { pseudoRandom, mulberry32 } from '../../../test/helpers/random.js'
import {
  CHANNEL_ID_BYTES,
  decodeFrame,
  encodeFrame,
  FRAME_HEADER_BYTES,
  FRAME_VERSION,
  FrameDecodeError,
  frameCountFor,
  isFrame,
  MAX_FRAME_DATA_BYTES,
  newChannelId,
  toFrames,
  type Frame,
  type FrameDecodeReason,
} from './frames.js'

const ID = Uint8Array.from({ length: CHANNEL_ID_BYTES }, (_, i) => i + 1)

function reasonOf(data: Uint8Array): FrameDecodeReason | 'ok' {
  try {
    decodeFrame(data)
    return 'ok'
  } catch (err) {
    assert.ok(err instanceof FrameDecodeError, `expected FrameDecodeError, got ${(err as Error).name}: ${(err as Error).message}`)
    return err.reason
  }
}

describe('frames', () => {
  it('lays a frame out as specified (a fixed vector, so the format cannot drift)', () => {
    const bytes = encodeFrame({ channelId: ID, number: 0x0102, isLast: true, data: Uint8Array.of(0xaa, 0xbb, 0xcc) })
    assert.equal(FRAME_HEADER_BYTES, 24)
    assert.deepEqual(
      Buffer.from(bytes).toString('hex'),
      ['03', Buffer.from(ID).toString('hex'), '0102', '01', '00000003', 'aabbcc'].join(''),
    )
    assert.deepEqual(decodeFrame(bytes), { channelId: ID, number: 0x0102, isLast: true, data: Uint8Array.of(0xaa, 0xbb, 0xcc) })
    assert.equal(isFrame(bytes), true)
    assert.equal(isFrame(Uint8Array.of(0x02, 1, 2)), false, 'a 0x02 network batch is not a frame')
    assert.equal(isFrame(new Uint8Array(0)), false)
  })

  it('cuts a channel into full frames and a last one, and they concatenate back', () => {
    for (const [size, per] of [[1, 1], [10, 3], [12, 3], [250_000, 119_976], [1_114_911, 119_976], [1_114_911, MAX_FRAME_DATA_BYTES]] as const) {
      const channel = pseudoRandom(size, size)
      const frames = toFrames(ID, channel, per)
      assert.equal(frames.length, frameCountFor(size, per))
      assert.deepEqual(frames.map((f) => f.number), frames.map((_, i) => i))
      assert.deepEqual(frames.map((f) => f.isLast), frames.map((_, i) => i === frames.length - 1))
      assert.ok(frames.slice(0, -1).every((f) => f.data.length === per), 'every frame but the last is full')
      const back = frames.map((f) => decodeFrame(encodeFrame(f)))
      assert.deepEqual(Buffer.concat(back.map((f) => f.data)), Buffer.from(channel))
    }
    assert.equal(toFrames(ID, pseudoRandom(1_114_911, 1), 119_976).length, 10, 'a 1 MiB slot at its largest: 10 calldata frames')
  })

  it('refuses to encode frames outside the bounds (caller bugs)', () => {
    const frame: Frame = { channelId: ID, number: 0, isLast: false, data: Uint8Array.of(1) }
    assert.throws(() => encodeFrame({ ...frame, channelId: new Uint8Array(15) }), /16 bytes/)
    assert.throws(() => encodeFrame({ ...frame, number: 65_536 }), /uint16/)
    assert.throws(() => encodeFrame({ ...frame, number: -1 }), /uint16/)
    assert.throws(() => encodeFrame({ ...frame, data: new Uint8Array(0) }), /1 … /)
    assert.throws(() => encodeFrame({ ...frame, data: new Uint8Array(MAX_FRAME_DATA_BYTES + 1) }), /1 … /)
    assert.equal(encodeFrame({ ...frame, data: new Uint8Array(MAX_FRAME_DATA_BYTES) }).length, 780_264, 'the largest frame fills 6 blobs')
    assert.throws(() => toFrames(ID, new Uint8Array(0), 10), /empty/)
    assert.throws(() => toFrames(ID, new Uint8Array(10), 0), /maxFrameData/)
    assert.throws(() => toFrames(ID, new Uint8Array(70_000), 1), /65536/)
  })

  it('rejects malformed frames with a typed reason', () => {
    const good = encodeFrame({ channelId: ID, number: 7, isLast: false, data: Uint8Array.of(1, 2, 3, 4) })
    const edit = (f: (b: Uint8Array) => void) => {
      const copy = good.slice()
      f(copy)
      return copy
    }
    assert.equal(reasonOf(good), 'ok')
    assert.equal(reasonOf(Uint8Array.of(0x02)), 'version')
    assert.equal(reasonOf(new Uint8Array(0)), 'version')
    assert.equal(reasonOf(good.subarray(0, FRAME_HEADER_BYTES - 1)), 'truncated')
    assert.equal(reasonOf(good.subarray(0, good.length - 1)), 'truncated')
    assert.equal(reasonOf(Uint8Array.from([...good, 0])), 'trailing')
    assert.equal(reasonOf(edit((b) => (b[19] = 0x02))), 'flags')
    assert.equal(reasonOf(edit((b) => (b[19] = 0x81))), 'flags')
    assert.equal(reasonOf(edit((b) => b.fill(0, 20, 24))), 'length')
    assert.equal(reasonOf(edit((b) => b.fill(0xff, 20, 24))), 'length')
    // a length within bounds but past the data: truncated, not a read past the buffer
    assert.equal(reasonOf(edit((b) => new DataView(b.buffer).setUint32(20, 100_000))), 'truncated')
  })

  // Invariant: for any bytes, decodeFrame returns a frame that re-encodes to exactly those
  // bytes, or throws FrameDecodeError; nothing else, and no read outside the input.
  it('fuzz: random bytes, truncations and bit flips give a frame that re-encodes exactly, or FrameDecodeError', () => {
    const random = mulberry32(13)
    const base = encodeFrame({ channelId: newChannelId(), number: 3, isLast: true, data: pseudoRandom(300, 5) })
    let ok = 0
    for (let i = 0; i < 20_000; i++) {
      let data: Uint8Array
      const kind = i % 4
      if (kind === 0) {
        data = pseudoRandom(Math.floor(random() * 80), i + 1)
        if (data.length > 0 && random() < 0.8) data[0] = FRAME_VERSION
      } else if (kind === 1) {
        data = base.subarray(0, Math.floor(random() * (base.length + 1)))
      } else {
        data = base.slice()
        const flips = 1 + Math.floor(random() * 3)
        for (let f = 0; f < flips; f++) data[Math.floor(random() * data.length)] ^= 1 << Math.floor(random() * 8)
        if (kind === 3) data = Uint8Array.from([...data, ...pseudoRandom(Math.floor(random() * 4), i)])
      }
      try {
        const frame = decodeFrame(data)
        assert.deepEqual(encodeFrame(frame), data, 'a decoded frame re-encodes to the same bytes')
        ok++
      } catch (err) {
        assert.ok(err instanceof FrameDecodeError, `input ${i}: ${(err as Error).name}: ${(err as Error).message}`)
      }
    }
    assert.ok(ok > 100, `some inputs decode (${ok})`)
  })

  it('gives every channel a fresh random id', () => {
    const ids = new Set(Array.from({ length: 1000 }, () => Buffer.from(newChannelId()).toString('hex')))
    assert.equal(ids.size, 1000)
  })
})
