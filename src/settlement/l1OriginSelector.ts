import type { BlockHeader } from '@ethereumjs/block'
import type { Chain } from '../execution/chain.js'
import { txsOf } from '../execution/executeTx.js'
import { l1FeeParamsOf, l1InfoDeposit, l1InfoOf, type L1BlockInfo } from '../execution/l1Info.js'
import { toData } from '../primitives/hex.js'
import type { DepositTransaction } from '../execution/depositTx.js'
import type { BlockInputs, BlockInputSource } from '../sequencer/blockInputs.js'
import { refHashBytes, type L1BlockRef, type L1Tracker } from './l1/l1Tracker.js'

export interface L1OriginSelectorOptions {
  chainId: bigint
  /** The L1 block the chain was registered in: the origin of block 1. */
  l1StartBlock: bigint
  /** L1 blocks an origin must be buried under before the sequencer adopts it (0 in dev). */
  confirmations: bigint
  baseFeeScalar: bigint
  blobBaseFeeScalar: bigint
}

/**
 * Chooses each new L2 block's L1 origin and with it the deposits it must include:
 * the origin advances by at most one L1 block per L2 block, to the next L1 block once
 * that is old enough (`confirmations`) and not newer than the L2 block's timestamp;
 * a block whose origin advanced includes all of that L1 block's deposits. Every block
 * opens with the L1-info deposit. Replicas apply the same rules when they re-derive.
 */
export class L1OriginSelector implements BlockInputSource {
  constructor(
    private readonly chain: Chain,
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
    if (!parentInfo) {
      origin = this.tracker.block(o.l1StartBlock)
    } else {
      const current = this.tracker.block(parentInfo.number)
      // The parent's origin left the canonical L1 chain: the reorg handler rewinds L2.
      if (!current || current.hash !== toData(parentInfo.hash)) return undefined
      const next = this.tracker.block(parentInfo.number + 1n)
      const head = this.tracker.head()!
      if (next && next.timestamp <= timestamp && next.number + o.confirmations <= head.number) {
        origin = next
      } else {
        origin = current
        sequenceNumber = parentInfo.sequenceNumber + 1n
      }
    }
    if (!origin) return undefined
    const deposits = sequenceNumber === 0n ? this.tracker.depositsIn(origin.hash, o.chainId) : []
    if (!deposits) return undefined
    return blockInputsAt(origin, sequenceNumber, timestamp < origin.timestamp ? origin.timestamp : timestamp, deposits, o)
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
