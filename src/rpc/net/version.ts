import type { RpcApi } from '../api.js'

export function version(api: RpcApi): string {
  return api.chain.chainId.toString()
}
