import type { Chain } from '../execution/chain.js'
import type { BuiltBlock } from '../execution/openBlock.js'
import type { Lifecycle } from '../primitives/lifecycle.js'
import type { Logger } from '../primitives/logger.js'
import type { BlockInputSource, BlockInputs } from './blockInputs.js'
import type { BundleQueue } from './bundles.js'
import { rewindChain } from './l1Reorg.js'
import { SlotClock } from './slotClock.js'
import { buildSlot, type SlotChainInput, type SlotResult, type SlotRules } from './slotBuilder.js'
import type { TxPool } from './txpool/index.js'

/** A chain the shared sequencer builds on. */
export interface SequencedChain {
  chainId: bigint
  chain: Chain
  pool: TxPool
  feeRecipient: Uint8Array
  gasLimit?: bigint
  /** Deposits and L1 fee parameters of each block (settled chains). */
  inputs?: BlockInputSource
  /** Told of each block built for this chain, with the seconds its slot took. */
  onProduced?: (built: BuiltBlock, seconds: number) => void
}

export interface SharedSequencerOptions {
  slotTimeMs: number
}

/**
 * One slot clock for every chain of the network: each slot builds one block on every
 * chain, all with the same timestamp, through `buildSlot`. Chains stay in lockstep —
 * the same head number — so a block's network slot is its number (a slot that cannot be
 * built on one chain, for want of its L1 origin, is built on none). When an L1 reorg
 * removes the origin of recent blocks on any chain, every chain rewinds to the same
 * height: a block on one chain may have executed messages from the removed blocks of
 * another.
 */
export class SharedSequencer implements Lifecycle {
  private readonly chains: SequencedChain[] = []
  private readonly slotListeners = new Set<(result: SlotResult) => void>()
  private readonly clock: SlotClock<SlotResult | undefined>

  constructor(
    private readonly options: SharedSequencerOptions,
    private readonly rules: SlotRules,
    private readonly bundles: BundleQueue,
    private readonly logger: Logger,
  ) {
    this.clock = new SlotClock(options.slotTimeMs, () => this.build(), (err) => logger.error({ err }, 'slot production failed'))
  }

  /** Adds a chain; it is built from the next slot on, in ascending chain-id order. */
  addChain(chain: SequencedChain): void {
    this.chains.push(chain)
    this.chains.sort((a, b) => (a.chainId < b.chainId ? -1 : a.chainId > b.chainId ? 1 : 0))
  }

  /** The slot the next block of every chain belongs to. */
  nextSlot(): bigint {
    let head = 0n
    for (const c of this.chains) if (c.chain.headHeader().number > head) head = c.chain.headHeader().number
    return head + 1n
  }

  onSlot(listener: (result: SlotResult) => void): () => void {
    this.slotListeners.add(listener)
    return () => this.slotListeners.delete(listener)
  }

  async start(): Promise<void> {
    this.clock.start()
    this.logger.info({ slotTimeMs: this.options.slotTimeMs, chains: this.chains.map((c) => Number(c.chainId)) }, 'shared sequencer started')
  }

  async stop(): Promise<void> {
    await this.clock.stop()
  }

  /** Builds one slot now (serialized with the clock). Undefined when it cannot be built yet. */
  produceSlot(): Promise<SlotResult | undefined> {
    return this.clock.run()
  }

  /** Rewinds every chain to the lowest height an L1 reorg forces on any of them. */
  private async followL1Reorg(): Promise<void> {
    let target: bigint | undefined
    for (const c of this.chains) {
      const t = c.inputs?.rewindTarget(c.chain.headHeader())
      if (t !== undefined && (target === undefined || t < target)) target = t
    }
    if (target === undefined) return
    for (const c of this.chains) {
      if (c.chain.headHeader().number > target) await rewindChain(c.chain, c.pool, target, this.logger.child({ chain: Number(c.chainId) }))
    }
  }

  private async build(): Promise<SlotResult | undefined> {
    if (this.chains.length === 0) return undefined
    const started = performance.now()
    await this.followL1Reorg()
    // After a crash between the commits of one slot some chains may be a block behind:
    // finish that slot on them first (without bundles, which were only in memory).
    const top = this.nextSlot() - 1n
    const lagging = this.chains.filter((c) => c.chain.headHeader().number < top)
    const building = lagging.length > 0 ? lagging : this.chains
    const slot = lagging.length > 0 ? lagging[0]!.chain.headHeader().number + 1n : top + 1n

    const inputs = this.inputsAt(building)
    if (!inputs) {
      this.logger.debug({ slot: slot.toString() }, 'slot waits for an L1 origin')
      return undefined
    }
    this.bundles.expire(slot)
    const result = await buildSlot(
      {
        slot,
        timestamp: inputs.timestamp,
        chains: building.map((c, i): SlotChainInput => ({
          chainId: c.chainId,
          chain: c.chain,
          coinbase: c.feeRecipient,
          gasLimit: c.gasLimit,
          deposits: inputs.perChain[i]?.deposits,
          l1Fee: inputs.perChain[i]?.l1Fee,
          txs: c.pool.selectForBlock(c.chain.nextBaseFee()),
        })),
        bundles: lagging.length > 0 ? [] : this.bundles.forSlot(),
      },
      this.rules,
    )
    this.bundles.record(result)
    const seconds = (performance.now() - started) / 1000
    for (const { chainId, built } of result.blocks) {
      const c = this.chains.find((x) => x.chainId === chainId)!
      for (const { ptx, reason } of built.invalid) {
        c.pool.remove(ptx.hash)
        this.logger.debug({ chain: Number(chainId), hash: ptx.hash, reason }, 'dropped transaction that failed at execution')
      }
      await c.pool.onNewHead({
        included: built.included.map((p) => ({ hash: p.hash, sender: p.sender, nonce: p.nonce })),
        touched: built.invalid.map((i) => i.ptx.sender),
      })
      c.onProduced?.(built, seconds)
    }
    for (const listener of this.slotListeners) {
      try {
        listener(result)
      } catch (err) {
        this.logger.error({ err }, 'slot listener failed')
      }
    }
    return result
  }

  /**
   * One timestamp for the slot, and each chain's inputs at it: now (whole seconds), never
   * before any chain's head, and moved up to the newest L1 origin's timestamp if a chain's
   * origin is newer (only possible for a chain's first block).
   */
  private inputsAt(chains: readonly SequencedChain[]): { timestamp: bigint; perChain: (BlockInputs | undefined)[] } | undefined {
    let timestamp = BigInt(Math.floor(Date.now() / 1000))
    for (const c of chains) if (c.chain.headHeader().timestamp > timestamp) timestamp = c.chain.headHeader().timestamp
    for (let attempt = 0; attempt < 2; attempt++) {
      const perChain = chains.map((c) => c.inputs?.inputsFor(c.chain.headHeader(), timestamp))
      if (chains.some((c, i) => c.inputs && !perChain[i])) return undefined
      const latest = perChain.reduce((t, inp) => (inp && inp.timestamp > t ? inp.timestamp : t), timestamp)
      if (latest === timestamp) return { timestamp, perChain }
      timestamp = latest
    }
    return undefined
  }
}
