import type { RpcMessage } from '../net/registry'
import { badge } from './format'

/** sent (in flight) · relayed · failed. */
export function messageStatus(m: Pick<RpcMessage, 'status'>): HTMLElement {
  return m.status === 'relayed' ? badge('relayed', 'ok') : m.status === 'failed' ? badge('failed', 'bad') : badge('sent', 'info')
}
