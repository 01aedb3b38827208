import type { IncomingMessage, ServerResponse } from 'node:http'
import { createRequire } from 'node:module'
import type { ChainCaller, ChainReader } from '../execution/chainReader.js'
import { devAccounts } from '../execution/genesis.js'
import type { Hex } from '../primitives/hex.js'
import type { Lifecycle } from '../primitives/lifecycle.js'
import type { Logger } from '../primitives/logger.js'
import type { DevTxQueue } from '../sequencer/devTxQueue.js'
import type { TxPool } from '../sequencer/txpool/index.js'
import { DEFAULT_RPC_LIMITS, type NetworkApi, type RpcApi, type RpcLimits, type SettlementView } from './api.js'
import { createDevStateApi, withDevNetwork, type DevNetworkApi } from './dev/api.js'
import { callMethod } from './callMethod.js'
import { FilterManager } from './filters.js'
import { createMethodRegistry, type CoordinatorCall } from './methods.js'
import type { NetworkFeeds } from './networkFeeds.js'
import { RPC_METHOD_GROUPS, type RpcOptions } from './options.js'
import { RpcServer } from './server.js'
import { SubscriptionManager } from './subscriptions.js'
import type { MethodRegistry, RequestObserver } from './types.js'

const pkg = createRequire(import.meta.url)('../../../package.json') as { version: string }
export const CLIENT_VERSION = `plexus/v${pkg.version}/${process.platform}-${process.arch}/node${process.versions.node}`

/** What one chain's JSON-RPC serves from, wherever the chain runs (a `PlexusNode`, an executor worker). */
export interface ChainRpcOptions {
  chain: ChainReader & ChainCaller
  pool: TxPool
  rpc: Partial<RpcOptions>
  rpcLimits?: Partial<RpcLimits>
  /** The chain's L1 side: its addresses, sync status and the `safe`/`finalized` heads. */
  settlement?: SettlementView
  /** The network the chain is part of, in this thread. */
  network?: NetworkApi
  /** The network's subscriptions when the network is elsewhere (with `coordinator`). */
  networkFeeds?: NetworkFeeds
  /** Where the network's methods (`COORDINATOR_METHODS`) are answered, when not in this thread. */
  coordinator?: CoordinatorCall
  /** The chain's dev transaction queue (a dev network's chain): its dev state methods. */
  devTxs?: DevTxQueue
  /** The network-wide dev methods (time, mining, snapshots), when answered in this thread. */
  devNetwork?: DevNetworkApi
  /** Decodes, checks and pools one raw transaction (eth_sendRawTransaction); returns its hash. */
  submitRawTransaction(raw: Uint8Array): Promise<Hex>
  logger: Logger
  metricsHandler?: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>
  onRequest?: RequestObserver
}

/**
 * One chain's JSON-RPC: the method registry bound to the chain, its filters and
 * subscriptions, and the server (HTTP and WebSocket on one port). The one wiring of a
 * chain's RPC, shared by `PlexusNode` and the executor worker, so a chain answers the
 * same wherever it runs. `start` binds the port (or rejects, naming host and port);
 * `stop` stops taking requests, then closes the filters.
 */
export class ChainRpc implements Lifecycle {
  readonly filters: FilterManager
  private readonly server: RpcServer
  /** Every method, the restricted ones included: what the operator calls through. */
  private readonly fullRegistry: MethodRegistry
  private stopping: Promise<void> | undefined

  constructor(private readonly options: ChainRpcOptions) {
    const { chain, pool, settlement, logger } = options
    const limits = { ...DEFAULT_RPC_LIMITS, ...options.rpcLimits }
    this.filters = new FilterManager(chain, pool, limits, settlement)
    const api: RpcApi = {
      chain,
      pool,
      filters: this.filters,
      subscriptions: new SubscriptionManager({ logger: logger.child({ module: 'subscriptions' }), maxPerConnection: limits.maxSubscriptionsPerConnection }),
      limits,
      clientVersion: CLIENT_VERSION,
      settlement,
      network: options.network,
      ...(options.networkFeeds ? { networkFeeds: options.networkFeeds } : {}),
      // The chain's own dev state methods, and the network's (time, mining, snapshots).
      ...(options.devTxs ? { dev: withDevNetwork(createDevStateApi(options.devTxs, chain.common, devAccounts()), options.devNetwork) } : {}),
      submitRawTransaction: options.submitRawTransaction,
    }
    this.fullRegistry = createMethodRegistry(api, RPC_METHOD_GROUPS, options.coordinator)
    this.server = new RpcServer({
      ...options.rpc,
      registry: createMethodRegistry(api, options.rpc.expose, options.coordinator),
      logger: logger.child({ module: 'rpc' }),
      ...(options.metricsHandler ? { metricsHandler: options.metricsHandler } : {}),
      concurrentMethods: new Set(['eth_sendRawTransaction']),
      ...(options.onRequest ? { onRequest: options.onRequest } : {}),
    })
  }

  async start(): Promise<void> {
    try {
      await this.server.start()
    } catch (err) {
      this.filters.close()
      throw err
    }
  }

  /** Stops taking requests (those running get the server's grace), then closes the filters; stopping twice is one stop. */
  stop(): Promise<void> {
    return (this.stopping ??= this.server.stop().then(() => this.filters.close()))
  }

  /** The address actually bound (port 0 resolves to a free port). */
  address(): { host: string; port: number } {
    return this.server.address()
  }

  url(): string {
    const { host, port } = this.address()
    return `http://${host}:${port}`
  }

  /** Lets one more exact browser origin call (the dashboard's). */
  allowOrigin(origin: string): void {
    this.server.allowOrigin(origin)
  }

  /**
   * Calls one method as the operator: restricted methods included (the admin endpoint's
   * path to them). Resolves to the result; rejects with the method's error.
   */
  call(method: string, params: unknown[]): Promise<unknown> {
    return callMethod(this.fullRegistry, method, params, this.options.logger)
  }
}
