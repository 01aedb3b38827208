import type { RpcApi } from '../api.js'
import { parseLogCriteria, queryLogs } from '../logs.js'

export function getLogs(api: RpcApi, [filter]: unknown[]): Record<string, unknown>[] {
  return queryLogs(api, parseLogCriteria(filter), api.limits)
}
