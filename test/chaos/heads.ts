import type { Hex } from 'viem'

/** A `plexus_syncStatus` head's number; -1 for none. */
export const numberOf = (head: { number: Hex } | null | undefined): bigint => (head ? BigInt(head.number) : -1n)
