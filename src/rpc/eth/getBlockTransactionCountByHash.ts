import { parseHash, toQuantity, type Hex } from '../../primitives/hex.js'
import type { RpcApi } from '../api.js'

export function getBlockTransactionCountByHash(api: RpcApi, [hash]: unknown[]): Hex | null {
  const block = api.chain.getBlockByHash(parseHash(hash))
  return block ? toQuantity(block.transactions.length) : null
}
