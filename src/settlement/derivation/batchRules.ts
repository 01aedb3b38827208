import { equalsBytes } from '@ethereumjs/util'
import { toData } from '../../primitives/hex.js'
import type { Batch, BatchBlock } from '../batch/codec.js'
import type { L1BlockRef } from '../l1/l1Tracker.js'

/** The L2 block a batch must continue (the replica's derived head). */
export interface DerivedHead {
  number: bigint
  hash: Uint8Array
  timestamp: bigint
  /** Its L1 origin (genesis: none). */
  origin: { number: bigint; sequenceNumber: bigint } | undefined
}

/** One L2 block a batch describes, with everything needed to build it. */
export interface BlockPlan {
  number: bigint
  timestamp: bigint
  origin: L1BlockRef
  sequenceNumber: bigint
  txs: Uint8Array[]
}

export type BatchVerdict =
  | { kind: 'derive'; blocks: BlockPlan[] }
  /** Continues a block not derived yet: keep it until the gap is filled. */
  | { kind: 'future' }
  | { kind: 'drop'; reason: string }

export interface BatchContext {
  chainId: bigint
  /** The L1 block the chain was registered in: the origin of L2 block 1. */
  l1StartBlock: bigint
  head: DerivedHead
  /** The L1 block the batch was committed in. */
  inclusion: L1BlockRef
  /** Canonical L1 header by number (from the tracker). */
  l1Block(number: bigint): L1BlockRef | undefined
  /**
   * The blocks already derived (numbers up to `head.number`), for a batch that overlaps
   * them; without it such a batch is dropped as already derived.
   */
  derived?: {
    hash(number: bigint): Uint8Array | undefined
    block(number: bigint): BatchBlock | undefined
  }
}

/**
 * The batch-queue rules: whether a decoded batch extends the derived chain, and the
 * blocks it describes. They are the rules the sequencer follows when it picks origins
 * (`L1OriginSelector`), so an honest sequencer's batches always pass:
 * - it is for this chain, starts right after the derived head and names that block as
 *   its parent; or it starts earlier and the blocks it shares with the derived chain are
 *   exactly the derived ones (same parent, timestamps, origins and transactions), and
 *   only its blocks after the head count (a batch the batcher posted again, with more
 *   blocks, after an earlier one it thought lost did land);
 * - block 1's origin is the registration block; after that each block's origin is its
 *   parent's or the next L1 block, canonical, and not after the L1 block that holds
 *   the batch (a batch cannot cite L1 blocks that did not exist when it was posted);
 * - timestamps never decrease and are never before the origin's.
 * A batch that breaks one is dropped whole, with the reason.
 */
export function checkBatch(given: Batch, ctx: BatchContext): BatchVerdict {
  const { head } = ctx
  if (given.chainId !== ctx.chainId) return { kind: 'drop', reason: `batch is for chain ${given.chainId}` }
  if (given.firstBlock > head.number + 1n) return { kind: 'future' }
  const batch = given.firstBlock <= head.number ? afterHead(given, ctx) : given
  if (typeof batch === 'string') return { kind: 'drop', reason: batch }
  if (!equalsBytes(batch.parentHash, head.hash)) return { kind: 'drop', reason: `batch's parent hash is not block ${head.number}'s` }

  const blocks: BlockPlan[] = []
  let parentTimestamp = head.timestamp
  let parentOrigin = head.origin
  for (let i = 0; i < batch.blocks.length; i++) {
    const b = batch.blocks[i]!
    const number = batch.firstBlock + BigInt(i)
    const what = `block ${number}`
    let sequenceNumber: bigint
    if (!parentOrigin) {
      if (b.l1OriginNumber !== ctx.l1StartBlock) return { kind: 'drop', reason: `${what}: the first block's origin must be L1 block ${ctx.l1StartBlock}` }
      sequenceNumber = 0n
    } else if (b.l1OriginNumber === parentOrigin.number) {
      sequenceNumber = parentOrigin.sequenceNumber + 1n
    } else if (b.l1OriginNumber === parentOrigin.number + 1n) {
      sequenceNumber = 0n
    } else {
      return { kind: 'drop', reason: `${what}: origin ${b.l1OriginNumber} does not follow its parent's origin ${parentOrigin.number}` }
    }
    if (b.l1OriginNumber > ctx.inclusion.number) {
      return { kind: 'drop', reason: `${what}: origin ${b.l1OriginNumber} is after the L1 block ${ctx.inclusion.number} holding the batch` }
    }
    const origin = ctx.l1Block(b.l1OriginNumber)
    if (!origin) return { kind: 'drop', reason: `${what}: origin L1 block ${b.l1OriginNumber} is unknown` }
    if (b.timestamp < parentTimestamp) return { kind: 'drop', reason: `${what}: timestamp ${b.timestamp} is before its parent's` }
    if (b.timestamp < origin.timestamp) return { kind: 'drop', reason: `${what}: timestamp ${b.timestamp} is before its origin's ${origin.timestamp}` }
    blocks.push({ number, timestamp: b.timestamp, origin, sequenceNumber, txs: b.txs })
    parentTimestamp = b.timestamp
    parentOrigin = { number: b.l1OriginNumber, sequenceNumber }
  }
  const last = blocks[blocks.length - 1]!.origin
  if (last.hash.toLowerCase() !== toData(batch.lastOriginHash)) {
    return { kind: 'drop', reason: `the batch's last origin hash is not L1 block ${last.number}'s canonical hash` }
  }
  return { kind: 'derive', blocks }
}

/**
 * The part of a batch that starts at or before the derived head which comes after the
 * head, provided the part before is exactly what was derived; otherwise why it is dropped.
 */
function afterHead(batch: Batch, ctx: BatchContext): Batch | string {
  const { head, derived } = ctx
  const last = batch.firstBlock + BigInt(batch.blocks.length) - 1n
  const stale = `batch starts at block ${batch.firstBlock}, already derived (head ${head.number})`
  if (last <= head.number || !derived) return stale
  const parent = derived.hash(batch.firstBlock - 1n)
  if (!parent || !equalsBytes(parent, batch.parentHash)) return `${stale}, and its parent hash is not block ${batch.firstBlock - 1n}'s`
  const shared = Number(head.number - batch.firstBlock + 1n)
  for (let i = 0; i < shared; i++) {
    const number = batch.firstBlock + BigInt(i)
    const ours = derived.block(number)
    if (!ours || !sameBlock(ours, batch.blocks[i]!)) return `${stale}, and its block ${number} differs from the derived one`
  }
  const rest = batch.blocks.slice(shared)
  return { ...batch, firstBlock: head.number + 1n, parentHash: head.hash, firstOrigin: rest[0]!.l1OriginNumber, blocks: rest }
}

type BlockContent = Pick<BatchBlock, 'timestamp' | 'l1OriginNumber' | 'txs'>

/** Whether two blocks with the same parent are the same block: same timestamp, origin and transactions. */
export function sameBlock(a: BlockContent, b: BlockContent): boolean {
  return a.timestamp === b.timestamp && a.l1OriginNumber === b.l1OriginNumber && a.txs.length === b.txs.length && a.txs.every((tx, i) => equalsBytes(tx, b.txs[i]!))
}
