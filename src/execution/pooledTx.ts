import type { TypedTransaction } from '@ethereumjs/tx'
import type { Hex } from '../primitives/hex.js'

/**
 * A decoded, signature-checked transaction as it travels from ingest (RPC) through the
 * pool into a block. Decoding and sender recovery happen once, at ingest.
 */
export interface PooledTx {
  readonly tx: TypedTransaction
  /** keccak of the serialized transaction, 0x-hex lowercase. */
  readonly hash: Hex
  /** Recovered sender, 0x-hex lowercase. */
  readonly sender: Hex
  /** The canonical encoding (typed envelope or legacy RLP) as received. */
  readonly raw: Uint8Array
  readonly nonce: bigint
  readonly gasLimit: bigint
  /** maxFeePerGas (gasPrice for legacy/2930). */
  readonly maxFeePerGas: bigint
  /** maxPriorityFeePerGas (gasPrice for legacy/2930). */
  readonly maxPriorityFeePerGas: bigint
  /** Wall-clock ms when the pool first saw it; breaks ordering ties (earlier first). */
  readonly receivedAt: number
}

/** The tip a transaction pays per gas at `baseFee`, or -1n if it cannot pay the base fee. */
export function effectiveTip(ptx: PooledTx, baseFee: bigint): bigint {
  if (ptx.maxFeePerGas < baseFee) return -1n
  const room = ptx.maxFeePerGas - baseFee
  return room < ptx.maxPriorityFeePerGas ? room : ptx.maxPriorityFeePerGas
}
