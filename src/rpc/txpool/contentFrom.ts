import { parseAddress, toData } from '../../primitives/hex.js'
import type { RpcApi } from '../api.js'
import { formatByNonce } from './content.js'

/** txpool_contentFrom(address): one sender's pending and queued transactions by nonce. */
export function contentFrom(api: RpcApi, [address]: unknown[]): Record<string, unknown> {
  const c = api.pool.contentFrom(toData(parseAddress(address)))
  return { pending: formatByNonce(c.pending), queued: formatByNonce(c.queued) }
}
