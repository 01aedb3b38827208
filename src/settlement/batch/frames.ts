import { randomBytes } from 'node:crypto'
import { BaseError } from '../../primitives/errors.js'
import { MAX_BLOB_BATCH_BYTES } from '../da/blobCodec.js'

/**
 * Frames: how a *channel* (one network batch, `codec.ts`, of any size up to the channel
 * limits) is cut into pieces that each fit one L1 transaction, and read back. The idea
 * is the OP Stack's channels and frames; the layout is Plexus' own.
 *
 * What one L1 transaction posts (the `submitNetworkBatch` calldata, or the bytes laid
 * out in one blob transaction's blobs) is exactly one frame:
 *
 *   offset  size  field
 *   0       1     version, 0x03
 *   1       16    channel id: random, chosen by the batcher for each channel
 *   17      2     frame number, big-endian uint16: 0, 1, 2, … within the channel
 *   19      1     flags: 0x01 = the channel's last frame; every other bit must be 0
 *   20      4     data length, big-endian uint32: 1 … MAX_FRAME_DATA_BYTES
 *   24      n     data: the next `n` bytes of the channel
 *
 * and nothing after the data. A channel's bytes are its frames' data concatenated in
 * frame order, and they are a network batch in the 0x02 format (version byte included),
 * so the channel is compressed once, as a whole, before it is cut.
 *
 * Posted data whose first byte is not 0x03 is not a frame: it is read as a whole network
 * batch in one transaction, the format before frames (0x02; 0x01 and unknown version
 * bytes are then refused by `decodeNetworkBatch` with reason `version`). Batches posted
 * before frames existed therefore still derive, each as a channel of its own.
 *
 * Why these bounds: 16 random bytes make two channels of one batcher collide with
 * negligible probability; a uint16 frame number allows 65,536 frames, more than the
 * largest channel needs at the smallest useful frame size; one byte of flags leaves room
 * without ambiguity (unknown bits are refused, so a future meaning cannot be misread);
 * and no frame may be larger than one blob transaction carries (6 blobs).
 */

export const FRAME_VERSION = 0x03
export const CHANNEL_ID_BYTES = 16
/** Bytes of a frame that are not channel data. */
export const FRAME_HEADER_BYTES = 1 + CHANNEL_ID_BYTES + 2 + 1 + 4
/** Most channel bytes one frame carries: what a 6-blob transaction holds, less the header. */
export const MAX_FRAME_DATA_BYTES = MAX_BLOB_BATCH_BYTES - FRAME_HEADER_BYTES
/** Frames in one channel at most (the frame number is a uint16). */
export const MAX_FRAMES_PER_CHANNEL = 1 << 16

const LAST_FRAME_FLAG = 0x01

export interface Frame {
  channelId: Uint8Array
  /** 0, 1, 2, … within the channel. */
  number: number
  /** The channel's last frame. */
  isLast: boolean
  data: Uint8Array
}

/** Why posted data is not a valid frame. */
export type FrameDecodeReason = 'version' | 'truncated' | 'flags' | 'length' | 'trailing'

/** Posted data that starts like a frame but is not one. Derivation skips it; never a node fault. */
export class FrameDecodeError extends BaseError {
  override name = 'FrameDecodeError'
  readonly reason: FrameDecodeReason
  constructor(reason: FrameDecodeReason, message: string) {
    super(`invalid frame (${reason}): ${message}`)
    this.reason = reason
  }
}

/** A fresh random channel id. */
export function newChannelId(): Uint8Array {
  return new Uint8Array(randomBytes(CHANNEL_ID_BYTES))
}

/** The bytes one L1 transaction posts for `frame`. Throws a plain Error on a frame that breaks the bounds (a caller bug). */
export function encodeFrame(frame: Frame): Uint8Array {
  if (frame.channelId.length !== CHANNEL_ID_BYTES) throw new Error(`encodeFrame: the channel id must be ${CHANNEL_ID_BYTES} bytes`)
  if (!Number.isInteger(frame.number) || frame.number < 0 || frame.number >= MAX_FRAMES_PER_CHANNEL) {
    throw new Error(`encodeFrame: frame number ${frame.number} is not a uint16`)
  }
  if (frame.data.length === 0 || frame.data.length > MAX_FRAME_DATA_BYTES) {
    throw new Error(`encodeFrame: ${frame.data.length} bytes of data; a frame holds 1 … ${MAX_FRAME_DATA_BYTES}`)
  }
  const out = new Uint8Array(FRAME_HEADER_BYTES + frame.data.length)
  const view = new DataView(out.buffer)
  out[0] = FRAME_VERSION
  out.set(frame.channelId, 1)
  view.setUint16(17, frame.number)
  out[19] = frame.isLast ? LAST_FRAME_FLAG : 0
  view.setUint32(20, frame.data.length)
  out.set(frame.data, FRAME_HEADER_BYTES)
  return out
}

/** Whether posted data is a frame (by its version byte); anything else is read as a whole network batch. */
export function isFrame(data: Uint8Array): boolean {
  return data.length > 0 && data[0] === FRAME_VERSION
}

/**
 * The frame in posted data that `isFrame` accepts. For any bytes it throws nothing but
 * `FrameDecodeError`; the data is copied, so the frame outlives `data`.
 */
export function decodeFrame(data: Uint8Array): Frame {
  if (!isFrame(data)) throw new FrameDecodeError('version', 'not a frame (the version byte is not 0x03)')
  if (data.length < FRAME_HEADER_BYTES) throw new FrameDecodeError('truncated', `${data.length} bytes, shorter than the ${FRAME_HEADER_BYTES}-byte header`)
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength)
  const flags = data[19]!
  if ((flags & ~LAST_FRAME_FLAG) !== 0) throw new FrameDecodeError('flags', `unknown flag bits 0x${flags.toString(16).padStart(2, '0')}`)
  const length = view.getUint32(20)
  if (length === 0 || length > MAX_FRAME_DATA_BYTES) throw new FrameDecodeError('length', `data length ${length} is not within 1 … ${MAX_FRAME_DATA_BYTES}`)
  const end = FRAME_HEADER_BYTES + length
  if (data.length < end) throw new FrameDecodeError('truncated', `data length ${length}, but only ${data.length - FRAME_HEADER_BYTES} bytes follow the header`)
  if (data.length > end) throw new FrameDecodeError('trailing', `${data.length - end} bytes after the frame's data`)
  return {
    channelId: data.slice(1, 1 + CHANNEL_ID_BYTES),
    number: view.getUint16(17),
    isLast: (flags & LAST_FRAME_FLAG) !== 0,
    data: data.slice(FRAME_HEADER_BYTES, end),
  }
}

/**
 * Cuts `channel` into frames of at most `maxFrameData` bytes of data each (all full but
 * the last), numbered from 0, the last one flagged. Throws a plain Error for an empty
 * channel, a bad size, or a channel that would need more than 65,536 frames.
 */
export function toFrames(channelId: Uint8Array, channel: Uint8Array, maxFrameData: number): Frame[] {
  if (!Number.isSafeInteger(maxFrameData) || maxFrameData < 1 || maxFrameData > MAX_FRAME_DATA_BYTES) {
    throw new Error(`toFrames: maxFrameData must be within 1 … ${MAX_FRAME_DATA_BYTES}`)
  }
  if (channel.length === 0) throw new Error('toFrames: an empty channel')
  const count = Math.ceil(channel.length / maxFrameData)
  if (count > MAX_FRAMES_PER_CHANNEL) throw new Error(`toFrames: ${count} frames, more than ${MAX_FRAMES_PER_CHANNEL}`)
  const frames: Frame[] = []
  for (let i = 0; i < count; i++) {
    frames.push({ channelId, number: i, isLast: i === count - 1, data: channel.subarray(i * maxFrameData, (i + 1) * maxFrameData) })
  }
  return frames
}

/** Frames a channel of `channelBytes` needs at `maxFrameData` bytes per frame. */
export function frameCountFor(channelBytes: number, maxFrameData: number): number {
  return Math.ceil(channelBytes / maxFrameData)
}
