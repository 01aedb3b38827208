import type { Hex } from '../../primitives/hex.js'
import type { RpcApi } from '../api.js'
import { parseLogCriteria } from '../logs.js'

export function newFilter(api: RpcApi, [filter]: unknown[]): Hex {
  return api.filters.newLogFilter(parseLogCriteria(filter))
}
