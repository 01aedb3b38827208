import type { RpcApi } from '../api.js'

export function clientVersion(api: RpcApi): string {
  return api.clientVersion
}
