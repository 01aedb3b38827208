import { RLP } from '@ethereumjs/rlp'
import type { TxReceipt } from '@ethereumjs/vm'
import { encodeReceipt } from '@ethereumjs/vm'
import { bigIntToBytes, bytesToBigInt } from '../primitives/hex.js'
import { DEPOSIT_RECEIPT_VERSION, DEPOSIT_TX_TYPE } from './depositTx.js'

/** A log as stored: [address, topics, data]. */
export type RawLog = [Uint8Array, Uint8Array[], Uint8Array]

/** A consensus receipt decoded from storage. */
export interface StoredReceipt {
  type: number
  /** 1/0 post-Byzantium; undefined pre-Byzantium (then `root` is set). */
  status: 0 | 1 | undefined
  root: Uint8Array | undefined
  cumulativeGasUsed: bigint
  logsBloom: Uint8Array
  logs: RawLog[]
  /** Deposit receipts: the sender's nonce before the deposit, and the receipt version. */
  depositNonce?: bigint
  depositReceiptVersion?: bigint
}

/** One transaction's receipt with what its type adds to the consensus encoding. */
export interface ReceiptToEncode {
  receipt: TxReceipt
  type: number
  depositNonce?: bigint
}

/**
 * Consensus encodings of a block's receipts (what the receipts root commits to).
 * Deposit receipts append the deposit nonce and receipt version (OP Canyon).
 */
export function encodeBlockReceipts(receipts: readonly ReceiptToEncode[]): Uint8Array[] {
  return receipts.map(({ receipt, type, depositNonce }) => {
    if (type !== DEPOSIT_TX_TYPE) return encodeReceipt(receipt, type as never)
    const r = receipt as TxReceipt & { status: 0 | 1 }
    const body = RLP.encode([
      r.status === 1 ? Uint8Array.of(1) : new Uint8Array(0),
      bigIntToBytes(r.cumulativeBlockGasUsed),
      r.bitvector,
      r.logs as never,
      bigIntToBytes(depositNonce ?? 0n),
      bigIntToBytes(DEPOSIT_RECEIPT_VERSION),
    ])
    const out = new Uint8Array(body.length + 1)
    out[0] = DEPOSIT_TX_TYPE
    out.set(body, 1)
    return out
  })
}

export function packReceipts(encoded: readonly Uint8Array[]): Uint8Array {
  return RLP.encode(encoded as Uint8Array[])
}

export function unpackReceipts(packed: Uint8Array): StoredReceipt[] {
  const items = RLP.decode(packed) as Uint8Array[]
  return items.map(decodeReceipt)
}

export function decodeReceipt(bytes: Uint8Array): StoredReceipt {
  let type = 0
  let body = bytes
  if (bytes[0]! < 0x80) {
    type = bytes[0]!
    body = bytes.subarray(1)
  }
  const [statusOrRoot, cumGas, bloom, logs, depositNonce, depositVersion] = RLP.decode(body) as [
    Uint8Array,
    Uint8Array,
    Uint8Array,
    RawLog[],
    Uint8Array?,
    Uint8Array?,
  ]
  const isRoot = statusOrRoot.length === 32
  return {
    type,
    status: isRoot ? undefined : statusOrRoot.length === 0 ? 0 : (statusOrRoot[0] as 0 | 1),
    root: isRoot ? statusOrRoot : undefined,
    cumulativeGasUsed: bytesToBigInt(cumGas),
    logsBloom: bloom,
    logs,
    ...(type === DEPOSIT_TX_TYPE && depositNonce !== undefined
      ? { depositNonce: bytesToBigInt(depositNonce), depositReceiptVersion: bytesToBigInt(depositVersion ?? new Uint8Array(0)) }
      : {}),
  }
}
