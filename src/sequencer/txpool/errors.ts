import { BaseError, RpcErrorCode } from '../../primitives/errors.js'
import type { Hex } from '../../primitives/hex.js'

/**
 * Why the pool refused a transaction. Stable across releases: match on this (or on the
 * error class), never on the message, whose text follows go-ethereum's and may carry
 * numbers.
 */
export const TxPoolRejectReason = {
  AlreadyKnown: 'AlreadyKnown',
  TxTypeNotSupported: 'TxTypeNotSupported',
  OversizedData: 'OversizedData',
  MaxInitCodeSizeExceeded: 'MaxInitCodeSizeExceeded',
  GasLimitTooHigh: 'GasLimitTooHigh',
  ExceedsBlockGasLimit: 'ExceedsBlockGasLimit',
  FeeCapVeryHigh: 'FeeCapVeryHigh',
  TipVeryHigh: 'TipVeryHigh',
  TipAboveFeeCap: 'TipAboveFeeCap',
  InvalidSender: 'InvalidSender',
  UnprotectedTx: 'UnprotectedTx',
  NonceMax: 'NonceMax',
  IntrinsicGasTooLow: 'IntrinsicGasTooLow',
  FloorDataGasTooLow: 'FloorDataGasTooLow',
  GasPriceBelowMinimum: 'GasPriceBelowMinimum',
  FeeCapTooLow: 'FeeCapTooLow',
  NonceTooLow: 'NonceTooLow',
  InsufficientFunds: 'InsufficientFunds',
  AccountLimitExceeded: 'AccountLimitExceeded',
  ReplaceUnderpriced: 'ReplaceUnderpriced',
  Underpriced: 'Underpriced',
  TxPoolOverflow: 'TxPoolOverflow',
  FutureReplacePending: 'FutureReplacePending',
  JournalWriteFailed: 'JournalWriteFailed',
} as const
export type TxPoolRejectReason = (typeof TxPoolRejectReason)[keyof typeof TxPoolRejectReason]

/**
 * A transaction the pool refused. The message is go-ethereum's, word for word, so
 * wallets and libraries that parse geth's answers (viem, ethers) keep working; the
 * JSON-RPC layer returns it unchanged with code -32000 as geth does.
 */
export abstract class TxPoolError extends BaseError {
  override name = 'TxPoolError'
  abstract readonly reason: TxPoolRejectReason
  constructor(message: string) {
    super(message, { rpcCode: RpcErrorCode.Server })
  }
}

/** geth `txpool.ErrAlreadyKnown`: the pool already holds a transaction with this hash. */
export class AlreadyKnownError extends TxPoolError {
  override name = 'AlreadyKnownError'
  readonly reason = TxPoolRejectReason.AlreadyKnown
  constructor(readonly hash: Hex) {
    super('already known')
  }
}

/** geth `core.ErrTxTypeNotSupported`, either not handled by this pool or not yet forked in. */
export class TxTypeNotSupportedError extends TxPoolError {
  override name = 'TxTypeNotSupportedError'
  readonly reason = TxPoolRejectReason.TxTypeNotSupported
  constructor(
    readonly txType: number,
    /** The fork that enables the type, when the type exists but is not active yet. */
    readonly fork?: string,
  ) {
    super(
      fork === undefined
        ? `transaction type not supported: tx type ${txType} not supported by this pool`
        : `transaction type not supported: type ${txType} rejected, pool not yet in ${fork}`,
    )
  }
}

/** geth `txpool.ErrOversizedData`: the encoded transaction is larger than the pool accepts. */
export class OversizedDataError extends TxPoolError {
  override name = 'OversizedDataError'
  readonly reason = TxPoolRejectReason.OversizedData
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super(`oversized data: transaction size ${size}, limit ${limit}`)
  }
}

/** geth `core.ErrMaxInitCodeSizeExceeded` (EIP-3860). */
export class MaxInitCodeSizeExceededError extends TxPoolError {
  override name = 'MaxInitCodeSizeExceededError'
  readonly reason = TxPoolRejectReason.MaxInitCodeSizeExceeded
  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super(`max initcode size exceeded: code size ${size}, limit ${limit}`)
  }
}

/** geth `core.ErrGasLimitTooHigh`: the EIP-7825 per-transaction gas cap. */
export class GasLimitTooHighError extends TxPoolError {
  override name = 'GasLimitTooHighError'
  readonly reason = TxPoolRejectReason.GasLimitTooHigh
  constructor(
    readonly cap: bigint,
    readonly gas: bigint,
  ) {
    super(`transaction gas limit too high (cap: ${cap}, tx: ${gas})`)
  }
}

/** geth `txpool.ErrGasLimit`: more gas than the head block's gas limit. */
export class ExceedsBlockGasLimitError extends TxPoolError {
  override name = 'ExceedsBlockGasLimitError'
  readonly reason = TxPoolRejectReason.ExceedsBlockGasLimit
  constructor() {
    super('exceeds block gas limit')
  }
}

/** geth `core.ErrFeeCapVeryHigh`. */
export class FeeCapVeryHighError extends TxPoolError {
  override name = 'FeeCapVeryHighError'
  readonly reason = TxPoolRejectReason.FeeCapVeryHigh
  constructor() {
    super('max fee per gas higher than 2^256-1')
  }
}

/** geth `core.ErrTipVeryHigh`. */
export class TipVeryHighError extends TxPoolError {
  override name = 'TipVeryHighError'
  readonly reason = TxPoolRejectReason.TipVeryHigh
  constructor() {
    super('max priority fee per gas higher than 2^256-1')
  }
}

/** geth `core.ErrTipAboveFeeCap`. */
export class TipAboveFeeCapError extends TxPoolError {
  override name = 'TipAboveFeeCapError'
  readonly reason = TxPoolRejectReason.TipAboveFeeCap
  constructor() {
    super('max priority fee per gas higher than max fee per gas')
  }
}

/**
 * geth `txpool.ErrInvalidSender` wrapping `types.ErrInvalidChainId`: the transaction is
 * signed for another chain.
 */
export class InvalidChainIdError extends TxPoolError {
  override name = 'InvalidChainIdError'
  readonly reason = TxPoolRejectReason.InvalidSender
  constructor(
    readonly have: bigint,
    readonly want: bigint,
  ) {
    super(`invalid sender: invalid chain id for signer: have ${have} want ${want}`)
  }
}

/**
 * A legacy transaction without EIP-155 replay protection, refused only when the pool
 * is configured with `allowUnprotectedTxs: false`. The wording is geth's RPC refusal
 * (`--rpc.allow-unprotected-txs` unset).
 */
export class UnprotectedTxError extends TxPoolError {
  override name = 'UnprotectedTxError'
  readonly reason = TxPoolRejectReason.UnprotectedTx
  constructor() {
    super('only replay-protected (EIP-155) transactions allowed over RPC')
  }
}

/** geth `core.ErrNonceMax` (EIP-2681). */
export class NonceMaxError extends TxPoolError {
  override name = 'NonceMaxError'
  readonly reason = TxPoolRejectReason.NonceMax
  constructor() {
    super('nonce has max value')
  }
}

/** geth `core.ErrIntrinsicGas`. */
export class IntrinsicGasTooLowError extends TxPoolError {
  override name = 'IntrinsicGasTooLowError'
  readonly reason = TxPoolRejectReason.IntrinsicGasTooLow
  constructor(
    readonly gas: bigint,
    readonly minimum: bigint,
  ) {
    super(`intrinsic gas too low: gas ${gas}, minimum needed ${minimum}`)
  }
}

/** geth `core.ErrFloorDataGas` (EIP-7623 calldata floor). */
export class FloorDataGasTooLowError extends TxPoolError {
  override name = 'FloorDataGasTooLowError'
  readonly reason = TxPoolRejectReason.FloorDataGasTooLow
  constructor(
    readonly gas: bigint,
    readonly minimum: bigint,
  ) {
    super(`insufficient gas for floor data gas cost: gas ${gas}, minimum needed ${minimum}`)
  }
}

/** geth `txpool.ErrTxGasPriceTooLow`: the tip is below the pool's configured minimum. */
export class GasPriceBelowMinimumError extends TxPoolError {
  override name = 'GasPriceBelowMinimumError'
  readonly reason = TxPoolRejectReason.GasPriceBelowMinimum
  constructor(
    readonly tip: bigint,
    readonly minimum: bigint,
  ) {
    super(`transaction gas price below minimum: gas tip cap ${tip}, minimum needed ${minimum}`)
  }
}

/**
 * geth `core.ErrFeeCapTooLow`, formatted as geth's state transition does (geth's pool
 * admits such transactions; this one refuses them, see `TxPool`).
 */
export class FeeCapTooLowError extends TxPoolError {
  override name = 'FeeCapTooLowError'
  readonly reason = TxPoolRejectReason.FeeCapTooLow
  constructor(
    /** EIP-55 checksummed, as geth prints it. */
    readonly address: string,
    readonly maxFeePerGas: bigint,
    readonly baseFee: bigint,
  ) {
    super(`max fee per gas less than block base fee: address ${address}, maxFeePerGas: ${maxFeePerGas}, baseFee: ${baseFee}`)
  }
}

/** geth `core.ErrNonceTooLow`, as geth's pool formats it. */
export class NonceTooLowError extends TxPoolError {
  override name = 'NonceTooLowError'
  readonly reason = TxPoolRejectReason.NonceTooLow
  constructor(
    readonly next: bigint,
    readonly nonce: bigint,
  ) {
    super(`nonce too low: next nonce ${next}, tx nonce ${nonce}`)
  }
}

/**
 * geth `core.ErrInsufficientFunds`. `kind` says which of geth's three checks failed:
 * the transaction alone, the transaction on top of the sender's pending ones, or a
 * replacement's extra cost on top of them.
 */
export class InsufficientFundsError extends TxPoolError {
  override name = 'InsufficientFundsError'
  readonly reason = TxPoolRejectReason.InsufficientFunds
  constructor(
    readonly kind: 'tx' | 'queued' | 'bumped',
    readonly balance: bigint,
    /** Cost of the transaction (for `bumped`: the extra cost over the replaced one). */
    readonly cost: bigint,
    /** Cost of the sender's pending transactions already counted (0 for `tx`). */
    readonly spent: bigint,
  ) {
    const overshot = spent + cost - balance
    const head = 'insufficient funds for gas * price + value'
    super(
      kind === 'tx'
        ? `${head}: balance ${balance}, tx cost ${cost}, overshot ${overshot}`
        : kind === 'queued'
          ? `${head}: balance ${balance}, queued cost ${spent}, tx cost ${cost}, overshot ${overshot}`
          : `${head}: balance ${balance}, queued cost ${spent}, tx bumped ${cost}, overshot ${overshot}`,
    )
  }
}

/** geth `txpool.ErrAccountLimitExceeded`: the sender already has `maxPerSender` txs pooled. */
export class AccountLimitExceededError extends TxPoolError {
  override name = 'AccountLimitExceededError'
  readonly reason = TxPoolRejectReason.AccountLimitExceeded
  constructor(readonly pooled: number) {
    super(`account limit exceeded: pooled ${pooled} txs`)
  }
}

/** geth `txpool.ErrReplaceUnderpriced`: same sender and nonce without the required bump. */
export class ReplaceUnderpricedError extends TxPoolError {
  override name = 'ReplaceUnderpricedError'
  readonly reason = TxPoolRejectReason.ReplaceUnderpriced
  constructor() {
    super('replacement transaction underpriced')
  }
}

/** geth `txpool.ErrUnderpriced`: the pool is full and this transaction would be its cheapest. */
export class UnderpricedError extends TxPoolError {
  override name = 'UnderpricedError'
  readonly reason = TxPoolRejectReason.Underpriced
  constructor() {
    super('transaction underpriced')
  }
}

/** geth `legacypool.ErrTxPoolOverflow`: the pool is full and no room can be made. */
export class TxPoolOverflowError extends TxPoolError {
  override name = 'TxPoolOverflowError'
  readonly reason = TxPoolRejectReason.TxPoolOverflow
  constructor() {
    super('txpool is full')
  }
}

/** geth `txpool.ErrFutureReplacePending`: a gapped transaction may not evict an executable one. */
export class FutureReplacePendingError extends TxPoolError {
  override name = 'FutureReplacePendingError'
  readonly reason = TxPoolRejectReason.FutureReplacePending
  constructor() {
    super('future transaction tries to replace pending')
  }
}

/**
 * The pool could not record the transaction in its journal (storage failed, e.g. a full
 * disk), so it refused it rather than acknowledge what a restart could lose. Not a geth
 * error: geth journals only its local transactions and logs a failed write.
 */
export class JournalWriteError extends TxPoolError {
  override name = 'JournalWriteError'
  readonly reason = TxPoolRejectReason.JournalWriteFailed
  constructor(cause: unknown) {
    super(`transaction not accepted: the pool's journal could not record it (${cause instanceof Error ? cause.message : String(cause)})`)
  }
}
