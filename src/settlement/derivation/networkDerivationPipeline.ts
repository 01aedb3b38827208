import type { TypedTransaction } from '@ethereumjs/tx'
import type { Hex } from 'viem'
import { InvalidBlockError, type Chain } from '../../execution/chain.js'
import { txsOf } from '../../execution/executeTx.js'
import { l1InfoOf } from '../../execution/l1Info.js'
import type { Logger } from '../../primitives/logger.js'
import { batchBlockOf } from '../batch/batchBlock.js'
import { BatchDecodeError, decodeNetworkBatch, type BatchLimits, type NetworkBatch } from '../batch/codec.js'
import { BatchLedger } from '../batchLedger.js'
import type { L1Tracker } from '../l1/l1Tracker.js'
import { slotOf, ZERO_SLOT_OFFSETS, type SlotOffsets } from '../../execution/slots.js'
import type { BatchSource, L1BatchData } from './batchSource.js'
import type { ChannelOptions } from './channelBank.js'
import { ChannelReader, type ChannelEvent } from './channelReader.js'
import { checkBatch, type BlockPlan, type DerivedHead } from './batchRules.js'
import type { DerivedBlockBuilder } from './blockBuilder.js'

/**
 * A protocol check of the transactions of one derived block, beyond the EVM's (e.g.
 * that every cross-chain message a transaction executes was initiated on its source
 * chain). Called once per block, in derivation order (slot, then chain id), right before
 * the block is built, so it sees every block of earlier slots and of lower chain ids in
 * the same slot already derived. Returns undefined when the block needs no check.
 */
export type CheckTxFor = (
  chainId: bigint,
  block: { number: bigint; timestamp: bigint },
) => ((tx: TypedTransaction) => string | undefined) | undefined

/** One chain the pipeline derives. */
export interface DerivedChain {
  chainId: bigint
  chain: Chain
  builder: DerivedBlockBuilder
  /** The L1 block the chain was registered in: the origin of its block 1. */
  l1StartBlock: bigint
}

export interface NetworkDerivationOptions {
  /** The first L1 block read (the earliest registration of the chains). */
  l1StartBlock: bigint
  limits?: BatchLimits
  /** The channel rules (timeout, sizes); the batcher's. */
  channels?: ChannelOptions
  /** L1 blocks read per step at most (catch-up). */
  maxL1BlocksPerStep?: number
  /** Slot of each chain's blocks (default: offset 0 for every chain); the batcher's. */
  slotOffsets?: SlotOffsets
  /** Extra validity check of each derived block's transactions (see `CheckTxFor`). */
  checkTxFor?: CheckTxFor
  /**
   * A batch carries a chain not derived here: a chain that joined the network after this
   * node started. Returns it ready to derive (registered on L1, opened), or undefined if
   * it is not a chain of the network (the batch is then skipped).
   */
  discoverChain?: (chainId: bigint) => Promise<DerivedChain | undefined>
}

/** A batch commitment derivation did not use, and why (exposed by `plexus_syncStatus`). */
export interface SkippedBatch {
  l1Block: bigint
  batchIndex: bigint
  txHash: Hex
  reason: string
}

interface QueuedBatch {
  batch: NetworkBatch
  found: L1BatchData
}

type Verdict =
  | { kind: 'derive'; blocks: { lane: Lane; plan: BlockPlan; slot: bigint; order: number }[] }
  | { kind: 'future' }
  | { kind: 'drop'; reason: string }

interface Lane extends DerivedChain {
  /** Position in ascending chain id order (the build order within a slot). */
  order: number
  ledger: BatchLedger
}

const MAX_FUTURE_BATCHES = 64
const MAX_SKIPPED_KEPT = 64

/**
 * Derivation of the whole network from L1 alone, as a pipeline of small stages:
 *   L1 traversal (this class, following the tracker's canonical chain)
 *   → retrieval (`BatchSource`: the data posted in each L1 block, one piece per L1
 *     transaction)
 *   → frames and channels (`ChannelReader`: each piece is a frame; a channel bank keyed
 *     by channel id reassembles channels across L1 blocks, frames in order, with a
 *     timeout and a bound on the bytes held; anything unusable is skipped with its reason)
 *   → decoding (`decodeNetworkBatch` of each complete channel; corrupt data is skipped
 *     with its reason)
 *   → batch queue (`checkBatch` on every chain section against that chain's derived
 *     head: ordering, parent and origin rules; a batch with a section from the future
 *     waits for the gap to fill)
 *   → attributes and execution (`DerivedBlockBuilder`: deposits from L1 + the batch's
 *     transactions, built strictly, with `checkTxFor`'s check), the blocks of all
 *     sections interleaved in (slot, chain id) order — the order the shared sequencer
 *     built them in, so a block that executes a message from another chain's block of
 *     the same or an earlier slot finds it derived.
 * A network batch is derived whole or not at all: if any section breaks a rule or any
 * of its blocks is invalid, every chain is rewound to where it was before the batch and
 * the batch is skipped. A channel's blocks count as carried by the L1 block of its last
 * frame. The derived heads are the chains' safe heads; an L1 reorg forgets the frames
 * of the removed L1 blocks, rewinds the L2 blocks whose channels it removed, and they
 * are derived again from whatever the new L1 chain holds.
 */
export class NetworkDerivationPipeline {
  /** Next L1 block to read batches from. */
  private cursor: bigint
  /** Last batch handled within the current read range (L1 number, log index). */
  private handled: { l1Number: bigint; logIndex: number } | undefined
  private readonly lanes: Lane[]
  private future: QueuedBatch[] = []
  private readonly channels: ChannelReader
  /** Channels complete but not handled yet (handling failed: retried first next step). */
  private ready: L1BatchData[] = []
  private pendingReorg: bigint | undefined
  readonly skipped: SkippedBatch[] = []
  private skippedCount = 0

  constructor(
    chains: readonly DerivedChain[],
    private readonly tracker: L1Tracker,
    private readonly source: BatchSource,
    private readonly options: NetworkDerivationOptions,
    private readonly logger: Logger,
  ) {
    this.cursor = options.l1StartBlock
    this.channels = new ChannelReader(options.channels)
    this.lanes = []
    for (const c of chains) this.addLane(c)
  }

  /** Derives `chain` too (in chain-id order within each slot). */
  private addLane(chain: DerivedChain): void {
    if (this.lanes.some((l) => l.chainId === chain.chainId)) throw new Error(`chain ${chain.chainId} is derived twice`)
    this.lanes.push({ ...chain, order: 0, ledger: new BatchLedger() })
    this.lanes.sort((a, b) => (a.chainId < b.chainId ? -1 : a.chainId > b.chainId ? 1 : 0))
    this.lanes.forEach((lane, order) => (lane.order = order))
  }

  /** Chains the batch carries that are not derived here yet: asked for (they joined the network since). */
  private async discover(batch: NetworkBatch): Promise<void> {
    const discover = this.options.discoverChain
    if (!discover) return
    for (const section of batch.chains) {
      if (this.lanes.some((l) => l.chainId === section.chainId)) continue
      const chain = await discover(section.chainId)
      if (chain && !this.lanes.some((l) => l.chainId === chain.chainId)) {
        this.addLane(chain)
        this.logger.info({ chain: chain.chainId.toString() }, 'a chain that joined the network is derived from now on')
      }
    }
  }

  /** Last L2 block of `chainId` derived from L1 (its safe head). */
  derivedHead(chainId: bigint): bigint {
    return this.lane(chainId).ledger.safeHead()
  }

  /** Last L2 block of `chainId` derived from batches in L1 blocks at or below `l1Number`. */
  derivedHeadAt(chainId: bigint, l1Number: bigint): bigint {
    return this.lane(chainId).ledger.safeHeadAt(l1Number)
  }

  /** Batches skipped so far (the newest are kept in `skipped`). */
  skippedTotal(): number {
    return this.skippedCount
  }

  /**
   * L1 reorged back to `ancestor`. Applied at the start of the next step (steps are
   * serialized); a step in progress stops at its next batch.
   */
  noteReorg(ancestor: bigint): void {
    this.pendingReorg = this.pendingReorg === undefined || ancestor < this.pendingReorg ? ancestor : this.pendingReorg
  }

  /** Derives what the L1 chain holds now. */
  async step(): Promise<void> {
    await this.applyReorg()
    await this.handleReady()
    if (this.pendingReorg !== undefined) return
    const head = this.tracker.head()
    if (!head || head.number < this.cursor) return
    const max = BigInt(this.options.maxL1BlocksPerStep ?? 2_000)
    const to = head.number - this.cursor + 1n > max ? this.cursor + max - 1n : head.number
    const found = await this.source.batchesIn(this.cursor, to)
    // L1 may have moved while we read: use only what the tracker still calls canonical.
    for (const f of found) if (this.tracker.block(f.l1Number)?.hash !== f.l1Hash) return
    for (const f of found) {
      if (this.pendingReorg !== undefined) return
      if (this.handled && (f.l1Number < this.handled.l1Number || (f.l1Number === this.handled.l1Number && f.logIndex <= this.handled.logIndex))) {
        continue
      }
      // The frame is taken once; a channel it completes waits in `ready` until handled.
      this.take(this.channels.push(f))
      this.handled = { l1Number: f.l1Number, logIndex: f.logIndex }
      await this.handleReady()
    }
    if (this.pendingReorg !== undefined) return
    this.take(this.channels.readUpTo(to))
    this.cursor = to + 1n
    this.handled = undefined
    // Caught up with L1: a block past a derived head has no batch on L1 (left over from
    // before a restart, its batch since reorged away). Serve only what L1 holds.
    if (to === head.number && this.future.length === 0) {
      for (const lane of this.lanes) await this.rewindChain(lane, lane.ledger.safeHead(), 'no batch on L1 carries it')
    }
  }

  /** Notes what the frame stage skipped and queues the channels it completed. */
  private take(events: ChannelEvent[]): void {
    for (const event of events) {
      if (event.kind === 'skip') this.skip(event.at, event.message)
      else this.ready.push(event.found)
    }
  }

  /** Handles the complete channels in order; one that fails stays first in line. */
  private async handleReady(): Promise<void> {
    while (this.ready.length > 0 && this.pendingReorg === undefined) {
      await this.handle(this.ready[0]!)
      this.ready.shift()
    }
  }

  private lane(chainId: bigint): Lane {
    const lane = this.lanes.find((l) => l.chainId === chainId)
    if (!lane) throw new Error(`chain ${chainId} is not derived here`)
    return lane
  }

  private async handle(found: L1BatchData): Promise<void> {
    if (!found.data) return this.skip(found, found.error ?? 'no data')
    let batch: NetworkBatch
    try {
      batch = decodeNetworkBatch(found.data, this.options.limits)
    } catch (err) {
      if (err instanceof BatchDecodeError) return this.skip(found, err.message)
      throw err
    }
    await this.discover(batch)
    if ((await this.apply({ batch, found })) !== 'derived') return
    // Batches that arrived early may continue what was just derived. Their blocks become
    // derivable (safe) only now, so they count as carried by this L1 block.
    for (let progress = true; progress; ) {
      progress = false
      for (const queued of [...this.future]) {
        const verdict = this.verdictOf(queued.batch, found)
        if (verdict.kind === 'future') continue
        this.future = this.future.filter((q) => q !== queued)
        const carried = { ...queued.found, l1Number: found.l1Number, l1Hash: found.l1Hash }
        if (verdict.kind === 'drop') this.skip(carried, verdict.reason)
        else if ((await this.derive(verdict, carried)) === 'derived') progress = true
      }
    }
  }

  private async apply({ batch, found }: QueuedBatch): Promise<'derived' | 'queued' | 'skipped'> {
    const verdict = this.verdictOf(batch, found)
    if (verdict.kind === 'drop') {
      this.skip(found, verdict.reason)
      return 'skipped'
    }
    if (verdict.kind === 'future') {
      if (this.future.length >= MAX_FUTURE_BATCHES) {
        this.skip(found, 'continues blocks not derived yet, and too many batches wait')
        return 'skipped'
      }
      this.future.push({ batch, found })
      return 'queued'
    }
    return this.derive(verdict, found)
  }

  /** The batch-queue rules on every section; `found` says which L1 block carries the batch. */
  private verdictOf(batch: NetworkBatch, found: L1BatchData): Verdict {
    const inclusion = this.tracker.block(found.l1Number)!
    const blocks: Extract<Verdict, { kind: 'derive' }>['blocks'] = []
    let future = false
    for (const section of batch.chains) {
      const lane = this.lanes.find((l) => l.chainId === section.chainId)
      if (!lane) return { kind: 'drop', reason: `the batch carries chain ${section.chainId}, which is not a registered chain of this network` }
      const verdict = checkBatch(section, {
        chainId: lane.chainId,
        l1StartBlock: lane.l1StartBlock,
        head: this.headRef(lane),
        inclusion,
        l1Block: (n) => (n <= inclusion.number ? this.tracker.block(n) : undefined),
        derived: {
          hash: (n) => (n <= lane.ledger.safeHead() ? lane.chain.getBlockByNumber(n)?.hash() : undefined),
          block: (n) => {
            const block = n > 0n && n <= lane.ledger.safeHead() ? lane.chain.getBlockByNumber(n) : undefined
            return block && batchBlockOf(lane.chainId, block)
          },
        },
      })
      if (verdict.kind === 'drop') return { kind: 'drop', reason: `chain ${lane.chainId}: ${verdict.reason}` }
      if (verdict.kind === 'future') {
        future = true
        continue
      }
      const offsets = this.options.slotOffsets ?? ZERO_SLOT_OFFSETS
      for (const plan of verdict.blocks) blocks.push({ lane, plan, slot: slotOf(offsets(lane.chainId), plan.number), order: lane.order })
    }
    if (future) return { kind: 'future' }
    const split = this.splitSlot(blocks)
    if (split) return { kind: 'drop', reason: split }
    blocks.sort((a, b) => (a.slot !== b.slot ? (a.slot < b.slot ? -1 : 1) : a.order - b.order))
    return { kind: 'derive', blocks }
  }

  /**
   * A network batch ends every chain at the same slot: the sequencer commits a slot on
   * every chain or none, so a batch after which one chain has a slot that another chain,
   * already building by then, lacks describes no slot the network ever built. Returns why
   * such a batch is refused, or undefined.
   */
  private splitSlot(blocks: readonly { lane: Lane; slot: bigint }[]): string | undefined {
    if (blocks.length === 0) return undefined
    const offsets = this.options.slotOffsets ?? ZERO_SLOT_OFFSETS
    let top = 0n
    const ends = new Map<bigint, bigint>()
    for (const { lane, slot } of blocks) {
      if (slot > top) top = slot
      if (slot > (ends.get(lane.chainId) ?? 0n)) ends.set(lane.chainId, slot)
    }
    for (const lane of this.lanes) {
      // A chain whose first block comes after the batch's last slot has nothing to show.
      if (slotOf(offsets(lane.chainId), 1n) > top) continue
      const end = ends.get(lane.chainId) ?? slotOf(offsets(lane.chainId), lane.ledger.safeHead())
      if (end !== top) return `slot ${end + 1n} is split: chain ${lane.chainId} would end at slot ${end} while the batch carries other chains to slot ${top}`
    }
    return undefined
  }

  /** Builds the batch's blocks interleaved; any invalid block rewinds every chain and skips the batch. */
  private async derive(verdict: Extract<Verdict, { kind: 'derive' }>, found: L1BatchData): Promise<'derived' | 'skipped'> {
    const before = new Map(this.lanes.map((l) => [l.chainId, l.ledger.safeHead()]))
    try {
      for (const { lane, plan } of verdict.blocks) {
        const { chain } = lane
        const stored = chain.headHeader().number >= plan.number ? chain.getBlockByNumber(plan.number) : undefined
        if (stored && lane.builder.matches(stored, plan)) continue
        if (chain.headHeader().number >= plan.number) await this.rewindChain(lane, plan.number - 1n, 'the stored block differs from L1\'s batch')
        const checkTx = this.options.checkTxFor?.(lane.chainId, { number: plan.number, timestamp: plan.timestamp })
        try {
          await lane.builder.build(plan, checkTx)
        } catch (err) {
          if (err instanceof InvalidBlockError) throw new InvalidBlockError(`chain ${lane.chainId}: ${err.shortMessage}`, { cause: err, details: err.details })
          throw err
        }
      }
    } catch (err) {
      if (!(err instanceof InvalidBlockError)) throw err
      // Derived whole or not at all: every chain drops the blocks this batch added.
      for (const lane of this.lanes) await this.rewindChain(lane, before.get(lane.chainId)!, 'a block of the network batch is invalid')
      this.skip(found, err.message)
      return 'skipped'
    }
    const last = new Map<bigint, bigint>()
    for (const { lane, plan } of verdict.blocks) last.set(lane.chainId, plan.number)
    for (const [chainId, lastBlock] of last) this.lane(chainId).ledger.record({ l1Number: found.l1Number, l1Hash: found.l1Hash, lastBlock })
    this.logger.debug(
      { chains: [...last].map(([id, n]) => `${id}:…${n}`).join(' '), l1Block: found.l1Number.toString(), batchIndex: found.batchIndex.toString() },
      'derived network batch',
    )
    return 'derived'
  }

  private headRef(lane: Lane): DerivedHead {
    const number = lane.ledger.safeHead()
    const block = lane.chain.getBlockByNumber(number)
    if (!block) throw new Error(`derived block ${number} of chain ${lane.chainId} is missing from the chain`)
    const info = number === 0n ? undefined : l1InfoOf(txsOf(block)[0])
    return {
      number,
      hash: block.hash(),
      timestamp: block.header.timestamp,
      origin: info && { number: info.number, sequenceNumber: info.sequenceNumber },
    }
  }

  private async applyReorg(): Promise<void> {
    const ancestor = this.pendingReorg
    if (ancestor === undefined) return
    this.pendingReorg = undefined
    if (this.cursor > ancestor + 1n) this.cursor = ancestor + 1n
    if (this.handled && this.handled.l1Number > ancestor) this.handled = undefined
    this.future = this.future.filter((q) => q.found.l1Number <= ancestor)
    this.ready = this.ready.filter((r) => r.l1Number <= ancestor)
    this.channels.rewind(ancestor)
    for (const lane of this.lanes) {
      const dropped = lane.ledger.dropAbove(ancestor)
      if (dropped.length) await this.rewindChain(lane, lane.ledger.safeHead(), `L1 reorg back to block ${ancestor}`)
    }
  }

  private async rewindChain(lane: Lane, to: bigint, why: string): Promise<void> {
    const head = lane.chain.headHeader().number
    if (head <= to) return
    this.logger.warn({ chain: lane.chainId.toString(), from: head.toString(), to: to.toString(), why }, 'rewinding derived blocks')
    await lane.chain.rewindTo(to)
  }

  private skip(found: Pick<L1BatchData, 'l1Number' | 'batchIndex' | 'txHash'>, reason: string): void {
    this.skippedCount++
    this.skipped.push({ l1Block: found.l1Number, batchIndex: found.batchIndex, txHash: found.txHash, reason })
    if (this.skipped.length > MAX_SKIPPED_KEPT) this.skipped.shift()
    this.logger.warn({ l1Block: found.l1Number.toString(), batchIndex: found.batchIndex.toString(), tx: found.txHash, reason }, 'skipped batch')
  }
}
