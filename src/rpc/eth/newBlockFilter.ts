import type { Hex } from '../../primitives/hex.js'
import type { RpcApi } from '../api.js'

export function newBlockFilter(api: RpcApi): Hex {
  return api.filters.newBlockFilter()
}
