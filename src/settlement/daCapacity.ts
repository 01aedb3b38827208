import type { DataAvailability } from './batch/batchPoster.js'
import { DEFAULT_MAX_DECOMPRESSED_BYTES, maxEncodedBatchBytes, slotFitsLimits, slotPayloadBound, type BatchLimits } from './batch/codec.js'
import { FRAME_HEADER_BYTES, frameCountFor } from './batch/frames.js'
import { MAX_BLOB_BATCH_BYTES } from './da/blobCodec.js'

/**
 * Batcher transactions the network batcher keeps in flight, which is what it expects one
 * L1 block to take:
 * - calldata: 6 frames of 120,000 bytes cost 6 × 4.82M gas at the EIP-7623 floor
 *   (40 gas per non-zero byte), 28.9M of a 30M-gas L1 block (anvil's default; mainnet's
 *   limit is higher);
 * - blobs: one transaction of 6 blobs, since an L1 block holds at most 9 blobs (Prague,
 *   and Osaka before its blob-parameter forks raise it).
 */
export const CALLDATA_TXS_PER_L1_BLOCK = 6
export const BLOB_TXS_PER_L1_BLOCK = 1

/** The default most bytes posted per L1 transaction: what geth's pool takes (128 KiB) with room for the call's encoding. */
export const DEFAULT_CALLDATA_BATCH_BYTES = 120_000

/**
 * Bytes the batcher posts per L1 transaction (one frame, header included): `configured`,
 * or by default 120,000 for calldata and a full 6-blob transaction for blobs; never more
 * than one blob transaction carries (no frame is larger).
 */
export function maxPostedBytes(da: DataAvailability, configured?: number): number {
  return Math.min(configured ?? (da === 'blobs' ? MAX_BLOB_BATCH_BYTES : DEFAULT_CALLDATA_BATCH_BYTES), MAX_BLOB_BATCH_BYTES)
}

/**
 * The largest block data limit (bytes of signed transactions per chain block, a multiple
 * of 1 KiB) at which a slot of `chains` full blocks still fits one network batch
 * (`slotFitsLimits`): what the sequencer may allow each block, at most, so the batcher can
 * always carry a slot.
 */
export function maxBlockDataBytesFor(chains: number, limits: BatchLimits = {}): number {
  let lo = 0
  let hi = Math.floor((limits.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES) / 1024)
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2)
    if (slotFitsLimits(mid * 1024 * chains, chains, limits)) lo = mid
    else hi = mid - 1
  }
  return lo * 1024
}

export interface SlotCarriageOptions {
  /** Blocks in the slot: the network's chains (default 1). */
  chains?: number
  /** Bytes posted per L1 transaction (default 120,000 for calldata; 6 blobs' worth for blobs). */
  maxBatchBytes?: number
  /** The batch limits (default: the codec's). */
  limits?: BatchLimits
}

/** How the network batcher carries one slot to L1, at worst. */
export interface SlotCarriage {
  /** The slot's channel at its largest (incompressible transactions). */
  channelBytes: number
  /** Frames, one per L1 transaction. */
  frames: number
  /** L1 blocks from the one with its first frame to the one with its last (the slot is safe in that one). */
  l1Blocks: number
}

/**
 * How many frames, and L1 blocks, the batcher needs at most to carry one slot holding
 * `slotDataBytes` of signed transactions (all chains together): the slot's channel at
 * its largest (`slotPayloadBound`: every byte incompressible, the most RLP overhead; then
 * brotli's worst case), cut into frames of `maxBatchBytes`, sent
 * `CALLDATA_TXS_PER_L1_BLOCK` or `BLOB_TXS_PER_L1_BLOCK` per L1 block (the first ones
 * sent may straddle a block boundary: one block more). The slot becomes safe in the L1
 * block of its last frame, so this is also the most L1 blocks between its first frame
 * landing and its blocks being safe, as long as the batcher sends each frame within an L1
 * block time of the receipt that frees its place (it polls receipts every 250 ms); add
 * the wait for the batcher's next round (the next L1 head), the compression (about 2 s per
 * MiB at brotli's densest, off the event loop) and, for blobs, the KZG work (about 1.8 s
 * per blob on one core of the dev machine, on a worker thread). With the 1 MiB default
 * slot cap and two chains: calldata 10 frames in 3 L1 blocks, blobs 2 frames (9 blobs) in
 * 2 L1 blocks.
 *
 * Throws a plain Error when such a slot does not fit one channel at all (`slotFitsLimits`):
 * the slot cap is then too large for the batch limits.
 */
export function slotCarriage(da: DataAvailability, slotDataBytes: number, options: SlotCarriageOptions = {}): SlotCarriage {
  const chains = options.chains ?? 1
  if (!Number.isSafeInteger(slotDataBytes) || slotDataBytes < 0) throw new Error('slotCarriage: slotDataBytes must be a non-negative integer')
  if (!slotFitsLimits(slotDataBytes, chains, options.limits)) {
    throw new Error(`slotCarriage: a slot of ${slotDataBytes} signed bytes on ${chains} chains may exceed the batch limits`)
  }
  const postBytes = maxPostedBytes(da, options.maxBatchBytes)
  const channelBytes = maxEncodedBatchBytes(slotPayloadBound(slotDataBytes, chains))
  const frames = frameCountFor(channelBytes, postBytes - FRAME_HEADER_BYTES)
  const perBlock = da === 'blobs' ? BLOB_TXS_PER_L1_BLOCK : CALLDATA_TXS_PER_L1_BLOCK
  // The first transactions in flight may straddle an L1 block boundary (some land in the
  // block being built, the rest in the next), so count one block for the first frame and
  // full blocks for the rest.
  return { channelBytes, frames, l1Blocks: perBlock === 1 ? frames : 1 + Math.ceil((frames - 1) / perBlock) }
}

/** L1 blocks the batcher needs at most to carry one slot of `slotDataBytes` signed bytes (see `slotCarriage`). */
export function l1BlocksPerSlot(da: DataAvailability, slotDataBytes: number, options: SlotCarriageOptions = {}): number {
  return slotCarriage(da, slotDataBytes, options).l1Blocks
}
