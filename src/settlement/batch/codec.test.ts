import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { brotliCompressSync, brotliDecompressSync, constants as zlibConstants } from 'node:zlib'
import { RLP } from '@ethereumjs/rlp'
import { encodeFunctionData, parseAbi, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import {
  BatchDecodeError,
  decodeNetworkBatch,
  encodeNetworkBatch,
  maxEncodedBatchBytes,
  MIN_SIGNED_TX_BYTES,
  packNetworkBatches,
  slotFitsLimits,
  slotPayloadBound,
  SlotTooLargeError,
  type Batch,
  type BatchBlock,
  type BatchDecodeReason,
  type BatchLimits,
  type NetworkBatch,
} from './codec.js'

/** A network batch of one chain's section (most of the format's rules are per section). */
const encodeBatch = (batch: Batch, opts?: BatchLimits) => encodeNetworkBatch({ chains: [batch] }, opts)
function decodeBatch(data: Uint8Array, opts?: BatchLimits): Batch {
  const decoded = decodeNetworkBatch(data, opts)
  assert.equal(decoded.chains.length, 1)
  return decoded.chains[0]!
}
/** packNetworkBatches of one chain, as the ranges of that chain. */
const packBatches = async (chainId: bigint, blocks: BatchBlock[], maxBytes: number, opts?: BatchLimits) =>
  (await packNetworkBatches([{ chainId, blocks }], maxBytes, opts)).map((b) => ({ data: b.data, firstBlock: b.sections[0]!.firstBlock, lastBlock: b.sections[0]!.lastBlock }))

/** Deterministic randomness (xorshift32) so failures reproduce. */
function rng(seed: number): { int(n: number): number; bytes(n: number): Uint8Array } {
  let x = seed | 1
  const next = () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return x >>> 0
  }
  return {
    int: (n) => next() % n,
    bytes: (n) => {
      const out = new Uint8Array(n)
      for (let i = 0; i < n; i++) out[i] = next() & 0xff
      return out
    },
  }
}

interface ChainOpts {
  count: number
  firstNumber?: bigint
  firstTimestamp?: bigint
  firstOrigin?: bigint
  maxTxs?: number
  maxTxBytes?: number
}

/** A contiguous chain of blocks with random txs (some blocks empty). */
function makeChain(seed: number, opts: ChainOpts): BatchBlock[] {
  const r = rng(seed)
  const blocks: BatchBlock[] = []
  let parentHash = r.bytes(32)
  let timestamp = opts.firstTimestamp ?? 1_700_000_000n
  let origin = opts.firstOrigin ?? 100n
  let originHash = r.bytes(32)
  for (let i = 0; i < opts.count; i++) {
    if (i > 0) {
      timestamp += BigInt(r.int(4))
      if (r.int(3) === 0) {
        origin += 1n
        originHash = r.bytes(32)
      }
    }
    const txs: Uint8Array[] = []
    const n = r.int(4) === 0 ? 0 : r.int((opts.maxTxs ?? 8) + 1)
    for (let t = 0; t < n; t++) {
      const tx = r.bytes(1 + r.int(opts.maxTxBytes ?? 200))
      if (tx[0] === 0x7e) tx[0] = 0x02
      txs.push(tx)
    }
    const hash = r.bytes(32)
    blocks.push({
      number: (opts.firstNumber ?? 1n) + BigInt(i),
      hash,
      parentHash,
      timestamp,
      l1OriginNumber: origin,
      l1OriginHash: originHash,
      txs,
    })
    parentHash = hash
  }
  return blocks
}

function batchOf(chainId: bigint, blocks: readonly BatchBlock[]): Batch {
  return {
    chainId,
    parentHash: blocks[0]!.parentHash,
    firstBlock: blocks[0]!.number,
    firstOrigin: blocks[0]!.l1OriginNumber,
    lastOriginHash: blocks[blocks.length - 1]!.l1OriginHash,
    blocks: blocks.map((b) => ({ timestamp: b.timestamp, l1OriginNumber: b.l1OriginNumber, txs: b.txs })),
  }
}

/** Version byte + brotli of arbitrary payload bytes, for hand-built invalid payloads. */
function wrap(payload: Uint8Array, quality = 5): Uint8Array {
  const c = brotliCompressSync(payload, { params: { [zlibConstants.BROTLI_PARAM_QUALITY]: quality } })
  return Uint8Array.of(0x02, ...c)
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(Buffer.concat(parts))
}

type RlpInput = Uint8Array | bigint | number | RlpInput[]
const rlp = (x: RlpInput): Uint8Array => RLP.encode(x as never)
/** An RLP list around already-encoded items. */
function rawList(items: Uint8Array[]): Uint8Array {
  const body = concat(...items)
  if (body.length < 56) return concat(Uint8Array.of(0xc0 + body.length), body)
  const digits = body.length.toString(16)
  const len = Uint8Array.from(Buffer.from(digits.length % 2 ? `0${digits}` : digits, 'hex'))
  return concat(Uint8Array.of(0xf7 + len.length), len, body)
}
const H = (b: number) => new Uint8Array(32).fill(b)

type SectionOverrides = Partial<Record<'chainId' | 'parent' | 'first' | 'origin' | 'originHash' | 'ts' | 'blocks', RlpInput>>
/** A valid payload of one section with overridable fields, encoded with @ethereumjs/rlp (independent of the codec). */
function payload(over: SectionOverrides = {}): RlpInput[] {
  return [sectionFields(over)]
}
/** A valid chain section's fields. */
function sectionFields(over: SectionOverrides = {}): RlpInput[] {
  return [
    over.chainId ?? 901n,
    over.parent ?? H(1),
    over.first ?? 10n,
    over.origin ?? 5n,
    over.originHash ?? H(2),
    over.ts ?? 1000n,
    over.blocks ?? [[0n, 0n, [Uint8Array.of(2, 1, 2, 3)]], [2n, 1n, []]],
  ]
}

function reasonOf(fn: () => unknown): BatchDecodeReason | 'ok' {
  try {
    fn()
    return 'ok'
  } catch (err) {
    if (!(err instanceof BatchDecodeError)) {
      assert.fail(`expected BatchDecodeError, got ${(err as Error)?.name}: ${(err as Error)?.message}`)
    }
    return err.reason
  }
}

function expectReason(data: Uint8Array, reason: BatchDecodeReason, opts?: BatchLimits): void {
  assert.equal(reasonOf(() => decodeBatch(data, opts)), reason)
}

describe('encodeBatch / decodeBatch', () => {
  it('round-trips random chains, including empty blocks and many txs', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const blocks = makeChain(seed, { count: 1 + (seed % 12), maxTxs: seed % 5 === 0 ? 300 : 8 })
      const batch = batchOf(BigInt(seed), blocks)
      assert.deepEqual(decodeBatch(encodeBatch(batch)), batch)
    }
  })

  it('round-trips huge numbers, timestamps and chain ids', () => {
    const max64 = (1n << 64n) - 1n
    const blocks = makeChain(7, { count: 5, firstNumber: max64 - 4n, firstTimestamp: max64 - 20n, firstOrigin: max64 - 4n })
    const batch = batchOf((1n << 256n) - 1n, blocks)
    assert.deepEqual(decodeBatch(encodeBatch(batch)), batch)
    const zero = batchOf(0n, makeChain(8, { count: 2, firstNumber: 0n, firstTimestamp: 0n, firstOrigin: 0n }))
    assert.deepEqual(decodeBatch(encodeBatch(zero)), zero)
  })

  it('decodes a payload built by an independent RLP encoder', () => {
    const batch = decodeBatch(wrap(rlp(payload())))
    assert.equal(batch.chainId, 901n)
    assert.equal(batch.firstBlock, 10n)
    assert.deepEqual(
      batch.blocks.map((b) => [b.timestamp, b.l1OriginNumber, b.txs.length]),
      [
        [1000n, 5n, 1],
        [1002n, 6n, 0],
      ],
    )
    assert.deepEqual(batch.blocks[0]!.txs[0], Uint8Array.of(2, 1, 2, 3))
  })

  it('rejects invalid batches it is asked to encode', () => {
    const blocks = makeChain(3, { count: 3 })
    assert.throws(() => encodeBatch({ ...batchOf(1n, blocks), blocks: [] }), /at least one block/)
    assert.throws(() => encodeBatch({ ...batchOf(1n, blocks), firstOrigin: 0n }), /firstOrigin/)
    const jump = batchOf(1n, blocks)
    jump.blocks[1] = { ...jump.blocks[1]!, l1OriginNumber: jump.blocks[0]!.l1OriginNumber + 2n }
    assert.throws(() => encodeBatch(jump), /origin/)
    const back = batchOf(1n, blocks)
    back.blocks[1] = { ...back.blocks[1]!, timestamp: back.blocks[0]!.timestamp - 1n }
    assert.throws(() => encodeBatch(back), /timestamps/)
    const deposit = batchOf(1n, blocks)
    deposit.blocks[0] = { ...deposit.blocks[0]!, txs: [Uint8Array.of(0x7e, 1)] }
    assert.throws(() => encodeBatch(deposit), /deposit/)
    assert.throws(() => encodeBatch({ ...batchOf(1n, blocks), parentHash: new Uint8Array(31) }), /32 bytes/)
  })
})

describe('decodeBatch rejections', () => {
  it('empty', () => expectReason(new Uint8Array(0), 'empty'))

  it('version', () => {
    expectReason(Uint8Array.of(0x00, 1, 2), 'version')
    expectReason(Uint8Array.of(0x03), 'version')
    // the retired single-chain format, even when the rest is a valid 0x01 batch
    const retired = wrap(rlp(sectionFields()))
    retired[0] = 0x01
    assert.throws(() => decodeNetworkBatch(retired), (e: unknown) => e instanceof BatchDecodeError && e.reason === 'version' && /retired/.test(e.message))
    const good = wrap(rlp(payload()))
    good[0] = 0xff
    expectReason(good, 'version')
  })

  it('decompress', () => {
    expectReason(Uint8Array.of(0x02), 'decompress')
    expectReason(Uint8Array.of(0x02, 0xff, 0xff, 0xff, 0xff), 'decompress')
    const good = wrap(rlp(payload()))
    expectReason(good.subarray(0, good.length - 1), 'decompress')
    // a complete stream followed by anything is rejected, not silently accepted
    expectReason(concat(good, Uint8Array.of(0)), 'decompress')
    expectReason(concat(good, good.subarray(1)), 'decompress')
  })

  it('too-large: a decompression bomb, and a limit below a normal batch', () => {
    const bomb = brotliCompressSync(new Uint8Array(64 << 20), {
      params: { [zlibConstants.BROTLI_PARAM_QUALITY]: 5, [zlibConstants.BROTLI_PARAM_LGWIN]: 24 },
    })
    assert.ok(bomb.length < 100) // 64 MiB of zeros in a few dozen bytes
    expectReason(concat(Uint8Array.of(2), bomb), 'too-large')
    const batch = encodeBatch(batchOf(1n, makeChain(4, { count: 10 })))
    expectReason(batch, 'too-large', { maxDecompressedBytes: 64 })
    assert.equal(reasonOf(() => decodeBatch(batch, { maxDecompressedBytes: 1 << 20 })), 'ok')
  })

  it('too-large: more blocks or transactions than allowed, refused without decoding them all', () => {
    // 8 MiB of one-byte "transactions" is a 42-byte brotli stream; unbounded, it would
    // decode into 8 million arrays
    const txs = new Uint8Array((8 << 20) - 200).fill(0x01)
    const longList = (body: Uint8Array) => rawList([body])
    const block = rawList([Uint8Array.of(0x80, 0x80), longList(txs)])
    const fields = sectionFields().slice(0, 6).map((f) => rlp(f))
    const bomb = wrap(rawList([rawList([...fields, rawList([block])])]), 5)
    assert.ok(bomb.length < 200)
    const started = Date.now()
    assert.throws(() => decodeBatch(bomb), (e: unknown) => e instanceof BatchDecodeError && e.reason === 'too-large' && /transactions/.test(e.message))
    assert.ok(Date.now() - started < 5000)
    const blocks = makeChain(9, { count: 20, maxTxs: 3 })
    const data = encodeBatch(batchOf(1n, blocks))
    const txCount = blocks.reduce((n, b) => n + b.txs.length, 0)
    expectReason(data, 'too-large', { maxBlocks: 19 })
    expectReason(data, 'too-large', { maxTxs: txCount - 1 })
    assert.equal(reasonOf(() => decodeBatch(data, { maxBlocks: 20, maxTxs: txCount })), 'ok')
  })

  it('rlp: not exactly one canonical item', () => {
    const good = rlp(payload())
    expectReason(wrap(new Uint8Array(0)), 'rlp')
    expectReason(wrap(concat(good, Uint8Array.of(0x80))), 'rlp') // trailing bytes
    expectReason(wrap(good.subarray(0, good.length - 1)), 'rlp') // runs past the end
    // a long-form length where the short form fits
    expectReason(wrap(Uint8Array.of(0xf8, 0x03, 0x80, 0x80, 0x80)), 'rlp')
    expectReason(wrap(concat(Uint8Array.of(0xc2, 0xb8, 0x01), Uint8Array.of(0x90))), 'rlp')
    // a length with a leading zero byte
    expectReason(wrap(concat(Uint8Array.of(0xf9, 0x00, 0x38), new Uint8Array(0x38).fill(0x80))), 'rlp')
    // a single byte below 0x80 wrapped as a string: chain id 5 written 81 05 instead of 05
    const fields = sectionFields().map((f) => rlp(f))
    expectReason(wrap(rawList([rawList([Uint8Array.of(0x81, 0x05), ...fields.slice(1)])])), 'rlp')
    assert.equal(reasonOf(() => decodeBatch(wrap(rawList([rawList([Uint8Array.of(0x05), ...fields.slice(1)])])))), 'ok')
    // length prefix running past its container
    expectReason(wrap(Uint8Array.of(0xc3, 0xbb, 0xff, 0xff)), 'rlp')
  })

  it('shape: valid RLP that is not a batch', () => {
    const cases: [string, RlpInput][] = [
      ['top-level string', new Uint8Array(40)],
      ['no sections', []],
      ['section not a list', [Uint8Array.of(1, 2)]],
      ['sections not a list', sectionFields()[1]!],
      ['6 fields', [sectionFields().slice(0, 6)]],
      ['8 fields', [[...sectionFields(), 1n]]],
      ['short parent hash', payload({ parent: new Uint8Array(31) })],
      ['list as hash', payload({ originHash: [H(2)] })],
      ['leading zero quantity', payload({ first: Uint8Array.of(0, 10) })],
      ['zero written as 0x00', payload({ origin: Uint8Array.of(0) })],
      ['chain id over 256 bits', payload({ chainId: 1n << 256n })],
      ['block number over 64 bits', payload({ first: 1n << 64n })],
      ['no blocks', payload({ blocks: [] })],
      ['blocks not a list', payload({ blocks: Uint8Array.of(1, 2) })],
      ['block with 2 fields', payload({ blocks: [[0n, 0n]] })],
      ['txs not a list', payload({ blocks: [[0n, 0n, Uint8Array.of(1, 2)]] })],
      ['tx is a list', payload({ blocks: [[0n, 0n, [[Uint8Array.of(1)]]]] })],
      ['empty tx', payload({ blocks: [[0n, 0n, [new Uint8Array(0)]]] })],
      ['deposit tx', payload({ blocks: [[0n, 0n, [Uint8Array.of(0x7e, 1, 2)]]] })],
      ['delta with leading zero', payload({ blocks: [[0n, 0n, []], [Uint8Array.of(0, 1), 0n, []]] })],
    ]
    for (const [name, p] of cases) assert.equal(reasonOf(() => decodeBatch(wrap(rlp(p)))), 'shape', name)
  })

  it('order: blocks that are not a sequence', () => {
    const max64 = (1n << 64n) - 1n
    const cases: [string, RlpInput][] = [
      ['first timestamp delta', payload({ blocks: [[1n, 0n, []]] })],
      ['first origin delta', payload({ blocks: [[0n, 1n, []]] })],
      ['origin delta 2', payload({ blocks: [[0n, 0n, []], [0n, 2n, []]] })],
      ['timestamp past uint64', payload({ ts: max64, blocks: [[0n, 0n, []], [1n, 0n, []]] })],
      ['origin past uint64', payload({ origin: max64, blocks: [[0n, 0n, []], [0n, 1n, []]] })],
      ['numbers past uint64', payload({ first: max64, blocks: [[0n, 0n, []], [0n, 0n, []]] })],
      ['chain ids descending', [sectionFields({ chainId: 902n }), sectionFields({ chainId: 901n })]],
      ['a chain twice', [sectionFields(), sectionFields({ first: 12n })]],
    ]
    for (const [name, p] of cases) assert.equal(reasonOf(() => decodeBatch(wrap(rlp(p)))), 'order', name)
  })

  it('never throws anything else for any truncation of a real batch', () => {
    const data = encodeBatch(batchOf(901n, makeChain(11, { count: 12, maxTxs: 6 })))
    for (let cut = 0; cut < data.length; cut++) {
      const reason = reasonOf(() => decodeBatch(data.subarray(0, cut)))
      assert.notEqual(reason, 'ok', `cut at ${cut}`)
    }
  })

  it('never throws anything else for random bit flips, in the stream or in the payload', () => {
    const r = rng(42)
    const blocks = makeChain(12, { count: 8, maxTxs: 4, maxTxBytes: 60 })
    const data = encodeBatch(batchOf(901n, blocks))
    for (let i = 0; i < 3000; i++) {
      const bad = data.slice()
      for (let k = 1 + r.int(3); k > 0; k--) bad[r.int(bad.length)]! ^= 1 << r.int(8)
      reasonOf(() => decodeBatch(bad))
    }
    // flips in the RLP itself, recompressed, reach the parser instead of brotli's checks
    const plain = rlp(payload({ blocks: blocks.map((b, i) => [i === 0 ? 0n : 1n, 0n, b.txs]) }))
    const seen = new Set<string>()
    for (let i = 0; i < 3000; i++) {
      const bad = plain.slice()
      for (let k = 1 + r.int(2); k > 0; k--) bad[r.int(bad.length)]! ^= 1 << r.int(8)
      seen.add(reasonOf(() => decodeBatch(wrap(bad, 1))))
    }
    assert.ok(seen.has('rlp') && seen.has('shape'), [...seen].join())
  })
})

describe('packBatches', () => {
  const check = async (blocks: BatchBlock[], maxBytes: number) => {
    const batches = await packBatches(901n, blocks, maxBytes)
    let next = 0
    for (const [k, b] of batches.entries()) {
      assert.ok(b.data.length <= maxBytes, `batch ${k}: ${b.data.length} > ${maxBytes}`)
      const decoded = decodeBatch(b.data)
      const expected = blocks.slice(next, next + decoded.blocks.length)
      assert.deepEqual(decoded, batchOf(901n, expected))
      assert.equal(b.firstBlock, expected[0]!.number)
      assert.equal(b.lastBlock, expected[expected.length - 1]!.number)
      next += decoded.blocks.length
      // greedy: one more block would not have fit
      if (next < blocks.length) {
        const bigger = encodeBatch(batchOf(901n, blocks.slice(next - decoded.blocks.length, next + 1)))
        assert.ok(bigger.length > maxBytes, `batch ${k} could have taken block ${blocks[next]!.number}`)
      }
    }
    assert.equal(next, blocks.length)
    return batches
  }

  it('covers every block, contiguously, within maxBytes, each batch maximal', async () => {
    const blocks = makeChain(21, { count: 300, maxTxs: 6, maxTxBytes: 150 })
    const batches = await check(blocks, 4000)
    assert.ok(batches.length > 3)
    await check(makeChain(22, { count: 40, maxTxs: 2 }), 1 << 20) // everything in one batch
    assert.equal((await packBatches(901n, makeChain(22, { count: 40 }), 1 << 20)).length, 1)
    // compressible blocks (repeated txs): the ratio estimate must adapt
    const repetitive = makeChain(23, { count: 200, maxTxs: 4 })
    for (const b of repetitive) b.txs = b.txs.map(() => new Uint8Array(120).fill(5))
    await check(repetitive, 600)
  })

  it('keeps every batch within the decode limits, whatever maxBytes allows', async () => {
    const blocks = makeChain(24, { count: 120, maxTxs: 5 })
    const limits = { maxDecompressedBytes: 3000, maxBlocks: 7, maxTxs: 12 }
    const batches = await packBatches(901n, blocks, 1 << 20, limits)
    let covered = 0
    for (const b of batches) {
      const decoded = decodeBatch(b.data, limits)
      covered += decoded.blocks.length
      // greedy against the limits too: the next block would break one of them
      const next = blocks[covered]
      if (next) {
        const more = blocks.slice(covered - decoded.blocks.length, covered + 1)
        assert.throws(() => encodeBatch(batchOf(901n, more), limits), /blocks|transactions|before compression/)
      }
    }
    assert.equal(covered, blocks.length)
    // empty blocks compress to almost nothing: the block cap, not maxBytes, splits them
    const empty = makeChain(25, { count: 50, maxTxs: 0 })
    assert.deepEqual(
      (await packBatches(901n, empty, 1 << 20, { maxBlocks: 20 })).map((b) => Number(b.lastBlock - b.firstBlock) + 1),
      [20, 20, 10],
    )
    await assert.rejects(packBatches(901n, makeChain(26, { count: 3, maxTxs: 40 }).map((b) => ({ ...b, txs: [new Uint8Array(9)] })), 1 << 20, { maxTxs: 0 }), /maxTxs/)
  })

  it('returns nothing for no blocks', async () => {
    assert.deepEqual(await packBatches(901n, [], 1000), [])
  })

  it('throws a plain Error for caller bugs', async () => {
    const blocks = makeChain(31, { count: 5 })
    const gap = [blocks[0]!, { ...blocks[1]!, number: blocks[1]!.number + 1n }]
    await assert.rejects(packBatches(901n, gap, 10_000), (e: unknown) => e instanceof Error && !(e instanceof BatchDecodeError))
    const unlinked = [blocks[0]!, { ...blocks[1]!, parentHash: new Uint8Array(32) }]
    await assert.rejects(packBatches(901n, unlinked, 10_000), /parentHash/)
    await assert.rejects(packBatches(901n, blocks, 0), /targetBytes/)
  })

  // Invariant: packing never refuses a slot the limits allow, however far over the target
  // it is (the batcher cuts it into frames); it covers every block exactly once.
  it('a slot larger than targetBytes is a batch of its own, whole; the slots around it are packed as before', async () => {
    const blocks = makeChain(33, { count: 60, maxTxs: 4, maxTxBytes: 150 })
    const r = rng(34)
    blocks[20]!.txs = Array.from({ length: 40 }, () => r.bytes(1000)) // ~40 KB, incompressible
    blocks[21]!.txs = Array.from({ length: 20 }, () => r.bytes(1000))
    const batches = await packBatches(901n, blocks, 3000)
    let next = 0
    for (const b of batches) {
      const decoded = decodeBatch(b.data)
      assert.deepEqual(decoded, batchOf(901n, blocks.slice(next, next + decoded.blocks.length)))
      if (b.data.length > 3000) assert.equal(decoded.blocks.length, 1, `only a single slot may exceed the target (${b.firstBlock}…${b.lastBlock})`)
      next += decoded.blocks.length
    }
    assert.equal(next, blocks.length)
    const alone = batches.filter((b) => b.data.length > 3000).map((b) => [b.firstBlock, b.lastBlock])
    assert.deepEqual(alone, [[blocks[20]!.number, blocks[20]!.number], [blocks[21]!.number, blocks[21]!.number]])
    // a 1 MB slot alone, however small the target
    const big = makeChain(35, { count: 3, maxTxs: 1 })
    big[1]!.txs = Array.from({ length: 250 }, () => r.bytes(4096))
    const packed = await packBatches(901n, big, 1000)
    assert.deepEqual(packed.map((b) => Number(b.lastBlock - b.firstBlock) + 1), [1, 1, 1])
    assert.ok(packed[1]!.data.length > 1_000_000)
  })

  it('a slot that alone exceeds the limits throws SlotTooLargeError naming the slot', async () => {
    const blocks = makeChain(36, { count: 3, maxTxs: 2 })
    blocks[1]!.txs = Array.from({ length: 30 }, () => Uint8Array.of(1, 2, 3))
    await assert.rejects(
      packBatches(901n, blocks, 10_000, { maxTxs: 20 }),
      (e: unknown) => e instanceof SlotTooLargeError && e.slot === blocks[1]!.number && e.size.txs === 30 && /alone exceeds the batch limits/.test(e.message),
    )
  })
})

describe('channel size bounds', () => {
  const payloadOf = (data: Uint8Array) => brotliDecompressSync(data.subarray(1)).length

  // Invariant: no valid network batch encodes to more than maxEncodedBatchBytes of its
  // payload, so the channel limit derived from it never refuses an honest channel.
  it('maxEncodedBatchBytes bounds the encoding of incompressible batches (the brotli worst case)', async () => {
    const r = rng(90)
    for (const size of [1, 100, 16_383, 16_384, 70_000, 300_000, 1_100_000]) {
      const block = makeChain(91, { count: 1, maxTxs: 0 })[0]!
      block.txs = [r.bytes(size)]
      if (block.txs[0]![0] === 0x7e) block.txs[0]![0] = 0x02
      const data = encodeNetworkBatch({ chains: [batchOf(901n, [block])] })
      assert.ok(data.length <= maxEncodedBatchBytes(payloadOf(data)), `${size}: ${data.length} > ${maxEncodedBatchBytes(payloadOf(data))}`)
    }
  })

  // Invariant: slotPayloadBound is an upper bound of a slot's payload, even for the
  // smallest transactions (most RLP overhead per byte), so slotFitsLimits is safe.
  it('slotPayloadBound bounds a slot of the smallest transactions on many chains', async () => {
    const r = rng(92)
    const chains = [1n, 2n, 3n, 4n].map((chainId) => {
      const block = makeChain(93 + Number(chainId), { count: 1, maxTxs: 0, firstNumber: 2n ** 60n, firstTimestamp: 2n ** 62n, firstOrigin: 2n ** 61n })[0]!
      block.txs = Array.from({ length: 2000 }, () => {
        const tx = r.bytes(MIN_SIGNED_TX_BYTES)
        tx[0] = 0x02
        return tx
      })
      return { chainId: chainId * 2n ** 200n, blocks: [block] }
    })
    const signed = chains.reduce((n, c) => n + c.blocks[0]!.txs.reduce((m, t) => m + t.length, 0), 0)
    const [packed] = await packNetworkBatches(chains, 1 << 30)
    assert.ok(payloadOf(packed!.data) <= slotPayloadBound(signed, chains.length))
    assert.equal(slotFitsLimits(1 << 20, 64), true, 'a 1 MiB slot of 64 chains fits the default limits')
    assert.equal(slotFitsLimits(32 << 20, 1), false, 'a 32 MiB slot may not')
    assert.equal(slotFitsLimits(1 << 20, 1, { maxTxs: 1000 }), false, 'nor 16,384 transactions under a 1,000 cap')
  })
})

describe('network batches of several chains', () => {
  it('round-trips sections of several chains, limits counting all of them', async () => {
    const batch: NetworkBatch = { chains: [901n, 902n, 7_000_000n].map((id, i) => batchOf(id, makeChain(40 + i, { count: 3 + i, maxTxs: 5 }))) }
    const data = encodeNetworkBatch(batch)
    assert.deepEqual(decodeNetworkBatch(data), batch)
    const blocks = batch.chains.reduce((n, c) => n + c.blocks.length, 0)
    const txs = batch.chains.reduce((n, c) => n + c.blocks.reduce((m, b) => m + b.txs.length, 0), 0)
    expectReason(data, 'too-large', { maxBlocks: blocks - 1 })
    expectReason(data, 'too-large', { maxTxs: txs - 1 })
    assert.equal(reasonOf(() => decodeNetworkBatch(data, { maxBlocks: blocks, maxTxs: txs })), 'ok')
    assert.throws(() => encodeNetworkBatch({ chains: [batch.chains[1]!, batch.chains[0]!] }), /ascending/)
    assert.throws(() => encodeNetworkBatch({ chains: [] }), /at least one chain/)
  })

  /** Every block of `chains` is in exactly one batch, each batch a whole range of slots. */
  const checkNetwork = async (chains: { chainId: bigint; blocks: BatchBlock[]; slotOffset?: bigint }[], maxBytes: number, limits?: BatchLimits) => {
    const batches = await packNetworkBatches(chains, maxBytes, limits)
    const next = new Map(chains.map((c) => [c.chainId, 0]))
    const slotOf = (c: (typeof chains)[number], i: number) => c.blocks[i]!.number + (c.slotOffset ?? 0n)
    let lastSlot = -1n
    for (const [k, b] of batches.entries()) {
      assert.ok(b.data.length <= maxBytes, `batch ${k}: ${b.data.length} > ${maxBytes}`)
      assert.ok(b.firstSlot > lastSlot, `batch ${k} starts after the previous one`)
      const decoded = decodeNetworkBatch(b.data, limits)
      assert.deepEqual(decoded.chains.map((c) => c.chainId), b.sections.map((c) => c.chainId))
      for (const c of chains) {
        const from = next.get(c.chainId)!
        let to = from
        while (to < c.blocks.length && slotOf(c, to) <= b.lastSlot) to++
        const section = decoded.chains.find((d) => d.chainId === c.chainId)
        if (to === from) {
          assert.equal(section, undefined, `batch ${k} has no block of chain ${c.chainId}`)
          continue
        }
        assert.ok(slotOf(c, from) >= b.firstSlot)
        assert.deepEqual(section, batchOf(c.chainId, c.blocks.slice(from, to)), `batch ${k}, chain ${c.chainId}: every block of its slots`)
        next.set(c.chainId, to)
      }
      lastSlot = b.lastSlot
    }
    for (const c of chains) assert.equal(next.get(c.chainId), c.blocks.length, `chain ${c.chainId} covered`)
    return batches
  }

  it('cuts batches at slot boundaries: every chain\'s blocks of the same slots, within maxBytes', async () => {
    const chains = [901n, 902n, 903n].map((chainId, i) => ({ chainId, blocks: makeChain(60 + i, { count: 150, maxTxs: 5, maxTxBytes: 120 }) }))
    const batches = await checkNetwork(chains, 5000)
    assert.ok(batches.length > 3)
    for (const b of batches) {
      assert.equal(b.sections.length, 3)
      for (const section of b.sections) assert.deepEqual([section.firstBlock, section.lastBlock], [b.firstSlot, b.lastSlot])
      // greedy: one more slot would not have fit
      if (b.lastSlot < 150n) {
        const more = await packNetworkBatches(
          chains.map((c) => ({ chainId: c.chainId, blocks: c.blocks.slice(Number(b.firstSlot) - 1, Number(b.lastSlot) + 1) })),
          1 << 30,
        )
        assert.equal(more.length, 1)
        assert.ok(more[0]!.data.length > 5000, `batch at slot ${b.firstSlot} could have taken slot ${b.lastSlot + 1n}`)
      }
    }
    await checkNetwork(chains, 1 << 20, { maxBlocks: 31 }) // 10 slots of 3 chains per batch
    assert.deepEqual(
      (await packNetworkBatches(chains, 1 << 22, { maxBlocks: 31 })).slice(0, 2).map((b) => [b.firstSlot, b.lastSlot]),
      [[1n, 10n], [11n, 20n]],
    )
  })

  it('chains with their own ranges and slot offsets (a chain that joined later, one behind)', async () => {
    const early = { chainId: 901n, blocks: makeChain(70, { count: 60, maxTxs: 3 }) } // slots 1…60
    const joined = { chainId: 905n, blocks: makeChain(71, { count: 25, maxTxs: 3 }), slotOffset: 35n } // blocks 1…25 at slots 36…60
    const behind = { chainId: 902n, blocks: makeChain(72, { count: 20, firstNumber: 41n, maxTxs: 3 }) } // blocks 41…60
    const batches = await checkNetwork([joined, early, behind], 1500)
    assert.ok(batches.length > 2)
    const first = batches[0]!
    assert.deepEqual(first.sections.map((s) => s.chainId), [901n])
    assert.ok(batches.at(-1)!.sections.some((s) => s.chainId === 905n && s.lastBlock === 25n))
  })

  it('throws a plain Error for a chain listed twice, and returns nothing for no blocks', async () => {
    const blocks = makeChain(80, { count: 3 })
    await assert.rejects(packNetworkBatches([{ chainId: 1n, blocks }, { chainId: 1n, blocks }], 10_000), /twice/)
    assert.deepEqual(await packNetworkBatches([{ chainId: 1n, blocks: [] }], 10_000), [])
  })
})

describe('compression of realistic transactions (measurement)', () => {
  it('compresses signed ETH and ERC-20 transfers below their raw size', async () => {
    const r = rng(2024)
    const hex = (b: Uint8Array): Hex => `0x${Buffer.from(b).toString('hex')}`
    const senders = Array.from({ length: 10 }, (_, i) => privateKeyToAccount(hex(new Uint8Array(32).fill(i + 1))))
    const nonces = senders.map(() => r.int(500))
    const tokens = [hex(r.bytes(20)), hex(r.bytes(20)), hex(r.bytes(20))]
    const abi = parseAbi(['function transfer(address to, uint256 amount) returns (bool)'])
    const sign = async (erc20: boolean, i: number, chainId = 901): Promise<Uint8Array> => {
      const s = r.int(senders.length)
      const tip = 1_000_000n + BigInt(r.int(3)) * 500_000n
      const maxFeePerGas = 1_000_000_000n + BigInt(Math.floor(i / 10)) * 1_000_000n + tip
      const recipient = hex(r.bytes(20))
      const amount = BigInt(r.int(1_000_000)) * 10n ** 12n
      const common = { type: 'eip1559', chainId, nonce: nonces[s]!++, maxFeePerGas, maxPriorityFeePerGas: tip } as const
      const signed = erc20
        ? await senders[s]!.signTransaction({
            ...common,
            to: tokens[r.int(tokens.length)]!,
            gas: 52_000n + BigInt(r.int(10_000)),
            data: encodeFunctionData({ abi, functionName: 'transfer', args: [recipient, amount] }),
          })
        : await senders[s]!.signTransaction({ ...common, to: recipient, value: amount, gas: 21_000n })
      return Uint8Array.from(Buffer.from(signed.slice(2), 'hex'))
    }
    for (const kind of ['ETH', 'ERC-20'] as const) {
      const txs: Uint8Array[] = []
      for (let i = 0; i < 200; i++) txs.push(await sign(kind === 'ERC-20', i))
      const blocks = makeChain(5, { count: 20 })
      blocks.forEach((b, i) => (b.txs = txs.slice(i * 10, i * 10 + 10)))
      const data = encodeBatch(batchOf(901n, blocks))
      const raw = txs.reduce((n, t) => n + t.length, 0) / txs.length
      const compressed = data.length / txs.length
      console.log(`${kind} transfers: ${compressed.toFixed(1)} bytes/tx in the batch vs ${raw.toFixed(1)} raw (${txs.length} txs, ${data.length} bytes)`)
      assert.ok(compressed < raw)
      assert.deepEqual(decodeBatch(data).blocks.flatMap((b) => b.txs), txs)

      // The same workload on two chains (902's own transactions, same slots): one network
      // batch for both against one batch per chain.
      const other: Uint8Array[] = []
      for (let i = 0; i < 200; i++) other.push(await sign(kind === 'ERC-20', i, 902))
      const blocks902 = makeChain(5, { count: 20 })
      blocks902.forEach((b, i) => (b.txs = other.slice(i * 10, i * 10 + 10)))
      const together = encodeNetworkBatch({ chains: [batchOf(901n, blocks), batchOf(902n, blocks902)] })
      const apart = data.length + encodeBatch(batchOf(902n, blocks902)).length
      console.log(
        `${kind} transfers on two chains: ${(together.length / 400).toFixed(1)} bytes/tx in one network batch vs ${(apart / 400).toFixed(1)} in one batch per chain`,
      )
      assert.ok(together.length < apart)
    }
  })
})
