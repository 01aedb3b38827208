import { brotliCompressSync, brotliDecompressSync, constants as zlibConstants, type BrotliOptions } from 'node:zlib'
import { BaseError } from '../../primitives/errors.js'

/**
 * The batch format: how the batcher posts a chain's L2 blocks to L1 (calldata or blobs)
 * and how replicas read them back. Deposit transactions are not in batches (replicas
 * derive them from L1 events); each block's other transactions are, byte for byte.
 *
 * Wire format: one version byte, then the payload.
 *   0x01  brotli (quality 11, 2^24 window) of the RLP list
 *         [chainId, parentHash, firstBlock, firstOrigin, lastOriginHash, firstTimestamp,
 *          [[timestampDelta, originDelta, [tx, …]], …]]
 *   0x00  reserved (zlib); not produced and not accepted.
 * Each block's deltas are against the block before it; the first block's are against the
 * header's `firstTimestamp`/`firstOrigin` and so are always 0 (decoding insists on it,
 * which keeps the encoding of a batch unique). `originDelta` is 0 or 1. Block numbers
 * run from `firstBlock` without gaps. Quantities are canonical RLP integers (no leading
 * zeros); block numbers, timestamps and origin numbers stay within uint64, the chain id
 * within uint256.
 *
 * Why transactions are stored as-is: on 200 signed EIP-1559 ETH transfers and 200 ERC-20
 * `transfer` calls (10 senders, chain 901, random recipients, 20 blocks of 10; see the
 * measurement in codec.test.ts) this format takes ≈101 and ≈105 bytes/tx against 119 and
 * 180 raw. In a side experiment on the same kind of data, moving the signatures into a
 * fixed-width column of their own saved ≈1.6 bytes/tx (1.5%), and a full per-field
 * columnar layout 1.6-2.3 bytes/tx (≤2.2%): 64 bytes of every transfer are the random r
 * and s and 20 more a random recipient, which nothing compresses. Rebuilding exact
 * transaction bytes from split fields is consensus-critical code (a tx that does not
 * re-encode byte for byte changes its hash), not worth 2%, so the codec does not do it.
 */

export const BATCH_VERSION_BROTLI = 0x01

/**
 * What a batch may hold. Decoding rejects more (`too-large`), and `packBatches` never
 * produces more, so both sides must use the same values (the defaults, unless configured
 * alike). The counts bound the decoded objects: without them 8 MiB of one-byte
 * "transactions" (a 42-byte brotli stream) would decode into 8 million arrays.
 */
export interface BatchLimits {
  /** Bytes of RLP payload after decompression. Default 8 MiB. */
  maxDecompressedBytes?: number
  /** Blocks in one batch. Default 65,536. */
  maxBlocks?: number
  /** Transactions in one batch, all blocks together. Default 131,072. */
  maxTxs?: number
}

export const DEFAULT_MAX_DECOMPRESSED_BYTES = 8 * 1024 * 1024
export const DEFAULT_MAX_BATCH_BLOCKS = 1 << 16
export const DEFAULT_MAX_BATCH_TXS = 1 << 17

export interface BatchBlock {
  number: bigint
  hash: Uint8Array
  parentHash: Uint8Array
  timestamp: bigint
  l1OriginNumber: bigint
  l1OriginHash: Uint8Array
  /** Raw non-deposit transactions (typed envelope or legacy RLP), in block order. */
  txs: Uint8Array[]
}

export interface Batch {
  chainId: bigint
  /** Hash of the block before the first block. */
  parentHash: Uint8Array
  /** Number of the first block. */
  firstBlock: bigint
  /** L1 origin number of the first block. */
  firstOrigin: bigint
  /** L1 origin hash of the last block (replicas check it is canonical; L1 headers link the rest). */
  lastOriginHash: Uint8Array
  blocks: { timestamp: bigint; l1OriginNumber: bigint; txs: Uint8Array[] }[]
}

/**
 * Why a batch was rejected:
 * - `empty`: no bytes at all;
 * - `version`: unknown version byte;
 * - `decompress`: the brotli stream is corrupt, truncated or followed by extra bytes;
 * - `too-large`: it decompresses to more bytes, or holds more blocks or transactions,
 *   than the limits allow;
 * - `rlp`: the payload is not exactly one canonical RLP item;
 * - `shape`: valid RLP, but not a batch (field count, list/string, hash length,
 *   non-canonical or oversized integer, no blocks, empty or deposit transaction);
 * - `order`: the blocks do not form a sequence (first block's deltas not 0, an origin
 *   delta other than 0 or 1, numbers or timestamps running past uint64).
 */
export type BatchDecodeReason = 'empty' | 'version' | 'decompress' | 'too-large' | 'rlp' | 'shape' | 'order'

/** Data that is not a valid batch. Replicas skip such a batch; it is never a node fault. */
export class BatchDecodeError extends BaseError {
  override name = 'BatchDecodeError'
  readonly reason: BatchDecodeReason
  constructor(reason: BatchDecodeReason, message: string, cause?: unknown) {
    super(`invalid batch (${reason}): ${message}`, { cause })
    this.reason = reason
  }
}

const HASH_LENGTH = 32
const MAX_UINT64 = (1n << 64n) - 1n
const MAX_UINT256 = (1n << 256n) - 1n
const DEPOSIT_TX_TYPE = 0x7e

function limitsOf(opts: BatchLimits, caller: string): Required<BatchLimits> {
  const limits = {
    maxDecompressedBytes: opts.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES,
    maxBlocks: opts.maxBlocks ?? DEFAULT_MAX_BATCH_BLOCKS,
    maxTxs: opts.maxTxs ?? DEFAULT_MAX_BATCH_TXS,
  }
  for (const [key, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 1) throw new Error(`${caller}: ${key} must be a positive integer`)
  }
  return limits
}

// ---------------------------------------------------------------------------------------
// Encoding
// ---------------------------------------------------------------------------------------

/**
 * Encodes a batch: version byte + brotli of its RLP. Throws a plain Error on input that
 * is not a valid batch, or one that exceeds `limits` (which decoding would reject).
 */
export function encodeBatch(batch: Batch, opts: BatchLimits = {}): Uint8Array {
  const limits = limitsOf(opts, 'encodeBatch')
  checkHeader(batch.chainId, batch.parentHash, batch.firstBlock, batch.lastOriginHash)
  const { blocks } = batch
  if (blocks.length === 0) throw new Error('encodeBatch: a batch needs at least one block')
  if (blocks[0]!.l1OriginNumber !== batch.firstOrigin) {
    throw new Error('encodeBatch: firstOrigin differs from the first block\'s l1OriginNumber')
  }
  if (batch.firstBlock + BigInt(blocks.length) - 1n > MAX_UINT64) throw new Error('encodeBatch: block numbers pass uint64')
  if (blocks.length > limits.maxBlocks) throw new Error(`encodeBatch: more than ${limits.maxBlocks} blocks`)
  if (blocks.reduce((n, b) => n + b.txs.length, 0) > limits.maxTxs) throw new Error(`encodeBatch: more than ${limits.maxTxs} transactions`)
  const entries: Uint8Array[] = []
  for (let i = 0; i < blocks.length; i++) {
    const block = blocks[i]!
    const prev = i === 0 ? block : blocks[i - 1]!
    entries.push(blockEntry(block.timestamp, block.l1OriginNumber, prev.timestamp, prev.l1OriginNumber, encodeTxList(block.txs)))
  }
  const payload = payloadOf(batch.chainId, batch.parentHash, batch.firstBlock, batch.firstOrigin, batch.lastOriginHash, blocks[0]!.timestamp, entries)
  if (payload.length > limits.maxDecompressedBytes) {
    throw new Error(`encodeBatch: ${payload.length} bytes before compression, over ${limits.maxDecompressedBytes}`)
  }
  return compress(payload)
}

function checkHeader(chainId: bigint, parentHash: Uint8Array, firstBlock: bigint, lastOriginHash: Uint8Array): void {
  if (chainId < 0n || chainId > MAX_UINT256) throw new Error('encodeBatch: chainId out of range')
  if (parentHash.length !== HASH_LENGTH || lastOriginHash.length !== HASH_LENGTH) throw new Error('encodeBatch: hashes must be 32 bytes')
  if (firstBlock < 0n || firstBlock > MAX_UINT64) throw new Error('encodeBatch: firstBlock out of range')
}

/** One block's RLP entry, its deltas taken against (prevTimestamp, prevOrigin). */
function blockEntry(timestamp: bigint, origin: bigint, prevTimestamp: bigint, prevOrigin: bigint, txList: Uint8Array): Uint8Array {
  if (timestamp < 0n || timestamp > MAX_UINT64 || origin < 0n || origin > MAX_UINT64) {
    throw new Error('encodeBatch: timestamp or l1OriginNumber out of uint64 range')
  }
  const timestampDelta = timestamp - prevTimestamp
  const originDelta = origin - prevOrigin
  if (timestampDelta < 0n) throw new Error('encodeBatch: block timestamps must not decrease')
  if (originDelta !== 0n && originDelta !== 1n) throw new Error('encodeBatch: the L1 origin may only stay or advance by one per block')
  return encodeList([encodeUint(timestampDelta), encodeUint(originDelta), txList])
}

function encodeTxList(txs: readonly Uint8Array[]): Uint8Array {
  const parts: Uint8Array[] = []
  for (const tx of txs) {
    if (tx.length === 0) throw new Error('encodeBatch: empty transaction')
    if (tx[0] === DEPOSIT_TX_TYPE) throw new Error('encodeBatch: deposit transactions are not batched')
    parts.push(encodeString(tx))
  }
  return encodeList(parts)
}

function payloadOf(
  chainId: bigint,
  parentHash: Uint8Array,
  firstBlock: bigint,
  firstOrigin: bigint,
  lastOriginHash: Uint8Array,
  firstTimestamp: bigint,
  entries: readonly Uint8Array[],
): Uint8Array {
  return encodeList([
    encodeUint(chainId),
    encodeString(parentHash),
    encodeUint(firstBlock),
    encodeUint(firstOrigin),
    encodeString(lastOriginHash),
    encodeUint(firstTimestamp),
    encodeList(entries),
  ])
}

function compress(payload: Uint8Array): Uint8Array {
  const compressed = brotliCompressSync(payload, {
    params: {
      [zlibConstants.BROTLI_PARAM_QUALITY]: 11,
      [zlibConstants.BROTLI_PARAM_LGWIN]: 24,
      [zlibConstants.BROTLI_PARAM_SIZE_HINT]: payload.length,
    },
  })
  const out = new Uint8Array(compressed.length + 1)
  out[0] = BATCH_VERSION_BROTLI
  out.set(compressed, 1)
  return out
}

// Minimal RLP writer: items are encoded once and concatenated under a header.

function header(offset: number, length: number): Uint8Array {
  if (length < 56) return Uint8Array.of(offset + length)
  const lenBytes: number[] = []
  for (let n = length; n > 0; n = Math.floor(n / 256)) lenBytes.unshift(n % 256)
  return Uint8Array.of(offset + 55 + lenBytes.length, ...lenBytes)
}

function encodeString(bytes: Uint8Array): Uint8Array {
  if (bytes.length === 1 && bytes[0]! < 0x80) return Uint8Array.of(bytes[0]!)
  const h = header(0x80, bytes.length)
  const out = new Uint8Array(h.length + bytes.length)
  out.set(h)
  out.set(bytes, h.length)
  return out
}

function encodeList(items: readonly Uint8Array[]): Uint8Array {
  let length = 0
  for (const item of items) length += item.length
  const h = header(0xc0, length)
  const out = new Uint8Array(h.length + length)
  out.set(h)
  let at = h.length
  for (const item of items) {
    out.set(item, at)
    at += item.length
  }
  return out
}

function encodeUint(value: bigint): Uint8Array {
  if (value === 0n) return Uint8Array.of(0x80)
  let hex = value.toString(16)
  if (hex.length % 2) hex = '0' + hex
  return encodeString(Uint8Array.from(Buffer.from(hex, 'hex')))
}

// ---------------------------------------------------------------------------------------
// Decoding
// ---------------------------------------------------------------------------------------

/**
 * Decodes and validates a batch. For any bytes it throws nothing but `BatchDecodeError`
 * (invalid options are a caller bug: plain Error). Work and memory are linear in the
 * decompressed size, which `limits` bound, as they bound the number of decoded objects.
 */
export function decodeBatch(data: Uint8Array, opts: BatchLimits = {}): Batch {
  const limits = limitsOf(opts, 'decodeBatch')
  if (data.length === 0) throw new BatchDecodeError('empty', 'no data')
  if (data[0] !== BATCH_VERSION_BROTLI) throw new BatchDecodeError('version', `unknown version byte 0x${data[0]!.toString(16).padStart(2, '0')}`)
  const payload = decompress(data.subarray(1), limits.maxDecompressedBytes)
  try {
    return parsePayload(payload, limits)
  } catch (err) {
    if (err instanceof BatchDecodeError) throw err
    // nothing else is expected from the parser; never let it escape as another type
    throw new BatchDecodeError('rlp', 'unexpected failure while parsing', err)
  }
}

function decompress(compressed: Uint8Array, limit: number): Uint8Array {
  let result: { buffer: Buffer; engine: { bytesWritten: number } }
  try {
    // `info: true` (a zlib option every engine honours) returns the engine too; its
    // bytesWritten is the input it consumed, which reveals bytes after the stream's end
    const options: BrotliOptions & { info: true } = { maxOutputLength: limit, info: true }
    result = brotliDecompressSync(compressed, options) as unknown as typeof result
  } catch (err) {
    if ((err as { code?: unknown } | null)?.code === 'ERR_BUFFER_TOO_LARGE') {
      throw new BatchDecodeError('too-large', `decompresses to more than ${limit} bytes`, err)
    }
    throw new BatchDecodeError('decompress', 'corrupt or truncated brotli stream', err)
  }
  if (result.engine.bytesWritten !== compressed.length) {
    throw new BatchDecodeError('decompress', `${compressed.length - result.engine.bytesWritten} bytes after the end of the brotli stream`)
  }
  return new Uint8Array(result.buffer.buffer, result.buffer.byteOffset, result.buffer.length)
}

/** A canonical RLP item found at some position: its payload [start, end) and kind. */
interface Item {
  list: boolean
  start: number
  end: number
}

/**
 * Reads the item header at `pos` (which must be < `limit`) and checks RLP's canonical
 * rules: minimal length prefixes, and no single byte below 0x80 wrapped in a string.
 */
function readItem(buf: Uint8Array, pos: number, limit: number): Item {
  const b = buf[pos]!
  if (b < 0x80) return { list: false, start: pos, end: pos + 1 }
  let list: boolean
  let length: number
  let start: number
  if (b < 0xb8 || (b >= 0xc0 && b < 0xf8)) {
    list = b >= 0xc0
    length = b - (list ? 0xc0 : 0x80)
    start = pos + 1
  } else {
    list = b >= 0xf8
    const lenOfLen = b - (list ? 0xf7 : 0xb7)
    if (pos + 1 + lenOfLen > limit) throw new BatchDecodeError('rlp', `length prefix at ${pos} runs past its container`)
    if (buf[pos + 1] === 0) throw new BatchDecodeError('rlp', `length with leading zero at ${pos}`)
    length = 0
    for (let i = 0; i < lenOfLen; i++) {
      length = length * 256 + buf[pos + 1 + i]!
      if (length > limit) throw new BatchDecodeError('rlp', `item at ${pos} runs past its container`)
    }
    if (length < 56) throw new BatchDecodeError('rlp', `non-minimal length prefix at ${pos}`)
    start = pos + 1 + lenOfLen
  }
  const end = start + length
  if (end > limit) throw new BatchDecodeError('rlp', `item at ${pos} runs past its container`)
  if (!list && length === 1 && buf[start]! < 0x80) throw new BatchDecodeError('rlp', `single byte below 0x80 wrapped in a string at ${pos}`)
  return { list, start, end }
}

/**
 * The items of a list, in order. More than `max` items throw `tooMany()` as soon as the
 * next one is seen, so a list of millions of tiny items costs nothing to refuse.
 */
function expectList(buf: Uint8Array, list: Item, what: string, max: number, tooMany: () => BatchDecodeError): Item[] {
  if (!list.list) throw new BatchDecodeError('shape', `${what}: expected a list`)
  const items: Item[] = []
  for (let pos = list.start; pos < list.end; ) {
    if (items.length === max) throw tooMany()
    const item = readItem(buf, pos, list.end)
    items.push(item)
    pos = item.end
  }
  return items
}

/** A list of exactly `count` items. */
function expectFields(buf: Uint8Array, list: Item, what: string, count: number): Item[] {
  const tooMany = () => new BatchDecodeError('shape', `${what}: more than ${count} fields`)
  const items = expectList(buf, list, what, count, tooMany)
  if (items.length !== count) throw new BatchDecodeError('shape', `${what}: expected ${count} fields, got ${items.length}`)
  return items
}

function bytesOf(buf: Uint8Array, item: Item, what: string): Uint8Array {
  if (item.list) throw new BatchDecodeError('shape', `${what}: expected a byte string, got a list`)
  return buf.subarray(item.start, item.end)
}

function hashOf(buf: Uint8Array, item: Item, what: string): Uint8Array {
  const bytes = bytesOf(buf, item, what)
  if (bytes.length !== HASH_LENGTH) throw new BatchDecodeError('shape', `${what}: expected 32 bytes, got ${bytes.length}`)
  return bytes.slice()
}

function uintOf(buf: Uint8Array, item: Item, what: string, maxBytes: number): bigint {
  const bytes = bytesOf(buf, item, what)
  if (bytes.length > maxBytes) throw new BatchDecodeError('shape', `${what}: more than ${maxBytes * 8} bits`)
  if (bytes.length > 0 && bytes[0] === 0) throw new BatchDecodeError('shape', `${what}: integer with leading zero bytes`)
  let value = 0n
  for (const b of bytes) value = (value << 8n) | BigInt(b)
  return value
}

function parsePayload(buf: Uint8Array, limits: Required<BatchLimits>): Batch {
  if (buf.length === 0) throw new BatchDecodeError('rlp', 'empty payload')
  const top = readItem(buf, 0, buf.length)
  if (top.end !== buf.length) throw new BatchDecodeError('rlp', `${buf.length - top.end} bytes after the payload`)
  const fields = expectFields(buf, top, 'batch', 7)
  const chainId = uintOf(buf, fields[0]!, 'chainId', 32)
  const parentHash = hashOf(buf, fields[1]!, 'parentHash')
  const firstBlock = uintOf(buf, fields[2]!, 'firstBlock', 8)
  const firstOrigin = uintOf(buf, fields[3]!, 'firstOrigin', 8)
  const lastOriginHash = hashOf(buf, fields[4]!, 'lastOriginHash')
  const firstTimestamp = uintOf(buf, fields[5]!, 'firstTimestamp', 8)
  const entries = expectList(buf, fields[6]!, 'blocks', limits.maxBlocks, () => new BatchDecodeError('too-large', `more than ${limits.maxBlocks} blocks`))
  if (entries.length === 0) throw new BatchDecodeError('shape', 'no blocks')
  if (firstBlock + BigInt(entries.length) - 1n > MAX_UINT64) throw new BatchDecodeError('order', 'block numbers run past uint64')

  const blocks: Batch['blocks'] = []
  let timestamp = firstTimestamp
  let origin = firstOrigin
  let txCount = 0
  const tooManyTxs = () => new BatchDecodeError('too-large', `more than ${limits.maxTxs} transactions`)
  for (let i = 0; i < entries.length; i++) {
    const what = `block ${i}`
    const [tsItem, originItem, txsItem] = expectFields(buf, entries[i]!, what, 3) as [Item, Item, Item]
    const timestampDelta = uintOf(buf, tsItem, `${what} timestampDelta`, 8)
    const originDelta = uintOf(buf, originItem, `${what} originDelta`, 8)
    if (i === 0 && (timestampDelta !== 0n || originDelta !== 0n)) throw new BatchDecodeError('order', 'the first block\'s deltas must be 0')
    if (originDelta > 1n) throw new BatchDecodeError('order', `${what}: origin delta ${originDelta} (must be 0 or 1)`)
    timestamp += timestampDelta
    origin += originDelta
    if (timestamp > MAX_UINT64 || origin > MAX_UINT64) throw new BatchDecodeError('order', `${what}: timestamp or origin runs past uint64`)
    const txs: Uint8Array[] = []
    const txItems = expectList(buf, txsItem, `${what} txs`, limits.maxTxs - txCount, tooManyTxs)
    txCount += txItems.length
    for (const txItem of txItems) {
      const tx = bytesOf(buf, txItem, `${what} tx ${txs.length}`)
      if (tx.length === 0) throw new BatchDecodeError('shape', `${what} tx ${txs.length}: empty`)
      if (tx[0] === DEPOSIT_TX_TYPE) throw new BatchDecodeError('shape', `${what} tx ${txs.length}: deposit transactions are not batched`)
      txs.push(tx.slice())
    }
    blocks.push({ timestamp, l1OriginNumber: origin, txs })
  }
  return { chainId, parentHash, firstBlock, firstOrigin, lastOriginHash, blocks }
}

// ---------------------------------------------------------------------------------------
// Packing
// ---------------------------------------------------------------------------------------

/**
 * Splits a contiguous run of blocks into consecutive batches of at most `maxBytes`
 * encoded bytes each (and within `limits`, as decoding will check), every batch holding
 * as many blocks as fit (greedy).
 *
 * How it stays near-linear: each block's RLP entry is built once, and a candidate batch
 * is a header plus a run of those entries whose exact RLP length is known from prefix
 * sums, so the only real cost is brotli. The number of blocks to try is predicted from
 * the compression ratio just measured (brotli output grows close to linearly with its
 * input), then refined by regula falsi between the largest count known to fit and the
 * smallest known not to, with a bisection step after two interpolations that fail to
 * halve the gap. In practice each batch costs two compressions of about its own size
 * (the one that fits and the one with a block more that does not), never one per block.
 * The result is the largest count whose encoding fits, assuming, as holds in practice,
 * that a batch never compresses smaller than a prefix of itself.
 *
 * Throws a plain Error for caller bugs: blocks that are not a chain (consecutive numbers,
 * each parentHash the previous hash), invalid block fields, a bad `maxBytes`, or a
 * single block that alone exceeds `maxBytes` or `limits`.
 */
export function packBatches(
  chainId: bigint,
  blocks: readonly BatchBlock[],
  maxBytes: number,
  opts: BatchLimits = {},
): { data: Uint8Array; firstBlock: bigint; lastBlock: bigint }[] {
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 1) throw new Error('packBatches: maxBytes must be a positive integer')
  const limits = limitsOf(opts, 'packBatches')
  checkChain(blocks)
  if (blocks.length === 0) return []

  // per block: its tx list (encoded once) and its entry as a non-first block
  const txLists = blocks.map((b) => encodeTxList(b.txs))
  const follow = blocks.map((b, i) =>
    i === 0 ? new Uint8Array(0) : blockEntry(b.timestamp, b.l1OriginNumber, blocks[i - 1]!.timestamp, blocks[i - 1]!.l1OriginNumber, txLists[i]!),
  )
  // prefix sums over blocks: entry bytes (as non-first blocks) and transaction counts
  const entryPrefix = new Float64Array(blocks.length + 1)
  const txPrefix = new Float64Array(blocks.length + 1)
  for (let i = 0; i < blocks.length; i++) {
    entryPrefix[i + 1] = entryPrefix[i]! + follow[i]!.length
    txPrefix[i + 1] = txPrefix[i]! + blocks[i]!.txs.length
  }
  /** Exact RLP payload length of blocks[start, start + count) as one batch. */
  const payloadLength = (start: number, count: number): number => {
    const first = blocks[start]!
    const firstEntry = listLength(2 + txLists[start]!.length)
    const entries = firstEntry + entryPrefix[start + count]! - entryPrefix[start + 1]!
    const fields =
      uintLength(chainId) + 33 + uintLength(first.number) + uintLength(first.l1OriginNumber) + 33 + uintLength(first.timestamp) + listLength(entries)
    return listLength(fields)
  }
  /** The most blocks from `start` that the count and size limits allow (0: not even one). */
  const capOf = (start: number): number => {
    let a = 0
    let b = Math.min(blocks.length - start, limits.maxBlocks)
    while (a < b) {
      const mid = Math.ceil((a + b) / 2)
      const ok = txPrefix[start + mid]! - txPrefix[start]! <= limits.maxTxs && payloadLength(start, mid) <= limits.maxDecompressedBytes
      if (ok) a = mid
      else b = mid - 1
    }
    return a
  }
  const encodeRange = (start: number, count: number): Uint8Array => {
    const first = blocks[start]!
    const last = blocks[start + count - 1]!
    checkHeader(chainId, first.parentHash, first.number, last.l1OriginHash)
    const entries = [blockEntry(first.timestamp, first.l1OriginNumber, first.timestamp, first.l1OriginNumber, txLists[start]!)]
    for (let i = start + 1; i < start + count; i++) entries.push(follow[i]!)
    return compress(payloadOf(chainId, first.parentHash, first.number, first.l1OriginNumber, last.l1OriginHash, first.timestamp, entries))
  }

  const out: { data: Uint8Array; firstBlock: bigint; lastBlock: bigint }[] = []
  let ratio = 1 // compressed bytes per payload byte, learned as we go
  for (let start = 0; start < blocks.length; ) {
    const cap = capOf(start)
    if (cap === 0) throw new Error(`packBatches: block ${blocks[start]!.number} alone exceeds the batch limits`)
    /** The largest count in (lo, hi) whose payload is at most `target` bytes (lo + 1 if none). */
    const predict = (target: number, lo: number, hi: number): number => {
      let a = lo + 1
      let b = hi - 1
      while (a < b) {
        const mid = Math.ceil((a + b) / 2)
        if (payloadLength(start, mid) <= target) a = mid
        else b = mid - 1
      }
      return a
    }
    let lo = 0 // largest count known to fit
    let loSize = 0
    let loData: Uint8Array | undefined
    let hi = cap + 1 // smallest count known not to fit
    let hiSize = 0
    let hiMeasured = false // hi comes from a compression, not from the cap
    let slowSteps = 0
    let count = predict(maxBytes / ratio, lo, hi)
    while (true) {
      const data = encodeRange(start, count)
      ratio = Math.max(data.length / payloadLength(start, count), 1e-3)
      const gapBefore = hi - lo
      if (data.length <= maxBytes) {
        lo = count
        loSize = data.length
        loData = data
      } else {
        hi = count
        hiSize = data.length
        hiMeasured = true
      }
      if (hi - lo <= 1) break
      let next: number
      if (!hiMeasured || lo === 0) {
        // one end unknown: extrapolate with the ratio just measured
        next = predict(maxBytes / ratio, lo, hi)
      } else {
        // both ends measured: interpolate the payload size at which the encoding reaches
        // maxBytes, or bisect after two steps that did not halve the gap
        slowSteps = hi - lo > gapBefore / 2 ? slowSteps + 1 : 0
        if (slowSteps >= 2) {
          slowSteps = 0
          next = lo + Math.floor((hi - lo) / 2)
        } else {
          const at = payloadLength(start, lo)
          const target = at + ((payloadLength(start, hi) - at) * (maxBytes - loSize)) / Math.max(hiSize - loSize, 1)
          next = predict(target, lo, hi)
        }
      }
      count = Math.min(Math.max(next, lo + 1), hi - 1)
    }
    if (loData === undefined) {
      throw new Error(`packBatches: block ${blocks[start]!.number} alone encodes to ${hiSize} bytes, over maxBytes ${maxBytes}`)
    }
    out.push({ data: loData, firstBlock: blocks[start]!.number, lastBlock: blocks[start + lo - 1]!.number })
    start += lo
  }
  return out
}

/** Length of an RLP list (or string over 1 byte) header plus a payload of `n` bytes. */
function listLength(n: number): number {
  if (n < 56) return 1 + n
  let lenOfLen = 0
  for (let m = n; m > 0; m = Math.floor(m / 256)) lenOfLen++
  return 1 + lenOfLen + n
}

function uintLength(value: bigint): number {
  if (value < 0x80n) return 1
  return listLength(Math.ceil(value.toString(16).length / 2))
}

function checkChain(blocks: readonly BatchBlock[]): void {
  for (let i = 0; i < blocks.length; i++) {
    const b = blocks[i]!
    if (b.number < 0n || b.number > MAX_UINT64) throw new Error(`packBatches: block number ${b.number} out of uint64 range`)
    if (b.hash.length !== HASH_LENGTH || b.parentHash.length !== HASH_LENGTH || b.l1OriginHash.length !== HASH_LENGTH) {
      throw new Error(`packBatches: block ${b.number}: hashes must be 32 bytes`)
    }
    if (i === 0) continue
    const prev = blocks[i - 1]!
    if (b.number !== prev.number + 1n) throw new Error(`packBatches: block ${b.number} follows block ${prev.number}`)
    if (!equalBytes(b.parentHash, prev.hash)) throw new Error(`packBatches: block ${b.number}'s parentHash is not block ${prev.number}'s hash`)
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
