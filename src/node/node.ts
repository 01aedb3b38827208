import { isDevGenesis } from '../execution/devTx.js'
import { DevTxQueue } from '../sequencer/devTxQueue.js'
import type { Block } from '@ethereumjs/block'
import type { Chain, BuiltBlock } from '../execution/chain.js'
import { admitRawTransaction, openChain, refusing, type OpenedChain } from '../executor/openChain.js'
import { BaseError, ConfigError, RpcErrorCode } from '../primitives/errors.js'
import { hexToBytes } from '../primitives/hex.js'
import type { Lifecycle } from '../primitives/lifecycle.js'
import { BundleQueue } from '../sequencer/bundles.js'
import { SharedSequencer } from '../sequencer/sharedSequencer.js'
import { STANDALONE_SLOT_RULES } from '../sequencer/slotBuilder.js'
import type { TxPool } from '../sequencer/txpool/index.js'
import { ChainRpc } from '../rpc/chainRpc.js'
import { NodeMetrics } from './metrics.js'
import { SLOT_TIME_MAX_MS, SLOT_TIME_MIN_MS, type ChainL1Side, type NodeOptions } from './options.js'

export { CLIENT_VERSION } from '../rpc/chainRpc.js'

/**
 * The composition root of one rollup node: storage → chain → pool → sequencer → RPC,
 * each with its options and a child logger. Starts in that order, stops in reverse.
 * A standalone node builds its blocks with a one-chain `SharedSequencer` (no interop
 * rules, no bundles, no slot journal): the same slot builder a network uses, so there is
 * one way to build blocks. In a network the network's sequencer builds them instead.
 */
export class PlexusNode implements Lifecycle {
  readonly metrics = new NodeMetrics()
  private opened: OpenedChain | undefined
  private _chain: Chain | undefined
  private _pool: TxPool | undefined
  private sequencer: SharedSequencer | undefined
  private rpc: ChainRpc | undefined
  /**
   * A dev network chain's dev transactions (anvil's dev methods), for the network's shared
   * sequencer to put in its blocks: only when the genesis allows them and the node is
   * sequenced by a network (a standalone node or a replica has none).
   */
  readonly devTxs: DevTxQueue | undefined
  private _settlement: ChainL1Side | undefined
  private stopped = false

  constructor(readonly options: NodeOptions) {
    this.devTxs = options.devMethods !== false && isDevGenesis(options.genesis) && options.network !== undefined ? new DevTxQueue() : undefined
    if (options.slotTimeMs < SLOT_TIME_MIN_MS || options.slotTimeMs > SLOT_TIME_MAX_MS) {
      throw new ConfigError(
        'slotTimeMs',
        `${options.slotTimeMs} is out of range; use ${SLOT_TIME_MIN_MS} … ${SLOT_TIME_MAX_MS} ms`,
      )
    }
  }

  get chain(): Chain {
    if (!this._chain) throw new Error('node not started')
    return this._chain
  }

  /** Copies the chain's database into the directory `dest` (a snapshot; see snapshot.ts). */
  async backupDatabase(dest: string): Promise<void> {
    if (!this.opened) throw new Error('node not started')
    await this.opened.store.backup(dest)
  }

  /** The chain's L1 side (settled chains only). */
  get settlement(): ChainL1Side | undefined {
    return this._settlement
  }

  get pool(): TxPool {
    if (!this._pool) throw new Error('node not started')
    return this._pool
  }

  /** The RPC address actually bound (port 0 resolves to a free port). */
  rpcAddress(): { host: string; port: number } {
    if (!this.rpc) throw new Error('node not started')
    return this.rpc.address()
  }

  /** Lets one more exact browser origin call this chain's RPC (the dashboard's). */
  allowRpcOrigin(origin: string): void {
    this.rpc?.allowOrigin(origin)
  }

  /**
   * Calls one RPC method as the operator: restricted methods included (the admin
   * endpoint's path to them). Resolves to the result; rejects with the method's error.
   */
  async callRpc(method: string, params: unknown[]): Promise<unknown> {
    if (!this.rpc) throw new BaseError('node not started')
    return this.rpc.call(method, params)
  }

  rpcUrl(): string {
    const { host, port } = this.rpcAddress()
    return `http://${host}:${port}`
  }

  /** Builds one block now (tests and tools that step the chain). */
  async produceBlock(): Promise<Block | undefined> {
    if (!this.sequencer) throw new Error('node not started')
    return (await this.sequencer.produceSlot())?.blocks[0]?.payload.block
  }

  /** Where the chain's priority fees go. */
  feeRecipientBytes(): Uint8Array {
    return hexToBytes(this.options.feeRecipient)
  }

  /** Block-production metrics of a block built for this chain (by its own sequencer or the network's). */
  observeProduced(built: BuiltBlock, seconds: number): void {
    this.metrics.blockBuildSeconds.observe(seconds)
    const s = this.pool.status()
    this.metrics.txpoolPending.set(s.pending)
    this.metrics.txpoolQueued.set(s.queued)
    for (const [phase, secs] of Object.entries(built.timings)) this.metrics.blockPhaseSeconds.observe({ phase }, secs)
  }

  async start(): Promise<void> {
    const { logger } = this.options
    const opened = (this.opened = await openChain({ datadir: this.options.datadir, genesis: this.options.genesis, gasLimit: this.options.gasLimit, txpool: this.options.txpool, logger }))
    const chain = (this._chain = opened.chain)
    const pool = (this._pool = opened.pool)
    const head = chain.headHeader()

    const settlement = (this._settlement = this.options.settlement?.(chain, logger))
    const sequencer = (this.sequencer = new SharedSequencer(
      {
        slotTimeMs: this.options.slotTimeMs,
        // A standalone chain has no network data budget to share: its blocks are bounded by gas alone.
        blockDataLimit: () => Number.POSITIVE_INFINITY,
      },
      STANDALONE_SLOT_RULES,
      new BundleQueue(),
      logger.child({ module: 'sequencer' }),
    ))
    sequencer.addChain({
      chainId: chain.chainId,
      chain,
      pool,
      feeRecipient: this.feeRecipientBytes(),
      gasLimit: this.options.gasLimit,
      inputs: settlement?.inputs,
      onProduced: (built, seconds) => this.observeProduced(built, seconds),
    })
    chain.onBlock((block) => {
      this.metrics.blocks.inc()
      this.metrics.transactions.inc(block.transactions.length)
      this.metrics.gasUsed.inc(Number(block.header.gasUsed))
      this.metrics.headNumber.set(Number(block.header.number))
    })
    this.metrics.headNumber.set(Number(head.number))

    this.rpc = new ChainRpc({
      chain,
      pool,
      rpc: this.options.rpc,
      ...(this.options.rpcLimits ? { rpcLimits: this.options.rpcLimits } : {}),
      ...(settlement ? { settlement } : {}),
      ...(this.options.network ? { network: this.options.network } : {}),
      ...(this.devTxs ? { devTxs: this.devTxs } : {}),
      ...(this.options.devNetwork ? { devNetwork: this.options.devNetwork } : {}),
      ...(this.options.coordinator ? { coordinator: this.options.coordinator } : {}),
      logger,
      metricsHandler: this.metrics.handler,
      onRequest: (method, seconds, ok) => this.metrics.rpcDuration.observe({ method, ok: String(ok) }, seconds),
      submitRawTransaction: (raw) => {
        if (this.options.rejectTransactions) return Promise.reject(new BaseError(this.options.rejectTransactions, { rpcCode: RpcErrorCode.Server }))
        const check = this.options.checkTransaction
        return admitRawTransaction(opened, raw, check && refusing(check))
      },
    })
    await this.rpc.start()
    await settlement?.start()
    if (this.options.produceBlocks && chain.canBuildNext()) await sequencer.start()
    else if (this.options.produceBlocks) {
      logger.warn('the chain is not yet past the merge in its genesis schedule; serving it read-only (no block production)')
    }
    logger.info({ rpc: this.rpcUrl() }, 'node started')
  }

  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    // Stop taking requests, finish the block in flight, then close storage.
    await this.rpc?.stop()
    this.devTxs?.close()
    await this.sequencer?.stop()
    await this._settlement?.stop()
    await this.opened?.close()
    this.options.logger.info('node stopped')
  }
}
