import { StoreChainReader } from '../execution/storeChainReader.js'
import type { NetworkChainData } from '../executor/workerData.js'
import { WorkerExecutor } from '../executor/workerExecutor.js'
import { hexToBytes, type Hex } from '../primitives/hex.js'
import type { Logger } from '../primitives/logger.js'
import { DEFAULT_RPC_LIMITS, type SettlementView } from '../rpc/api.js'
import { callMethod } from '../rpc/callMethod.js'
import { CLIENT_VERSION } from '../rpc/chainRpc.js'
import { createCoordinatorRegistry } from '../rpc/methods.js'
import { localNetworkFeeds } from '../rpc/networkFeeds.js'
import type { ChainSettlement } from '../settlement/chainSettlement.js'
import type { RegisteredChain } from '../settlement/l1/chainRegistration.js'
import { ChainStore } from '../storage/chainStore.js'
import { openDatabase } from '../storage/database.js'
import { chainSettlement, type ChainNodeContext } from './chainNode.js'
import { chainDatabaseDir } from './datadir.js'
import type { NetworkChain } from './networkChain.js'
import { chainName, type NetworkChainOptions } from './networkOptions.js'
import type { NetworkMember } from './networkSequencing.js'

/**
 * A network chain whose executor runs in a worker thread (`executors: thread`,
 * docs/design/executors.md): the worker holds the chain's store, execution, pool, dev
 * queue and JSON-RPC server; this side, the coordinator's, holds a reader of the chain's
 * store (advanced by the shared sequencer after each commit), the chain's L1 side over
 * that reader, and answers the network methods the worker's RPC forwards
 * (`plexus_networkCall`) as an in-process chain's RPC would. The safe and finalized heads
 * the L1 side learns are pushed to the worker after each slot, for its block tags.
 *
 * Started: the worker opens the chain first (it writes genesis on a new datadir), then
 * the reader opens the store. Stopped in reverse: the L1 side, the worker (its RPC and
 * store), the reader's store.
 */
export class WorkerChain implements NetworkChain {
  readonly node = undefined
  private worker: WorkerExecutor | undefined
  private store: ChainStore | undefined
  private _reader: StoreChainReader | undefined
  private _settlement: ChainSettlement | undefined
  /** The safe and finalized heads last pushed to the worker (its tags; genesis until the first push). */
  private pushed = { safe: 0n, finalized: 0n }
  private pushedOnce = false
  private offSlot: (() => void) | undefined
  private readonly logger: Logger

  constructor(
    private readonly ctx: ChainNodeContext & { relayer: Hex },
    private readonly opts: NetworkChainOptions,
    private readonly registered: RegisteredChain,
    private readonly genesisSlot: bigint,
    /** The network's other chains as the worker reads them (its replica of the log index). */
    private readonly others: () => NetworkChainData[],
    /** Told once if the worker is lost on its own (exited, crashed, out of memory, silent past a slot step's deadline). */
    private readonly onLost: (reason: string) => void,
  ) {
    this.logger = ctx.logger.child({ chain: opts.chainId, name: chainName(opts) })
  }

  get chainId(): bigint {
    return BigInt(this.opts.chainId)
  }

  get reader(): StoreChainReader {
    if (!this._reader) throw new Error(`chain ${this.opts.chainId} not started`)
    return this._reader
  }

  get settlement(): ChainSettlement | undefined {
    return this._settlement
  }

  /** What the worker is, for the network's others (its store and genesis). */
  data(): NetworkChainData {
    return { datadir: chainDatabaseDir(this.ctx.datadir, this.opts.chainId), genesis: this.registered.genesis, genesisSlot: this.genesisSlot }
  }

  /** The worker's executor (tests drive and kill it). */
  get executor(): WorkerExecutor {
    if (!this.worker) throw new Error(`chain ${this.opts.chainId} not started`)
    return this.worker
  }

  async start(): Promise<void> {
    const { ctx, opts, registered } = this
    const datadir = chainDatabaseDir(ctx.datadir, opts.chainId)
    const worker = (this.worker = await WorkerExecutor.start({
      datadir,
      genesis: registered.genesis,
      relayer: ctx.relayer,
      ...(opts.gasLimit !== undefined ? { gasLimit: opts.gasLimit } : {}),
      network: { genesisSlot: this.genesisSlot, chains: this.others() },
      rpc: {
        options: { ...opts.rpc, host: opts.rpcHost, port: opts.rpcPort },
        ...(opts.rpcLimits ? { limits: opts.rpcLimits } : {}),
        devMethods: ctx.devMethods,
      },
      logger: this.logger,
    }))
    worker.onLost((reason) => this.onLost(reason))
    this.store = new ChainStore(openDatabase(datadir))
    const reader = (this._reader = StoreChainReader.open(this.store, registered.genesis, this.logger.child({ module: 'reader' })))
    const settlement = (this._settlement = chainSettlement(ctx, opts, registered, reader, this.logger))
    // The chain's RPC answers its block tags from the heads pushed to the worker: its sync
    // status reports the same ones, pushed first, so the two always agree.
    const told: SettlementView = {
      safeHead: () => this.pushed.safe,
      finalizedHead: () => this.pushed.finalized,
      l1Addresses: () => settlement.l1Addresses(),
      bridgeTransfers: () => settlement.bridgeTransfers(),
      syncStatus: () => settlement.syncStatus(told),
    }
    const registry = createCoordinatorRegistry({
      chain: reader,
      limits: { ...DEFAULT_RPC_LIMITS, ...opts.rpcLimits },
      clientVersion: CLIENT_VERSION,
      settlement: told,
      network: ctx.sequencing,
      ...(ctx.devNetwork && ctx.devMethods ? { devNetwork: ctx.devNetwork } : {}),
    })
    worker.serveNetwork({
      answer: (method, params) => {
        // Heads pushed before the answer, on the same ordered channel: the worker never
        // answers a tag older than a sync status it has returned.
        this.pushSettledHeads()
        return callMethod(registry, method, params, this.logger)
      },
      feeds: localNetworkFeeds(ctx.sequencing),
    })
    await settlement.start()
    // Every slot, what the L1 side knows now (batches land and L1 finalizes between slots).
    this.offSlot = ctx.sequencing.sequencer.onSlot(() => this.pushSettledHeads())
    this.pushSettledHeads()
  }

  member(): NetworkMember {
    const settlement = this._settlement
    return {
      chain: this.reader,
      executor: this.executor.executor,
      feeRecipient: hexToBytes(this.registered.feeRecipient),
      gasLimit: this.opts.gasLimit,
      inputs: settlement?.inputs,
    }
  }

  rpcUrl(): string {
    const url = this.worker?.rpcUrl
    if (!url) throw new Error(`chain ${this.opts.chainId} not started`)
    return url
  }

  async allowRpcOrigin(origin: string): Promise<void> {
    await this.worker?.allowRpcOrigin(origin)
  }

  /**
   * The operator's call of one of the chain's methods, restricted ones included: answered
   * by the worker's own registry (`WorkerExecutor.callRpc`).
   */
  callRpc(method: string, params: unknown[]): Promise<unknown> {
    return this.executor.callRpc(method, params)
  }

  /** A copy of the chain's database, read through the coordinator's handle (LMDB copies from a read transaction: the sequencer is paused). */
  async backupDatabase(dest: string): Promise<void> {
    if (!this.store) throw new Error(`chain ${this.opts.chainId} not started`)
    await this.store.backup(dest)
  }

  /** Tells the worker the network's chains now (one joined): it reads the new one's store from its next payload. */
  networkChanged(chains: NetworkChainData[]): Promise<void> {
    return this.executor.networkChanged(chains)
  }

  async stop(): Promise<void> {
    this.offSlot?.()
    await this._settlement?.stop()
    await this.worker?.stop()
    await this.store?.close()
  }

  /** Tells the worker the safe and finalized heads, when they moved (its 'safe' / 'finalized' block tags). */
  private pushSettledHeads(): void {
    const settlement = this._settlement
    if (!settlement || !this.worker || this.worker.lost) return
    const safe = settlement.safeHead()
    const finalized = settlement.finalizedHead()
    // Finalized never past safe (a reorg of L1 may lower safe first): what the tags promise.
    const heads = { safe, finalized: finalized < safe ? finalized : safe }
    if (this.pushedOnce && heads.safe === this.pushed.safe && heads.finalized === this.pushed.finalized) return
    this.pushed = heads
    this.pushedOnce = true
    this.worker.pushSettledHeads(heads)
  }
}
