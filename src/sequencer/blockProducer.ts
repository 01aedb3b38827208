import type { Block } from '@ethereumjs/block'
import type { Chain, BuiltBlock } from '../execution/chain.js'
import type { Lifecycle } from '../primitives/lifecycle.js'
import type { Logger } from '../primitives/logger.js'
import type { TxPool } from './txpool/index.js'
import type { BlockInputSource } from './blockInputs.js'
import { rewindForReorg } from './l1Reorg.js'
import { SlotClock } from './slotClock.js'

export interface BlockProducerOptions {
  /** Slot length in ms (50 ms … 12 s). One block per slot, empty or not. */
  slotTimeMs: number
  /** Receives priority fees (the fee vault). */
  feeRecipient: Uint8Array
  /** Gas limit of produced blocks; defaults to the parent's. */
  gasLimit?: bigint
  /** Deposits and L1 fee parameters of each block (settled chains). */
  inputs?: BlockInputSource
}

export interface ProducedBlockObserver {
  (built: BuiltBlock, seconds: number): void
}

/**
 * The slot clock and block producer: every `slotTimeMs` it asks the pool for the best
 * transactions (priority-fee order, each sender in nonce order) and has the chain build
 * and commit a block on the head. Timestamps are whole seconds and never decrease; with
 * sub-second slots consecutive blocks may share a timestamp (as on Arbitrum).
 */
export class BlockProducer implements Lifecycle {
  private readonly observers = new Set<ProducedBlockObserver>()
  private readonly clock: SlotClock<Block | undefined>

  constructor(
    private readonly chain: Chain,
    private readonly pool: TxPool,
    private readonly options: BlockProducerOptions,
    private readonly logger: Logger,
  ) {
    this.clock = new SlotClock(options.slotTimeMs, () => this.build(), (err) => logger.error({ err }, 'block production failed'))
  }

  onProduced(observer: ProducedBlockObserver): () => void {
    this.observers.add(observer)
    return () => this.observers.delete(observer)
  }

  async start(): Promise<void> {
    this.clock.start()
    this.logger.info({ slotTimeMs: this.options.slotTimeMs }, 'block producer started')
  }

  async stop(): Promise<void> {
    await this.clock.stop()
  }

  /**
   * Builds and commits one block now (serialized with the slot loop). Undefined when
   * the block cannot be built yet (a settled chain whose next L1 origin is unknown).
   */
  produceBlock(): Promise<Block | undefined> {
    return this.clock.run()
  }

  /**
   * When an L1 reorg removed the origin of the newest blocks, rewinds the chain to the
   * last block whose origin survived; the removed blocks' transactions go back to the
   * pool (their deposits are re-derived from the new L1 chain).
   */
  private async followL1Reorg(): Promise<void> {
    const target = this.options.inputs?.rewindTarget(this.chain.headHeader())
    if (target !== undefined) await this.pool.onRewind(await rewindForReorg(this.chain, target, this.logger))
  }

  private async build(): Promise<Block | undefined> {
    const started = performance.now()
    await this.followL1Reorg()
    const head = this.chain.headHeader()
    const now = BigInt(Math.floor(Date.now() / 1000))
    let timestamp = now > head.timestamp ? now : head.timestamp
    const inputs = this.options.inputs?.inputsFor(head, timestamp)
    if (this.options.inputs && !inputs) {
      this.logger.debug({ parent: head.number.toString() }, 'next block waits for its L1 origin')
      return undefined
    }
    if (inputs) timestamp = inputs.timestamp
    const selector = this.pool.selectForBlock(this.chain.nextBaseFee())
    const built = await this.chain.buildBlock({
      timestamp,
      coinbase: this.options.feeRecipient,
      deposits: inputs?.deposits,
      l1Fee: inputs?.l1Fee,
      txs: selector,
      gasLimit: this.options.gasLimit,
    })
    for (const { ptx, reason } of built.invalid) {
      this.pool.remove(ptx.hash)
      this.logger.debug({ hash: ptx.hash, reason }, 'dropped transaction that failed at execution')
    }
    await this.pool.onNewHead({
      included: built.included.map((p) => ({ hash: p.hash, sender: p.sender, nonce: p.nonce })),
      touched: built.invalid.map((i) => i.ptx.sender),
    })
    const seconds = (performance.now() - started) / 1000
    for (const observer of this.observers) observer(built, seconds)
    if (built.included.length > 0) {
      this.logger.debug(
        { number: built.block.header.number.toString(), txs: built.included.length, ms: Math.round(seconds * 1000) },
        'produced block',
      )
    }
    return built.block
  }
}
