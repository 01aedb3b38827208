import type { Common } from '@ethereumjs/common'
import { TransactionType } from '@ethereumjs/tx'
import { toChecksumAddress } from '@ethereumjs/util'
import type { PooledTx } from '../../execution/pooledTx.js'
import type { TxEnvelope } from '../../execution/decodeTx.js'
import {
  ExceedsBlockGasLimitError,
  FeeCapTooLowError,
  FeeCapVeryHighError,
  FloorDataGasTooLowError,
  GasLimitTooHighError,
  GasPriceBelowMinimumError,
  IntrinsicGasTooLowError,
  InvalidChainIdError,
  MaxInitCodeSizeExceededError,
  NonceMaxError,
  OversizedDataError,
  TipAboveFeeCapError,
  TipVeryHighError,
  TxTypeNotSupportedError,
  UnprotectedTxError,
} from './errors.js'
import type { TxPoolOptions } from './options.js'

import { MAX_TX_GAS } from '../../execution/limits.js'

export { MAX_TX_GAS }
/** EIP-3860 init code limit, and its EIP-7954 successor. */
const MAX_INIT_CODE_SIZE = 49_152
const MAX_INIT_CODE_SIZE_7954 = 131_072
const MAX_UINT256 = (1n << 256n) - 1n
const MAX_UINT64 = (1n << 64n) - 1n

export interface BasicValidationContext {
  readonly chainId: bigint
  /** The chain spec at the head: decides which rules are active. */
  readonly common: Common
  readonly options: TxPoolOptions
  readonly baseFee: bigint
  readonly blockGasLimit: bigint
}

/**
 * The checks that need no state, in the order geth's `txpool.ValidateTransaction` runs
 * them (so a tx with several faults gets geth's error), followed by the base-fee check
 * geth's pool does not make. Throws the first failure as a `TxPoolError`.
 */
export function validateTxBasics(ptx: PooledTx, ctx: BasicValidationContext): void {
  const { tx } = ptx
  const { common, options } = ctx
  const type = tx.type as number

  if (
    type !== TransactionType.Legacy &&
    type !== TransactionType.AccessListEIP2930 &&
    type !== TransactionType.FeeMarketEIP1559 &&
    type !== TransactionType.EOACodeEIP7702
  ) {
    throw new TxTypeNotSupportedError(type) // blob txs belong to a blob pool, which Plexus does not run
  }
  if (ptx.raw.length > options.maxTxBytes) {
    throw new OversizedDataError(ptx.raw.length, options.maxTxBytes)
  }
  if (type === TransactionType.AccessListEIP2930 && !common.isActivatedEIP(2930)) {
    throw new TxTypeNotSupportedError(type, 'Berlin')
  }
  if (type === TransactionType.FeeMarketEIP1559 && !common.isActivatedEIP(1559)) {
    throw new TxTypeNotSupportedError(type, 'London')
  }
  if (type === TransactionType.EOACodeEIP7702 && !common.isActivatedEIP(7702)) {
    throw new TxTypeNotSupportedError(type, 'Prague')
  }
  if (tx.to === undefined && common.isActivatedEIP(3860)) {
    const limit = common.isActivatedEIP(7954) ? MAX_INIT_CODE_SIZE_7954 : MAX_INIT_CODE_SIZE
    if (tx.data.length > limit) throw new MaxInitCodeSizeExceededError(tx.data.length, limit)
  }
  if (common.isActivatedEIP(7825) && ptx.gasLimit > MAX_TX_GAS) {
    throw new GasLimitTooHighError(MAX_TX_GAS, ptx.gasLimit)
  }
  if (ctx.blockGasLimit < ptx.gasLimit) {
    throw new ExceedsBlockGasLimitError()
  }
  if (ptx.maxFeePerGas > MAX_UINT256) throw new FeeCapVeryHighError()
  if (ptx.maxPriorityFeePerGas > MAX_UINT256) throw new TipVeryHighError()
  if (ptx.maxFeePerGas < ptx.maxPriorityFeePerGas) {
    throw new TipAboveFeeCapError()
  }
  checkChainId(ptx, ctx)
  if (ptx.nonce >= MAX_UINT64) {
    throw new NonceMaxError()
  }
  const intrinsic = tx.getIntrinsicGas()
  if (ptx.gasLimit < intrinsic) {
    throw new IntrinsicGasTooLowError(ptx.gasLimit, intrinsic)
  }
  if (common.isActivatedEIP(7623)) {
    const floor = tx.getMinimumGasLimit()
    if (ptx.gasLimit < floor) throw new FloorDataGasTooLowError(ptx.gasLimit, floor)
  }
  if (ptx.maxPriorityFeePerGas < options.minTip) {
    throw new GasPriceBelowMinimumError(ptx.maxPriorityFeePerGas, options.minTip)
  }
  if (ptx.maxFeePerGas < ctx.baseFee) {
    throw new FeeCapTooLowError(toChecksumAddress(ptx.sender), ptx.maxFeePerGas, ctx.baseFee)
  }
}

/**
 * The checks that can run on the envelope alone, before the transaction is constructed
 * (ethereumjs' constructor would throw its own words for these): size, the EIP-7825 gas
 * cap and the chain id.
 */
export function validateEnvelope(env: TxEnvelope, ctx: Omit<BasicValidationContext, 'baseFee' | 'blockGasLimit'>): void {
  if (env.byteLength > ctx.options.maxTxBytes) throw new OversizedDataError(env.byteLength, ctx.options.maxTxBytes)
  if (ctx.common.isActivatedEIP(7825) && env.gasLimit > MAX_TX_GAS) throw new GasLimitTooHighError(MAX_TX_GAS, env.gasLimit)
  if (env.chainId === undefined) {
    if (env.type === TransactionType.Legacy && !ctx.options.allowUnprotectedTxs) throw new UnprotectedTxError()
    return
  }
  if (env.chainId !== ctx.chainId) throw new InvalidChainIdError(env.chainId, ctx.chainId)
}

/**
 * Typed txs carry their chain id; a legacy tx has one only when EIP-155 protected
 * (v = chainId × 2 + 35/36). Unprotected legacy txs (v = 27/28) pass unless the pool
 * is configured to refuse them.
 */
function checkChainId(ptx: PooledTx, ctx: BasicValidationContext): void {
  const { tx } = ptx
  if (tx.type !== TransactionType.Legacy) {
    const chainId = (tx as { chainId: bigint }).chainId
    if (chainId !== ctx.chainId) throw new InvalidChainIdError(chainId, ctx.chainId)
    return
  }
  const v = tx.v
  if (v === undefined || v === 27n || v === 28n) {
    if (!ctx.options.allowUnprotectedTxs) throw new UnprotectedTxError()
    return
  }
  const chainId = (v - 35n) / 2n
  if (chainId !== ctx.chainId) throw new InvalidChainIdError(chainId, ctx.chainId)
}
