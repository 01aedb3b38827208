import type { Hex } from 'viem'
import { roleKey } from './roleKeys.js'

/**
 * The super root proposer's L1 key, derived from the deployer key like the chains' role
 * keys, for the network-level "chain" 0. Its own key, so its nonces never race the
 * chains' proposers.
 */
export function superProposerKey(deployerKey: Hex): Hex {
  return roleKey(deployerKey, 'super-proposer', 0n)
}
