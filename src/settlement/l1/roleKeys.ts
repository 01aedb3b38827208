import { concat, keccak256, toHex, type Hex } from 'viem'

/**
 * Roles with their own key: each chain's output proposer, and the network-level ones
 * (chain id 0): the batcher of every chain's blocks, the super-root proposer, and the
 * relayer on every L2.
 */
export type L1Role = 'proposer' | 'network-batcher' | 'super-proposer' | 'relayer'

/** The chain id network-level roles are derived with. */
export const NETWORK_ROLE = 0n

/**
 * A role's key, derived from the deployer key so a network needs one key in its config
 * and each service still has its own nonce sequence (they post concurrently).
 */
export function roleKey(deployerKey: Hex, role: L1Role, chainId: bigint): Hex {
  return keccak256(concat([deployerKey, toHex(`plexus/${role}`), toHex(chainId, { size: 32 })]))
}
