import { parseHash, parseQuantity, toData } from '../../primitives/hex.js'
import type { RpcApi } from '../api.js'
import { formatMessage, networkOf } from './network.js'

/** plexus_getMessagesByTx(chainId, txHash): the messages a transaction sent, in log order. */
export function getMessagesByTx(api: RpcApi, params: unknown[]): Record<string, unknown>[] {
  const chainId = parseQuantity(params[0], 'chainId')
  const txHash = toData(parseHash(params[1], 'txHash'))
  return networkOf(api, 'plexus_getMessagesByTx').getMessagesByTx(chainId, txHash).map(formatMessage)
}
