import type { Hex } from '../../primitives/hex.js'
import type { RpcApi } from '../api.js'

export function newPendingTransactionFilter(api: RpcApi): Hex {
  return api.filters.newPendingTxFilter()
}
