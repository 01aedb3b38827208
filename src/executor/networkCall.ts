import { z } from 'zod'
import { BaseError, InvalidParamsError, RpcErrorCode } from '../primitives/errors.js'
import { MethodNotFoundError } from '../rpc/errors.js'
import { COORDINATOR_METHODS, type CoordinatorCall } from '../rpc/methods.js'
import { PeerCallError, PeerLostError, PeerTimeoutError, type PeerHandler, type RpcPeer } from './peer.js'

/**
 * `plexus_networkCall` (executor → coordinator): a chain whose RPC runs in an executor
 * answers the network's methods (`COORDINATOR_METHODS`: bundles, messages, the registry,
 * the chain's L1 side, the network-wide dev methods) by handing the call to the
 * coordinator, which answers it as the chain's own RPC would have. The params and the
 * result are the JSON-RPC method's own: nothing is re-encoded, so the answer is the one
 * a client of an in-process chain gets, errors (code, message, data) included.
 */
export const NETWORK_CALL = 'plexus_networkCall'

/** Longest a forwarded call may take (the audit walks every account of every chain). */
export const NETWORK_CALL_TIMEOUT_MS = 120_000

const callSchema = z.object({
  method: z.string().max(128),
  params: z.array(z.unknown()).max(1024),
})

/**
 * The coordinator's handler: `answer(method, params)` runs the method for the chain the
 * executor holds (the chain's RPC on the coordinator). Only `COORDINATOR_METHODS` are
 * served: an executor cannot reach the rest of the coordinator's surface through it.
 */
export function networkCallHandlers(answer: CoordinatorCall): Record<string, PeerHandler> {
  return {
    [NETWORK_CALL]: async (params) => {
      const parsed = callSchema.safeParse(params)
      if (!parsed.success) throw new InvalidParamsError(`${NETWORK_CALL}: expected { method, params: [...] }`)
      const { method, params: args } = parsed.data
      if (!COORDINATOR_METHODS.has(method)) throw new MethodNotFoundError(method, { details: 'not a method the network coordinator answers' })
      return answer(method, args)
    },
  }
}

/** Raised when the coordinator cannot be reached for a network method. */
export class CoordinatorUnreachableError extends BaseError {
  override name = 'CoordinatorUnreachableError'
}

/**
 * The executor's side: what its RPC registry forwards with (see `createMethodRegistry`).
 * The coordinator's error comes back as the same JSON-RPC error; a coordinator that is
 * gone or silent is a server error (-32000) saying so, never a hang.
 */
export function forwardToCoordinator(peer: RpcPeer, timeoutMs = NETWORK_CALL_TIMEOUT_MS): CoordinatorCall {
  return async (method, params) => {
    try {
      return await peer.request(NETWORK_CALL, { method, params }, timeoutMs)
    } catch (err) {
      if (err instanceof PeerCallError) throw new BaseError(err.remoteMessage, { rpcCode: err.code, rpcData: err.data })
      if (err instanceof PeerLostError || err instanceof PeerTimeoutError) {
        throw new CoordinatorUnreachableError(`${method}: the network coordinator did not answer (${err.message})`, { rpcCode: RpcErrorCode.Server })
      }
      throw err
    }
  }
}
