import type { Hex } from 'viem'
import { InvalidBlockError, type Chain } from '../../execution/chain.js'
import { txsOf } from '../../execution/executeTx.js'
import { l1InfoOf } from '../../execution/l1Info.js'
import type { Logger } from '../../primitives/logger.js'
import { BatchDecodeError, decodeBatch, type Batch, type BatchLimits } from '../batch/codec.js'
import { BatchLedger } from '../batchLedger.js'
import type { L1Tracker } from '../l1/l1Tracker.js'
import type { L1BatchData } from './batchSource.js'
import { checkBatch, type DerivedHead } from './batchRules.js'
import type { DerivedBlockBuilder } from './blockBuilder.js'

/** Where batches come from (calldata or blobs). */
export interface BatchSource {
  batchesIn(fromBlock: bigint, toBlock: bigint): Promise<L1BatchData[]>
}

export interface DerivationOptions {
  chainId: bigint
  /** The L1 block the chain was registered in: derivation starts there. */
  l1StartBlock: bigint
  limits?: BatchLimits
  /** L1 blocks read per step at most (catch-up). */
  maxL1BlocksPerStep?: number
}

/** A batch commitment derivation did not use, and why (exposed by `plexus_syncStatus`). */
export interface SkippedBatch {
  l1Block: bigint
  batchIndex: bigint
  txHash: Hex
  reason: string
}

interface QueuedBatch {
  batch: Batch
  found: L1BatchData
}

const MAX_FUTURE_BATCHES = 64
const MAX_SKIPPED_KEPT = 64

/**
 * Derivation of one chain from L1 alone, as a pipeline of small stages:
 *   L1 traversal (this class, following the tracker's canonical chain)
 *   → retrieval (`BatchSource`: the batch bytes committed in each L1 block)
 *   → decoding (`decodeBatch`; corrupt data is skipped with its reason)
 *   → batch queue (`checkBatch`: ordering, parent and origin rules; batches from the
 *     future wait for the gap to fill)
 *   → attributes and execution (`DerivedBlockBuilder`: deposits from L1 + the batch's
 *     transactions, built strictly).
 * A batch is derived whole or not at all. The derived head is the chain's safe head;
 * an L1 reorg rewinds the L2 blocks whose batches it removed, and they are derived again
 * from whatever the new L1 chain holds.
 */
export class DerivationPipeline {
  /** Next L1 block to read batches from. */
  private cursor: bigint
  /** Last batch handled within the current read range (L1 number, log index). */
  private handled: { l1Number: bigint; logIndex: number } | undefined
  private readonly ledger = new BatchLedger()
  private readonly future = new Map<bigint, QueuedBatch>()
  private pendingReorg: bigint | undefined
  readonly skipped: SkippedBatch[] = []
  private skippedCount = 0

  constructor(
    private readonly chain: Chain,
    private readonly tracker: L1Tracker,
    private readonly source: BatchSource,
    private readonly builder: DerivedBlockBuilder,
    private readonly options: DerivationOptions,
    private readonly logger: Logger,
  ) {
    this.cursor = options.l1StartBlock
  }

  /** Last L2 block derived from L1 (the safe head). */
  derivedHead(): bigint {
    return this.ledger.safeHead()
  }

  /** Last L2 block derived from batches in L1 blocks at or below `l1Number`. */
  derivedHeadAt(l1Number: bigint): bigint {
    return this.ledger.safeHeadAt(l1Number)
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
      await this.handle(f)
      this.handled = { l1Number: f.l1Number, logIndex: f.logIndex }
    }
    if (this.pendingReorg !== undefined) return
    this.cursor = to + 1n
    this.handled = undefined
    // Caught up with L1: a block past the derived head has no batch on L1 (left over
    // from before a restart, its batch since reorged away). Serve only what L1 holds.
    if (to === head.number && this.future.size === 0) await this.rewindChain(this.derivedHead(), 'no batch on L1 carries it')
  }

  private async handle(found: L1BatchData): Promise<void> {
    if (!found.data) return this.skip(found, found.error ?? 'no data')
    let batch: Batch
    try {
      batch = decodeBatch(found.data, this.options.limits)
    } catch (err) {
      if (err instanceof BatchDecodeError) return this.skip(found, err.message)
      throw err
    }
    await this.apply({ batch, found })
    // A batch that arrived early may continue what was just derived. Its blocks become
    // derivable (safe) only now, so they count as carried by this L1 block.
    for (let next = this.future.get(this.derivedHead() + 1n); next; next = this.future.get(this.derivedHead() + 1n)) {
      this.future.delete(next.batch.firstBlock)
      await this.apply({ batch: next.batch, found: { ...next.found, l1Number: found.l1Number, l1Hash: found.l1Hash } })
    }
  }

  private async apply({ batch, found }: QueuedBatch): Promise<void> {
    const inclusion = this.tracker.block(found.l1Number)!
    const verdict = checkBatch(batch, {
      chainId: this.options.chainId,
      l1StartBlock: this.options.l1StartBlock,
      head: this.headRef(),
      inclusion,
      l1Block: (n) => (n <= inclusion.number ? this.tracker.block(n) : undefined),
    })
    if (verdict.kind === 'drop') return this.skip(found, verdict.reason)
    if (verdict.kind === 'future') {
      if (this.future.size >= MAX_FUTURE_BATCHES) return this.skip(found, `starts at block ${batch.firstBlock}, beyond the derived head, and too many batches wait`)
      this.future.set(batch.firstBlock, { batch, found })
      return
    }
    const before = this.derivedHead()
    try {
      for (const plan of verdict.blocks) {
        const stored = this.chain.headHeader().number >= plan.number ? this.chain.getBlockByNumber(plan.number) : undefined
        if (stored && this.builder.matches(stored, plan)) continue
        if (this.chain.headHeader().number >= plan.number) await this.rewindChain(plan.number - 1n, 'the stored block differs from L1\'s batch')
        await this.builder.build(plan)
      }
    } catch (err) {
      if (!(err instanceof InvalidBlockError)) throw err
      // Derived whole or not at all: drop the blocks this batch added.
      await this.rewindChain(before, 'a block of the batch is invalid')
      return this.skip(found, err.message)
    }
    const last = verdict.blocks[verdict.blocks.length - 1]!.number
    this.ledger.record({ l1Number: found.l1Number, l1Hash: found.l1Hash, lastBlock: last })
    this.logger.debug({ first: batch.firstBlock.toString(), last: last.toString(), l1Block: found.l1Number.toString() }, 'derived batch')
  }

  private headRef(): DerivedHead {
    const number = this.derivedHead()
    const block = this.chain.getBlockByNumber(number)
    if (!block) throw new Error(`derived block ${number} is missing from the chain`)
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
    for (const [first, queued] of this.future) if (queued.found.l1Number > ancestor) this.future.delete(first)
    const dropped = this.ledger.dropAbove(ancestor)
    if (dropped.length) await this.rewindChain(this.derivedHead(), `L1 reorg back to block ${ancestor}`)
  }

  private async rewindChain(to: bigint, why: string): Promise<void> {
    const head = this.chain.headHeader().number
    if (head <= to) return
    this.logger.warn({ from: head.toString(), to: to.toString(), why }, 'rewinding derived blocks')
    await this.chain.rewindTo(to)
  }

  private skip(found: L1BatchData, reason: string): void {
    this.skippedCount++
    this.skipped.push({ l1Block: found.l1Number, batchIndex: found.batchIndex, txHash: found.txHash, reason })
    if (this.skipped.length > MAX_SKIPPED_KEPT) this.skipped.shift()
    this.logger.warn({ l1Block: found.l1Number.toString(), batchIndex: found.batchIndex.toString(), tx: found.txHash, reason }, 'skipped batch')
  }
}
