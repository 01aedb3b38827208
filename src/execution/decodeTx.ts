import type { Common } from '@ethereumjs/common'
import { Capability, TransactionType, createTxFromRLP, type TypedTransaction } from '@ethereumjs/tx'
import { BaseError, RpcErrorCode } from '../primitives/errors.js'
import { toData, type Hex } from '../primitives/hex.js'
import type { PooledTx } from './pooledTx.js'
import { sharedTxCommon } from './txCommon.js'

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

/**
 * Decodes a raw transaction (typed envelope or legacy RLP), checks its signature and
 * recovers the sender once (native secp256k1 through `common.customCrypto`).
 */
export function decodeRawTransaction(raw: Uint8Array, common: Common, receivedAt = Date.now()): PooledTx {
  if (raw.length === 0) throw new TxDecodeError('typed transaction too short')
  if (raw[0]! <= 0x7f && !SUPPORTED_TYPES.has(raw[0]!)) {
    throw new TxDecodeError('transaction type not supported')
  }
  let tx: TypedTransaction
  try {
    tx = createTxFromRLP(raw, { common: sharedTxCommon(common) }) as TypedTransaction
  } catch (err) {
    throw new TxDecodeError(`rlp: ${firstLine(err)}`, err)
  }
  return toPooledTx(tx, raw, receivedAt)
}

export function toPooledTx(tx: TypedTransaction, raw: Uint8Array, receivedAt = Date.now()): PooledTx {
  if (!tx.isSigned()) throw new TxDecodeError('invalid sender: transaction is not signed')
  let sender: Hex
  try {
    sender = tx.getSenderAddress().toString() as Hex
  } catch (err) {
    throw new TxDecodeError('invalid sender', err)
  }
  const is1559 = tx.supports(Capability.EIP1559FeeMarket)
  const t = tx as TypedTransaction & { gasPrice?: bigint; maxFeePerGas?: bigint; maxPriorityFeePerGas?: bigint }
  return {
    tx,
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
