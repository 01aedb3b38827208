import type { RpcApi } from '../api.js'
import { MethodNotFoundError } from '../errors.js'
import { networkOf } from './network.js'

/**
 * plexus_getChainRegistry: every chain of the network as wallets and apps take it —
 * EIP-3085 `wallet_addEthereumChain` parameters, a viem chain definition and the
 * contract addresses on L1 and L2 — chains added at run time included.
 */
export function getChainRegistry(api: RpcApi): unknown {
  const registry = networkOf(api, 'plexus_getChainRegistry').chainRegistry()
  if (registry === undefined) throw new MethodNotFoundError('plexus_getChainRegistry', { details: 'this network does not publish a registry' })
  return registry
}
