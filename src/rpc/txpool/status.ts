import { toQuantity } from '../../primitives/hex.js'
import type { RpcApi } from '../api.js'

export function status(api: RpcApi): { pending: string; queued: string } {
  const s = api.pool.status()
  return { pending: toQuantity(s.pending), queued: toQuantity(s.queued) }
}
