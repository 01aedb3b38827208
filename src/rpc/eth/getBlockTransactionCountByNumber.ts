import { toQuantity, type Hex } from '../../primitives/hex.js'
import type { RpcApi } from '../api.js'
import { findBlock, parseBlockRef } from '../blockTag.js'

export function getBlockTransactionCountByNumber(api: RpcApi, [block]: unknown[]): Hex | null {
  const found = findBlock(api.chain, parseBlockRef(block, api))
  return found ? toQuantity(found.transactions.length) : null
}
