import { promisify } from 'node:util'
import { brotliCompress, brotliCompressSync, brotliDecompressSync, constants as zlibConstants, type BrotliOptions } from 'node:zlib'
import { BaseError } from '../../primitives/errors.js'
import { slotOf } from '../../execution/slots.js'

/**
 * The batch format: how the network batcher posts the L2 blocks of every chain to L1
 * (calldata or blobs), and how replicas read them back. One *network batch* carries, for
 * each chain, a contiguous run of its blocks (in practice the blocks of one range of
 * slots on every chain), compressed together in one brotli stream: the chains' blocks
 * share their timestamps, origins and much of their transaction shapes, so one stream
 * compresses better than one per chain, and a replica gets everything it needs to derive
 * the chains interleaved, slot by slot. Deposit transactions are not in batches
 * (replicas derive them from L1 events); each block's other transactions are, byte for
 * byte.
 *
 * Wire format: one version byte, then the payload.
 *   0x02  brotli (quality 11, 2^24 window) of the RLP list of chain sections
 *         [[chainId, parentHash, firstBlock, firstOrigin, lastOriginHash, firstTimestamp,
 *           [[timestampDelta, originDelta, [tx, …]], …]], …]
 *         at least one section, chain ids strictly ascending (each chain at most once).
 *   0x01  the retired single-chain format (one section, not in a list): not accepted.
 *         Batches are posted only through the inbox's network functions, which did not
 *         exist when 0x01 was, so no 0x01 batch can reach a network replica.
 *   0x00  reserved (zlib); not produced and not accepted.
 * In a section, each block's deltas are against the block before it; the first block's
 * are against the header's `firstTimestamp`/`firstOrigin` and so are always 0 (decoding
 * insists on it, which keeps the encoding of a batch unique). `originDelta` is 0 or 1.
 * Block numbers run from `firstBlock` without gaps. Quantities are canonical RLP
 * integers (no leading zeros); block numbers, timestamps and origin numbers stay within
 * uint64, chain ids within uint256. The limits (`BatchLimits`) bound the whole network
 * batch: all sections together.
 *
 * Why transactions are stored as-is: on 200 signed EIP-1559 ETH transfers and 200 ERC-20
 * `transfer` calls (10 senders, chain 901, random recipients, 20 blocks of 10; see the
 * measurement in codec.test.ts) the single-chain format took ≈101 and ≈105 bytes/tx
 * against 119 and 180 raw. In a side experiment on the same kind of data, moving the
 * signatures into a fixed-width column of their own saved ≈1.6 bytes/tx (1.5%), and a
 * full per-field columnar layout 1.6-2.3 bytes/tx (≤2.2%): 64 bytes of every transfer
 * are the random r and s and 20 more a random recipient, which nothing compresses.
 * Rebuilding exact transaction bytes from split fields is consensus-critical code (a tx
 * that does not re-encode byte for byte changes its hash), not worth 2%, so the codec
 * does not do it.
 */

export const NETWORK_BATCH_VERSION = 0x02
/** The retired single-chain format's version byte (rejected, with a reason saying so). */
export const RETIRED_CHAIN_BATCH_VERSION = 0x01

/**
 * What a network batch may hold, all chains together. Decoding rejects more
 * (`too-large`), and `packNetworkBatches` never produces more, so both sides must use
 * the same values (the defaults, unless configured alike). The counts bound the decoded
 * objects: without them 32 MiB of one-byte "transactions" (a 42-byte brotli stream)
 * would decode into 32 million arrays.
 */
export interface BatchLimits {
  /** Bytes of RLP payload after decompression. Default 32 MiB (`DEFAULT_MAX_DECOMPRESSED_BYTES`). */
  maxDecompressedBytes?: number
  /** Blocks in one network batch, all chains together. Default 65,536. */
  maxBlocks?: number
  /** Transactions in one network batch, all blocks together. Default 524,288 (`DEFAULT_MAX_BATCH_TXS`). */
  maxTxs?: number
}

/** 32 MiB: a slot of 60 chains' blocks at the 512 KiB default block data limit fits one network batch (OP's channel limit is 100 MB). */
export const DEFAULT_MAX_DECOMPRESSED_BYTES = 32 * 1024 * 1024
export const DEFAULT_MAX_BATCH_BLOCKS = 1 << 16
/** Every transaction of a slot at the decompressed limit, at the fewest bytes a transaction has. */
export const DEFAULT_MAX_BATCH_TXS = 1 << 19

/**
 * Largest encoding (version byte + brotli stream) of a network batch whose payload is
 * `payloadBytes`: brotli's own worst case for incompressible input
 * (BrotliEncoderMaxCompressedSize: the input, 4 bytes per 16 KiB meta-block, 6 bytes of
 * stream header and trailer) plus the version byte. With the default limits, 33,562,631
 * bytes: no valid channel is larger.
 */
export function maxEncodedBatchBytes(payloadBytes: number): number {
  return 1 + payloadBytes + 4 * Math.floor(payloadBytes / (1 << 14)) + 6
}

/**
 * The fewest bytes a signed transaction can have, for bounding a slot's payload: the
 * smallest envelope (a legacy creation with zero fields, v = 27) is 78 bytes with 32-byte
 * r and s, and a signer can grind a few leading zero bytes off those; 64 leaves room.
 */
export const MIN_SIGNED_TX_BYTES = 64
/** RLP header bytes one transaction adds in a batch (up to 16 MiB long: 1 + 3). */
const TX_HEADER_BYTES = 4
/** RLP bytes a chain section and one block entry add at most besides the transactions. */
const SECTION_BYTES = 256

/**
 * Most RLP payload bytes one slot of `chains` blocks with `signedBytes` of signed
 * transactions in all can take in a network batch: the transactions, a header per
 * transaction (at most one per MIN_SIGNED_TX_BYTES), a section and a block entry per chain,
 * and the list header.
 */
export function slotPayloadBound(signedBytes: number, chains: number): number {
  return signedBytes + TX_HEADER_BYTES * Math.ceil(signedBytes / MIN_SIGNED_TX_BYTES) + SECTION_BYTES * chains + 8
}

/**
 * Whether any slot of `chains` blocks with at most `signedBytes` of signed transactions
 * fits one network batch within `limits` (so the batcher can always carry it). The
 * sequencer's per-slot data cap must pass this check.
 */
export function slotFitsLimits(signedBytes: number, chains: number, opts: BatchLimits = {}): boolean {
  const limits = limitsOf(opts, 'slotFitsLimits')
  const txs = Math.floor(signedBytes / MIN_SIGNED_TX_BYTES)
  return slotPayloadBound(signedBytes, chains) <= limits.maxDecompressedBytes && txs <= limits.maxTxs && chains <= limits.maxBlocks
}

/** A slot that alone exceeds the batch limits: no network batch, and so nothing on L1, can carry it. */
export class SlotTooLargeError extends BaseError {
  override name = 'SlotTooLargeError'
  constructor(
    readonly slot: bigint,
    readonly size: { payloadBytes: number; blocks: number; txs: number },
    limits: Required<BatchLimits>,
  ) {
    super(`slot ${slot} alone exceeds the batch limits: ${size.payloadBytes} payload bytes, ${size.blocks} blocks, ${size.txs} transactions`, {
      details: `limits: ${limits.maxDecompressedBytes} bytes, ${limits.maxBlocks} blocks, ${limits.maxTxs} transactions; the sequencer's per-slot data cap must keep every slot within them`,
    })
  }
}

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

/** One chain's section of a network batch: a contiguous run of its blocks. */
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

/** A network batch: one section per chain, in ascending chain id order. */
export interface NetworkBatch {
  chains: Batch[]
}

/**
 * Why a batch was rejected:
 * - `empty`: no bytes at all;
 * - `version`: unknown (or retired) version byte;
 * - `decompress`: the brotli stream is corrupt, truncated or followed by extra bytes;
 * - `too-large`: it decompresses to more bytes, or holds more blocks or transactions,
 *   than the limits allow;
 * - `rlp`: the payload is not exactly one canonical RLP item;
 * - `shape`: valid RLP, but not a batch (field count, list/string, hash length,
 *   non-canonical or oversized integer, no sections, a section without blocks, empty or
 *   deposit transaction);
 * - `order`: chain ids not strictly ascending, or a section's blocks do not form a
 *   sequence (first block's deltas not 0, an origin delta other than 0 or 1, numbers or
 *   timestamps running past uint64).
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
 * Encodes a network batch: version byte + brotli of its RLP. Throws a plain Error on
 * input that is not a valid batch (no sections, chain ids not ascending, an invalid
 * section), or one that exceeds `limits` (which decoding would reject).
 */
export function encodeNetworkBatch(batch: NetworkBatch, opts: BatchLimits = {}): Uint8Array {
  const limits = limitsOf(opts, 'encodeNetworkBatch')
  if (batch.chains.length === 0) throw new Error('encodeNetworkBatch: a batch needs at least one chain section')
  let blockCount = 0
  let txCount = 0
  const sections: Uint8Array[] = []
  for (const [i, section] of batch.chains.entries()) {
    if (i > 0 && section.chainId <= batch.chains[i - 1]!.chainId) throw new Error('encodeNetworkBatch: chain ids must be strictly ascending')
    sections.push(sectionOf(section))
    blockCount += section.blocks.length
    txCount += section.blocks.reduce((n, b) => n + b.txs.length, 0)
  }
  if (blockCount > limits.maxBlocks) throw new Error(`encodeNetworkBatch: more than ${limits.maxBlocks} blocks`)
  if (txCount > limits.maxTxs) throw new Error(`encodeNetworkBatch: more than ${limits.maxTxs} transactions`)
  const payload = encodeList(sections)
  if (payload.length > limits.maxDecompressedBytes) {
    throw new Error(`encodeNetworkBatch: ${payload.length} bytes before compression, over ${limits.maxDecompressedBytes}`)
  }
  return compress(payload)
}

/** One chain's section, RLP-encoded (checked as decoding will check it). */
function sectionOf(batch: Batch): Uint8Array {
  checkHeader(batch.chainId, batch.parentHash, batch.firstBlock, batch.lastOriginHash)
  const { blocks } = batch
  if (blocks.length === 0) throw new Error(`encodeNetworkBatch: chain ${batch.chainId}'s section needs at least one block`)
  if (blocks[0]!.l1OriginNumber !== batch.firstOrigin) {
    throw new Error('encodeNetworkBatch: firstOrigin differs from the first block\'s l1OriginNumber')
  }
  if (batch.firstBlock + BigInt(blocks.length) - 1n > MAX_UINT64) throw new Error('encodeNetworkBatch: block numbers pass uint64')
  const entries: Uint8Array[] = []
  for (let i = 0; i < blocks.length; i++) {
    const block = blocks[i]!
    const prev = i === 0 ? block : blocks[i - 1]!
    entries.push(blockEntry(block.timestamp, block.l1OriginNumber, prev.timestamp, prev.l1OriginNumber, encodeTxList(block.txs)))
  }
  return sectionPayload(batch.chainId, batch.parentHash, batch.firstBlock, batch.firstOrigin, batch.lastOriginHash, blocks[0]!.timestamp, entries)
}

function checkHeader(chainId: bigint, parentHash: Uint8Array, firstBlock: bigint, lastOriginHash: Uint8Array): void {
  if (chainId < 0n || chainId > MAX_UINT256) throw new Error('encodeNetworkBatch: chainId out of range')
  if (parentHash.length !== HASH_LENGTH || lastOriginHash.length !== HASH_LENGTH) throw new Error('encodeNetworkBatch: hashes must be 32 bytes')
  if (firstBlock < 0n || firstBlock > MAX_UINT64) throw new Error('encodeNetworkBatch: firstBlock out of range')
}

/** One block's RLP entry, its deltas taken against (prevTimestamp, prevOrigin). */
function blockEntry(timestamp: bigint, origin: bigint, prevTimestamp: bigint, prevOrigin: bigint, txList: Uint8Array): Uint8Array {
  if (timestamp < 0n || timestamp > MAX_UINT64 || origin < 0n || origin > MAX_UINT64) {
    throw new Error('encodeNetworkBatch: timestamp or l1OriginNumber out of uint64 range')
  }
  const timestampDelta = timestamp - prevTimestamp
  const originDelta = origin - prevOrigin
  if (timestampDelta < 0n) throw new Error('encodeNetworkBatch: block timestamps must not decrease')
  if (originDelta !== 0n && originDelta !== 1n) throw new Error('encodeNetworkBatch: the L1 origin may only stay or advance by one per block')
  return encodeList([encodeUint(timestampDelta), encodeUint(originDelta), txList])
}

function encodeTxList(txs: readonly Uint8Array[]): Uint8Array {
  const parts: Uint8Array[] = []
  for (const tx of txs) {
    if (tx.length === 0) throw new Error('encodeNetworkBatch: empty transaction')
    if (tx[0] === DEPOSIT_TX_TYPE) throw new Error('encodeNetworkBatch: deposit transactions are not batched')
    parts.push(encodeString(tx))
  }
  return encodeList(parts)
}

function sectionPayload(
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

/** Brotli at quality 11 with a 16 MiB window: the densest brotli makes (batch bytes are what L1 charges for). */
function brotliOptions(payload: Uint8Array): BrotliOptions {
  return {
    params: {
      [zlibConstants.BROTLI_PARAM_QUALITY]: 11,
      [zlibConstants.BROTLI_PARAM_LGWIN]: 24,
      [zlibConstants.BROTLI_PARAM_SIZE_HINT]: payload.length,
    },
  }
}

function withVersion(compressed: Uint8Array): Uint8Array {
  const out = new Uint8Array(compressed.length + 1)
  out[0] = NETWORK_BATCH_VERSION
  out.set(compressed, 1)
  return out
}

function compress(payload: Uint8Array): Uint8Array {
  return withVersion(brotliCompressSync(payload, brotliOptions(payload)))
}

const brotliCompressAsync = promisify(brotliCompress)

/**
 * `compress` on libuv's thread pool: quality 11 takes about 2 s per MiB of transactions,
 * which must not stall the event loop that builds slots.
 */
async function compressOffThread(payload: Uint8Array): Promise<Uint8Array> {
  return withVersion(await brotliCompressAsync(payload, brotliOptions(payload)))
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
 * Decodes and validates a network batch. For any bytes it throws nothing but
 * `BatchDecodeError` (invalid options are a caller bug: plain Error). Work and memory
 * are linear in the decompressed size, which `limits` bound, as they bound the number of
 * decoded objects.
 */
export function decodeNetworkBatch(data: Uint8Array, opts: BatchLimits = {}): NetworkBatch {
  const limits = limitsOf(opts, 'decodeNetworkBatch')
  if (data.length === 0) throw new BatchDecodeError('empty', 'no data')
  if (data[0] === RETIRED_CHAIN_BATCH_VERSION) throw new BatchDecodeError('version', 'version byte 0x01 (single-chain batches) is retired; network batches are 0x02')
  if (data[0] !== NETWORK_BATCH_VERSION) throw new BatchDecodeError('version', `unknown version byte 0x${data[0]!.toString(16).padStart(2, '0')}`)
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

function parsePayload(buf: Uint8Array, limits: Required<BatchLimits>): NetworkBatch {
  if (buf.length === 0) throw new BatchDecodeError('rlp', 'empty payload')
  const top = readItem(buf, 0, buf.length)
  if (top.end !== buf.length) throw new BatchDecodeError('rlp', `${buf.length - top.end} bytes after the payload`)
  // every section holds a block, so the block limit bounds the sections too
  const items = expectList(buf, top, 'sections', limits.maxBlocks, () => new BatchDecodeError('too-large', `more than ${limits.maxBlocks} blocks`))
  if (items.length === 0) throw new BatchDecodeError('shape', 'no chain sections')
  const counts = { blocks: 0, txs: 0 }
  const chains: Batch[] = []
  for (const item of items) {
    const section = parseSection(buf, item, limits, counts)
    const prev = chains[chains.length - 1]
    if (prev && section.chainId <= prev.chainId) {
      throw new BatchDecodeError('order', `chain ${section.chainId}'s section follows chain ${prev.chainId}'s (chain ids must be strictly ascending)`)
    }
    chains.push(section)
  }
  return { chains }
}

/** One chain's section; `counts` carries the blocks and transactions of the sections before it. */
function parseSection(buf: Uint8Array, item: Item, limits: Required<BatchLimits>, counts: { blocks: number; txs: number }): Batch {
  const fields = expectFields(buf, item, 'section', 7)
  const chainId = uintOf(buf, fields[0]!, 'chainId', 32)
  const at = `chain ${chainId}`
  const parentHash = hashOf(buf, fields[1]!, `${at} parentHash`)
  const firstBlock = uintOf(buf, fields[2]!, `${at} firstBlock`, 8)
  const firstOrigin = uintOf(buf, fields[3]!, `${at} firstOrigin`, 8)
  const lastOriginHash = hashOf(buf, fields[4]!, `${at} lastOriginHash`)
  const firstTimestamp = uintOf(buf, fields[5]!, `${at} firstTimestamp`, 8)
  const entries = expectList(buf, fields[6]!, `${at} blocks`, limits.maxBlocks - counts.blocks, () => new BatchDecodeError('too-large', `more than ${limits.maxBlocks} blocks`))
  if (entries.length === 0) throw new BatchDecodeError('shape', `${at}: no blocks`)
  counts.blocks += entries.length
  if (firstBlock + BigInt(entries.length) - 1n > MAX_UINT64) throw new BatchDecodeError('order', `${at}: block numbers run past uint64`)

  const blocks: Batch['blocks'] = []
  let timestamp = firstTimestamp
  let origin = firstOrigin
  const tooManyTxs = () => new BatchDecodeError('too-large', `more than ${limits.maxTxs} transactions`)
  for (let i = 0; i < entries.length; i++) {
    const what = `${at} block ${i}`
    const [tsItem, originItem, txsItem] = expectFields(buf, entries[i]!, what, 3) as [Item, Item, Item]
    const timestampDelta = uintOf(buf, tsItem, `${what} timestampDelta`, 8)
    const originDelta = uintOf(buf, originItem, `${what} originDelta`, 8)
    if (i === 0 && (timestampDelta !== 0n || originDelta !== 0n)) throw new BatchDecodeError('order', `${at}: the first block's deltas must be 0`)
    if (originDelta > 1n) throw new BatchDecodeError('order', `${what}: origin delta ${originDelta} (must be 0 or 1)`)
    timestamp += timestampDelta
    origin += originDelta
    if (timestamp > MAX_UINT64 || origin > MAX_UINT64) throw new BatchDecodeError('order', `${what}: timestamp or origin runs past uint64`)
    const txs: Uint8Array[] = []
    const txItems = expectList(buf, txsItem, `${what} txs`, limits.maxTxs - counts.txs, tooManyTxs)
    counts.txs += txItems.length
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

/** One chain's blocks to pack: a contiguous run, each parentHash the previous hash. */
export interface ChainBlocks {
  chainId: bigint
  blocks: readonly BatchBlock[]
  /** The chain's genesis slot (slot = block number + slotOffset, see `execution/slots.ts`); default 0. */
  slotOffset?: bigint
}

/** A packed network batch and the block range of each chain it carries. */
export interface PackedNetworkBatch {
  data: Uint8Array
  /** Ascending chain id; only the chains with a block in the batch. */
  sections: { chainId: bigint; firstBlock: bigint; lastBlock: bigint }[]
  /** The slots the batch covers (every chain's blocks of these slots, as given). */
  firstSlot: bigint
  lastSlot: bigint
}

/**
 * Splits the blocks of several chains into consecutive network batches (the batcher's
 * channels) of at most `targetBytes` encoded bytes each, within `limits` (as decoding will
 * check). A batch never splits a slot: it carries every given block of a range of slots,
 * of all chains, so the chains stay in step from one batch to the next (a replica derives
 * each batch interleaved by slot; a batch that carried chain A up to slot s and chain B
 * only up to s - 1 would make A's slot-s block wait on B's slot-(s - 1) one from a later
 * batch). Every batch holds as many slots as fit (greedy). A slot that alone encodes to
 * more than `targetBytes` becomes a batch of its own, as large as it is: the batcher cuts
 * every batch into frames (`frames.ts`), so no slot is ever too large for one L1
 * transaction; only the limits bound a batch.
 *
 * How it stays near-linear: each block's RLP entry is built once, and a candidate batch
 * is a list of sections, each a header plus a run of those entries whose exact RLP
 * length is known from prefix sums, so the only real cost is brotli. The number of slots
 * to try is predicted from the compression ratio just measured (brotli output grows
 * close to linearly with its input), then refined by regula falsi between the largest
 * count known to fit and the smallest known not to, with a bisection step after two
 * interpolations that fail to halve the gap. In practice each batch costs two
 * compressions of about its own size, never one per slot. The result is the largest
 * count whose encoding fits, assuming, as holds in practice, that a batch never
 * compresses smaller than a prefix of itself. Compression runs off the event loop.
 *
 * Rejects with `SlotTooLargeError` for a slot that alone exceeds `limits` (nothing can carry it:
 * the sequencer's per-slot data cap must keep slots within them, see
 * `maxSlotDataBytesWithin`), and a plain Error for caller bugs: a chain listed twice,
 * blocks that are not a chain (consecutive numbers, each parentHash the previous hash),
 * invalid block fields, a bad `targetBytes`.
 */
export async function packNetworkBatches(chains: readonly ChainBlocks[], targetBytes: number, opts: BatchLimits = {}): Promise<PackedNetworkBatch[]> {
  if (!Number.isSafeInteger(targetBytes) || targetBytes < 1) throw new Error('packNetworkBatches: targetBytes must be a positive integer')
  const limits = limitsOf(opts, 'packNetworkBatches')
  const sorted = chains.filter((c) => c.blocks.length > 0).sort((a, b) => (a.chainId < b.chainId ? -1 : a.chainId > b.chainId ? 1 : 0))
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i]!.chainId === sorted[i - 1]!.chainId) throw new Error(`packNetworkBatches: chain ${sorted[i]!.chainId} is listed twice`)
  }
  if (sorted.length === 0) return []

  const lanes = sorted.map((c) => {
    checkChain(c.blocks)
    const blocks = c.blocks
    const txLists = blocks.map((b) => encodeTxList(b.txs))
    // each block's entry as a non-first block of its section
    const follow = blocks.map((b, i) =>
      i === 0 ? new Uint8Array(0) : blockEntry(b.timestamp, b.l1OriginNumber, blocks[i - 1]!.timestamp, blocks[i - 1]!.l1OriginNumber, txLists[i]!),
    )
    const entryPrefix = new Float64Array(blocks.length + 1)
    const txPrefix = new Float64Array(blocks.length + 1)
    for (let i = 0; i < blocks.length; i++) {
      entryPrefix[i + 1] = entryPrefix[i]! + follow[i]!.length
      txPrefix[i + 1] = txPrefix[i]! + blocks[i]!.txs.length
    }
    const firstSlot = slotOf(c.slotOffset ?? 0n, blocks[0]!.number)
    return { chainId: c.chainId, blocks, txLists, follow, entryPrefix, txPrefix, firstSlot }
  })
  // The slots that hold a block of some chain, ascending: the units batches are cut in.
  const slotSet = new Set<bigint>()
  for (const lane of lanes) for (let i = 0; i < lane.blocks.length; i++) slotSet.add(lane.firstSlot + BigInt(i))
  const slots = [...slotSet].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))

  type Lane = (typeof lanes)[number]
  /** The lane's block indexes [from, to) inside slots[start, start + count). */
  const rangeOf = (lane: Lane, start: number, count: number): [number, number] => {
    const lo = slots[start]! - lane.firstSlot
    const hi = slots[start + count - 1]! - lane.firstSlot + 1n
    const from = lo < 0n ? 0 : Number(lo)
    const to = hi > BigInt(lane.blocks.length) ? lane.blocks.length : Number(hi)
    return from < to ? [from, to] : [0, 0]
  }
  /** Exact RLP payload length of slots[start, start + count) as one network batch. */
  const payloadLength = (start: number, count: number): number => {
    let sections = 0
    for (const lane of lanes) {
      const [from, to] = rangeOf(lane, start, count)
      if (from === to) continue
      const first = lane.blocks[from]!
      const entries = listLength(2 + lane.txLists[from]!.length) + lane.entryPrefix[to]! - lane.entryPrefix[from + 1]!
      const fields =
        uintLength(lane.chainId) + 33 + uintLength(first.number) + uintLength(first.l1OriginNumber) + 33 + uintLength(first.timestamp) + listLength(entries)
      sections += listLength(fields)
    }
    return listLength(sections)
  }
  const totals = (start: number, count: number): { blocks: number; txs: number } => {
    let blocks = 0
    let txs = 0
    for (const lane of lanes) {
      const [from, to] = rangeOf(lane, start, count)
      blocks += to - from
      txs += lane.txPrefix[to]! - lane.txPrefix[from]!
    }
    return { blocks, txs }
  }
  const encodeRange = (start: number, count: number): Promise<Uint8Array> => {
    const sections: Uint8Array[] = []
    for (const lane of lanes) {
      const [from, to] = rangeOf(lane, start, count)
      if (from === to) continue
      const first = lane.blocks[from]!
      const last = lane.blocks[to - 1]!
      checkHeader(lane.chainId, first.parentHash, first.number, last.l1OriginHash)
      const entries = [blockEntry(first.timestamp, first.l1OriginNumber, first.timestamp, first.l1OriginNumber, lane.txLists[from]!)]
      for (let i = from + 1; i < to; i++) entries.push(lane.follow[i]!)
      sections.push(sectionPayload(lane.chainId, first.parentHash, first.number, first.l1OriginNumber, last.l1OriginHash, first.timestamp, entries))
    }
    return compressOffThread(encodeList(sections))
  }

  const out: PackedNetworkBatch[] = []
  await greedyRuns({
    units: slots.length,
    maxBytes: targetBytes,
    payloadLength,
    fitsLimits: (start, count) => {
      const t = totals(start, count)
      return t.blocks <= limits.maxBlocks && t.txs <= limits.maxTxs && payloadLength(start, count) <= limits.maxDecompressedBytes
    },
    encodeRange,
    tooLarge: (start) => {
      const t = totals(start, 1)
      return new SlotTooLargeError(slots[start]!, { payloadBytes: payloadLength(start, 1), blocks: t.blocks, txs: t.txs }, limits)
    },
    emit: (start, count, data) => {
      const sections: PackedNetworkBatch['sections'] = []
      for (const lane of lanes) {
        const [from, to] = rangeOf(lane, start, count)
        if (from < to) sections.push({ chainId: lane.chainId, firstBlock: lane.blocks[from]!.number, lastBlock: lane.blocks[to - 1]!.number })
      }
      out.push({ data, sections, firstSlot: slots[start]!, lastSlot: slots[start + count - 1]! })
    },
  })
  return out
}

/**
 * The greedy split behind `packNetworkBatches`, over `units` consecutive units: from each
 * start, the most units whose encoding fits `maxBytes` (and `fitsLimits`, which must be
 * monotone in the count), found with the few compressions described there; a unit that
 * alone exceeds `maxBytes` is emitted alone.
 */
async function greedyRuns(p: {
  units: number
  maxBytes: number
  payloadLength(start: number, count: number): number
  fitsLimits(start: number, count: number): boolean
  encodeRange(start: number, count: number): Promise<Uint8Array>
  tooLarge(start: number): Error
  emit(start: number, count: number, data: Uint8Array): void
}): Promise<void> {
  const { maxBytes } = p
  let ratio = 1 // compressed bytes per payload byte, learned as we go
  for (let start = 0; start < p.units; ) {
    // the most units from `start` that the count and size limits allow (0: not even one)
    let a = 0
    let b = p.units - start
    while (a < b) {
      const mid = Math.ceil((a + b) / 2)
      if (p.fitsLimits(start, mid)) a = mid
      else b = mid - 1
    }
    const cap = a
    if (cap === 0) throw p.tooLarge(start)
    /** The largest count in (lo, hi) whose payload is at most `target` bytes (lo + 1 if none). */
    const predict = (target: number, lo: number, hi: number): number => {
      let x = lo + 1
      let y = hi - 1
      while (x < y) {
        const mid = Math.ceil((x + y) / 2)
        if (p.payloadLength(start, mid) <= target) x = mid
        else y = mid - 1
      }
      return x
    }
    let lo = 0 // largest count known to fit
    let loSize = 0
    let loData: Uint8Array | undefined
    let hi = cap + 1 // smallest count known not to fit
    let hiSize = 0
    let hiMeasured = false // hi comes from a compression, not from the cap
    let single: Uint8Array | undefined // the encoding of the start unit alone, if measured
    let slowSteps = 0
    let count = predict(maxBytes / ratio, lo, hi)
    while (true) {
      const data = await p.encodeRange(start, count)
      if (count === 1) single = data
      ratio = Math.max(data.length / p.payloadLength(start, count), 1e-3)
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
          const at = p.payloadLength(start, lo)
          const target = at + ((p.payloadLength(start, hi) - at) * (maxBytes - loSize)) / Math.max(hiSize - loSize, 1)
          next = predict(target, lo, hi)
        }
      }
      count = Math.min(Math.max(next, lo + 1), hi - 1)
    }
    if (loData === undefined) {
      // The start unit alone is over maxBytes (the loop ends with hi = 1, so it was measured).
      p.emit(start, 1, single!)
      start += 1
      continue
    }
    p.emit(start, lo, loData)
    start += lo
  }
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
    if (b.number < 0n || b.number > MAX_UINT64) throw new Error(`packNetworkBatches: block number ${b.number} out of uint64 range`)
    if (b.hash.length !== HASH_LENGTH || b.parentHash.length !== HASH_LENGTH || b.l1OriginHash.length !== HASH_LENGTH) {
      throw new Error(`packNetworkBatches: block ${b.number}: hashes must be 32 bytes`)
    }
    if (i === 0) continue
    const prev = blocks[i - 1]!
    if (b.number !== prev.number + 1n) throw new Error(`packNetworkBatches: block ${b.number} follows block ${prev.number}`)
    if (!equalBytes(b.parentHash, prev.hash)) throw new Error(`packNetworkBatches: block ${b.number}'s parentHash is not block ${prev.number}'s hash`)
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
