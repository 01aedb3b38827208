import type { Block } from '@ethereumjs/block'
import type { TypedTransaction } from '@ethereumjs/tx'
import { runTx, type VM } from '@ethereumjs/vm'
import { NotFoundError } from '../primitives/errors.js'
import type { Chain } from './chain.js'
import { accumulateParentBeaconBlockRoot, accumulateParentBlockHash } from './systemCalls.js'

/**
 * Re-executes `block` on its parent's state up to (not including) transaction `index`,
 * on a private VM: the state a tracer needs to trace that transaction as it ran.
 */
export async function replayToTransaction(chain: Chain, block: Block, index: number): Promise<{ vm: VM; tx: TypedTransaction }> {
  const parent = chain.getHeaderByHash(block.header.parentHash)
  if (!parent) throw new NotFoundError(`parent of block ${block.header.number} not found`)
  const tx = block.transactions[index]
  if (!tx) throw new NotFoundError('transaction not found')
  const vm = await chain.vmAt(parent.stateRoot)
  vm.common.setHardforkBy({ blockNumber: block.header.number, timestamp: block.header.timestamp })
  if (vm.common.isActivatedEIP(4788)) {
    await accumulateParentBeaconBlockRoot(vm, block.header.parentBeaconBlockRoot ?? new Uint8Array(32), block.header.timestamp)
  }
  if (vm.common.isActivatedEIP(2935)) await accumulateParentBlockHash(vm, block.header.number, block.header.parentHash)
  let gasUsed = 0n
  for (let i = 0; i < index; i++) {
    const res = await runTx(vm, { tx: block.transactions[i]!, block, blockGasUsed: gasUsed, skipHardForkValidation: true })
    gasUsed += res.totalGasSpent
  }
  return { vm, tx }
}
