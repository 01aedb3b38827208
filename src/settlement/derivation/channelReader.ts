import { decodeFrame, FrameDecodeError, isFrame } from '../batch/frames.js'
import type { L1BatchData } from './batchSource.js'
import { ChannelBank, type ChannelDropReason, type ChannelOptions, type FrameOrigin } from './channelBank.js'

/** What reading one piece of posted data gave. */
export type ChannelEvent =
  /**
   * A complete channel: `found.data` is its bytes (a network batch), and `found` is where
   * its last frame is, the L1 block its blocks count as carried by; `id` is unset for a
   * whole network batch posted without frames; `parts` is where each frame is.
   */
  | { kind: 'channel'; found: L1BatchData & { data: Uint8Array }; frames: number; parts: FrameOrigin[]; opened: FrameOrigin; id?: `0x${string}` }
  /** Posted data or a channel that is not used, and why. */
  | { kind: 'skip'; at: FrameOrigin; reason: ChannelDropReason | 'frame' | 'no-data'; message: string }

/**
 * The frame stage of derivation, over the retrieval stage's posted data (one piece per
 * L1 transaction, in L1 order): each piece is decoded as a frame (`batch/frames.ts`) and
 * handed to the `ChannelBank`, which gives back the channels it completes. Posted data
 * that is not a frame (its first byte is not 0x03) is a whole network batch on its own,
 * as before frames existed. Used alike by replicas (`NetworkDerivationPipeline`) and by
 * the batcher reading its own channels back, so both see the same channels.
 */
export class ChannelReader {
  private readonly bank: ChannelBank

  constructor(options: ChannelOptions = {}) {
    this.bank = new ChannelBank(options)
  }

  get timeout(): number {
    return this.bank.timeout
  }

  /** Frame data held in incomplete channels. */
  heldBytes(): number {
    return this.bank.heldBytes()
  }

  /** Reads the next posted data (L1 order). */
  push(posted: L1BatchData): ChannelEvent[] {
    const at = originOf(posted)
    const events: ChannelEvent[] = this.bank.expire(posted.l1Number).map(skipOf)
    if (!posted.data) {
      events.push({ kind: 'skip', at, reason: 'no-data', message: posted.error ?? 'no data' })
      return events
    }
    if (!isFrame(posted.data)) {
      events.push({ kind: 'channel', found: { ...at, data: posted.data }, frames: 1, parts: [at], opened: at })
      return events
    }
    let frame
    try {
      frame = decodeFrame(posted.data)
    } catch (err) {
      if (!(err instanceof FrameDecodeError)) throw err
      events.push({ kind: 'skip', at, reason: 'frame', message: err.message })
      return events
    }
    const { ready, drops } = this.bank.add(frame, at)
    events.push(...drops.map(skipOf))
    if (ready) events.push({ kind: 'channel', found: { ...ready.completed, data: ready.data }, frames: ready.frames, parts: ready.parts, opened: ready.opened, id: ready.id })
    return events
  }

  /** Every L1 block up to `l1Number` has been read: channels that can no longer complete are dropped. */
  readUpTo(l1Number: bigint): ChannelEvent[] {
    return this.bank.expire(l1Number + 1n).map(skipOf)
  }

  /** An L1 reorg back to `ancestor`: frames of later L1 blocks are forgotten. */
  rewind(ancestor: bigint): void {
    this.bank.rewind(ancestor)
  }
}

function originOf(posted: L1BatchData): FrameOrigin {
  return { l1Number: posted.l1Number, l1Hash: posted.l1Hash, txHash: posted.txHash, batchIndex: posted.batchIndex, logIndex: posted.logIndex }
}

function skipOf(drop: { reason: ChannelDropReason; message: string; at: FrameOrigin }): ChannelEvent {
  const what = drop.reason === 'duplicate' || drop.reason === 'out-of-order' ? 'frame skipped' : 'channel dropped'
  return { kind: 'skip', at: drop.at, reason: drop.reason, message: `${what} (${drop.reason}): ${drop.message}` }
}

/**
 * The channels in `posted` (data read from L1 in L1 order, e.g. `L1BatchSource.batchesIn`
 * or `readPostedBatches`), read as derivation reads them, and what was skipped. Channels
 * still incomplete at the end are in neither list.
 */
export function channelsIn(
  posted: readonly L1BatchData[],
  options: ChannelOptions = {},
): { channels: Extract<ChannelEvent, { kind: 'channel' }>[]; skipped: Extract<ChannelEvent, { kind: 'skip' }>[] } {
  const reader = new ChannelReader(options)
  const channels: Extract<ChannelEvent, { kind: 'channel' }>[] = []
  const skipped: Extract<ChannelEvent, { kind: 'skip' }>[] = []
  for (const piece of posted) {
    for (const event of reader.push(piece)) {
      if (event.kind === 'channel') channels.push(event)
      else skipped.push(event)
    }
  }
  return { channels, skipped }
}
