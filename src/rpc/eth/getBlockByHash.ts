import { parseHash } from '../../primitives/hex.js'
import { receiptsForDeposits } from '../depositReceipts.js'
import type { RpcApi } from '../api.js'
import { parseFullTxFlag } from '../blockTag.js'
import { formatBlock } from '../format.js'

export function getBlockByHash(api: RpcApi, [hash, full]: unknown[]): Record<string, unknown> | null {
  const fullTxs = parseFullTxFlag(full)
  const block = api.chain.getBlockByHash(parseHash(hash))
  return block ? formatBlock(block, fullTxs, fullTxs ? receiptsForDeposits(api, block) : undefined) : null
}
