import type { Common } from '@ethereumjs/common'
import { RLP } from '@ethereumjs/rlp'
import {
  Capability,
  TransactionType,
  create1559FeeMarketTxFromBytesArray,
  createAccessList2930TxFromBytesArray,
  createEOACode7702TxFromBytesArray,
  createLegacyTxFromBytesArray,
  type TxOptions,
  type TypedTransaction,
} from '@ethereumjs/tx'
import { BaseError, RpcErrorCode } from '../primitives/errors.js'
import { bytesToBigInt, hexToBytes, toData, type Hex } from '../primitives/hex.js'
import type { PooledTx } from './pooledTx.js'
import type { SenderRecovery } from './senderRecovery.js'
import { keccak256, recoveryId } from '../primitives/crypto.js'
import { Address } from '@ethereumjs/util'
import { sharedTxCommon } from './txCommon.js'
import { DEV_TX_TYPE } from './devTx.js'

/** A raw transaction that cannot be decoded or whose signature is invalid (geth: -32000). */
export class TxDecodeError extends BaseError {
  override name = 'TxDecodeError'
  constructor(message: string, cause?: unknown) {
    super(message, { rpcCode: RpcErrorCode.Server, cause })
  }
}

const SUPPORTED_TYPES = new Set<number>([
  TransactionType.Legacy,
  TransactionType.AccessListEIP2930,
  TransactionType.FeeMarketEIP1559,
  TransactionType.EOACodeEIP7702,
])

/** What can be read off a raw transaction without constructing it. */
export interface TxEnvelope {
  type: number
  /** The decoded RLP fields (signature included), for constructing without decoding again. */
  fields: Uint8Array[]
  /** Typed: its chainId field. Legacy: from EIP-155 v, or undefined when unprotected. */
  chainId: bigint | undefined
  gasLimit: bigint
  byteLength: number
}

const SECP256K1_N_HALF = 0x7fffffffffffffffffffffffffffffff5d576e7357a4501ddfe92f46681b20a0n

/**
 * Reads type, chain id and gas limit from the RLP, and checks the signature values,
 * before ethereumjs constructs the transaction (its constructor throws for a foreign
 * chain id or a gas limit over the EIP-7825 cap with messages no client expects; the
 * pool checks these first with geth's). Throws `rlp: …` only for malformed encoding.
 */
export function peekEnvelope(raw: Uint8Array): TxEnvelope {
  if (raw.length === 0) throw new TxDecodeError('typed transaction too short')
  const typed = raw[0]! <= 0x7f
  const type = typed ? raw[0]! : TransactionType.Legacy
  if (type === DEV_TX_TYPE) {
    // Only the sequencer of a dev network makes these (from anvil_* methods); from a user
    // it would be an unsigned state change.
    throw new TxDecodeError('transaction type 0x7d (a dev system transaction) is made by the node from dev methods such as anvil_setBalance; it cannot be submitted')
  }
  if (typed && !SUPPORTED_TYPES.has(type)) throw new TxDecodeError('transaction type not supported')
  let fields: Uint8Array[]
  try {
    const decoded = RLP.decode(typed ? raw.subarray(1) : raw)
    if (!Array.isArray(decoded)) throw new Error('expected input list')
    fields = decoded as Uint8Array[]
  } catch (err) {
    throw new TxDecodeError(`rlp: ${firstLine(err)}`, err)
  }
  const expected = FIELD_COUNT[type]!
  if (fields.length !== expected || fields.some((f, i) => !LIST_FIELDS[type]!.has(i) && !(f instanceof Uint8Array))) {
    throw new TxDecodeError(`rlp: expected ${expected} fields for a type-${type} transaction, got ${fields.length}`)
  }
  const num = (i: number) => bytesToBigInt(fields[i] as Uint8Array)
  const s = num(fields.length - 1)
  if (s > SECP256K1_N_HALF) throw new TxDecodeError('invalid sender: invalid transaction v, r, s values')
  if (type === TransactionType.Legacy) {
    const v = num(6)
    return { type, fields, chainId: v >= 35n ? (v - 35n) / 2n : undefined, gasLimit: num(2), byteLength: raw.length }
  }
  const gasIndex = type === TransactionType.AccessListEIP2930 ? 3 : 4
  return { type, fields, chainId: num(0), gasLimit: num(gasIndex), byteLength: raw.length }
}

const FROM_FIELDS: Record<number, (values: never, opts: TxOptions) => TypedTransaction> = {
  [TransactionType.Legacy]: createLegacyTxFromBytesArray,
  [TransactionType.AccessListEIP2930]: createAccessList2930TxFromBytesArray,
  [TransactionType.FeeMarketEIP1559]: create1559FeeMarketTxFromBytesArray,
  [TransactionType.EOACodeEIP7702]: createEOACode7702TxFromBytesArray,
}

/** Fields per type: legacy 9, 2930 11, 1559 12, 7702 13 (signature included). */
const FIELD_COUNT: Record<number, number> = { 0: 9, 1: 11, 2: 12, 4: 13 }
/** Positions holding lists (access list, authorization list). */
const LIST_FIELDS: Record<number, Set<number>> = { 0: new Set(), 1: new Set([7]), 2: new Set([8]), 4: new Set([8, 9]) }

/**
 * Decodes a raw transaction (typed envelope or legacy RLP), checks its signature and
 * recovers the sender once, here on the calling thread (native secp256k1).
 */
export function decodeRawTransaction(
  raw: Uint8Array,
  common: Common,
  check?: (envelope: TxEnvelope) => void,
  receivedAt = Date.now(),
): PooledTx {
  const tx = constructTransaction(raw, common, check)
  let pub: Uint8Array
  try {
    pub = tx.getSenderPublicKey()
  } catch (err) {
    throw new TxDecodeError('invalid sender', err)
  }
  return pooled(tx, raw, keccak256(pub).subarray(12), receivedAt)
}

/** As `decodeRawTransaction`, with the signature recovered on a worker thread. */
export async function decodeRawTransactionOffThread(
  raw: Uint8Array,
  common: Common,
  recovery: SenderRecovery,
  check?: (envelope: TxEnvelope) => void,
  receivedAt = Date.now(),
): Promise<PooledTx> {
  const tx = constructTransaction(raw, common, check)
  if (!tx.isSigned()) throw new TxDecodeError('invalid sender: transaction is not signed')
  const sender = await recovery.recover(tx.getMessageToVerifySignature(), tx.r!, tx.s!, recoveryId(tx.v!))
  if (!sender) throw new TxDecodeError('invalid sender')
  return pooled(tx, raw, sender, receivedAt)
}

/**
 * Decodes a raw transaction whose sender a trusted party recovered already (the network's
 * coordinator hands its executors relays it signed and bundle transactions it checked):
 * the sender is pinned as given, no signature is recovered again.
 */
export function decodeWithKnownSender(raw: Uint8Array, common: Common, sender: Hex): PooledTx {
  return pooled(constructTransaction(raw, common), raw, hexToBytes(sender), Date.now())
}

/** Peeks, runs the caller's envelope checks, then constructs the (unfrozen) transaction. */
function constructTransaction(raw: Uint8Array, common: Common, check?: (envelope: TxEnvelope) => void): TypedTransaction {
  const envelope = peekEnvelope(raw)
  check?.(envelope)
  try {
    // From the fields peekEnvelope already decoded; unfrozen so the recovered sender can
    // be pinned before freezing (see pooled()).
    const construct = FROM_FIELDS[envelope.type]!
    return construct(envelope.fields as never, { common: sharedTxCommon(common), freeze: false })
  } catch (err) {
    // The envelope was well-formed: what is left is a field the constructor refuses
    // (value overflow, bad signature values …).
    throw new TxDecodeError(`invalid transaction: ${firstLine(err).replace(/\s*\(tx type=.*$/, '')}`, err)
  }
}

/**
 * Pins the recovered sender on the transaction (ethereumjs would recompute it, with a
 * slow keccak, each time runTx or a receipt asks), freezes it, and wraps it.
 */
function pooled(tx: TypedTransaction, raw: Uint8Array, sender: Uint8Array, receivedAt: number): PooledTx {
  if (!tx.isSigned()) throw new TxDecodeError('invalid sender: transaction is not signed')
  const address = new Address(sender)
  Object.defineProperty(tx, 'getSenderAddress', { value: () => address })
  Object.freeze(tx)
  return wrap(tx, raw, toData(sender), receivedAt)
}

/** Wraps an already-constructed signed transaction (tests, tools). */
export function toPooledTx(tx: TypedTransaction, raw: Uint8Array, receivedAt = Date.now()): PooledTx {
  if (!tx.isSigned()) throw new TxDecodeError('invalid sender: transaction is not signed')
  let sender: Hex
  try {
    sender = tx.getSenderAddress().toString() as Hex
  } catch (err) {
    throw new TxDecodeError('invalid sender', err)
  }
  return wrap(tx, raw, sender, receivedAt)
}

function wrap(tx: TypedTransaction, raw: Uint8Array, sender: Hex, receivedAt: number): PooledTx {
  const is1559 = tx.supports(Capability.EIP1559FeeMarket)
  const t = tx as TypedTransaction & { gasPrice?: bigint; maxFeePerGas?: bigint; maxPriorityFeePerGas?: bigint }
  return {
    tx,
    // tx.hash() hashes the canonical re-encoding; raw may differ if non-canonical was accepted
    hash: toData(tx.hash()),
    sender,
    raw,
    nonce: tx.nonce,
    gasLimit: tx.gasLimit,
    maxFeePerGas: is1559 ? t.maxFeePerGas! : t.gasPrice!,
    maxPriorityFeePerGas: is1559 ? t.maxPriorityFeePerGas! : t.gasPrice!,
    receivedAt,
  }
}

function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err)
  return msg.split('\n')[0]!.slice(0, 200)
}
