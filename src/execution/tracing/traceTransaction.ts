import type { Block } from '@ethereumjs/block'
import type { TypedTransaction } from '@ethereumjs/tx'
import type { Address } from '@ethereumjs/util'
import { runTx, type VM } from '@ethereumjs/vm'
import { InvalidParamsError } from '../../primitives/errors.js'
import { createCallTracer, type CallFrame, type CallTracerConfig } from './callTracer.js'

/**
 * `debug_traceTransaction` with `tracer: 'callTracer'`: runs `tx` in `block` on top of
 * whatever state `vm`'s state manager holds (the caller sets it to the state before the
 * transaction, i.e. after the block's earlier transactions) and returns geth's call
 * frame. The run changes that state like any `runTx`; rejections of the transaction
 * itself (nonce, balance, gas limit) throw as `runTx` throws them.
 */
export async function traceTransaction(
  vm: VM,
  tx: TypedTransaction,
  block: Block | undefined,
  tracerConfig: CallTracerConfig = {},
): Promise<CallFrame> {
  return runTraced(vm, tx, tracerConfig, () => runTx(vm, { tx, block, skipHardForkValidation: true }))
}

/** How {@link traceCall} runs its unsigned transaction. */
export interface TraceCallOptions {
  /**
   * The sender. Set on the transaction as its `getSenderAddress()`, so the transaction
   * must have been created with `freeze: false`. Omit it only for a signed transaction.
   */
  from?: Address
  /** Skip the sender's nonce check (default true: a call has no nonce of its own). */
  skipNonce?: boolean
  /** Credit the sender what the gas and value cost if it lacks it (default false). */
  skipBalance?: boolean
  /** Allow a gas limit above the block's (default false). */
  skipBlockGasLimitValidation?: boolean
}

/**
 * `debug_traceCall` with `tracer: 'callTracer'`: traces a message that has no signature.
 * The caller builds it as an unsigned transaction, e.g.
 * `createTx({ to, data, value, gasLimit, gasPrice: 0n }, { common, freeze: false })`, and
 * names its sender in `options.from`. `runTx` still holds the price to the block's base
 * fee, so a call priced at 0 needs a block with `baseFeePerGas: 0n` (geth drops the base
 * fee for such calls too). Like {@link traceTransaction} it runs on the state in `vm` and
 * changes it; run it on a copy (or inside a checkpoint the caller reverts) to leave the
 * state as it was.
 */
export async function traceCall(
  vm: VM,
  tx: TypedTransaction,
  block: Block | undefined,
  tracerConfig: CallTracerConfig = {},
  options: TraceCallOptions = {},
): Promise<CallFrame> {
  const from = options.from
  if (from !== undefined) {
    if (Object.isFrozen(tx)) {
      throw new InvalidParamsError('traceCall: the transaction must be created with `freeze: false` to set its sender')
    }
    Object.defineProperty(tx, 'getSenderAddress', { value: () => from, configurable: true, writable: true })
  }
  return runTraced(vm, tx, tracerConfig, () =>
    runTx(vm, {
      tx,
      block,
      skipHardForkValidation: true,
      skipNonce: options.skipNonce ?? true,
      skipBalance: options.skipBalance ?? false,
      skipBlockGasLimitValidation: options.skipBlockGasLimitValidation ?? false,
    }),
  )
}

async function runTraced(
  vm: VM,
  tx: TypedTransaction,
  tracerConfig: CallTracerConfig,
  run: () => Promise<{ totalGasSpent: bigint }>,
): Promise<CallFrame> {
  const tracer = createCallTracer(tracerConfig)
  tracer.txStart(tx.gasLimit)
  tracer.attach(vm.evm)
  try {
    const result = await run()
    tracer.txEnd(result.totalGasSpent)
  } finally {
    tracer.detach(vm.evm)
  }
  return tracer.result()
}
