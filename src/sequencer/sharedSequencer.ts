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
  /**
   * The network slot of the chain's block 0: its block n is in slot n + genesisSlot.
   * 0 for the chains the network started with; a chain that joins later has its first
   * block in slot genesisSlot + 1 (fixed when it was registered, so replicas agree).
   */
  genesisSlot?: bigint
}

/** Most slots a lagging chain is caught up by in one tick (the rest wait for the next). */
const MAX_CATCH_UP_SLOTS = 64

export interface SharedSequencerOptions {
  slotTimeMs: number
}

/**
 * One slot clock for every chain of the network: each slot builds one block on every
 * chain, all with the same timestamp, through `buildSlot`. Chains stay in lockstep — a
 * block's network slot is its number plus the chain's genesis slot — (a slot that cannot
 * be built on one chain, for want of its L1 origin, is built on none). A chain that
 * joins waits for its first slot; one that is behind (it joined late, or a crash fell
 * between the commits of one slot) is caught up first, alone. When an L1 reorg removes
 * the origin of recent blocks on any chain, every chain rewinds to the same slot: a
 * block on one chain may have executed messages from the removed blocks of another.
 */
export class SharedSequencer implements Lifecycle {
  private readonly chains: SequencedChain[] = []
  /** Chains whose first slot is still ahead. */
  private readonly joining: SequencedChain[] = []
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

  /**
   * Adds a chain, built in ascending chain-id order within each slot from its first slot
   * on (genesisSlot + its head + 1): at once if that slot is next, caught up first if it
   * has passed, held until then if it is ahead.
   */
  addChain(chain: SequencedChain): void {
    if (this.chains.length > 0 && headSlot(chain) >= this.nextSlot()) this.joining.push(chain)
    else this.activate(chain)
  }

  /** The slot the next block of every chain belongs to. */
  nextSlot(): bigint {
    let top = 0n
    for (const c of this.chains) if (headSlot(c) > top) top = headSlot(c)
    return top + 1n
  }

  /** The network slot of `chainId`'s block 0 (0 for a chain it does not build). */
  genesisSlot(chainId: bigint): bigint {
    const c = this.chains.find((x) => x.chainId === chainId) ?? this.joining.find((x) => x.chainId === chainId)
    return c ? genesisSlotOf(c) : 0n
  }

  private activate(chain: SequencedChain): void {
    this.chains.push(chain)
    this.chains.sort((a, b) => (a.chainId < b.chainId ? -1 : a.chainId > b.chainId ? 1 : 0))
  }

  /** Joining chains whose first slot is the next one become part of it. */
  private admitJoining(): void {
    const next = this.nextSlot()
    for (const c of [...this.joining]) {
      if (headSlot(c) + 1n > next) continue
      this.joining.splice(this.joining.indexOf(c), 1)
      this.activate(c)
      this.logger.info({ chain: Number(c.chainId), slot: (headSlot(c) + 1n).toString() }, 'chain joined the shared slot')
    }
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

  /** Stops building slots (after the one in flight) until `resume`: nothing is committed meanwhile. */
  pause(): Promise<void> {
    return this.clock.stop()
  }

  resume(): void {
    this.clock.start()
  }

  /** Builds one slot now (serialized with the clock). Undefined when it cannot be built yet. */
  produceSlot(): Promise<SlotResult | undefined> {
    return this.clock.run()
  }

  /** Rewinds every chain to the lowest slot an L1 reorg forces on any of them. */
  private async followL1Reorg(): Promise<void> {
    let target: bigint | undefined
    for (const c of this.chains) {
      const t = c.inputs?.rewindTarget(c.chain.headHeader())
      if (t !== undefined && (target === undefined || t + genesisSlotOf(c) < target)) target = t + genesisSlotOf(c)
    }
    if (target === undefined) return
    for (const c of this.chains) {
      // A chain that joined after the target slot keeps its genesis.
      const to = target > genesisSlotOf(c) ? target - genesisSlotOf(c) : 0n
      if (c.chain.headHeader().number > to) await rewindChain(c.chain, c.pool, to, this.logger.child({ chain: Number(c.chainId) }))
    }
  }

  private async build(): Promise<SlotResult | undefined> {
    if (this.chains.length === 0) return undefined
    await this.followL1Reorg()
    this.admitJoining()
    // Chains behind the others (one that joined late; or a crash fell between the commits
    // of one slot) are caught up first, slot by slot, alone and without bundles (those
    // were only in memory).
    for (let i = 0; i < MAX_CATCH_UP_SLOTS; i++) {
      const top = this.nextSlot() - 1n
      let behind = top
      for (const c of this.chains) if (headSlot(c) < behind) behind = headSlot(c)
      if (behind === top) break
      const lagging = this.chains.filter((c) => headSlot(c) === behind)
      if (!(await this.buildOn(lagging, behind + 1n, false))) return undefined
    }
    const top = this.nextSlot() - 1n
    if (this.chains.some((c) => headSlot(c) < top)) return undefined // still catching up
    return this.buildOn(this.chains, top + 1n, true)
  }

  private async buildOn(building: SequencedChain[], slot: bigint, withBundles: boolean): Promise<SlotResult | undefined> {
    const started = performance.now()
    const inputs = this.inputsAt(building, withBundles ? undefined : this.builtTimestamp(slot))
    if (!inputs) {
      this.logger.debug({ slot: slot.toString() }, 'slot waits for an L1 origin')
      return undefined
    }
    if (withBundles) this.bundles.expire(slot)
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
        bundles: withBundles ? this.bundles.forSlot() : [],
      },
      this.rules,
    )
    if (withBundles) this.bundles.record(result)
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

  /** The timestamp a chain already gave `slot` (a catch-up keeps the slot's timestamp), if any built it. */
  private builtTimestamp(slot: bigint): bigint | undefined {
    for (const c of this.chains) {
      if (headSlot(c) < slot || slot < genesisSlotOf(c)) continue
      return c.chain.getBlockByNumber(slot - genesisSlotOf(c))?.header.timestamp
    }
    return undefined
  }

  /**
   * One timestamp for the slot (the one it already has on other chains, for a catch-up), and each chain's inputs at it: now (whole seconds), never
   * before any chain's head, and moved up to the newest L1 origin's timestamp if a chain's
   * origin is newer (only possible for a chain's first block).
   */
  private inputsAt(chains: readonly SequencedChain[], slotTimestamp?: bigint): { timestamp: bigint; perChain: (BlockInputs | undefined)[] } | undefined {
    let timestamp = slotTimestamp ?? BigInt(Math.floor(Date.now() / 1000))
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

function genesisSlotOf(c: SequencedChain): bigint {
  return c.genesisSlot ?? 0n
}

/** The slot of the chain's head block. */
function headSlot(c: SequencedChain): bigint {
  return c.chain.headHeader().number + genesisSlotOf(c)
}
