/**
 * Block ↔ slot, the one place that converts. The shared sequencer builds one block on
 * every chain in each network slot, all with the same timestamp, chains in ascending
 * chain-id order. A chain's block `n` is in slot `n + genesisSlot`, where the genesis
 * slot is the slot of its block 0: 0 for every chain the network started with; for a
 * chain that joins later, the slot before its first block (fixed when it was registered
 * and published with its config, so the sequencer, the batcher, derivation, the interop
 * rules and every replica agree). Everything that maps one to the other calls these, so
 * a coordinator and its executors can never disagree on where a block sits.
 *
 * It lives in `execution/` because the sequencer, interop and settlement all need it and
 * sit beside each other above it.
 */

/** A chain's genesis slot by chain id (the network's chains; 0 for one it does not know). */
export type SlotOffsets = (chainId: bigint) => bigint

/** Genesis slot 0 for every chain (all chains started together, or a standalone chain). */
export const ZERO_SLOT_OFFSETS: SlotOffsets = () => 0n

/** The slot of a chain's block `blockNumber`, given the chain's genesis slot. */
export function slotOf(genesisSlot: bigint, blockNumber: bigint): bigint {
  return blockNumber + genesisSlot
}

/**
 * The chain's block in `slot`, given its genesis slot; undefined for a slot before its
 * block 0 (the chain did not exist yet). Its genesis slot holds block 0.
 */
export function blockOf(genesisSlot: bigint, slot: bigint): bigint | undefined {
  return slot < genesisSlot ? undefined : slot - genesisSlot
}

/** The slot of a chain's head block. */
export function headSlot(chain: { headHeader(): { number: bigint } }, genesisSlot: bigint): bigint {
  return slotOf(genesisSlot, chain.headHeader().number)
}

/** The genesis slot of a chain whose first block (block 1) is to go in `firstSlot`. */
export function genesisSlotFor(firstSlot: bigint): bigint {
  return firstSlot - 1n
}
