import type { Block } from '@ethereumjs/block'
import { isDepositTransaction } from '../execution/depositTx.js'
import { txsOf } from '../execution/executeTx.js'
import type { StoredReceipt } from '../execution/receipts.js'
import type { RpcApi } from './api.js'

/**
 * The block's receipts when formatting its transactions needs them: a deposit's nonce
 * is only in its receipt. Undefined (no extra read) for blocks without deposits.
 */
export function receiptsForDeposits(api: RpcApi, block: Block): StoredReceipt[] | undefined {
  return txsOf(block).some(isDepositTransaction) ? api.chain.getReceipts(block.hash()) : undefined
}
