import { fastLzCompressedLength } from '../primitives/fastlz.js'

/**
 * The OP Stack L1 data fee as of Fjord (specs: protocol/fjord/exec-engine.md, "Fjord L1-Cost
 * fee changes (FastLZ estimator)"; reference: op-geth core/types/rollup_cost.go
 * `NewL1CostFuncFjord` and `estimatedDASizeScaled`):
 *
 *   l1FeeScaled         = baseFeeScalar * l1BaseFee * 16 + blobBaseFeeScalar * l1BlobBaseFee
 *   estimatedSizeScaled = max(minTransactionSize * 1e6, intercept + fastlzCoef * fastlzSize)
 *   l1Fee               = estimatedSizeScaled * l1FeeScaled / 1e12          (floor)
 *   l1GasUsed           = estimatedSizeScaled * 16 / 1e6                    (floor; the receipt field)
 *
 * `fastlzSize` is the FastLZ length of the full signed transaction encoding (EIP-2718
 * envelope for typed transactions, RLP for legacy ones). All arithmetic is unbounded
 * integer arithmetic; every operand is non-negative once the max() is taken.
 */

export interface L1FeeParams {
  l1BaseFee: bigint
  l1BlobBaseFee: bigint
  /** Scaled by 1e6 (uint32 on chain). */
  baseFeeScalar: bigint
  /** Scaled by 1e6 (uint32 on chain). */
  blobBaseFeeScalar: bigint
}

export interface L1Cost {
  l1GasUsed: bigint
  l1Fee: bigint
}

/** Fjord regression intercept, scaled by 1e6 (negative). */
export const L1_COST_INTERCEPT = -42_585_600n
/** Fjord regression slope per FastLZ byte, scaled by 1e6. */
export const L1_COST_FASTLZ_COEF = 836_500n
/** Lower bound on the estimated size, in bytes. */
export const MIN_TRANSACTION_SIZE = 100n
const MIN_TRANSACTION_SIZE_SCALED = MIN_TRANSACTION_SIZE * 1_000_000n
const FJORD_DIVISOR = 1_000_000_000_000n
/** EIP-2028 calldata gas per non-zero byte, which Fjord's l1GasUsed is expressed in. */
const TX_DATA_NON_ZERO_GAS = 16n

/** OP Mainnet's Ecotone `baseFeeScalar`, the dev default. */
export const DEFAULT_BASE_FEE_SCALAR = 1368n
/** OP Mainnet's Ecotone `blobBaseFeeScalar`, the dev default. */
export const DEFAULT_BLOB_BASE_FEE_SCALAR = 810949n

/** OP Stack deposit transaction type. */
export const DEPOSIT_TX_TYPE = 0x7e

const ZERO_COST: L1Cost = Object.freeze({ l1GasUsed: 0n, l1Fee: 0n })

/** Whether `raw` is a deposit transaction (type 0x7e), which pays no L1 data fee. */
export function isDepositTx(raw: Uint8Array): boolean {
  return raw[0] === DEPOSIT_TX_TYPE
}

/**
 * The L1 data fee and L1 gas used of a signed transaction. Deposits pay nothing; so does
 * an empty input (op-geth charges nothing when it has no rollup cost data).
 */
export function l1CostOf(rawTx: Uint8Array, p: L1FeeParams): L1Cost {
  if (rawTx.length === 0 || isDepositTx(rawTx)) return { ...ZERO_COST }
  return l1CostOfFastLzSize(fastLzCompressedLength(rawTx), p)
}

/** The Fjord cost for a known FastLZ size (for callers that cache the size, and for tests). */
export function l1CostOfFastLzSize(fastLzSize: number | bigint, p: L1FeeParams): L1Cost {
  const size = estimatedSizeScaled(BigInt(fastLzSize))
  const feeScaled = p.baseFeeScalar * p.l1BaseFee * 16n + p.blobBaseFeeScalar * p.l1BlobBaseFee
  return {
    l1GasUsed: (size * TX_DATA_NON_ZERO_GAS) / 1_000_000n,
    l1Fee: (size * feeScaled) / FJORD_DIVISOR,
  }
}

/** Fjord's estimated DA size of a transaction, scaled by 1e6. */
export function estimatedSizeScaled(fastLzSize: bigint): bigint {
  const estimate = L1_COST_INTERCEPT + L1_COST_FASTLZ_COEF * fastLzSize
  return estimate < MIN_TRANSACTION_SIZE_SCALED ? MIN_TRANSACTION_SIZE_SCALED : estimate
}
