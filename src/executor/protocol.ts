import { z } from 'zod'
import { BaseError, InvalidParamsError, RpcErrorCode } from '../primitives/errors.js'
import { hexToBytes, toData as bytesToHex, toQuantity, type Hex } from '../primitives/hex.js'

/**
 * The executor protocol's messages on the wire (docs/design/executors.md): JSON-RPC 2.0
 * with the Engine API's encodings — quantities as minimal 0x-hex, byte strings as 0x-hex —
 * identical over a worker's port and a socket. Every message is checked on arrival
 * (`decode*`): a malformed or oversized one is refused with InvalidParams (-32602), never
 * half-applied.
 */

export const METHODS = {
  /** With attributes: open the slot's block. Without: make `headBlockHash` canonical (commit). */
  forkchoiceUpdated: 'engine_forkchoiceUpdatedPX',
  bundleLeg: 'plexus_applyBundleLeg',
  settleBundle: 'plexus_settleBundle',
  fill: 'plexus_fillPayload',
  /** Same-slot relays, then seal: the payload, prepared but not canonical. */
  getPayload: 'engine_getPayloadPX',
  abort: 'plexus_abortPayload',
} as const

/** Most bytes of one transaction on the wire (the pool's 128 KiB cap, with room). */
const MAX_TX_BYTES = 256 * 1024
/** Most transactions in one list (a block's relays, a bundle leg, a block's deposits). */
const MAX_LIST = 65_536

const quantity = z
  .string()
  .regex(/^0x(0|[1-9a-f][0-9a-f]{0,63})$/, 'a quantity: 0x-hex without leading zeros')
  .transform((s) => BigInt(s))
const data = (maxBytes: number) =>
  z
    .string()
    .max(2 + maxBytes * 2)
    .regex(/^0x([0-9a-f]{2})*$/, 'bytes: 0x-hex, two digits per byte')
const fixed = (bytes: number) =>
  data(bytes)
    .refine((s) => s.length === 2 + bytes * 2, `exactly ${bytes} bytes`)
    .transform((s) => s as Hex)
const txBytes = data(MAX_TX_BYTES).transform((s) => hexToBytes(s as Hex))

// ---- engine_forkchoiceUpdatedPX (open) -----------------------------------------------

/** A slot's payload attributes on the wire (`PayloadAttributes` with raw deposits). */
export interface WireAttributes {
  slot: bigint
  timestamp: bigint
  suggestedFeeRecipient: Uint8Array
  gasLimit?: bigint
  /** The forced transactions: the L1-info deposit, then the origin's deposits (raw, type 0x7e). */
  transactions: Uint8Array[]
  l1Fee?: { l1BaseFee: bigint; l1BlobBaseFee: bigint; baseFeeScalar: bigint; blobBaseFeeScalar: bigint }
  maxTxDataBytes?: number
  depositsOnly?: boolean
  /** What the pool leaves for same-slot relays (see `PayloadAttributes.sameSlotReserve`). */
  sameSlotReserve?: { gas: bigint; bytes: number }
}

const attributesSchema = z.object({
  slot: quantity,
  timestamp: quantity,
  suggestedFeeRecipient: fixed(20).transform((s) => hexToBytes(s as Hex)),
  gasLimit: quantity.optional(),
  transactions: z.array(txBytes).max(MAX_LIST),
  l1Fee: z.object({ l1BaseFee: quantity, l1BlobBaseFee: quantity, baseFeeScalar: quantity, blobBaseFeeScalar: quantity }).optional(),
  maxTxDataBytes: z.number().int().positive().max(1 << 30).optional(),
  depositsOnly: z.boolean().optional(),
  sameSlotReserve: z.object({ gas: quantity, bytes: z.number().int().nonnegative().max(1 << 30) }).optional(),
})

const openSchema = z.tuple([z.object({ headBlockHash: fixed(32) }), attributesSchema])

export function encodeOpen(headBlockHash: Hex, a: WireAttributes): unknown[] {
  return [
    { headBlockHash },
    {
      slot: toQuantity(a.slot),
      timestamp: toQuantity(a.timestamp),
      suggestedFeeRecipient: bytesToHex(a.suggestedFeeRecipient),
      ...(a.gasLimit !== undefined ? { gasLimit: toQuantity(a.gasLimit) } : {}),
      transactions: a.transactions.map(bytesToHex),
      ...(a.l1Fee ? { l1Fee: { l1BaseFee: toQuantity(a.l1Fee.l1BaseFee), l1BlobBaseFee: toQuantity(a.l1Fee.l1BlobBaseFee), baseFeeScalar: toQuantity(a.l1Fee.baseFeeScalar), blobBaseFeeScalar: toQuantity(a.l1Fee.blobBaseFeeScalar) } } : {}),
      ...(a.maxTxDataBytes !== undefined ? { maxTxDataBytes: a.maxTxDataBytes } : {}),
      ...(a.depositsOnly ? { depositsOnly: true } : {}),
      ...(a.sameSlotReserve ? { sameSlotReserve: { gas: toQuantity(a.sameSlotReserve.gas), bytes: a.sameSlotReserve.bytes } } : {}),
    },
  ]
}

export function decodeOpen(params: unknown): { headBlockHash: Hex; attributes: WireAttributes } {
  const [fc, a] = parse(openSchema, params, METHODS.forkchoiceUpdated)
  return { headBlockHash: fc.headBlockHash as Hex, attributes: a }
}

/** What opening answers: the payload's id and what relays are signed for. */
export interface Opened {
  payloadId: Hex
  number: bigint
  timestamp: bigint
  baseFee: bigint
  gasLimit: bigint
  relayerNonce: bigint
}

const openedSchema = z.object({ payloadId: fixed(8), number: quantity, timestamp: quantity, baseFee: quantity, gasLimit: quantity, relayerNonce: quantity })

export function encodeOpened(o: Opened): unknown {
  return { payloadId: o.payloadId, number: toQuantity(o.number), timestamp: toQuantity(o.timestamp), baseFee: toQuantity(o.baseFee), gasLimit: toQuantity(o.gasLimit), relayerNonce: toQuantity(o.relayerNonce) }
}

export function decodeOpened(result: unknown): Opened {
  const o = parse(openedSchema, result, METHODS.forkchoiceUpdated)
  return { ...o, payloadId: o.payloadId as Hex }
}

// ---- bundle legs ---------------------------------------------------------------------

/** A transaction whose sender the coordinator recovered already (it is trusted to). */
export interface KnownSenderTx {
  raw: Uint8Array
  sender: Hex
}

const knownSenderTx = z.object({ raw: txBytes, sender: fixed(20) })
const payloadId = fixed(8)

export function encodeBundleLeg(id: Hex, txs: readonly KnownSenderTx[]): unknown[] {
  return [id, txs.map((t) => ({ raw: bytesToHex(t.raw), sender: t.sender }))]
}

export function decodeBundleLeg(params: unknown): { payloadId: Hex; txs: KnownSenderTx[] } {
  const [id, txs] = parse(z.tuple([payloadId, z.array(knownSenderTx).min(1).max(MAX_LIST)]), params, METHODS.bundleLeg)
  return { payloadId: id as Hex, txs: txs.map((t) => ({ raw: t.raw, sender: t.sender as Hex })) }
}

export type WireLegResult = { ok: true } | { ok: false; hash: Hex; reason: string }

const legResultSchema = z.union([z.object({ ok: z.literal(true) }), z.object({ ok: z.literal(false), hash: data(32), reason: z.string().max(4096) })])

export function decodeLegResult(result: unknown): WireLegResult {
  return parse(legResultSchema, result, METHODS.bundleLeg) as WireLegResult
}

export function decodeSettleBundle(params: unknown): { payloadId: Hex; keep: boolean } {
  const [id, keep] = parse(z.tuple([payloadId, z.boolean()]), params, METHODS.settleBundle)
  return { payloadId: id as Hex, keep }
}

// ---- relays --------------------------------------------------------------------------

export interface WireRelay extends KnownSenderTx {
  msgHash: Hex
}

const relaySchema = knownSenderTx.extend({ msgHash: fixed(32) })

export function encodeRelays(relays: readonly WireRelay[]): unknown[] {
  return relays.map((r) => ({ msgHash: r.msgHash, raw: bytesToHex(r.raw), sender: r.sender }))
}

export function decodeFill(params: unknown): { payloadId: Hex; relays: WireRelay[] } {
  const [id, relays] = parse(z.tuple([payloadId, z.array(relaySchema).max(MAX_LIST)]), params, METHODS.fill)
  return { payloadId: id as Hex, relays: relays.map(relayOf) }
}

/** What became of a relay the executor was handed. */
export interface WireRelayOutcome {
  msgHash: Hex
  hash?: Hex
  kind: 'included' | 'invalid' | 'no-room' | 'unsignable'
  ok: boolean
  reason?: string
}

const relayOutcomeSchema = z.object({
  msgHash: fixed(32),
  hash: fixed(32).optional(),
  kind: z.enum(['included', 'invalid', 'no-room', 'unsignable']),
  ok: z.boolean(),
  reason: z.string().max(4096).optional(),
})

export function decodeRelayOutcomes(result: unknown, method: string): WireRelayOutcome[] {
  return parse(z.array(relayOutcomeSchema).max(MAX_LIST), result, method)
}

// ---- engine_getPayloadPX (seal) ---------------------------------------------------------

/**
 * A block sealed earlier in the slot, as a later chain's checks need it: its initiating
 * logs by their index in the block (only those the same-slot relays execute, so the list
 * has holes: on the wire each entry carries its index).
 */
export interface WireSealedDigest {
  chainId: bigint
  number: bigint
  timestamp: bigint
  /** Indexed by log index; entries absent for logs no relay of the slot executes. */
  logs: readonly ({ origin: Hex; payloadHash: Hex } | undefined)[]
}

/** Most initiating logs one digest may name (a block's logs are bounded by its gas far below this). */
const MAX_DIGEST_LOGS = 1 << 16

const digestSchema = z.object({
  chainId: quantity,
  number: quantity,
  timestamp: quantity,
  logs: z.array(z.object({ logIndex: z.number().int().min(0).max(MAX_DIGEST_LOGS - 1), origin: fixed(20), payloadHash: fixed(32) })).max(MAX_DIGEST_LOGS),
})

export function encodeDigests(digests: readonly WireSealedDigest[]): unknown[] {
  return digests.map((d) => ({
    chainId: toQuantity(d.chainId),
    number: toQuantity(d.number),
    timestamp: toQuantity(d.timestamp),
    logs: d.logs.flatMap((l, logIndex) => (l ? [{ logIndex, origin: l.origin, payloadHash: l.payloadHash }] : [])),
  }))
}

export function encodeGetPayload(id: Hex, relays: readonly WireRelay[], sealed: readonly WireSealedDigest[]): unknown[] {
  return [id, encodeRelays(relays), encodeDigests(sealed)]
}

export function decodeGetPayload(params: unknown): { payloadId: Hex; relays: WireRelay[]; sealed: WireSealedDigest[] } {
  const [id, relays, sealed] = parse(z.tuple([payloadId, z.array(relaySchema).max(MAX_LIST), z.array(digestSchema).max(4096)]), params, METHODS.getPayload)
  return {
    payloadId: id as Hex,
    relays: relays.map(relayOf),
    sealed: sealed.map((d) => {
      const logs: { origin: Hex; payloadHash: Hex }[] = []
      for (const l of d.logs) {
        if (logs[l.logIndex] !== undefined) throw new InvalidParamsError(`${METHODS.getPayload}: chain ${d.chainId}'s sealed digest names log ${l.logIndex} twice`)
        logs[l.logIndex] = { origin: l.origin as Hex, payloadHash: l.payloadHash as Hex }
      }
      return { chainId: d.chainId, number: d.number, timestamp: d.timestamp, logs }
    }),
  }
}

/**
 * The sealed block, for the coordinator: its hash, header and body RLP and receipts as
 * storage encodes them (the bytes the executor commits), and the relays' fate.
 */
export interface WirePayload {
  blockHash: Hex
  header: Uint8Array
  body: Uint8Array
  /** `packReceipts` of the block's consensus receipts. */
  receipts: Uint8Array
  relays: WireRelayOutcome[]
}

const bytes = data(1 << 28).transform((s) => hexToBytes(s as Hex))
const payloadSchema = z.object({ blockHash: fixed(32), header: bytes, body: bytes, receipts: bytes, relays: z.array(relayOutcomeSchema).max(MAX_LIST) })

export function encodePayload(p: WirePayload): unknown {
  return { blockHash: p.blockHash, header: bytesToHex(p.header), body: bytesToHex(p.body), receipts: bytesToHex(p.receipts), relays: p.relays }
}

export function decodePayload(result: unknown): WirePayload {
  const p = parse(payloadSchema, result, METHODS.getPayload)
  return p
}

// ---- commit (forkchoiceUpdated without attributes) and abort -------------------------

export function decodeCommit(params: unknown): { headBlockHash: Hex } {
  const [fc] = parse(z.tuple([z.object({ headBlockHash: fixed(32) }), z.null()]), params, METHODS.forkchoiceUpdated)
  return { headBlockHash: fc.headBlockHash as Hex }
}

export function decodeAbort(params: unknown): { payloadId: Hex } {
  const [id] = parse(z.tuple([payloadId]), params, METHODS.abort)
  return { payloadId: id as Hex }
}

// ---- helpers -------------------------------------------------------------------------

function relayOf(r: { msgHash: string; raw: Uint8Array; sender: string }): WireRelay {
  return { msgHash: r.msgHash as Hex, raw: r.raw, sender: r.sender as Hex }
}

/** Validates `value` against `schema`; a failure names the method and the first bad field. */
function parse<S extends z.ZodType>(schema: S, value: unknown, method: string): z.output<S> {
  const res = schema.safeParse(value)
  if (res.success) return res.data
  const issue = res.error.issues[0]!
  const where = issue.path.length ? ` at ${issue.path.join('.')}` : ''
  throw new InvalidParamsError(`${method}: invalid params${where}: ${issue.message}`)
}

// ---- plexus_sendRawTransactions (transactions into the executor's pool) -------------------

export const SEND_RAW_TRANSACTIONS = 'plexus_sendRawTransactions'

/** Most transactions in one batch into an executor's pool (the coordinator splits larger ones). */
export const MAX_SEND_BATCH = 1024
/** Most bytes of raw transactions in one batch (a few of the pool's largest, many typical ones). */
export const MAX_SEND_BATCH_BYTES = 4 * 1024 * 1024

/** What became of one transaction of a batch: its hash, or the JSON-RPC error the pool answered (geth's codes). */
export type WireSendResult = { hash: Hex } | { error: { code: number; message: string } }

const sendBatchSchema = z
  .tuple([z.array(data(MAX_TX_BYTES)).min(1).max(MAX_SEND_BATCH)])
  .superRefine(([raws], ctx) => {
    let bytes = 0
    for (const r of raws) bytes += (r.length - 2) / 2
    if (bytes > MAX_SEND_BATCH_BYTES) ctx.addIssue({ code: 'custom', message: `${bytes} bytes of transactions in one batch; at most ${MAX_SEND_BATCH_BYTES}` })
  })

export function encodeSendRawTransactions(raws: readonly Uint8Array[]): unknown[] {
  return [raws.map(bytesToHex)]
}

/** A batch of raw transactions, refused whole (InvalidParams) when malformed or over the count or byte bound. */
export function decodeSendRawTransactions(params: unknown): Uint8Array[] {
  const [raws] = parse(sendBatchSchema, params, SEND_RAW_TRANSACTIONS)
  return raws.map((r) => hexToBytes(r as Hex))
}

const sendResultSchema = z.union([z.object({ hash: fixed(32) }), z.object({ error: z.object({ code: z.number().int(), message: z.string().max(4096) }) })])

export function decodeSendResults(result: unknown, count: number): WireSendResult[] {
  const results = parse(z.array(sendResultSchema).length(count), result, SEND_RAW_TRANSACTIONS)
  return results as WireSendResult[]
}

// ---- plexus_networkChanged (the network an executor checks messages against grew) --------

/** Coordinator → executor: the network's chains now (the executor opens a reader of each it lacks); answered `true`. */
export const NETWORK_CHANGED = 'plexus_networkChanged'

/** Most chains a network message names (far above any network; bounds the work one message asks for). */
export const MAX_NETWORK_CHAINS = 4096

const genesisSchema = z
  .object({
    config: z.object({ chainId: z.number().int().positive().max(Number.MAX_SAFE_INTEGER) }).passthrough(),
    alloc: z.record(z.string(), z.object({}).passthrough()),
    gasLimit: z.string().max(80),
  })
  .passthrough()

const networkChainSchema = z.object({ datadir: z.string().min(1).max(4096), genesis: genesisSchema, genesisSlot: quantity })

/** Another chain of the network: its store, genesis and genesis slot (`NetworkChainData`). */
export type WireNetworkChain = import('./workerData.js').NetworkChainData

export function encodeNetworkChanged(chains: readonly WireNetworkChain[]): unknown[] {
  return [{ chains: chains.map((c) => ({ datadir: c.datadir, genesis: c.genesis, genesisSlot: toQuantity(c.genesisSlot) })) }]
}

/** The network's chains, refused whole (InvalidParams) when malformed, over `MAX_NETWORK_CHAINS`, or naming a chain twice. */
export function decodeNetworkChanged(params: unknown): WireNetworkChain[] {
  const schema = z.tuple([z.object({ chains: z.array(networkChainSchema).max(MAX_NETWORK_CHAINS) })]).superRefine(([{ chains }], ctx) => {
    const seen = new Set<number>()
    for (const [i, c] of chains.entries()) {
      if (seen.has(c.genesis.config.chainId)) ctx.addIssue({ code: 'custom', path: [0, 'chains', i, 'genesis', 'config', 'chainId'], message: `chain ${c.genesis.config.chainId} is named twice` })
      seen.add(c.genesis.config.chainId)
    }
  })
  const [{ chains }] = parse(schema, params, NETWORK_CHANGED)
  return chains as WireNetworkChain[]
}

// ---- plexus_executorHello: what an executor holds (two-phase commit) -------------------

/** The protocol version this build speaks; a peer on another is refused, naming both. */
export const PROTOCOL_VERSION = 1

/** A peer speaking another protocol version: refused, naming both. */
export class ProtocolVersionError extends BaseError {
  override name = 'ProtocolVersionError'
  constructor(message: string) {
    super(message, { rpcCode: RpcErrorCode.Server })
  }
}

/**
 * Coordinator → executor, first at start-up: the protocol version, the chain, its head, and
 * the block it has prepared for a slot and not committed or dropped (null if none). The
 * coordinator answers the prepared block with a forkchoiceUpdated: to it (commit, the slot
 * was decided) or to the head (drop).
 */
export const EXECUTOR_HELLO = 'plexus_executorHello'

export function encodeHello(): unknown[] {
  return [{ protocolVersion: PROTOCOL_VERSION }]
}

export function decodeHello(params: unknown): { protocolVersion: number } {
  const [hello] = parse(z.tuple([z.object({ protocolVersion: z.number().int().nonnegative() })]), params, EXECUTOR_HELLO)
  return hello
}

/** The executor's answer (`ExecutorStatus` on the wire). */
export interface WireStatus {
  protocolVersion: number
  chainId: bigint
  head: { number: bigint; hash: Hex }
  prepared: { slot: bigint; number: bigint; hash: Hex } | null
}

const statusSchema = z.object({
  protocolVersion: z.number().int().nonnegative(),
  chainId: quantity,
  head: z.object({ number: quantity, hash: fixed(32) }),
  prepared: z.object({ slot: quantity, number: quantity, hash: fixed(32) }).nullable(),
})

export function encodeStatus(s: WireStatus): unknown {
  return {
    protocolVersion: s.protocolVersion,
    chainId: toQuantity(s.chainId),
    head: { number: toQuantity(s.head.number), hash: s.head.hash },
    prepared: s.prepared ? { slot: toQuantity(s.prepared.slot), number: toQuantity(s.prepared.number), hash: s.prepared.hash } : null,
  }
}

export function decodeStatus(result: unknown): WireStatus {
  return parse(statusSchema, result, EXECUTOR_HELLO) as WireStatus
}

// ---- plexus_rewind and plexus_restoreToPool (an L1 reorg, a dev snapshot's revert) --------

/**
 * Coordinator → executor: rewind the chain to block `number` (`ChainExecutor.rewind`),
 * refused while a payload is open or a block is prepared. Answers the new head and the
 * removed blocks' signed transactions in block order (none when `dropReason` is given:
 * they are dropped, and only counted).
 */
export const REWIND = 'plexus_rewind'
/**
 * Coordinator → executor: raw transactions back into the pool after a rewind (each
 * admitted as if sent again; one the pool refuses is dropped), every sender's state read
 * again first. Empty: only the re-read. At most `MAX_SEND_BATCH` and `MAX_SEND_BATCH_BYTES`.
 */
export const RESTORE_TO_POOL = 'plexus_restoreToPool'

/** Most characters of a rewind's drop reason (a log line). */
const MAX_DROP_REASON = 1024
/** Most transactions a rewind's answer lists (far above a reorg's depth of full blocks). */
const MAX_REWOUND_TXS = 1 << 20

export function encodeRewind(number: bigint, dropReason?: string): unknown[] {
  return [{ number: toQuantity(number), ...(dropReason !== undefined ? { dropReason } : {}) }]
}

export function decodeRewind(params: unknown): { number: bigint; dropReason?: string } {
  const [r] = parse(z.tuple([z.object({ number: quantity, dropReason: z.string().max(MAX_DROP_REASON).optional() }).strict()]), params, REWIND)
  return { number: r.number, ...(r.dropReason !== undefined ? { dropReason: r.dropReason } : {}) }
}

/** A rewind's answer: the new head, and what the removed blocks carried. */
export interface WireRewound {
  head: { number: bigint; hash: Hex }
  /** Signed transactions of the removed blocks, in block order (empty when dropped). */
  removed: (KnownSenderTx & { hash: Hex })[]
  /** How many signed transactions the removed blocks carried (returned or dropped). */
  removedCount: number
}

const rewoundSchema = z.object({
  head: z.object({ number: quantity, hash: fixed(32) }),
  removed: z.array(knownSenderTx.extend({ hash: fixed(32) })).max(MAX_REWOUND_TXS),
  removedCount: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
})

export function encodeRewound(r: WireRewound): unknown {
  return {
    head: { number: toQuantity(r.head.number), hash: r.head.hash },
    removed: r.removed.map((t) => ({ hash: t.hash, raw: bytesToHex(t.raw), sender: t.sender })),
    removedCount: r.removedCount,
  }
}

export function decodeRewound(result: unknown): WireRewound {
  const r = parse(rewoundSchema, result, REWIND)
  return { head: { number: r.head.number, hash: r.head.hash }, removed: r.removed.map((t) => ({ hash: t.hash, raw: t.raw, sender: t.sender as Hex })), removedCount: r.removedCount }
}

export function encodeRestoreToPool(raws: readonly Uint8Array[]): unknown[] {
  return encodeSendRawTransactions(raws)
}

/** The transactions to put back (bounded as a send batch, refused whole with InvalidParams); an empty list is a re-read only. */
export function decodeRestoreToPool(params: unknown): Uint8Array[] {
  if (parse(z.tuple([z.array(z.unknown())]), params, RESTORE_TO_POOL)[0].length === 0) return []
  const [raws] = parse(sendBatchSchema, params, RESTORE_TO_POOL)
  return raws.map((r) => hexToBytes(r as Hex))
}
