import type { RpcApi } from '../api.js'

/**
 * The unlocked dev accounts on a dev network (the test mnemonic's first ten, as anvil);
 * elsewhere the node holds no keys and clients sign locally (geth without unlocked
 * accounts answers []).
 */
export function accounts(api: RpcApi): string[] {
  return api.dev ? api.dev.accounts.map((a) => a.address) : []
}
