import { parseHash, toData, type Hex } from '../../primitives/hex.js'
import type { RpcApi } from '../api.js'

/** anvil_dropTransaction(hash): removes a pool transaction; answers its hash, or null if the pool did not hold it. */
export function dropTransaction(api: RpcApi, [hash]: unknown[]): Hex | null {
  const h = toData(parseHash(hash))
  return api.pool.remove(h) ? h : null
}

/** anvil_dropAllTransactions: empties the pool (pending and queued). */
export function dropAllTransactions(api: RpcApi): null {
  const content = api.pool.content()
  for (const group of [content.pending, content.queued]) {
    for (const byNonce of Object.values(group)) for (const tx of Object.values(byNonce)) api.pool.remove((tx as { hash: Hex }).hash)
  }
  return null
}
