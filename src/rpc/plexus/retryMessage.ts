import { BaseError, NotFoundError, RpcErrorCode } from '../../primitives/errors.js'
import { parseHash, toData } from '../../primitives/hex.js'
import { parseUint } from '../params.js'
import type { RpcApi } from '../api.js'
import { formatMessage, networkOf } from './network.js'

/** plexus_retryMessage(msgHash, gasLimit?): the network relays a failed message again (in the next slot). */
export function retryMessage(api: RpcApi, params: unknown[]): Record<string, unknown> {
  const msgHash = toData(parseHash(params[0], 'msgHash'))
  const gasLimit = params[1] === undefined || params[1] === null ? undefined : parseUint(params[1], 'gasLimit', 64)
  const network = networkOf(api, 'plexus_retryMessage')
  const before = network.getMessage(msgHash)
  if (!before) throw new NotFoundError(`message ${msgHash} is not known to this network`)
  if (before.status === 'relayed') throw new BaseError(`message ${msgHash} was already relayed (${before.destinationTx})`, { rpcCode: RpcErrorCode.Server })
  return formatMessage(network.retryMessage(msgHash, gasLimit)!)
}
