import { createBlock, type Block, type BlockHeader } from '@ethereumjs/block'
import { createTx, TransactionType, type TypedTransaction } from '@ethereumjs/tx'
import { Account, Address } from '@ethereumjs/util'
import { runTx, type RunTxResult, type VM } from '@ethereumjs/vm'
import { BaseError, RpcErrorCode } from '../primitives/errors.js'
import { toData, type Hex } from '../primitives/hex.js'
import type { ChainCaller, ChainReader } from './chainReader.js'
import { MAX_TX_GAS } from './limits.js'
import { CallTimeoutError, installBudget, type CallBudget } from './callBudget.js'
import { decodeRevertReason, toGethVmError } from './tracing/index.js'

/** A call as `eth_call` / `eth_estimateGas` take it, parsed. */
export interface CallRequest {
  from?: Uint8Array
  to?: Uint8Array
  gas?: bigint
  gasPrice?: bigint
  maxFeePerGas?: bigint
  maxPriorityFeePerGas?: bigint
  value?: bigint
  data?: Uint8Array
  nonce?: bigint
  accessList?: { address: Uint8Array; storageKeys: Uint8Array[] }[]
  authorizationList?: Uint8Array[][]
}

/** geth's state override set: replace or patch accounts for one call. */
export type StateOverrides = Map<
  string,
  {
    address: Uint8Array
    balance?: bigint
    nonce?: bigint
    code?: Uint8Array
    state?: Map<string, { slot: Uint8Array; value: Uint8Array }>
    stateDiff?: Map<string, { slot: Uint8Array; value: Uint8Array }>
  }
>

export interface SimulationResult {
  /** Execution reverted (REVERT opcode): `returnValue` carries the revert data. */
  reverted: boolean
  /** Another EVM error (out of gas, invalid opcode …), in geth's words. */
  error: string | undefined
  returnValue: Uint8Array
  gasUsed: bigint
  result: RunTxResult
}

/** `execution reverted` with the revert data, code 3 (geth). */
export class ExecutionRevertedError extends BaseError {
  override name = 'ExecutionRevertedError'
  constructor(data: Uint8Array) {
    const reason = decodeRevertReason(data)
    super(reason !== undefined ? `execution reverted: ${reason}` : 'execution reverted', {
      rpcCode: RpcErrorCode.ExecutionReverted,
      rpcData: toData(data),
    })
  }
}

/** A call that could not run or failed inside the EVM (geth: -32000). */
export class CallFailedError extends BaseError {
  override name = 'CallFailedError'
  constructor(message: string, cause?: unknown) {
    super(message, { rpcCode: RpcErrorCode.Server, cause })
  }
}

export interface SimulateOptions {
  /** Gas for calls that name none, and the ceiling for those that do (geth's RPCGasCap). */
  gasCap: bigint
  reportAccessList?: boolean
  /** Time limit of the whole request, and the yields that keep slots on time (callBudget.ts). */
  budget?: CallBudget
}

/** Per-transaction gas ceiling of the active fork (EIP-7825 from Osaka). */
export function txGasCeiling(vm: VM, blockGasLimit: bigint, gasCap: bigint): bigint {
  let ceiling = blockGasLimit < gasCap ? blockGasLimit : gasCap
  if (vm.common.isActivatedEIP(7825) && MAX_TX_GAS < ceiling) ceiling = MAX_TX_GAS
  return ceiling
}

/**
 * Runs a call on a private copy of the state at `header` (nothing is persisted), as
 * geth's eth_call does: nonce not checked, fees zero unless given, block context
 * of `header`.
 */
export interface PreparedCall {
  vm: VM
  tx: TypedTransaction
  context: Block
}

/**
 * Sets up a call on a private copy of the state at `header` (nothing is persisted), as
 * geth's eth_call does: overrides applied, fees zero unless given, block context of
 * `header`, balance checked for what the call would pay.
 */
export async function prepareCall(
  chain: ChainReader & ChainCaller,
  header: BlockHeader,
  req: CallRequest,
  overrides: StateOverrides | undefined,
  opts: SimulateOptions,
  vmIn?: VM,
): Promise<PreparedCall> {
  const vm = vmIn ?? (await chain.vmAt(header.stateRoot))
  if (opts.budget) installBudget(vm, opts.budget)
  if (overrides) await applyOverrides(vm, overrides)
  const from = new Address(req.from ?? new Uint8Array(20))
  const account = (await vm.stateManager.getAccount(from)) ?? new Account()
  // geth caps a call's gas at RPCGasCap (and, from Osaka, the per-tx cap) instead of failing.
  const ceiling = txGasCeiling(vm, header.gasLimit, opts.gasCap)
  const gasLimit = req.gas === undefined || req.gas > ceiling ? ceiling : req.gas
  const priced = req.gasPrice !== undefined || req.maxFeePerGas !== undefined || req.maxPriorityFeePerGas !== undefined
  const tx = buildUnsignedTx(vm, req, from, req.nonce ?? account.nonce, gasLimit, header.baseFeePerGas ?? 0n)

  const context = createBlock(
    {
      header: {
        ...header.toJSON(),
        // geth: a call that names no gas price runs with base fee 0 so it pays nothing.
        baseFeePerGas: header.baseFeePerGas === undefined ? undefined : priced ? header.baseFeePerGas : 0n,
        gasLimit: header.gasLimit > gasLimit ? header.gasLimit : gasLimit,
      },
    },
    { common: vm.common, freeze: false, skipConsensusFormatValidation: true },
  )
  const cost = tx.getUpfrontCost(context.header.baseFeePerGas ?? 0n)
  if (account.balance < cost) {
    throw new CallFailedError(
      `insufficient funds for gas * price + value: address ${from.toString()} have ${account.balance} want ${cost}`,
    )
  }
  return { vm, tx, context }
}

/** Runs a prepared call's transaction (the shared tail of eth_call and debug_traceCall). */
export async function runPreparedCall(call: PreparedCall, reportAccessList = false): Promise<RunTxResult> {
  try {
    return await runTx(call.vm, {
      tx: call.tx,
      block: call.context,
      skipNonce: true,
      skipBalance: false,
      skipHardForkValidation: true,
      skipBlockGasLimitValidation: true,
      reportAccessList,
    })
  } catch (err) {
    if (err instanceof CallTimeoutError) throw err
    throw new CallFailedError(cleanEjsMessage((err as Error).message), err)
  }
}

export async function simulate(
  chain: ChainReader & ChainCaller,
  header: BlockHeader,
  req: CallRequest,
  overrides: StateOverrides | undefined,
  opts: SimulateOptions,
  vmIn?: VM,
): Promise<SimulationResult> {
  const prepared = await prepareCall(chain, header, req, overrides, opts, vmIn)
  const result = await runPreparedCall(prepared, opts.reportAccessList)
  const exc = result.execResult.exceptionError
  return {
    reverted: exc?.error === 'revert',
    error: exc && exc.error !== 'revert' ? toGethVmError(exc) : undefined,
    returnValue: result.execResult.returnValue,
    gasUsed: result.totalGasSpent,
    result,
  }
}

/** The result of a call as eth_call returns it, or the error geth would give. */
export function callOutput(sim: SimulationResult): Hex {
  if (sim.reverted) throw new ExecutionRevertedError(sim.returnValue)
  if (sim.error !== undefined) throw new CallFailedError(sim.error)
  return toData(sim.returnValue)
}

/**
 * eth_estimateGas: the smallest gas limit at which the call succeeds, by binary search
 * between the gas it used and the ceiling, exact to the gas.
 */
export async function estimateGas(
  chain: ChainReader & ChainCaller,
  header: BlockHeader,
  req: CallRequest,
  overrides: StateOverrides | undefined,
  opts: SimulateOptions,
): Promise<bigint> {
  const probeVm = await chain.vmAt(header.stateRoot)
  const ceiling = txGasCeiling(probeVm, header.gasLimit, opts.gasCap)
  let hi = req.gas === undefined || req.gas > ceiling ? ceiling : req.gas
  // geth: with a gas price, the sender's balance also caps the gas.
  const first = await simulate(chain, header, { ...req, gas: hi }, overrides, opts, probeVm)
  if (first.reverted) throw new ExecutionRevertedError(first.returnValue)
  if (first.error === 'out of gas') throw new CallFailedError(`gas required exceeds allowance (${hi})`)
  if (first.error !== undefined) throw new CallFailedError(first.error)
  let lo = first.gasUsed - 1n
  // Most calls need only what they used plus the 63/64 retention of nested calls.
  const optimistic = ((first.gasUsed + first.result.gasRefund + 2300n) * 64n) / 63n
  if (optimistic < hi) {
    const sim = await simulate(chain, header, { ...req, gas: optimistic }, overrides, opts)
    if (!sim.reverted && sim.error === undefined) hi = optimistic
    else lo = optimistic
  }
  // Exact search (geth stops within 1.5%); the optimistic probe keeps it to a few runs.
  while (lo + 1n < hi) {
    const mid = (lo + hi) / 2n
    const sim = await simulate(chain, header, { ...req, gas: mid }, overrides, opts)
    if (!sim.reverted && sim.error === undefined) hi = mid
    else lo = mid
  }
  return hi
}

/** eth_createAccessList: run with access-list reporting until the list is stable. */
export async function createAccessList(
  chain: ChainReader & ChainCaller,
  header: BlockHeader,
  req: CallRequest,
  opts: SimulateOptions,
): Promise<{ accessList: { address: string; storageKeys: string[] }[]; gasUsed: bigint; error?: string }> {
  let current = req.accessList ?? []
  for (let i = 0; i < 8; i++) {
    const sim = await simulate(chain, header, { ...req, accessList: current }, undefined, { ...opts, reportAccessList: true })
    const found = (sim.result.accessList ?? []).filter((item) => {
      // geth excludes the sender, the recipient and precompiles
      const addr = item.address.toLowerCase()
      if (req.from && addr === toData(req.from)) return false
      if (req.to && addr === toData(req.to)) return false
      return !isPrecompile(addr)
    })
    const next = found.map((i) => ({ address: hexBytes(i.address), storageKeys: i.storageKeys.map(hexBytes) }))
    if (sameList(next, current)) {
      const error = sim.reverted ? 'execution reverted' : sim.error
      return { accessList: found, gasUsed: sim.gasUsed, ...(error ? { error } : {}) }
    }
    current = next
  }
  throw new CallFailedError('access list did not converge')
}

function buildUnsignedTx(
  vm: VM,
  req: CallRequest,
  from: Address,
  nonce: bigint,
  gasLimit: bigint,
  baseFee: bigint,
): TypedTransaction {
  const is1559 = req.maxFeePerGas !== undefined || req.maxPriorityFeePerGas !== undefined
  const accessList = req.accessList?.map((a) => [a.address, a.storageKeys] as [Uint8Array, Uint8Array[]])
  let data: Record<string, unknown>
  if (req.authorizationList !== undefined) {
    data = {
      type: TransactionType.EOACodeEIP7702,
      maxFeePerGas: req.maxFeePerGas ?? 0n,
      maxPriorityFeePerGas: req.maxPriorityFeePerGas ?? 0n,
      authorizationList: req.authorizationList,
    }
  } else if (is1559) {
    const maxFee = req.maxFeePerGas ?? baseFee + (req.maxPriorityFeePerGas ?? 0n)
    data = { type: TransactionType.FeeMarketEIP1559, maxFeePerGas: maxFee, maxPriorityFeePerGas: req.maxPriorityFeePerGas ?? 0n }
  } else if (accessList) {
    data = { type: TransactionType.AccessListEIP2930, gasPrice: req.gasPrice ?? 0n }
  } else {
    data = { type: TransactionType.Legacy, gasPrice: req.gasPrice ?? 0n }
  }
  let tx: TypedTransaction
  try {
    tx = createTx(
      {
        ...data,
        nonce,
        gasLimit,
        to: req.to,
        value: req.value ?? 0n,
        data: req.data ?? new Uint8Array(0),
        ...(accessList && data.type !== TransactionType.Legacy ? { accessList } : {}),
      } as never,
      { common: vm.common, freeze: false },
    ) as TypedTransaction
  } catch (err) {
    throw new CallFailedError(cleanEjsMessage((err as Error).message), err)
  }
  // The call is unsigned: pin the sender (ethereumjs reads it through this method).
  ;(tx as { getSenderAddress: () => Address }).getSenderAddress = () => from
  return tx
}

async function applyOverrides(vm: VM, overrides: StateOverrides): Promise<void> {
  const state = vm.stateManager
  for (const o of overrides.values()) {
    const address = new Address(o.address)
    const account = (await state.getAccount(address)) ?? new Account()
    if (o.balance !== undefined) account.balance = o.balance
    if (o.nonce !== undefined) account.nonce = o.nonce
    await state.putAccount(address, account)
    if (o.code !== undefined) await state.putCode(address, o.code)
    if (o.state !== undefined) {
      await state.clearStorage(address)
      for (const { slot, value } of o.state.values()) await state.putStorage(address, slot, value)
    }
    if (o.stateDiff !== undefined) {
      for (const { slot, value } of o.stateDiff.values()) await state.putStorage(address, slot, value)
    }
  }
}

/** Strips ethereumjs' appended block/tx context ("... (block=..., hash=...)"). */
function cleanEjsMessage(message: string): string {
  return message.replace(/\s*-> block number=.*$/s, '').replace(/\s*\(block=.*\)$/s, '').trim()
}

function isPrecompile(addr: string): boolean {
  const n = BigInt(addr)
  return n >= 1n && n <= 0x11n
}

function hexBytes(h: string): Uint8Array {
  return Uint8Array.from(Buffer.from(h.replace(/^0x/, ''), 'hex'))
}

function sameList(a: { address: Uint8Array; storageKeys: Uint8Array[] }[], b: typeof a): boolean {
  const key = (l: typeof a) =>
    l
      .map((i) => toData(i.address) + ':' + i.storageKeys.map(toData).sort().join(','))
      .sort()
      .join('|')
  return key(a) === key(b)
}
