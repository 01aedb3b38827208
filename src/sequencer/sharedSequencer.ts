import type { DevTxQueue } from './devTxQueue.js'
import type { Chain } from '../execution/chain.js'
import type { ChainReader } from '../execution/chainReader.js'
import type { BuiltBlock } from '../execution/openBlock.js'
import type { PooledTx } from '../execution/pooledTx.js'
import { blockOf, headSlot as headSlotOf, slotOf } from '../execution/slots.js'
import { toData, type Hex } from '../primitives/hex.js'
import type { Lifecycle } from '../primitives/lifecycle.js'
import type { Logger } from '../primitives/logger.js'
import type { SlotJournal } from '../storage/slotJournal.js'
import type { ChainExecutor } from './chainExecutor.js'
import { MIN_SAME_SLOT_RESERVE, PayloadBuilder } from './payloadBuilder.js'
import type { BlockInputSource, BlockInputs } from './blockInputs.js'
import type { BundlePlan, BundleQueue } from './bundles.js'
import { SlotClock } from './slotClock.js'
import { buildSlot, ChainTurnError, type SlotChainInput, type SlotResult, type SlotRules } from './slotBuilder.js'
import { encodeSlotDecision, recoverSlot, type SlotDecision } from './slotDecision.js'
import type { TxPool } from './txpool/index.js'

/**
 * The sequencer's view of a chain: its committed blocks (the head's slot, a slot's
 * timestamp). A reader of a store another thread writes moves only when told (`advance`,
 * as `StoreChainReader`): the sequencer calls it after every commit and rewind it has an
 * executor make, and before it reads a head a lost answer may have left behind. `Chain`
 * (the writer itself) needs none.
 */
export type FollowedChain = ChainReader & { advance?(): void }

/**
 * A chain the shared sequencer builds on: through its `executor`, or, without one, through
 * a `PayloadBuilder` in this thread over `chain` (then the writer, a `Chain`) and `pool`.
 */
export type SequencedChain = SequencedChainBase & ({ executor: ChainExecutor; pool?: TxPool } | { executor?: undefined; chain: Chain; pool: TxPool })

interface SequencedChainBase {
  chainId: bigint
  chain: FollowedChain
  feeRecipient: Uint8Array
  gasLimit?: bigint
  /** Deposits and L1 fee parameters of each block (settled chains). */
  inputs?: BlockInputSource
  /** A dev network chain's dev transactions, put first in its blocks and told what became of them. */
  devTxs?: DevTxQueue
  /** Told of each block built for this chain, with the seconds from its opening to its commit. */
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

/**
 * Most bytes of signed transactions in one chain's block, by default (512 KiB): a limit
 * like the gas limit, on what data availability must carry. A slot carries at most this
 * times its chains (1 MiB for the default two); see ARCHITECTURE.md, "Slot data cap". It
 * must hold the largest transaction the pool accepts (128 KiB).
 */
export const DEFAULT_MAX_BLOCK_DATA_BYTES = 512 * 1024

/** Points where a test may force a failure, to prove that the network survives it. */
export interface SlotFaults {
  /** Called between two chains' commits of a slot (`committed` chains are done); throwing cuts the slot short there. */
  betweenCommits?(slot: bigint, committed: number): void
  /**
   * Called before each write of a slot's commit once every chain has prepared: the
   * decision, each chain's commit (`index` in the slot's chain order), the clearing of the
   * decision. Throwing cuts the slot there (before the decision: the slot is aborted).
   */
  beforeWrite?(slot: bigint, step: 'decide' | 'commit' | 'clear', index: number): void
}

export interface SharedSequencerOptions {
  slotTimeMs: number
  /**
   * Most signed-transaction bytes in each chain's block of a slot of `chains` chains
   * (default `DEFAULT_MAX_BLOCK_DATA_BYTES` whatever the count): the network lowers it for
   * many chains, so that any slot fits what the batcher can carry.
   */
  blockDataLimit?: (chains: number) => number
  /** The decision log of the two-phase commit (and bundles); without it a crash between commits can split a slot (a chain on its own, tests). */
  journal?: SlotJournal
  /** Transactions of the network itself (relays): after an L1 reorg they are not put back in a pool. */
  isNetworkTx?: (ptx: PooledTx) => boolean
  faults?: SlotFaults
  /**
   * The network's time in whole seconds, which a slot's timestamp starts from (default the
   * wall clock): a dev network moves it (evm_increaseTime, evm_setNextBlockTimestamp).
   */
  now?: () => bigint
  /** The network relayer's address: each chain's executor reports its nonce (default none: no relays). */
  relayer?: Hex
}

/**
 * One slot clock for every chain of the network: each slot builds one block on every
 * chain, all with the same timestamp, through `buildSlot`, and commits them as one unit.
 * Chains stay in lockstep — a block's network slot is its number plus the chain's genesis
 * slot — (a slot that cannot be built on one chain, for want of its L1 origin, is built
 * on none). A slot is committed in two phases: every chain's executor seals its block and
 * *prepares* it durably in its own store; the slot's decision (each chain's block hash)
 * is written to the slot journal with the bundle decisions it makes; only then is each
 * chain told to commit. A crash or an exception anywhere in it is resolved from the
 * prepared blocks and the decision (at the next slot, or at start-up: `recover`), so no
 * chain ever has a slot another lacks and no bundle is ever split. A
 * chain whose turn fails is built with its deposits only, so no single chain stops the
 * others. A chain that joins waits for its first slot; one that is behind (it joined
 * late) is caught up first, alone. When an L1 reorg removes the origin of recent blocks
 * on any chain, every chain rewinds to the same slot: a block on one chain may have
 * executed messages from the removed blocks of another.
 *
 * It is the only way blocks are built: a standalone node runs one with its one chain
 * (`STANDALONE_SLOT_RULES`, no bundles, no journal, no prepared blocks: one chain's
 * block commit is atomic already). Block ↔ slot goes through `execution/slots.ts`.
 */
export class SharedSequencer implements Lifecycle {
  private readonly chains: Sequenced[] = []
  /** Chains whose first slot is still ahead. */
  private readonly joining: Sequenced[] = []
  private readonly slotListeners = new Set<(result: SlotResult) => void>()
  private readonly clock: SlotClock<SlotResult | undefined>
  /** A slot decided whose commits were cut short by an exception (after `committed` chains): finished before anything else. */
  private unfinished: { decision: SlotDecision; result: SlotResult; committed: number } | undefined
  private lastError = { message: '', at: 0 }
  /** What each chain's relays of same-slot messages asked for in its last slot. */
  private readonly sameSlotDemand = new Map<bigint, { gas: bigint; bytes: number }>()
  /** A rewind not carried out to the end (an executor failed in it): finished before anything else. */
  private rewinding: PendingRewind | undefined

  constructor(
    private readonly options: SharedSequencerOptions,
    private readonly rules: SlotRules,
    private readonly bundles: BundleQueue,
    private readonly logger: Logger,
  ) {
    this.clock = new SlotClock(options.slotTimeMs, () => this.build(), (err) => this.reportError(err), {
      // The clock fell more than a few slots behind its grid (a stall): those slots are not built.
      onSkip: (skipped) => this.logger.warn({ skipped, slotTimeMs: options.slotTimeMs }, 'the slot clock fell behind and skipped slots'),
    })
  }

  /**
   * Adds a chain, built in ascending chain-id order within each slot from its first slot
   * on (genesisSlot + its head + 1): at once if that slot is next, caught up first if it
   * has passed, held until then if it is ahead.
   */
  addChain(chain: SequencedChain): void {
    const sequenced: Sequenced = {
      ...chain,
      executor:
        chain.executor ??
        new PayloadBuilder({
          chainId: chain.chainId,
          chain: chain.chain,
          pool: chain.pool,
          relayer: this.options.relayer ?? NO_RELAYER,
          checkTx: (block, sealed) => this.rules.checkTx(chain.chainId, block, sealed),
          // Without a decision log the chain's commit is the slot's: nothing to prepare.
          prepare: this.options.journal !== undefined,
          ...(chain.devTxs ? { devTxs: chain.devTxs } : {}),
          ...(chain.onProduced ? { onProduced: chain.onProduced } : {}),
        }),
    }
    if (this.chains.length > 0 && headSlot(sequenced) >= this.nextSlot()) this.joining.push(sequenced)
    else this.activate(sequenced)
  }

  /** Most signed-transaction bytes each chain's block may carry now. */
  blockDataLimit(): number {
    return this.options.blockDataLimit?.(this.chains.length) ?? DEFAULT_MAX_BLOCK_DATA_BYTES
  }

  /** The slot the next block of every chain belongs to. */
  nextSlot(): bigint {
    let top = 0n
    for (const c of this.chains) if (headSlot(c) > top) top = headSlot(c)
    return top + 1n
  }

  /** The network slot of `chainId`'s block 0 (0 for a chain it does not build). */
  genesisSlot(chainId: bigint): bigint {
    const c = this.sequencedOf(chainId)
    return c ? genesisSlotOf(c) : 0n
  }

  private activate(chain: Sequenced): void {
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

  /**
   * Resolves a slot a crash cut short: every executor says what it has prepared, and the
   * journal's decision commits it or drops it (`recoverSlot`), so every chain starts at
   * the same slot; call once every chain is added, before `start`.
   */
  async recover(): Promise<void> {
    const all = this.all()
    await recoverSlot(this.options.journal, all.map((c) => c.executor), this.logger)
    for (const c of all) c.chain.advance?.()
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

  /**
   * Puts every chain back to slot `slot` (a dev network's evm_revert); call it inside
   * `exclusive`, so that no slot is built meanwhile. The removed blocks' transactions are dropped, not pooled again (anvil's
   * semantics: a revert forgets them), and the bundles they included are rejected.
   */
  async revertTo(slot: bigint): Promise<void> {
    await this.finishUnfinished()
    await this.rewindAll(slot, false)
  }

  /** Runs `fn` with no slot being built meanwhile (serialized with the clock's slots and `produceSlot`). */
  exclusive<R>(fn: () => Promise<R>): Promise<R> {
    return this.clock.exclusive(fn)
  }

  /** Rewinds every chain to the lowest slot an L1 reorg forces on any of them. */
  private async followL1Reorg(): Promise<void> {
    let target: bigint | undefined
    // Waiting chains too: one a crash left ahead of the others (mid-rewind) waits among them.
    for (const c of this.all()) {
      const t = c.inputs?.rewindTarget(c.chain.headHeader())
      const slot = t === undefined ? undefined : slotOf(genesisSlotOf(c), t)
      if (slot !== undefined && (target === undefined || slot < target)) target = slot
    }
    if (target !== undefined) await this.rewindAll(target, true)
  }

  /**
   * Rewinds every chain to `target`; `putBack` offers the removed transactions again
   * (bundles, then pools), otherwise they are dropped. Every chain is rewound by its
   * executor, wherever it runs (one way to rewind), and its reader follows.
   */
  private async rewindAll(target: bigint, putBack: boolean): Promise<void> {
    const r = this.rewinding
    // One left unfinished is merged in: the lower target, a drop wins (a revert forgets), and
    // its later steps run again over everything removed (each is harmless to repeat).
    this.rewinding = r
      ? { ...r, target: r.target < target ? r.target : target, putBack: r.putBack && putBack, requeued: false, restored: new Set() }
      : { target, putBack, returned: new Map(), rebundled: new Set(), requeued: false, restored: new Set() }
    await this.finishRewind()
  }

  /**
   * Carries the rewind in `rewinding` out: each chain above the target rewound by its
   * executor, the bundles their blocks included requeued whole, the rest back to the
   * pools, every pool's senders read again. Every step is harmless to repeat, so when an
   * executor fails in it, the rest is done by the next call (before any slot is built).
   * Until then the chains may stand in different slots, and no slot is built on them.
   */
  private async finishRewind(): Promise<void> {
    const r = this.rewinding
    if (!r) return
    const why = r.putBack ? 'an L1 reorg removed the origin of recent blocks; rewound' : 'rewound to a dev snapshot (evm_revert); its transactions are dropped'
    for (const c of this.all()) {
      // A chain that joined after the target slot keeps its genesis.
      const to = blockOf(genesisSlotOf(c), r.target) ?? 0n
      // Current first: a rewind whose answer was lost may have moved the head already.
      c.chain.advance?.()
      const from = c.chain.headHeader().number
      if (from <= to) continue
      const rewound = await c.executor.rewind(to, r.putBack ? undefined : why)
      c.chain.advance?.()
      r.returned.set(c.chainId, [...(r.returned.get(c.chainId) ?? []), ...rewound.removed])
      this.logger.warn({ chain: Number(c.chainId), from: from.toString(), to: to.toString(), removedTxs: rewound.removedCount }, why)
    }
    if (!r.requeued) {
      const removed = new Map<Hex, { chainId: bigint; ptx: PooledTx }>()
      if (r.putBack) for (const [chainId, txs] of r.returned) for (const ptx of txs) removed.set(ptx.hash, { chainId, ptx })
      // A bundle's transactions wait again as the bundle (all or none), never one by one in the pools.
      for (const hash of this.bundles.requeueAbove(r.target, this.nextSlot(), removed)) r.rebundled.add(hash)
      r.requeued = true
    }
    const isNetworkTx = this.options.isNetworkTx ?? (() => false)
    // After a revert every pool re-reads its senders' state (a pending nonce may be ahead of it now).
    const toRestore = r.putBack ? this.all().filter((c) => r.returned.has(c.chainId)) : this.all()
    for (const c of toRestore) {
      if (r.restored.has(c.chainId)) continue
      const txs = r.putBack ? r.returned.get(c.chainId)!.filter((p) => !r.rebundled.has(p.hash) && !isNetworkTx(p)) : []
      await c.executor.restoreToPool(txs)
      r.restored.add(c.chainId)
    }
    this.rewinding = undefined
  }

  private async build(): Promise<SlotResult | undefined> {
    if (this.chains.length === 0) return undefined
    await this.finishUnfinished()
    await this.finishRewind()
    await this.followL1Reorg()
    this.admitJoining()
    // Chains behind the others (one that joined late) are caught up first, slot by slot,
    // alone and without bundles.
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

  private async buildOn(building: Sequenced[], slot: bigint, withBundles: boolean): Promise<SlotResult | undefined> {
    const inputs = this.inputsAt(building, withBundles ? undefined : this.builtTimestamp(slot))
    if (!inputs) {
      this.logger.debug({ slot: slot.toString() }, 'slot waits for an L1 origin')
      return undefined
    }
    if (withBundles) this.bundles.expire(slot)
    const result = await this.buildWithFallback(building, slot, inputs, withBundles)
    await this.commit(result, withBundles ? this.bundles.plan(result) : undefined)
    return result
  }

  /**
   * Builds the slot; if a chain's turn fails, builds it again with that chain carrying its
   * deposits only, and if bundles broke the attempt, again without bundles. Only a slot
   * that cannot be built even then throws (the clock tries again next slot).
   */
  private async buildWithFallback(
    building: Sequenced[],
    slot: bigint,
    inputs: { timestamp: bigint; perChain: (BlockInputs | undefined)[] },
    withBundles: boolean,
  ): Promise<SlotResult> {
    const depositsOnly = new Set<bigint>()
    let bundles = withBundles
    const maxTxDataBytes = this.blockDataLimit()
    for (;;) {
      try {
        return await buildSlot(
          {
            slot,
            timestamp: inputs.timestamp,
            chains: building.map(
              (c, i): SlotChainInput => ({
                chainId: c.chainId,
                executor: c.executor,
                attrs: {
                  coinbase: c.feeRecipient,
                  ...(c.gasLimit !== undefined ? { gasLimit: c.gasLimit } : {}),
                  ...(inputs.perChain[i] ? { deposits: inputs.perChain[i]!.deposits, l1Fee: inputs.perChain[i]!.l1Fee } : {}),
                  ...(Number.isFinite(maxTxDataBytes) ? { maxTxDataBytes } : {}),
                  depositsOnly: depositsOnly.has(c.chainId),
                  sameSlotReserve: this.sameSlotReserve(c.chainId),
                },
              }),
            ),
            bundles: bundles ? this.bundles.forSlot().filter((b) => b.txs.every((t) => !depositsOnly.has(t.chainId))) : [],
          },
          this.rules,
        )
      } catch (err) {
        if (err instanceof ChainTurnError && !depositsOnly.has(err.chainId)) {
          depositsOnly.add(err.chainId)
          this.logger.error({ err, slot: slot.toString(), chain: Number(err.chainId) }, "a chain's turn failed; building its block of this slot with its deposits only")
          continue
        }
        if (bundles) {
          bundles = false
          this.logger.error({ err, slot: slot.toString() }, 'the slot failed with its bundles; building it without them')
          continue
        }
        throw err
      }
    }
  }

  /**
   * Commits a built slot as one unit, every chain having prepared its block at seal: the
   * decision (with the bundles' fate) first, then every chain's commit, then the decision
   * is cleared. An exception before the decision aborts the slot everywhere; one after it
   * leaves the slot unfinished: the next slot (or start-up, after a crash) finishes it
   * before anything else.
   */
  private async commit(result: SlotResult, plan: BundlePlan | undefined): Promise<void> {
    const journal = this.options.journal
    const faults = this.options.faults
    const decision: SlotDecision = { slot: result.slot, chains: result.blocks.map((b) => ({ chainId: b.chainId, hash: toData(b.payload.block.hash()) })) }
    try {
      faults?.beforeWrite?.(result.slot, 'decide', 0)
      journal?.decideSlot(encodeSlotDecision(decision), plan?.entries)
    } catch (err) {
      for (const b of result.blocks) await this.executorOf(b.chainId)?.abort()
      throw err
    }
    if (plan) this.bundles.apply(plan)
    this.unfinished = { decision, result, committed: 0 }
    await this.finishUnfinished()
  }

  /**
   * Commits the decided slot's blocks on the chains that have not committed it yet, then
   * clears the decision and tells the listeners. Every commit is harmless to repeat, so
   * after an exception the next call carries on where it stopped.
   */
  private async finishUnfinished(): Promise<void> {
    const unfinished = this.unfinished
    if (!unfinished) return
    const { decision, result } = unfinished
    const faults = this.options.faults
    for (const [i, c] of decision.chains.entries()) {
      if (i < unfinished.committed) continue
      if (i > 0) faults?.betweenCommits?.(decision.slot, i)
      faults?.beforeWrite?.(decision.slot, 'commit', i)
      await this.executorOf(c.chainId)!.commitPayload(c.hash)
      this.sequencedOf(c.chainId)?.chain.advance?.()
      unfinished.committed = i + 1
    }
    faults?.beforeWrite?.(decision.slot, 'clear', 0)
    this.options.journal?.clearDecision()
    this.unfinished = undefined
    this.afterCommit(result)
  }

  private executorOf(chainId: bigint): ChainExecutor | undefined {
    return this.sequencedOf(chainId)?.executor
  }

  private sequencedOf(chainId: bigint): Sequenced | undefined {
    return this.all().find((c) => c.chainId === chainId)
  }

  /** Every chain, those still waiting for their first slot too. */
  private all(): Sequenced[] {
    return [...this.chains, ...this.joining]
  }

  /**
   * What the pool of `chainId` leaves for relays of messages sent to it in the same slot:
   * twice what they asked for in its last slot, at least `MIN_SAME_SLOT_RESERVE`. A burst
   * beyond it waits one slot, and the next slot's reserve has grown to it.
   */
  private sameSlotReserve(chainId: bigint): { gas: bigint; bytes: number } {
    const d = this.sameSlotDemand.get(chainId)
    if (!d) return MIN_SAME_SLOT_RESERVE
    return { gas: d.gas * 2n > MIN_SAME_SLOT_RESERVE.gas ? d.gas * 2n : MIN_SAME_SLOT_RESERVE.gas, bytes: Math.max(MIN_SAME_SLOT_RESERVE.bytes, d.bytes * 2) }
  }

  /** Listeners hear of a committed slot. */
  private afterCommit(result: SlotResult): void {
    for (const b of result.blocks) this.sameSlotDemand.set(b.chainId, b.sameSlotDemand)
    for (const listener of this.slotListeners) {
      try {
        listener(result)
      } catch (err) {
        this.logger.error({ err }, 'slot listener failed')
      }
    }
  }

  /** Logs a slot's failure; the same failure again only every 10 s, not every slot. */
  private reportError(err: unknown): void {
    const message = (err as Error)?.message ?? String(err)
    const now = Date.now()
    if (message === this.lastError.message && now - this.lastError.at < 10_000) return
    this.lastError = { message, at: now }
    this.logger.error({ err }, 'slot production failed')
  }

  /** The timestamp a chain already gave `slot` (a catch-up keeps the slot's timestamp), if any built it. */
  private builtTimestamp(slot: bigint): bigint | undefined {
    for (const c of this.chains) {
      const n = blockOf(genesisSlotOf(c), slot)
      if (n === undefined || headSlot(c) < slot) continue
      return c.chain.getBlockByNumber(n)?.header.timestamp
    }
    return undefined
  }

  /**
   * One timestamp for the slot (the one it already has on other chains, for a catch-up), and each chain's inputs at it: now (whole seconds), never
   * before any chain's head, and moved up to the newest L1 origin's timestamp if a chain's
   * origin is newer (only possible for a chain's first block).
   */
  private inputsAt(chains: readonly SequencedChain[], slotTimestamp?: bigint): { timestamp: bigint; perChain: (BlockInputs | undefined)[] } | undefined {
    let timestamp = slotTimestamp ?? this.options.now?.() ?? BigInt(Math.floor(Date.now() / 1000))
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

/** A chain as the sequencer holds it: with the executor that builds its blocks. */
type Sequenced = SequencedChainBase & { executor: ChainExecutor }

/** A rewind of every chain under way: its target, and what it has taken off the chains so far. */
interface PendingRewind {
  target: bigint
  putBack: boolean
  /** By chain: the removed transactions not yet back in a pool (or the chain's pool not yet told). */
  returned: Map<bigint, PooledTx[]>
  /** The transactions taken back into bundles: never put back in a pool. */
  rebundled: Set<Hex>
  /** Whether the bundles of the removed blocks were requeued (for the target as it stands). */
  requeued: boolean
  /** The chains whose pools have been told. */
  restored: Set<bigint>
}

/** No relayer: a chain sequenced alone has no relays, and this account never sends. */
const NO_RELAYER: Hex = '0x0000000000000000000000000000000000000000'

function genesisSlotOf(c: SequencedChain): bigint {
  return c.genesisSlot ?? 0n
}

/** The slot of the chain's head block. */
function headSlot(c: SequencedChain): bigint {
  return headSlotOf(c.chain, genesisSlotOf(c))
}
