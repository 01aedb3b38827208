import { parseHash, toData } from '../../primitives/hex.js'
import type { RpcApi } from '../api.js'
import { formatMessage, networkOf } from './network.js'

/** plexus_getMessage(msgHash): the message, its status (sent | relayed | failed), its transactions, why it failed; null if unknown. */
export function getMessage(api: RpcApi, params: unknown[]): Record<string, unknown> | null {
  const m = networkOf(api, 'plexus_getMessage').getMessage(toData(parseHash(params[0], 'msgHash')))
  return m ? formatMessage(m) : null
}
