import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { Hex } from 'viem'
import { hexToBytes, toData } from '../../primitives/hex.js'
import type { Batch } from '../batch/codec.js'
import type { L1BlockRef } from '../l1/l1Tracker.js'
import { checkBatch, type BatchContext } from './batchRules.js'

const hash = (n: number): Hex => `0x${n.toString(16).padStart(64, '0')}`

/** L1 blocks 100…120, 12 s apart, starting at t = 1000. */
function l1(number: bigint): L1BlockRef | undefined {
  if (number < 100n || number > 120n) return undefined
  return { number, hash: hash(Number(number)), parentHash: hash(Number(number) - 1), timestamp: 1000n + (number - 100n) * 12n, baseFee: 1n, blobBaseFee: 1n }
}

const PARENT = hexToBytes(hash(0xabc))

function context(over: Partial<BatchContext> = {}): BatchContext {
  return {
    chainId: 901n,
    l1StartBlock: 100n,
    head: { number: 10n, hash: PARENT, timestamp: 1020n, origin: { number: 101n, sequenceNumber: 3n } },
    inclusion: l1(110n)!,
    l1Block: l1,
    ...over,
  }
}

/** A batch of blocks 11… with the given (timestamp, origin) pairs. */
function batch(blocks: [number, number][], over: Partial<Batch> = {}): Batch {
  const last = blocks[blocks.length - 1]![1]
  return {
    chainId: 901n,
    parentHash: PARENT,
    firstBlock: 11n,
    firstOrigin: BigInt(blocks[0]![1]),
    lastOriginHash: hexToBytes(hash(last)),
    blocks: blocks.map(([timestamp, origin]) => ({ timestamp: BigInt(timestamp), l1OriginNumber: BigInt(origin), txs: [] })),
    ...over,
  }
}

describe('batch queue rules', () => {
  it('derives a batch that continues the head, numbering the origin sequence', () => {
    const verdict = checkBatch(batch([[1021, 101], [1022, 101], [1024, 102], [1025, 102]]), context())
    assert.equal(verdict.kind, 'derive')
    if (verdict.kind !== 'derive') return
    assert.deepEqual(
      verdict.blocks.map((b) => [b.number, b.origin.number, b.sequenceNumber]),
      [[11n, 101n, 4n], [12n, 101n, 5n], [13n, 102n, 0n], [14n, 102n, 1n]],
    )
    assert.equal(toData(hexToBytes(verdict.blocks[2]!.origin.hash)), hash(102))
  })

  it('block 1 must take the registration block as origin', () => {
    const genesis = { number: 0n, hash: PARENT, timestamp: 900n, origin: undefined }
    assert.equal(checkBatch(batch([[1000, 100]], { firstBlock: 1n }), context({ head: genesis })).kind, 'derive')
    const wrong = checkBatch(batch([[1012, 101]], { firstBlock: 1n }), context({ head: genesis }))
    assert.equal(wrong.kind, 'drop')
    assert.match((wrong as { reason: string }).reason, /first block's origin must be L1 block 100/)
  })

  it('keeps a batch from the future and drops one already derived', () => {
    assert.equal(checkBatch(batch([[1030, 102]], { firstBlock: 13n }), context()).kind, 'future')
    const stale = checkBatch(batch([[1030, 102]], { firstBlock: 9n }), context())
    assert.equal(stale.kind, 'drop')
    assert.match((stale as { reason: string }).reason, /already derived/)
  })

  // Invariant: a batch that overlaps the derived head adds exactly its blocks after the
  // head, and only if every block it shares with the derived chain is the derived one.
  it('takes the blocks after the head from a batch that overlaps it, if the shared blocks are the derived ones', () => {
    const H8 = hexToBytes(hash(8))
    const derivedBlocks = new Map([
      [9n, { timestamp: 1018n, l1OriginNumber: 101n, txs: [Uint8Array.of(2, 1)] }],
      [10n, { timestamp: 1020n, l1OriginNumber: 101n, txs: [] }],
    ])
    const derived = {
      hash: (n: bigint) => (n === 8n ? H8 : n === 10n ? PARENT : undefined),
      block: (n: bigint) => {
        const b = derivedBlocks.get(n)
        return b && { ...b, number: n, hash: new Uint8Array(32), parentHash: new Uint8Array(32), l1OriginHash: new Uint8Array(32) }
      },
    }
    const overlapping = (over: Partial<Batch> = {}) => {
      const b = batch([[1018, 101], [1020, 101], [1021, 101], [1024, 102]], { firstBlock: 9n, parentHash: H8, ...over })
      b.blocks[0]!.txs = [Uint8Array.of(2, 1)]
      return b
    }
    const verdict = checkBatch(overlapping(), context({ derived }))
    assert.equal(verdict.kind, 'derive')
    if (verdict.kind !== 'derive') return
    assert.deepEqual(verdict.blocks.map((b) => [b.number, b.origin.number, b.sequenceNumber]), [[11n, 101n, 4n], [12n, 102n, 0n]])

    const differs = overlapping()
    differs.blocks[1]!.txs = [Uint8Array.of(2, 9)]
    assert.match((checkBatch(differs, context({ derived })) as { reason: string }).reason, /already derived \(head 10\), and its block 10 differs from the derived one/)
    assert.match((checkBatch(overlapping({ parentHash: PARENT }), context({ derived })) as { reason: string }).reason, /its parent hash is not block 8's/)
    assert.match((checkBatch(overlapping(), context()) as { reason: string }).reason, /already derived/, 'without the derived blocks: stale, as before')
    const stale = batch([[1018, 101], [1020, 101]], { firstBlock: 9n, parentHash: H8 })
    assert.match((checkBatch(stale, context({ derived })) as { reason: string }).reason, /^batch starts at block 9, already derived \(head 10\)$/, 'nothing after the head')
  })

  const drops: [string, Batch, RegExp, bigint?][] = [
    ['another chain', batch([[1021, 101]], { chainId: 902n }), /for chain 902/],
    ['a parent that is not the head', batch([[1021, 101]], { parentHash: hexToBytes(hash(1)) }), /parent hash/],
    ['an origin that jumps', batch([[1040, 103]]), /does not follow/],
    ['an origin that goes back', batch([[1021, 100]]), /does not follow/],
    ['an origin after the L1 block holding the batch', batch([[1021, 101], [1024, 102], [1040, 103]]), /origin 103 is after the L1 block 102 holding the batch/, 102n],
    ['a decreasing timestamp', batch([[1019, 101]]), /before its parent's/],
    ['a timestamp before the origin', batch([[1021, 101], [1023, 102]]), /before its origin's/],
    ['a last origin hash that is not canonical', batch([[1021, 101]], { lastOriginHash: hexToBytes(hash(7)) }), /canonical/],
  ]
  for (const [what, b, reason, inclusion = 110n] of drops) {
    it(`drops ${what}`, () => {
      const verdict = checkBatch(b, context({ inclusion: l1(inclusion)! }))
      assert.equal(verdict.kind, 'drop')
      assert.match((verdict as { reason: string }).reason, reason)
    })
  }
})
