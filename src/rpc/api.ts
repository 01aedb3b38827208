import type { Chain } from '../execution/chain.js'
import type { Hex } from '../primitives/hex.js'
import type { TrackedMessage } from '../interop/messageTracker.js'
import type { BundleStatus } from '../sequencer/bundles.js'
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

/** The network-wide services every chain's RPC answers for (`plexus_*` bundle and message methods). */
export interface NetworkApi {
  /** Queues an atomic bundle; returns its id. Throws on a malformed bundle. */
  sendBundle(txs: { chainId: bigint; raw: Uint8Array }[], deadlineSlot?: bigint): Promise<Hex>
  getBundle(id: Hex): BundleStatus | undefined
  getMessage(msgHash: Hex): TrackedMessage | undefined
  getMessagesByTx(chainId: bigint, txHash: Hex): TrackedMessage[]
  /** Queues a failed message for another relay by the network. */
  retryMessage(msgHash: Hex, gasLimit?: bigint): TrackedMessage | undefined
  /** The slot the next blocks belong to. */
  nextSlot(): bigint
  /** Every chain of the network for wallets and apps (`plexus_getChainRegistry`); undefined if unknown. */
  chainRegistry(): unknown
  /** Calls `listener` whenever a chain joins the network; returns what unsubscribes. */
  onChainsChanged(listener: () => void): () => void
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
  /** The network this chain is part of (bundles, messages), unless it runs standalone. */
  readonly network?: NetworkApi
  /** Decodes, validates and pools a raw transaction; returns its hash. */
  submitRawTransaction(raw: Uint8Array): Promise<Hex>
}
