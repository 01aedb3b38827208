import { parseHash, toData, type Hex } from '../../primitives/hex.js'
import { receiptsForDeposits } from '../depositReceipts.js'
import { txsOf } from '../../execution/executeTx.js'
import type { RpcApi } from '../api.js'
import { formatPendingTransaction, formatTransaction } from '../format.js'

export function getTransactionByHash(api: RpcApi, [hash]: unknown[]): Record<string, unknown> | null {
  const h = parseHash(hash)
  const loc = api.chain.txLocation(h)
  if (loc) {
    const block = api.chain.getBlockByHash(loc.blockHash)
    const tx = block ? txsOf(block)[loc.index] : undefined
    if (block && tx) return formatTransaction(tx, { block, index: loc.index, receipts: receiptsForDeposits(api, block) })
  }
  const pooled = api.pool.get(toData(h) as Hex)
  return pooled ? formatPendingTransaction(pooled) : null
}
