import { toData } from '../../primitives/hex.js'
import type { Frame } from '../batch/frames.js'
import { DEFAULT_MAX_DECOMPRESSED_BYTES, maxEncodedBatchBytes } from '../batch/codec.js'

/** Where a frame was found on L1: enough to order it, age it and report it. */
export interface FrameOrigin {
  l1Number: bigint
  l1Hash: `0x${string}`
  txHash: `0x${string}`
  batchIndex: bigint
  logIndex: number
}

/**
 * The channel rules both sides must apply alike (the batcher counts a channel as posted
 * only if replicas will read it back), so only the defaults are used in practice.
 */
export interface ChannelOptions {
  /**
   * L1 blocks a channel has to complete in: a channel whose first frame is in L1 block
   * `b` is read only if its last frame is in a block at most `b + timeout`; otherwise it
   * is dropped whole. Default 50 (10 minutes of 12 s L1 blocks; the OP Stack's value
   * since Granite).
   */
  timeout?: number
  /** Bytes of channel data (frames' data, all together) one channel may reach. Default `DEFAULT_MAX_CHANNEL_BYTES`. */
  maxChannelBytes?: number
  /** Bytes of frame data the bank holds across its open channels; past it the oldest channels are dropped. Default 4 channels' worth. */
  maxBankBytes?: number
}

export const DEFAULT_CHANNEL_TIMEOUT = 50
/**
 * The largest valid channel: a network batch within the default limits (8 MiB of
 * payload) at brotli's worst case, with its version byte: 8,390,663 bytes
 * (`maxEncodedBatchBytes`); rounded up to 8 MiB + 4 KiB.
 */
/** A network batch at the decompressed limit, at brotli's worst. */
export const DEFAULT_MAX_CHANNEL_BYTES = maxEncodedBatchBytes(DEFAULT_MAX_DECOMPRESSED_BYTES)
export const DEFAULT_MAX_BANK_BYTES = 4 * DEFAULT_MAX_CHANNEL_BYTES

/**
 * Why a frame, or a whole channel, was not used:
 * - `duplicate`: a frame the channel already has (frame 0 of an open channel included);
 * - `out-of-order`: not the channel's next frame (frames must arrive in order), or a
 *   frame of a channel that is not open (its frame 0 never came, or it was dropped);
 * - `oversized`: the frame would take the channel past `maxChannelBytes` (the channel is dropped);
 * - `timed-out`: the channel's last frame did not come within `timeout` L1 blocks of its first;
 * - `evicted`: the bank held more than `maxBankBytes`; its oldest channel went first.
 */
export type ChannelDropReason = 'duplicate' | 'out-of-order' | 'oversized' | 'timed-out' | 'evicted'

/** A frame or channel the bank did not use, with why; `at` is the frame that caused it (a timed-out channel: its newest frame). */
export interface ChannelDrop {
  reason: ChannelDropReason
  message: string
  at: FrameOrigin
}

/** A channel whose every frame arrived in order, within its timeout. */
export interface ReadyChannel {
  id: `0x${string}`
  /** The frames' data, concatenated: a network batch. */
  data: Uint8Array
  frames: number
  /** Where each of its frames is, in frame order. */
  parts: FrameOrigin[]
  /** Where its first frame is (its age counts from there). */
  opened: FrameOrigin
  /** Where its last frame is: the L1 block that completes it, and that its blocks count as carried by. */
  completed: FrameOrigin
}

interface OpenChannel {
  id: `0x${string}`
  frames: { data: Uint8Array; at: FrameOrigin }[]
  bytes: number
}

/** Recently dropped channel ids kept to explain their later frames (a bounded memo, not state). */
const DROPPED_IDS_KEPT = 64

/**
 * The channel bank of derivation (the OP Stack's frame queue and channel bank, with
 * Holocene's rule that a channel's frames come in order): it takes frames in L1 order
 * and hands out each channel once its last frame is in. Channels are keyed by id, several
 * may be open at once (the oldest is the one opened first), and every way a frame can be
 * unusable — duplicate, out of order, too large, never completed in time, crowded out —
 * drops it (or its channel) with a typed reason, never an exception. An L1 reorg
 * forgets the frames of the removed blocks (`rewind`).
 *
 * Deterministic: the same frames in the same L1 order always give the same channels,
 * whichever way the reading is split into steps, which is what lets the batcher read
 * its own channels back after a restart exactly as replicas do.
 */
export class ChannelBank {
  /** Open channels in the order they were opened (Map keeps insertion order). */
  private readonly open = new Map<string, OpenChannel>()
  private bytes = 0
  private readonly dropped = new Map<string, ChannelDropReason>()
  readonly timeout: number
  readonly maxChannelBytes: number
  readonly maxBankBytes: number

  constructor(options: ChannelOptions = {}) {
    this.timeout = options.timeout ?? DEFAULT_CHANNEL_TIMEOUT
    this.maxChannelBytes = options.maxChannelBytes ?? DEFAULT_MAX_CHANNEL_BYTES
    this.maxBankBytes = options.maxBankBytes ?? DEFAULT_MAX_BANK_BYTES
    for (const [key, value] of Object.entries({ timeout: this.timeout, maxChannelBytes: this.maxChannelBytes, maxBankBytes: this.maxBankBytes })) {
      if (!Number.isSafeInteger(value) || value < 1) throw new Error(`ChannelBank: ${key} must be a positive integer`)
    }
  }

  /** Frame data held, all open channels together. */
  heldBytes(): number {
    return this.bytes
  }

  /** Open (incomplete) channels. */
  openChannels(): number {
    return this.open.size
  }

  /**
   * Takes the frame found at `at` (frames must be given in L1 order). Channels that can
   * no longer complete by `at`'s L1 block are dropped first.
   */
  add(frame: Frame, at: FrameOrigin): { ready?: ReadyChannel; drops: ChannelDrop[] } {
    const drops = this.expire(at.l1Number)
    const id = toData(frame.channelId) as `0x${string}`
    const what = `frame ${frame.number} of channel ${id}`
    const channel = this.open.get(id)
    if (!channel) {
      if (frame.number !== 0) {
        const earlier = this.dropped.get(id)
        const why = earlier ? `its channel was dropped (${earlier})` : 'its channel is not open (no frame 0 came before it)'
        drops.push({ reason: 'out-of-order', message: `${what}: ${why}`, at })
        return { drops }
      }
      if (frame.data.length > this.maxChannelBytes) {
        drops.push(this.dropChannel(undefined, id, 'oversized', `${what}: ${frame.data.length} bytes, over the ${this.maxChannelBytes} a channel may hold`, at))
        return { drops }
      }
      if (frame.isLast) return { ready: { id, data: frame.data, frames: 1, parts: [at], opened: at, completed: at }, drops }
      const opened: OpenChannel = { id, frames: [{ data: frame.data, at }], bytes: frame.data.length }
      this.open.set(id, opened)
      this.bytes += opened.bytes
      drops.push(...this.evict(at))
      return { drops }
    }
    const next = channel.frames.length
    if (frame.number < next) {
      drops.push({ reason: 'duplicate', message: `${what}: the channel already has it`, at })
      return { drops }
    }
    if (frame.number > next) {
      drops.push({ reason: 'out-of-order', message: `${what}: expected frame ${next}`, at })
      return { drops }
    }
    if (channel.bytes + frame.data.length > this.maxChannelBytes) {
      drops.push(this.dropChannel(channel, id, 'oversized', `${what}: the channel would reach ${channel.bytes + frame.data.length} bytes, over ${this.maxChannelBytes}`, at))
      return { drops }
    }
    channel.frames.push({ data: frame.data, at })
    channel.bytes += frame.data.length
    this.bytes += frame.data.length
    if (frame.isLast) {
      this.forget(channel)
      const parts = channel.frames.map((f) => f.at)
      return { ready: { id, data: concat(channel.frames.map((f) => f.data), channel.bytes), frames: parts.length, parts, opened: parts[0]!, completed: at }, drops }
    }
    drops.push(...this.evict(at))
    return { drops }
  }

  /**
   * Every L1 block before `l1Number` has been read: drops the channels that can no longer
   * complete in time (first frame more than `timeout` blocks before `l1Number`), each
   * reported at its newest frame.
   */
  expire(l1Number: bigint): ChannelDrop[] {
    const drops: ChannelDrop[] = []
    for (const channel of [...this.open.values()]) {
      const first = channel.frames[0]!.at
      if (first.l1Number + BigInt(this.timeout) >= l1Number) continue
      const message = `channel ${channel.id}: ${channel.frames.length} frames since L1 block ${first.l1Number}, not completed within ${this.timeout} L1 blocks`
      drops.push(this.dropChannel(channel, channel.id, 'timed-out', message, channel.frames[channel.frames.length - 1]!.at))
    }
    return drops
  }

  /** An L1 reorg back to `ancestor`: forgets every frame found in a later L1 block. */
  rewind(ancestor: bigint): void {
    for (const channel of [...this.open.values()]) {
      const keep = channel.frames.findIndex((f) => f.at.l1Number > ancestor)
      if (keep < 0) continue
      for (const f of channel.frames.splice(keep)) {
        channel.bytes -= f.data.length
        this.bytes -= f.data.length
      }
      if (channel.frames.length === 0) this.open.delete(channel.id)
    }
  }

  /** Drops the oldest channels until the bank is within `maxBankBytes`. */
  private evict(at: FrameOrigin): ChannelDrop[] {
    const drops: ChannelDrop[] = []
    for (const channel of this.open.values()) {
      if (this.bytes <= this.maxBankBytes) break
      drops.push(this.dropChannel(channel, channel.id, 'evicted', `channel ${channel.id}: the bank held more than ${this.maxBankBytes} bytes; the oldest channel goes first`, at))
    }
    return drops
  }

  private dropChannel(channel: OpenChannel | undefined, id: `0x${string}`, reason: ChannelDropReason, message: string, at: FrameOrigin): ChannelDrop {
    if (channel) this.forget(channel)
    this.dropped.delete(id)
    this.dropped.set(id, reason)
    if (this.dropped.size > DROPPED_IDS_KEPT) this.dropped.delete(this.dropped.keys().next().value!)
    return { reason, message, at }
  }

  private forget(channel: OpenChannel): void {
    this.open.delete(channel.id)
    this.bytes -= channel.bytes
  }
}

function concat(parts: readonly Uint8Array[], length: number): Uint8Array {
  const out = new Uint8Array(length)
  let at = 0
  for (const part of parts) {
    out.set(part, at)
    at += part.length
  }
  return out
}
