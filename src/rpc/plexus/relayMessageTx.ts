import { relayCallOf } from '../../interop/relayer.js'
import { BaseError, NotFoundError, RpcErrorCode } from '../../primitives/errors.js'
import { parseHash, toData, toQuantity } from '../../primitives/hex.js'
import type { RpcApi } from '../api.js'
import { networkOf } from './network.js'

/**
 * plexus_relayMessageTx(msgHash): the transaction that relays a message by hand, ready to
 * sign and send on the destination chain — `relayMessage(id, payload)` on the messenger
 * with the executing message declared in the access list. What a sender of an unpaid
 * message (which the network does not relay) uses, as on the OP Stack; the gas is the
 * caller's to estimate (`eth_estimateGas` with the same fields) and pay.
 */
export function relayMessageTx(api: RpcApi, params: unknown[]): Record<string, unknown> {
  const msgHash = toData(parseHash(params[0], 'msgHash'))
  const m = networkOf(api, 'plexus_relayMessageTx').getMessage(msgHash)
  if (!m) throw new NotFoundError(`message ${msgHash} is not known to this network`)
  if (m.status === 'relayed') throw new BaseError(`message ${msgHash} was already relayed (${m.destinationTx})`, { rpcCode: RpcErrorCode.Server })
  const call = relayCallOf(m)
  return { chainId: toQuantity(m.destination), to: call.to, data: call.data, accessList: call.accessList, value: '0x0' }
}
