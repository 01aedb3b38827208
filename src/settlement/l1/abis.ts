import type { Abi } from 'viem'
import { loadArtifact } from '../../primitives/artifacts.js'

/**
 * The Plexus L1 contracts, in deployment order. A contract added at the end is deployed
 * into existing datadirs on their next start (see `ensureL1Contracts`).
 */
export const L1_CONTRACTS = ['ChainRegistry', 'BatchInbox', 'OutputOracle', 'Portal', 'SuperRootOracle'] as const
export type L1ContractName = (typeof L1_CONTRACTS)[number]

/** ABI of a Plexus contract (L1 or L2), from the build's artifacts. */
export function abiOf(name: L1ContractName | 'L2ToL1MessagePasser' | 'L2StandardBridge' | 'L1Block' | 'BridgedERC20'): Abi {
  return loadArtifact(name).abi
}
