/**
 * Slots of the network: the shared sequencer builds one block on every chain in each
 * slot, with the same timestamp, chains in ascending chain id order. A chain's block
 * `n` is in slot `n + slotOffset(chainId)`. Every chain started with the network has
 * offset 0; a chain that joins later has the slot it joined at minus its first block.
 * The batcher cuts network batches at slot boundaries and derivation builds each batch's
 * blocks in (slot, chain id) order, so both must use the same offsets.
 */
export type SlotOffsets = (chainId: bigint) => bigint

/** Offset 0 for every chain (all chains started together). */
export const ZERO_SLOT_OFFSETS: SlotOffsets = () => 0n

/** The slot of `chainId`'s block `blockNumber`. */
export function slotOf(offsets: SlotOffsets, chainId: bigint, blockNumber: bigint): bigint {
  return blockNumber + offsets(chainId)
}
