import { parseQuantity } from '../../primitives/hex.js'
import { receiptsForDeposits } from '../depositReceipts.js'
import { txsOf } from '../../execution/executeTx.js'
import type { RpcApi } from '../api.js'
import { findBlock, parseBlockRef } from '../blockTag.js'
import { formatTransaction } from '../format.js'

export function getTransactionByBlockNumberAndIndex(api: RpcApi, [block, index]: unknown[]): Record<string, unknown> | null {
  const found = findBlock(api.chain, parseBlockRef(block, api))
  const i = Number(parseQuantity(index, 'index'))
  const tx = found ? txsOf(found)[i] : undefined
  return found && tx ? formatTransaction(tx, { block: found, index: i, receipts: receiptsForDeposits(api, found) }) : null
}
