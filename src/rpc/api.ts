import type { DevApi } from './dev/api.js'
import type { AuditReport } from '../settlement/audit.js'
import type { ChainCaller, ChainReader } from '../execution/chainReader.js'
import type { Hex } from '../primitives/hex.js'
import type { MessageListener, MessageQuery, TrackedMessage } from '../interop/messageTracker.js'
import type { BundleStatus } from '../sequencer/bundles.js'
import type { BridgeTransfersContext } from '../settlement/bridgeTransfers.js'
import type { TxPool } from '../sequencer/txpool/index.js'
import type { FilterManager } from './filters.js'
import type { NetworkFeeds } from './networkFeeds.js'
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
  /**
   * Time one eth_call / eth_estimateGas / eth_createAccessList / debug_trace* may run
   * (geth's RPCEVMTimeout); 0 = no limit. The call also yields to the event loop while
   * it runs, so it never delays a slot.
   */
  evmTimeoutMs: number
  /** Most filters installed at once on the chain (eth_newFilter and the like). */
  maxFilters: number
  /** Most live subscriptions of one WebSocket connection. */
  maxSubscriptionsPerConnection: number
}

export const DEFAULT_RPC_LIMITS: RpcLimits = {
  maxLogBlockRange: 10_000n,
  maxLogResults: 10_000,
  gasCap: 50_000_000n,
  maxFeeHistory: 1024,
  // geth's --rpc.evmtimeout default
  evmTimeoutMs: 5_000,
  // geth has no limits; far above what clients use, low enough to bound memory
  maxFilters: 10_000,
  maxSubscriptionsPerConnection: 1_000,
}

/**
 * The chain's settled heads, which the `safe` and `finalized` block tags name. Answered
 * from memory (the L1 side keeps them current as batches land and L1 finalizes), so a
 * tag costs no L1 round trip.
 */
export interface SettledHeads {
  /** Newest block carried by a batch in a canonical L1 block (a replica: derived from L1). */
  safeHead(): bigint
  /** Newest block carried by a batch in a finalized L1 block. */
  finalizedHead(): bigint
}

/** What `plexus_getL1Addresses`, `plexus_syncStatus`, the bridge methods and the block tags read. */
export interface SettlementView extends SettledHeads {
  l1Addresses(): Record<string, unknown>
  syncStatus(): Promise<Record<string, unknown>>
  /** Deposits and withdrawals (a sequencing chain; replicas do not serve them). */
  bridgeTransfers?(): BridgeTransfersContext
}

/** The network-wide services every chain's RPC answers for (`plexus_*` bundle and message methods). */
export interface NetworkApi {
  /** Queues an atomic bundle; returns its id. Throws on a malformed bundle. */
  sendBundle(txs: { chainId: bigint; raw: Uint8Array }[], deadlineSlot?: bigint): Promise<Hex>
  getBundle(id: Hex): BundleStatus | undefined
  getMessage(msgHash: Hex): TrackedMessage | undefined
  getMessagesByTx(chainId: bigint, txHash: Hex): TrackedMessage[]
  /** The messages `query` selects (plexus_listMessages). */
  listMessages(query: MessageQuery): TrackedMessage[]
  /** How many messages the network knows. */
  messageCount(): number
  /** Calls `listener` each time a message is first seen or changes state (plexus_messages). */
  onMessage(listener: MessageListener): () => void
  /** Bundles newest first, at most `limit`, optionally in one state (plexus_listBundles). */
  listBundles(limit: number, status?: BundleStatus['status']): { id: Hex; status: BundleStatus }[]
  /** Queues a failed message for another relay by the network. */
  retryMessage(msgHash: Hex, gasLimit?: bigint): TrackedMessage | undefined
  /** The slot the next blocks belong to. */
  nextSlot(): bigint
  /** Every chain of the network for wallets and apps (`plexus_getChainRegistry`); undefined if unknown. */
  chainRegistry(): unknown
  /** Calls `listener` whenever a chain joins the network; returns what unsubscribes. */
  onChainsChanged(listener: () => void): () => void
  /** The money audit of the network (plexus_audit). */
  audit(): Promise<AuditReport>
}

/** What RPC methods may use of the node: the chain, the pool, filters, subscriptions. */
export interface RpcApi {
  readonly chain: ChainReader & ChainCaller
  readonly pool: TxPool
  readonly filters: FilterManager
  readonly subscriptions: SubscriptionManager
  readonly limits: RpcLimits
  readonly clientVersion: string
  /** The chain's L1 side, when it is settled on L1 (`plexus_*` methods). */
  readonly settlement?: SettlementView
  /** The network this chain is part of (bundles, messages), unless it runs standalone. */
  readonly network?: NetworkApi
  /**
   * The network's subscriptions when they come from elsewhere (a chain whose RPC runs in
   * an executor); absent, they come from `network`.
   */
  readonly networkFeeds?: NetworkFeeds
  /** anvil's dev methods: present only on a chain of a dev network (see rpc/dev/api.ts). */
  readonly dev?: DevApi
  /** Decodes, validates and pools a raw transaction; returns its hash. */
  submitRawTransaction(raw: Uint8Array): Promise<Hex>
}
