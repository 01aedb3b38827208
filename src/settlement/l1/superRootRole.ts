import { concat, keccak256, toHex, type Hex } from 'viem'

/**
 * The super root proposer's L1 key, derived from the deployer key like the chains' role
 * keys (`roleKey` in ./roleKeys.ts): the same formula with the role 'super-proposer' and
 * chain id 0, the network-level "chain". Its own key, so its nonces never race the
 * chains' proposers.
 */
export function superProposerKey(deployerKey: Hex): Hex {
  return keccak256(concat([deployerKey, toHex('plexus/super-proposer'), toHex(0n, { size: 32 })]))
}
