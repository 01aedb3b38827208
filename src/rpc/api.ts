import type { Chain } from '../execution/chain.js'
import type { Hex } from '../primitives/hex.js'
import type { TxPool } from '../sequencer/txpool/index.js'
import type { FilterManager } from './filters.js'
import type { SubscriptionManager } from './subscriptions.js'

/** Limits the methods enforce (documented in docs/rpc.md). */
export interface RpcLimits {
  /** Most blocks one eth_getLogs / eth_getFilterLogs may span. */
  maxLogBlockRange: bigint
  /** Most logs one eth_getLogs may return. */
  maxLogResults: number
  /** Gas ceiling of eth_call / eth_estimateGas / debug_traceCall (geth's RPCGasCap). */
  gasCap: bigint
  /** Most blocks eth_feeHistory may span (geth: 1024). */
  maxFeeHistory: number
}

export const DEFAULT_RPC_LIMITS: RpcLimits = {
  maxLogBlockRange: 10_000n,
  maxLogResults: 10_000,
  gasCap: 50_000_000n,
  maxFeeHistory: 1024,
}

/** What `plexus_getL1Addresses` and `plexus_syncStatus` read. */
export interface SettlementView {
  l1Addresses(): Record<string, unknown>
  syncStatus(): Promise<Record<string, unknown>>
}

/** What RPC methods may use of the node: the chain, the pool, filters, subscriptions. */
export interface RpcApi {
  readonly chain: Chain
  readonly pool: TxPool
  readonly filters: FilterManager
  readonly subscriptions: SubscriptionManager
  readonly limits: RpcLimits
  readonly clientVersion: string
  /** The chain's L1 side, when it is settled on L1 (`plexus_*` methods). */
  readonly settlement?: SettlementView
  /** Decodes, validates and pools a raw transaction; returns its hash. */
  submitRawTransaction(raw: Uint8Array): Promise<Hex>
}
