import { MethodNotFoundError } from '../errors.js'
import type { RpcApi, SettlementView } from '../api.js'

/** The chain's L1 side, or a clear error on a chain that is not settled on L1. */
export function settlementOf(api: RpcApi, method: string): SettlementView {
  if (!api.settlement) throw new MethodNotFoundError(method, { details: 'this chain is not settled on L1 (it was started standalone)' })
  return api.settlement
}

/** plexus_getL1Addresses: the L1 contracts (by name), the L1 chain id and RPC, and this chain's roles. */
export function getL1Addresses(api: RpcApi): Record<string, unknown> {
  return settlementOf(api, 'plexus_getL1Addresses').l1Addresses()
}
