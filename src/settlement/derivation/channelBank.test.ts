import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { mulberry32, pseudoRandom } from '../../../test/helpers/random.js'
import { encodeNetworkBatch } from '../batch/codec.js'
import { CHANNEL_ID_BYTES, encodeFrame, toFrames, type Frame } from '../batch/frames.js'
import type { L1BatchData } from './batchSource.js'
import { ChannelBank, DEFAULT_CHANNEL_TIMEOUT, type ChannelDropReason, type FrameOrigin } from './channelBank.js'
import { ChannelReader, type ChannelEvent } from './channelReader.js'

const idOf = (n: number) => Uint8Array.from({ length: CHANNEL_ID_BYTES }, (_, i) => (i === 0 ? n : 0))
const hex = (n: number) => `0x${n.toString(16).padStart(64, '0')}` as `0x${string}`
let txCounter = 0
const at = (l1Number: number): FrameOrigin => ({ l1Number: BigInt(l1Number), l1Hash: hex(l1Number), txHash: hex(1_000_000 + ++txCounter), batchIndex: BigInt(txCounter), logIndex: txCounter })
const frame = (channel: number, number: number, isLast: boolean, data: Uint8Array = Uint8Array.of(channel, number)): Frame => ({ channelId: idOf(channel), number, isLast, data })
const reasons = (drops: { reason: ChannelDropReason }[]) => drops.map((d) => d.reason)

describe('ChannelBank', () => {
  it('reassembles a channel from in-order frames across L1 blocks; it counts from its last frame', () => {
    const bank = new ChannelBank()
    const channel = pseudoRandom(1000, 1)
    const frames = toFrames(idOf(1), channel, 300)
    const origins = [at(10), at(10), at(11), at(13)]
    for (let i = 0; i < 3; i++) assert.deepEqual(bank.add(frames[i]!, origins[i]!), { drops: [] })
    assert.equal(bank.heldBytes(), 900)
    const { ready, drops } = bank.add(frames[3]!, origins[3]!)
    assert.deepEqual(drops, [])
    assert.deepEqual(ready?.data, channel)
    assert.equal(ready?.frames, 4)
    assert.equal(ready?.opened, origins[0])
    assert.equal(ready?.completed, origins[3])
    assert.equal(bank.heldBytes(), 0)
    assert.equal(bank.openChannels(), 0)
  })

  it('a single frame that is first and last is a channel at once', () => {
    const { ready } = new ChannelBank().add(frame(2, 0, true), at(5))
    assert.deepEqual(ready?.data, Uint8Array.of(2, 0))
  })

  it('skips duplicate and out-of-order frames with their reasons; in-order frames still complete the channel', () => {
    const bank = new ChannelBank()
    assert.deepEqual(reasons(bank.add(frame(1, 1, false), at(1)).drops), ['out-of-order'], 'frame 1 before any frame 0')
    assert.deepEqual(reasons(bank.add(frame(1, 0, false), at(1)).drops), [])
    assert.deepEqual(reasons(bank.add(frame(1, 0, false), at(1)).drops), ['duplicate'], 'frame 0 again')
    assert.deepEqual(reasons(bank.add(frame(1, 2, false), at(2)).drops), ['out-of-order'], 'frame 2 before frame 1')
    assert.deepEqual(reasons(bank.add(frame(1, 1, false), at(2)).drops), [])
    assert.deepEqual(reasons(bank.add(frame(1, 1, true), at(2)).drops), ['duplicate'], 'frame 1 again, even flagged last')
    const done = bank.add(frame(1, 2, true), at(3))
    assert.deepEqual(done.ready?.data, Uint8Array.of(1, 0, 1, 1, 1, 2))
    assert.deepEqual(reasons(bank.add(frame(1, 3, true), at(3)).drops), ['out-of-order'], 'a frame after the channel closed')
    assert.match(bank.add(frame(9, 4, true), at(3)).drops[0]!.message, /frame 4 of channel 0x09.*: its channel is not open/)
  })

  it('keeps channels apart by id: interleaved channels both complete', () => {
    const bank = new ChannelBank()
    bank.add(frame(1, 0, false), at(1))
    bank.add(frame(2, 0, false), at(1))
    assert.equal(bank.openChannels(), 2)
    assert.deepEqual(bank.add(frame(2, 1, true), at(2)).ready?.data, Uint8Array.of(2, 0, 2, 1))
    assert.deepEqual(bank.add(frame(1, 1, true), at(3)).ready?.data, Uint8Array.of(1, 0, 1, 1))
  })

  // Invariant: a channel is read only if its last frame is within `timeout` L1 blocks of
  // its first; otherwise it is dropped whole, and channels after it are unaffected.
  it('drops a channel whose last frame comes after the timeout, and reports its later frames', () => {
    const bank = new ChannelBank({ timeout: 5 })
    bank.add(frame(1, 0, false), at(100))
    bank.add(frame(2, 0, false), at(103))
    assert.deepEqual(bank.add(frame(1, 1, false), at(105)).drops, [], 'block 105 = 100 + 5: still in time')
    const late = bank.add(frame(1, 2, true), at(106))
    assert.equal(late.ready, undefined)
    assert.deepEqual(reasons(late.drops), ['timed-out', 'out-of-order'])
    assert.match(late.drops[0]!.message, /channel 0x01.*: 2 frames since L1 block 100, not completed within 5 L1 blocks/)
    assert.match(late.drops[1]!.message, /its channel was dropped \(timed-out\)/)
    assert.equal(late.drops[0]!.at.l1Number, 105n, 'reported at the channel\'s newest frame')
    assert.deepEqual(bank.add(frame(2, 1, true), at(108)).ready?.data, Uint8Array.of(2, 0, 2, 1), 'the other channel is still in time')
    // expire() alone: the cursor passed the timeout without any frame
    bank.add(frame(3, 0, false), at(110))
    assert.deepEqual(bank.expire(115n), [])
    assert.deepEqual(reasons(bank.expire(116n)), ['timed-out'])
    assert.equal(bank.heldBytes(), 0)
    assert.equal(new ChannelBank().timeout, DEFAULT_CHANNEL_TIMEOUT)
  })

  it('drops a channel that grows past maxChannelBytes', () => {
    const bank = new ChannelBank({ maxChannelBytes: 10 })
    bank.add(frame(1, 0, false, new Uint8Array(6)), at(1))
    const over = bank.add(frame(1, 1, true, new Uint8Array(5)), at(1))
    assert.deepEqual(reasons(over.drops), ['oversized'])
    assert.equal(over.ready, undefined)
    assert.equal(bank.heldBytes(), 0)
    assert.deepEqual(reasons(bank.add(frame(2, 0, true, new Uint8Array(11)), at(1)).drops), ['oversized'], 'a single frame over the limit')
    assert.deepEqual(bank.add(frame(3, 0, true, new Uint8Array(10)), at(1)).ready?.data.length, 10)
  })

  // Invariant: the bank never holds more than maxBankBytes after a frame is taken; the
  // oldest channels go first and the newest keep completing.
  it('holds at most maxBankBytes, dropping the oldest channels first', () => {
    const bank = new ChannelBank({ maxBankBytes: 25, maxChannelBytes: 20 })
    bank.add(frame(1, 0, false, new Uint8Array(10)), at(1))
    bank.add(frame(2, 0, false, new Uint8Array(10)), at(2))
    const third = bank.add(frame(3, 0, false, new Uint8Array(10)), at(3))
    assert.deepEqual(reasons(third.drops), ['evicted'])
    assert.match(third.drops[0]!.message, /channel 0x01/)
    assert.ok(bank.heldBytes() <= 25)
    assert.deepEqual(bank.add(frame(3, 1, true, new Uint8Array(5)), at(4)).ready?.data.length, 15)
    assert.deepEqual(bank.add(frame(2, 1, true, new Uint8Array(5)), at(4)).ready?.data.length, 15)
  })

  it('an L1 reorg forgets the frames of the removed blocks; the channel completes from the new ones', () => {
    const bank = new ChannelBank()
    bank.add(frame(1, 0, false), at(10))
    bank.add(frame(1, 1, false), at(11))
    bank.add(frame(1, 2, false), at(12))
    bank.add(frame(2, 0, false), at(12))
    bank.rewind(10n)
    assert.equal(bank.openChannels(), 1, 'channel 2 had only frames above the ancestor')
    assert.equal(bank.heldBytes(), 2)
    assert.deepEqual(reasons(bank.add(frame(1, 2, false), at(11)).drops), ['out-of-order'], 'frame 1 is needed again')
    bank.add(frame(1, 1, false), at(11))
    bank.add(frame(1, 2, false), at(11))
    assert.deepEqual(bank.add(frame(1, 3, true), at(12)).ready?.data, Uint8Array.of(1, 0, 1, 1, 1, 2, 1, 3))
  })

  it('refuses bad options', () => {
    assert.throws(() => new ChannelBank({ timeout: 0 }), /timeout/)
    assert.throws(() => new ChannelBank({ maxBankBytes: 1.5 }), /maxBankBytes/)
  })

  // Invariant: whatever frames arrive (random channels, numbers, flags, sizes, reorgs),
  // the bank never throws, never holds more than its bound, and every channel it hands out
  // is the concatenation of frames 0…n-1 of its id, sent in that order, within its timeout.
  it('property: random frame streams never break the bank', () => {
    const random = mulberry32(7)
    /** Whether frames numbered 0…n-1 of `log`, in order, concatenate to `data`. */
    const madeOf = (log: { number: number; data: Uint8Array }[], n: number, data: Uint8Array, from = 0, k = 0, offset = 0): boolean => {
      if (k === n) return offset === data.length
      for (let i = from; i < log.length; i++) {
        const f = log[i]!
        if (f.number !== k || offset + f.data.length > data.length) continue
        if (!f.data.every((b, j) => data[offset + j] === b)) continue
        if (madeOf(log, n, data, i + 1, k + 1, offset + f.data.length)) return true
      }
      return false
    }
    let completed = 0
    for (let run = 0; run < 40; run++) {
      const bank = new ChannelBank({ timeout: 4, maxChannelBytes: 60, maxBankBytes: 150 })
      const log = new Map<number, { number: number; data: Uint8Array; l1: number }[]>()
      let l1 = 1
      for (let i = 0; i < 300; i++) {
        if (random() < 0.3) l1++
        if (random() < 0.02) {
          l1 = Math.max(1, l1 - Math.floor(random() * 3))
          bank.rewind(BigInt(l1 - 1))
          for (const [c, frames] of log) log.set(c, frames.filter((f) => f.l1 < l1))
        }
        const channel = Math.floor(random() * 5)
        const number = Math.floor(random() * 3)
        const data = pseudoRandom(1 + Math.floor(random() * 25), run * 1000 + i)
        log.set(channel, [...(log.get(channel) ?? []), { number, data, l1 }])
        const { ready } = bank.add({ channelId: idOf(channel), number, isLast: random() < 0.4, data }, at(l1))
        assert.ok(bank.heldBytes() <= 150)
        if (!ready) continue
        completed++
        assert.ok(ready.data.length <= 60)
        assert.ok(ready.completed.l1Number - ready.opened.l1Number <= 4n)
        assert.ok(madeOf(log.get(channel)!, ready.frames, ready.data), `run ${run} step ${i}: channel ${channel} is not its frames 0…${ready.frames - 1}`)
      }
    }
    assert.ok(completed > 100, `channels completed: ${completed}`)
  })
})

describe('ChannelReader', () => {
  const posted = (data: Uint8Array | undefined, l1: number, error?: string): L1BatchData => ({ ...at(l1), data, error })
  const kinds = (events: ChannelEvent[]) => events.map((e) => (e.kind === 'skip' ? `skip:${e.reason}` : 'channel'))

  it('frames become channels; other posted data is a whole network batch; bad frames are skipped with their reason', () => {
    const reader = new ChannelReader()
    const batch = encodeNetworkBatch({
      chains: [{ chainId: 901n, parentHash: new Uint8Array(32), firstBlock: 1n, firstOrigin: 1n, lastOriginHash: new Uint8Array(32), blocks: [{ timestamp: 1n, l1OriginNumber: 1n, txs: [] }] }],
    })
    const frames = toFrames(idOf(1), batch, 10).map(encodeFrame)
    const events = frames.flatMap((f, i) => reader.push(posted(f, 5 + i)))
    assert.deepEqual(kinds(events), ['channel'])
    const channel = events[0] as Extract<ChannelEvent, { kind: 'channel' }>
    assert.deepEqual(channel.found.data, batch)
    assert.equal(channel.found.l1Number, BigInt(5 + frames.length - 1), 'carried by the block of its last frame')
    assert.equal(channel.frames, frames.length)
    assert.deepEqual(kinds(reader.push(posted(batch, 20))), ['channel'], 'a bare 0x02 batch, as before frames')
    assert.deepEqual(kinds(reader.push(posted(Uint8Array.of(0x03, 1, 2), 20))), ['skip:frame'])
    assert.match((reader.push(posted(Uint8Array.of(0x03, 1, 2), 20))[0] as { message: string }).message, /^invalid frame \(truncated\)/)
    assert.deepEqual(kinds(reader.push(posted(undefined, 20, 'the calldata does not match'))), ['skip:no-data'])
  })

  // Invariant: no posted data, however hostile, makes the frame stage throw; each piece
  // gives skips and channels only, and the bank stays within its bound.
  it('fuzz: random posted data, frames of random channels and bit-flipped frames never make it throw', () => {
    const random = mulberry32(99)
    const reader = new ChannelReader({ timeout: 5, maxChannelBytes: 4000, maxBankBytes: 10_000 })
    const ids = [idOf(1), idOf(2), idOf(3)]
    let l1 = 1
    let channels = 0
    for (let i = 0; i < 5000; i++) {
      if (random() < 0.2) l1++
      let data: Uint8Array
      const kind = Math.floor(random() * 3)
      if (kind === 0) {
        data = pseudoRandom(Math.floor(random() * 60), i + 1)
        if (data.length > 0 && random() < 0.7) data[0] = 0x03
      } else {
        data = encodeFrame({ channelId: ids[Math.floor(random() * 3)]!, number: Math.floor(random() * 3), isLast: random() < 0.4, data: pseudoRandom(1 + Math.floor(random() * 900), i) })
        if (kind === 2) data[Math.floor(random() * data.length)] ^= 1 << Math.floor(random() * 8)
      }
      for (const event of reader.push(posted(data, l1))) {
        if (event.kind === 'channel') channels++
        else assert.ok(event.message.length > 0)
      }
      assert.ok(reader.heldBytes() <= 10_000)
      if (random() < 0.01) reader.rewind(BigInt(Math.max(0, l1 - 2)))
    }
    assert.ok(channels > 50, `channels read: ${channels}`)
  })

  it('reports a channel that times out when its time passes, with or without further frames', () => {
    const reader = new ChannelReader({ timeout: 3 })
    reader.push(posted(encodeFrame(frame(1, 0, false)), 10))
    assert.deepEqual(kinds(reader.readUpTo(12n)), [])
    // every block up to 13 = 10 + 3 read, and no last frame: it can no longer complete
    const events = reader.readUpTo(13n)
    assert.deepEqual(kinds(events), ['skip:timed-out'])
    assert.match((events[0] as { message: string }).message, /^channel dropped \(timed-out\): channel 0x01/)
    assert.deepEqual(kinds(reader.push(posted(encodeFrame(frame(1, 1, true)), 15))), ['skip:out-of-order'])
  })
})
