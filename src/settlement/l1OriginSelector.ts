import type { BlockHeader } from '@ethereumjs/block'
import type { ChainReader } from '../execution/chainReader.js'
import { txsOf } from '../execution/executeTx.js'
import { l1FeeParamsOf, l1InfoDeposit, l1InfoOf, type L1BlockInfo } from '../execution/l1Info.js'
import { toData } from '../primitives/hex.js'
import type { DepositTransaction } from '../execution/depositTx.js'
import type { Logger } from '../primitives/logger.js'
import type { BlockInputs, BlockInputSource } from '../sequencer/blockInputs.js'
import { refHashBytes, type L1BlockRef, type L1Tracker } from './l1/l1Tracker.js'

/**
 * The default max sequencer drift beyond the confirmation depth, in seconds: an L2 block
 * is at most this much (plus `confirmations` L1 blocks of 12 s) newer than its L1 origin,
 * unless it advances the origin (see `L1OriginSelector`). OP Mainnet allows 1,800 s; a
 * shorter bound makes a dead L1 stop the chains within minutes instead of half an hour.
 */
export const DEFAULT_MAX_SEQUENCER_DRIFT_SECONDS = 120n

/** The max sequencer drift a network uses by default: `DEFAULT_MAX_SEQUENCER_DRIFT_SECONDS` + 12 s per confirmation. */
export function defaultMaxSequencerDrift(confirmations: bigint): bigint {
  return DEFAULT_MAX_SEQUENCER_DRIFT_SECONDS + 12n * confirmations
}

export interface L1OriginSelectorOptions {
  chainId: bigint
  /** The L1 block the chain was registered in: the origin of block 1. */
  l1StartBlock: bigint
  /** L1 blocks an origin must be buried under before the sequencer adopts it (0 in dev). */
  confirmations: bigint
  baseFeeScalar: bigint
  blobBaseFeeScalar: bigint
  /** Seconds an L2 block may be newer than its L1 origin without advancing it (default `defaultMaxSequencerDrift`). */
  maxSequencerDrift?: bigint
  /** Where a pause of block production (and its end) is reported. */
  logger?: Logger
}

/**
 * Chooses each new L2 block's L1 origin and with it the deposits it must include:
 * the origin advances by at most one L1 block per L2 block, to the next L1 block once
 * that is old enough (`confirmations`), durable (the tracker's `durableHead`: the
 * embedded L1 has it on disk, so no crash can take it back) and not newer than the L2
 * block's timestamp; a block whose origin advanced includes all of that L1 block's
 * deposits. Every block opens with the L1-info deposit. Replicas apply the same rules
 * when they re-derive.
 *
 * Max sequencer drift (OP Stack rule): a block that keeps its parent's origin may be at
 * most `maxSequencerDrift` seconds newer than it. When the next origin cannot be adopted
 * (the L1 is dead or stalled, or not yet durable) and the drift would be exceeded, no
 * block is built: production pauses, reported once, and resumes (reported once) when
 * the L1 moves again. Blocks that advance the origin are always allowed, so a network
 * started after a long downtime catches up one L1 block per L2 block.
 */
export class L1OriginSelector implements BlockInputSource {
  private paused = false

  constructor(
    private readonly chain: ChainReader,
    private readonly tracker: L1Tracker,
    private readonly options: L1OriginSelectorOptions,
  ) {}

  rewindTarget(head: BlockHeader): bigint | undefined {
    let target: bigint | undefined
    for (let n = head.number; n > 0n; n--) {
      const block = this.chain.getBlockByNumber(n)
      const info = block && l1InfoOf(txsOf(block)[0])
      if (!info) break
      const canonical = this.tracker.block(info.number)
      // Not tracked (yet): nothing says it was reorged away.
      if (!canonical || canonical.hash === toData(info.hash)) break
      target = n - 1n
    }
    return target
  }

  inputsFor(parent: BlockHeader, timestamp: bigint): BlockInputs | undefined {
    const o = this.options
    const parentBlock = this.chain.getBlockByHash(parent.hash())
    const parentInfo = parentBlock ? l1InfoOf(txsOf(parentBlock)[0]) : undefined
    let origin: L1BlockRef | undefined
    let sequenceNumber = 0n
    const durable = this.tracker.durableHead()
    if (durable === undefined) return undefined
    if (!parentInfo) {
      origin = o.l1StartBlock <= durable ? this.tracker.block(o.l1StartBlock) : undefined
    } else {
      const current = this.tracker.block(parentInfo.number)
      // The parent's origin left the canonical L1 chain: the reorg handler rewinds L2.
      if (!current || current.hash !== toData(parentInfo.hash)) return undefined
      const next = this.tracker.block(parentInfo.number + 1n)
      const head = this.tracker.head()!
      if (next && next.timestamp <= timestamp && next.number + o.confirmations <= head.number && next.number <= durable) {
        origin = next
      } else if (timestamp > current.timestamp + this.maxDrift()) {
        this.pause(current, timestamp, durable)
        return undefined
      } else {
        origin = current
        sequenceNumber = parentInfo.sequenceNumber + 1n
      }
    }
    if (!origin) return undefined
    this.resume(origin)
    const deposits = sequenceNumber === 0n ? this.tracker.depositsIn(origin.hash, o.chainId) : []
    if (!deposits) return undefined
    return blockInputsAt(origin, sequenceNumber, timestamp < origin.timestamp ? origin.timestamp : timestamp, deposits, o)
  }

  private maxDrift(): bigint {
    return this.options.maxSequencerDrift ?? defaultMaxSequencerDrift(this.options.confirmations)
  }

  private pause(origin: L1BlockRef, timestamp: bigint, durable: bigint): void {
    if (this.paused) return
    this.paused = true
    this.options.logger?.error(
      {
        l1Origin: origin.number.toString(),
        originAgeSeconds: (timestamp - origin.timestamp).toString(),
        maxSequencerDrift: this.maxDrift().toString(),
        l1Reachable: this.tracker.reachable(),
        l1Head: this.tracker.head()?.number.toString(),
        l1Durable: durable.toString(),
      },
      'block production paused: no newer L1 block to take as origin (the L1 is down or stalled, or its state is not on disk yet) and the current one is older than the max sequencer drift; it resumes when there is one',
    )
  }

  private resume(origin: L1BlockRef): void {
    if (!this.paused) return
    this.paused = false
    this.options.logger?.info({ l1Origin: origin.number.toString() }, 'block production resumed')
  }
}

/**
 * The inputs of an L2 block with L1 origin `origin`: the L1-info deposit, then the
 * origin's user deposits (which the caller passes only for the first block of an
 * origin), and the L1 fee parameters. The sequencer and replicas both build blocks
 * from this, so they agree byte for byte.
 */
export function blockInputsAt(
  origin: L1BlockRef,
  sequenceNumber: bigint,
  timestamp: bigint,
  deposits: readonly DepositTransaction[],
  scalars: { baseFeeScalar: bigint; blobBaseFeeScalar: bigint },
): BlockInputs {
  const info: L1BlockInfo = {
    number: origin.number,
    timestamp: origin.timestamp,
    hash: refHashBytes(origin),
    baseFee: origin.baseFee,
    blobBaseFee: origin.blobBaseFee,
    sequenceNumber,
    baseFeeScalar: scalars.baseFeeScalar,
    blobBaseFeeScalar: scalars.blobBaseFeeScalar,
  }
  return { timestamp, deposits: [l1InfoDeposit(info), ...deposits], l1Fee: l1FeeParamsOf(info) }
}
