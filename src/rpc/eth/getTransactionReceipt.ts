import { parseHash } from '../../primitives/hex.js'
import type { RpcApi } from '../api.js'
import { formatReceipt } from '../format.js'

export function getTransactionReceipt(api: RpcApi, [hash]: unknown[]): Record<string, unknown> | null {
  const loc = api.chain.txLocation(parseHash(hash))
  if (!loc) return null
  const block = api.chain.getBlockByHash(loc.blockHash)
  const receipts = api.chain.getReceipts(loc.blockHash)
  if (!block || !receipts || !receipts[loc.index]) return null
  let firstLog = 0
  for (let i = 0; i < loc.index; i++) firstLog += receipts[i]!.logs.length
  const prev = loc.index > 0 ? receipts[loc.index - 1]!.cumulativeGasUsed : 0n
  return formatReceipt(block, loc.index, receipts[loc.index]!, prev, firstLog)
}
