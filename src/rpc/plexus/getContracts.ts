import { PREDEPLOYS, REFERENCE_SUPERCHAIN_TOKEN } from '../../execution/predeploys.js'
import type { RpcApi } from '../api.js'

const L1_ROLE_FIELDS = new Set(['l1ChainId', 'l1RpcUrl', 'batcher', 'proposer', 'registeredAtBlock', 'challengeWindow'])

/**
 * plexus_getContracts: every contract address a developer needs, by name — the L2
 * predeploys (the same on every chain), the reference SuperchainERC20, and the L1
 * contracts of the network (settled chains).
 */
export function getContracts(api: RpcApi): Record<string, unknown> {
  const l1: Record<string, unknown> = {}
  if (api.settlement) {
    for (const [name, value] of Object.entries(api.settlement.l1Addresses())) if (!L1_ROLE_FIELDS.has(name)) l1[name] = value
  }
  return {
    chainId: `0x${api.chain.chainId.toString(16)}`,
    predeploys: { ...PREDEPLOYS },
    superchainERC20: { PlexusToken: REFERENCE_SUPERCHAIN_TOKEN },
    l1,
  }
}
