import { concat, keccak256, toHex, type Hex } from 'viem'

/**
 * Roles with their own key: each chain's L1 posters, and the network-level ones (chain id
 * 0): the super-root proposer on L1 and the relayer on every L2.
 */
export type L1Role = 'batcher' | 'proposer' | 'super-proposer' | 'relayer'

/**
 * A chain's L1 role keys (the proposer's; batches are posted by the network batcher, see
 * `networkBatcherKey`), derived from the deployer key so a network needs one key in its
 * config and each service still has its own nonce sequence (they post concurrently).
 */
export function roleKey(deployerKey: Hex, role: L1Role, chainId: bigint): Hex {
  return keccak256(concat([deployerKey, toHex(`plexus/${role}`), toHex(chainId, { size: 32 })]))
}

/**
 * The network batcher's L1 key: one key posts every chain's blocks (network batches),
 * derived from the deployer key like the per-chain roles.
 */
export function networkBatcherKey(deployerKey: Hex): Hex {
  return keccak256(concat([deployerKey, toHex('plexus/network-batcher')]))
}
