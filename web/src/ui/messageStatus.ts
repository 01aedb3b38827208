import type { RpcMessage } from '../net/registry'
import { badge } from './format'

/** sent (in flight) · unpaid (sent, but the network will not relay it: nothing paid is left) · relayed · failed. */
export function messageStatus(m: Pick<RpcMessage, 'status' | 'autoRelay'>): HTMLElement {
  if (m.status === 'relayed') return badge('relayed', 'ok')
  if (m.status === 'failed') return badge('failed', 'bad')
  // autoRelay is absent from a node older than relay payments: the network relayed everything then
  return m.autoRelay === false ? badge('unpaid', 'warn') : badge('sent', 'info')
}
