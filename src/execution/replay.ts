import type { Block } from '@ethereumjs/block'
import type { TypedTransaction } from '@ethereumjs/tx'
import type { VM } from '@ethereumjs/vm'
import { NotFoundError } from '../primitives/errors.js'
import type { ChainCaller, ChainReader } from './chainReader.js'
import { installBudget, type CallBudget } from './callBudget.js'
import { executeTx, prepareForRun, txsOf, type ExecutionContext } from './executeTx.js'
import { l1FeeParamsOf, l1InfoOf } from './l1Info.js'
import { accumulateParentBeaconBlockRoot, accumulateParentBlockHash } from './systemCalls.js'

/** How the transactions of `block` were executed: its L1 data-fee parameters, if settled. */
export function executionContextOf(block: Block): ExecutionContext {
  const info = l1InfoOf(txsOf(block)[0])
  return { block, l1Fee: info ? l1FeeParamsOf(info) : undefined }
}

/**
 * Re-executes `block` on its parent's state up to (not including) transaction `index`,
 * on a private VM, and prepares that transaction as the block ran it (a deposit's mint,
 * an L1 fee): what a tracer needs to run `tx` in `block` exactly as it ran.
 */
export async function replayToTransaction(
  chain: ChainReader & ChainCaller,
  block: Block,
  index: number,
  budget?: CallBudget,
): Promise<{ vm: VM; tx: TypedTransaction; block: Block }> {
  const parent = chain.getHeaderByHash(block.header.parentHash)
  if (!parent) throw new NotFoundError(`parent of block ${block.header.number} not found`)
  const txs = txsOf(block)
  const target = txs[index]
  if (!target) throw new NotFoundError('transaction not found')
  const vm = await chain.vmAt(parent.stateRoot)
  if (budget) installBudget(vm, budget)
  vm.common.setHardforkBy({ blockNumber: block.header.number, timestamp: block.header.timestamp })
  if (vm.common.isActivatedEIP(4788)) {
    await accumulateParentBeaconBlockRoot(vm, block.header.parentBeaconBlockRoot ?? new Uint8Array(32), block.header.timestamp)
  }
  if (vm.common.isActivatedEIP(2935)) await accumulateParentBlockHash(vm, block.header.number, block.header.parentHash)
  const ctx = executionContextOf(block)
  let gasUsed = 0n
  for (let i = 0; i < index; i++) {
    const res = await executeTx(vm, txs[i]!, txs[i]!.serialize(), ctx, gasUsed)
    gasUsed += res.receiptGasSpent
  }
  const { message, block: context } = await prepareForRun(vm, target, ctx)
  return { vm, tx: message, block: context }
}
