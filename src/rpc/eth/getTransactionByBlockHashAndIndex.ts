import { parseHash, parseQuantity } from '../../primitives/hex.js'
import { receiptsForDeposits } from '../depositReceipts.js'
import { txsOf } from '../../execution/executeTx.js'
import type { RpcApi } from '../api.js'
import { formatTransaction } from '../format.js'

export function getTransactionByBlockHashAndIndex(api: RpcApi, [hash, index]: unknown[]): Record<string, unknown> | null {
  const block = api.chain.getBlockByHash(parseHash(hash))
  const i = Number(parseQuantity(index, 'index'))
  const tx = block ? txsOf(block)[i] : undefined
  return block && tx ? formatTransaction(tx, { block, index: i, receipts: receiptsForDeposits(api, block) }) : null
}
