import { getAddress as checksum } from 'viem'
import type { PooledTx } from '../../execution/pooledTx.js'
import type { Hex } from '../../primitives/hex.js'
import type { RpcApi } from '../api.js'
import { formatPendingTransaction } from '../format.js'

type ByNonce = Record<string, PooledTx>

export function formatByNonce(m: ByNonce): Record<string, unknown> {
  return Object.fromEntries(Object.entries(m).map(([nonce, ptx]) => [nonce, formatPendingTransaction(ptx)]))
}

/** txpool_content: pending and queued transactions by sender, then nonce (checksummed keys as geth). */
export function content(api: RpcApi): Record<string, unknown> {
  const c = api.pool.content()
  const side = (s: Record<Hex, ByNonce>) =>
    Object.fromEntries(Object.entries(s).map(([sender, m]) => [checksum(sender), formatByNonce(m)]))
  return { pending: side(c.pending), queued: side(c.queued) }
}
