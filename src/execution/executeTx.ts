import { createBlock, type Block } from '@ethereumjs/block'
import { createLegacyTx, type LegacyTx, type TypedTransaction } from '@ethereumjs/tx'
import { Account, Address } from '@ethereumjs/util'
import { Bloom, runTx, type RunTxResult, type TxReceipt, type VM } from '@ethereumjs/vm'
import { BaseError } from '../primitives/errors.js'
import { bigIntToBytes, hexToBytes } from '../primitives/hex.js'
import { isDepositTransaction, type DepositTransaction } from './depositTx.js'
import { isDevTransaction, type DevPatch, type DevTransaction } from './devTx.js'
import { l1CostOf, type L1FeeParams } from './l1Fee.js'
import { PREDEPLOYS } from './predeploys.js'

/** A transaction as it sits in a block: signed, a deposit derived from L1, or a dev network's dev transaction. */
export type ChainTx = TypedTransaction | DepositTransaction | DevTransaction

/** The block's transactions, deposits included (ethereumjs types them as signed only). */
export function txsOf(block: Block): readonly ChainTx[] {
  return block.transactions as readonly ChainTx[]
}

export interface ExecutionContext {
  /** The block being built or replayed (header fields the EVM sees). */
  block: Block
  /** L1 data-fee parameters of the block (settled chains); undefined charges none. */
  l1Fee: L1FeeParams | undefined
}

export interface ExecutedTx {
  receipt: TxReceipt
  /** Gas the transaction counts against the block gas limit. */
  blockGasSpent: bigint
  /** Gas the receipt reports (cumulative gas advances by this). */
  receiptGasSpent: bigint
  bloom: Bloom
  /** Deposits: the sender's nonce before the deposit ran (part of its receipt). */
  depositNonce?: bigint
  /** Signed transactions on a settled chain: the L1 data fee charged. */
  l1Fee?: bigint
  /** What the call returned, or its revert data (signed transactions). */
  output?: Uint8Array
}

/** A signed transaction that cannot pay its L1 data fee on top of its gas and value. */
export class InsufficientL1FeeError extends BaseError {
  override name = 'InsufficientL1FeeError'
}

const L1_FEE_VAULT = new Address(hexToBytes(PREDEPLOYS.L1FeeVault))

/**
 * Runs one transaction of a block on `vm`'s state. Deposits always succeed in the sense
 * of being included: their mint and nonce bump persist even if the call fails or is
 * invalid (then it uses its whole gas limit, as OP Regolith). Signed transactions on a
 * settled chain pay the L1 data fee first, to the L1 fee vault; one that cannot throws
 * and leaves the state as it was, like any invalid transaction.
 *
 * @param cumulativeGasUsed receipt gas of the block's earlier transactions
 */
export async function executeTx(
  vm: VM,
  tx: ChainTx,
  raw: Uint8Array,
  ctx: ExecutionContext,
  cumulativeGasUsed: bigint,
): Promise<ExecutedTx> {
  if (isDepositTransaction(tx)) return executeDeposit(vm, tx, ctx.block, cumulativeGasUsed)
  if (isDevTransaction(tx)) {
    if (tx.body.kind === 'patch') return applyDevPatch(vm, tx.body, cumulativeGasUsed)
    // A base fee acts on the block's header (see `OpenBlock.addTx`), not on the state.
    if (tx.body.kind === 'baseFee') return zeroGasReceipt(vm, cumulativeGasUsed)
    // An impersonated call runs exactly like the signed transaction it stands for.
    return executeSigned(vm, tx.message(vm.common), raw, ctx, cumulativeGasUsed)
  }
  return executeSigned(vm, tx, raw, ctx, cumulativeGasUsed)
}

async function executeSigned(
  vm: VM,
  tx: TypedTransaction,
  raw: Uint8Array,
  ctx: ExecutionContext,
  cumulativeGasUsed: bigint,
): Promise<ExecutedTx> {
  const fee = ctx.l1Fee ? l1CostOf(raw, ctx.l1Fee).l1Fee : 0n
  const sender = tx.getSenderAddress()
  await adjustBalance(vm, sender, -fee)
  let res: RunTxResult
  try {
    res = await runTx(vm, { tx, block: ctx.block, blockGasUsed: cumulativeGasUsed, skipHardForkValidation: true })
  } catch (err) {
    // The transaction is invalid; hand the fee back so the state is as before it.
    await adjustBalance(vm, sender, fee)
    throw err
  }
  await adjustBalance(vm, L1_FEE_VAULT, fee)
  return {
    receipt: res.receipt,
    blockGasSpent: res.blockGasSpent,
    receiptGasSpent: res.totalGasSpent,
    bloom: res.bloom,
    output: res.execResult.returnValue,
    ...(ctx.l1Fee ? { l1Fee: fee } : {}),
  }
}

/**
 * Writes a dev patch into the state (anvil_setBalance and the like): no EVM, no gas; a
 * receipt with status 1 and no logs records it in the block.
 */
async function applyDevPatch(vm: VM, patch: DevPatch, cumulativeGasUsed: bigint): Promise<ExecutedTx> {
  const sm = vm.stateManager
  const address = new Address(patch.address)
  // Code first: putCode writes the account's code hash, which the fields below keep.
  if (patch.code !== undefined) {
    if ((await sm.getAccount(address)) === undefined) await sm.putAccount(address, new Account())
    await sm.putCode(address, patch.code)
  }
  if (patch.balance !== undefined || patch.nonce !== undefined) {
    const account = (await sm.getAccount(address)) ?? new Account()
    if (patch.balance !== undefined) account.balance = patch.balance
    if (patch.nonce !== undefined) account.nonce = patch.nonce
    await sm.putAccount(address, account)
  }
  for (const { slot, value } of patch.storage ?? []) {
    if ((await sm.getAccount(address)) === undefined) await sm.putAccount(address, new Account())
    await sm.putStorage(address, slot, bigIntToBytes(value))
  }
  return zeroGasReceipt(vm, cumulativeGasUsed)
}

/** What a dev transaction that runs no EVM leaves in the block: status 1, no gas, no logs. */
function zeroGasReceipt(vm: VM, cumulativeGasUsed: bigint): ExecutedTx {
  const bloom = new Bloom(undefined, vm.common)
  return {
    receipt: { status: 1, cumulativeBlockGasUsed: cumulativeGasUsed, bitvector: bloom.bitvector, logs: [] } as TxReceipt,
    blockGasSpent: 0n,
    receiptGasSpent: 0n,
    bloom,
  }
}

/**
 * Adds `delta` wei to an account (no-op for 0, so no account is touched needlessly).
 * A debit the balance cannot cover throws InsufficientL1FeeError: the only debit made
 * here is the L1 data fee.
 */
async function adjustBalance(vm: VM, address: Address, delta: bigint): Promise<void> {
  if (delta === 0n) return
  const account = (await vm.stateManager.getAccount(address)) ?? new Account()
  if (account.balance + delta < 0n) {
    throw new InsufficientL1FeeError(`insufficient funds for L1 data fee: balance ${account.balance}, L1 fee ${-delta}`)
  }
  account.balance += delta
  await vm.stateManager.putAccount(address, account)
}

/**
 * Credits the deposit's mint and returns the unsigned message `runTx` runs for it
 * (priced at 0, sender pinned) in the block context deposits run in. Used by block
 * execution and by tracers that must see the deposit run the same way.
 */
export async function prepareDeposit(
  vm: VM,
  tx: DepositTransaction,
  block: Block,
): Promise<{ message: LegacyTx; block: Block; nonce: bigint }> {
  const from = tx.getSenderAddress()
  const account = (await vm.stateManager.getAccount(from)) ?? new Account()
  if (tx.mint > 0n) {
    account.balance += tx.mint
    await vm.stateManager.putAccount(from, account)
  }
  const message = createLegacyTx(
    { nonce: account.nonce, gasPrice: 0n, gasLimit: tx.gasLimit, to: tx.to, value: tx.value, data: tx.data },
    { common: vm.common, freeze: false },
  )
  Object.defineProperty(message, 'getSenderAddress', { value: () => from })
  return { message, block: depositBlock(block), nonce: account.nonce }
}

/**
 * Puts `vm`'s state where `runTx` of the block's transaction starts (a deposit's mint
 * credited, a signed transaction's L1 fee taken) and returns what to run: for tracers
 * replaying a transaction exactly as the block ran it.
 */
export async function prepareForRun(
  vm: VM,
  tx: ChainTx,
  ctx: ExecutionContext,
): Promise<{ message: TypedTransaction; block: Block }> {
  if (isDepositTransaction(tx)) return prepareDeposit(vm, tx, ctx.block)
  if (isDevTransaction(tx)) {
    // A patch runs no EVM: there is nothing to trace (DevTxError, answered as a server error).
    const message = tx.message(vm.common)
    if (ctx.l1Fee) await adjustBalance(vm, message.getSenderAddress(), -l1CostOf(tx.serialize(), ctx.l1Fee).l1Fee)
    return { message, block: ctx.block }
  }
  // The block ran it, so the sender could pay the fee then and can now.
  if (ctx.l1Fee) await adjustBalance(vm, tx.getSenderAddress(), -l1CostOf(tx.serialize(), ctx.l1Fee).l1Fee)
  return { message: tx, block: ctx.block }
}

async function executeDeposit(vm: VM, tx: DepositTransaction, block: Block, cumulativeGasUsed: bigint): Promise<ExecutedTx> {
  const { message, block: context, nonce } = await prepareDeposit(vm, tx, block)
  const height = journalDepth(vm)
  try {
    const res = await runTx(vm, {
      tx: message,
      block: context,
      blockGasUsed: cumulativeGasUsed,
      skipHardForkValidation: true,
      skipBlockGasLimitValidation: true,
    })
    return {
      receipt: res.receipt,
      blockGasSpent: res.blockGasSpent,
      receiptGasSpent: res.totalGasSpent,
      bloom: res.bloom,
      depositNonce: nonce,
    }
  } catch {
    // Invalid as a transaction (value above the balance, gas below intrinsic, …): the
    // mint stays, the nonce advances, the whole gas limit is used, nothing else happens.
    while (journalDepth(vm) > height) await vm.evm.journal.revert()
    const from = tx.getSenderAddress()
    const account = (await vm.stateManager.getAccount(from)) ?? new Account()
    account.nonce += 1n
    await vm.stateManager.putAccount(from, account)
    const bloom = new Bloom(undefined, vm.common)
    return {
      receipt: { status: 0, cumulativeBlockGasUsed: cumulativeGasUsed + tx.gasLimit, bitvector: bloom.bitvector, logs: [] },
      blockGasSpent: tx.gasLimit,
      receiptGasSpent: tx.gasLimit,
      bloom,
      depositNonce: nonce,
    }
  }
}

// Deposits pay no gas price, so they run in the block's context with a zero base fee
// (runTx holds a message's price to the base fee). One context per block.
const depositBlocks = new WeakMap<Block, Block>()

function depositBlock(block: Block): Block {
  let context = depositBlocks.get(block)
  if (context === undefined) {
    const header = block.header
    context = createBlock(
      { header: { ...header.toJSON(), baseFeePerGas: header.baseFeePerGas === undefined ? undefined : 0n } },
      { common: block.common, freeze: false, skipConsensusFormatValidation: true },
    )
    depositBlocks.set(block, context)
  }
  return context
}

/**
 * Checkpoint depth of the EVM journal. ethereumjs keeps it private; we need it to unwind
 * after an exception escapes runTx (see ARCHITECTURE.md, known warts).
 */
export function journalDepth(vm: VM): number {
  const depth = (vm.evm.journal as unknown as { journalHeight?: unknown }).journalHeight
  if (typeof depth !== 'number') throw new Error('ethereumjs journal no longer exposes journalHeight')
  return depth
}
