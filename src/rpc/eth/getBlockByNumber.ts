import type { RpcApi } from '../api.js'
import { receiptsForDeposits } from '../depositReceipts.js'
import { findBlock, parseBlockRef, parseFullTxFlag } from '../blockTag.js'
import { formatBlock } from '../format.js'

export function getBlockByNumber(api: RpcApi, [block, full]: unknown[]): Record<string, unknown> | null {
  const fullTxs = parseFullTxFlag(full)
  const found = findBlock(api.chain, parseBlockRef(block, api))
  return found ? formatBlock(found, fullTxs, fullTxs ? receiptsForDeposits(api, found) : undefined) : null
}
