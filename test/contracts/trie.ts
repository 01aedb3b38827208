// Storage tries built with ethereumjs, the way an L2 node holds the message passer's storage:
// a secure trie (paths are keccak256 of the 32-byte slot) whose values are RLP of the
// trimmed slot value.
import { createMerkleProof, createMPT } from '@ethereumjs/mpt'
import { RLP } from '@ethereumjs/rlp'
import { bigIntToUnpaddedBytes, bytesToHex, hexToBytes } from '@ethereumjs/util'
import type { Hex } from 'viem'
import { sentMessageSlot } from './setup.js'

export type StorageTrie = {
  root: Hex
  /** ethereumjs' proof (root first) for a slot. */
  proof(slot: Hex): Promise<Hex[]>
}

/** A storage trie with `slots` (slot → value); zero values are left out, as on chain. */
export async function storageTrie(slots: Map<Hex, bigint>): Promise<StorageTrie> {
  const trie = await createMPT({ useKeyHashing: true })
  for (const [slot, value] of slots) {
    if (value !== 0n) await trie.put(hexToBytes(slot), RLP.encode(bigIntToUnpaddedBytes(value)))
  }
  return {
    root: bytesToHex(trie.root()) as Hex,
    async proof(slot: Hex) {
      return (await createMerkleProof(trie, hexToBytes(slot))).map((n) => bytesToHex(n) as Hex)
    },
  }
}

/**
 * The message passer storage after the given withdrawals: `sentMessages[hash] = true` for each,
 * `messageNonce` (slot 1), plus `filler` unrelated slots so the proof has several levels.
 */
export function passerSlots(withdrawalHashes: Hex[], filler = 40, seed = 1): Map<Hex, bigint> {
  const slots = new Map<Hex, bigint>()
  slots.set(`0x${'00'.repeat(31)}01`, BigInt(withdrawalHashes.length))
  for (const h of withdrawalHashes) slots.set(sentMessageSlot(h), 1n)
  for (let i = 0; i < filler; i++) {
    const slot = `0x${(BigInt(seed) * 1_000_003n + BigInt(i) * 7_919n).toString(16).padStart(64, '0')}` as Hex
    slots.set(slot, BigInt(i + 1) * 0x1234567n)
  }
  return slots
}
