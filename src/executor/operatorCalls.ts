import { z } from 'zod'
import { InvalidParamsError } from '../primitives/errors.js'
import type { PeerHandler } from './peer.js'

/**
 * Coordinator → executor requests of the operator, for a chain whose RPC runs in the
 * executor: `plexus_operatorCall` runs one of the chain's RPC methods with the restricted
 * ones included (the admin endpoint's `plexus` CLI path to debug_* and the operator
 * methods), `plexus_allowRpcOrigin` lets one more browser origin call the chain (the
 * dashboard's, known once it listens). Only the coordinator holds the executor's channel:
 * neither is reachable from the chain's public RPC.
 */
export const OPERATOR_CALL = 'plexus_operatorCall'
export const ALLOW_RPC_ORIGIN = 'plexus_allowRpcOrigin'

const callSchema = z.object({ method: z.string().min(1).max(128), params: z.array(z.unknown()).max(1024) })
const originSchema = z.object({ origin: z.string().min(1).max(2048) })

/** What the executor's chain RPC offers the operator. */
export interface OperatorRpc {
  call(method: string, params: unknown[]): Promise<unknown>
  allowOrigin(origin: string): void
}

/** The executor's handlers; `rpc` undefined (an executor without an RPC server) answers that it serves none. */
export function operatorHandlers(rpc: () => OperatorRpc | undefined, chainId: bigint): Record<string, PeerHandler> {
  const served = (): OperatorRpc => {
    const r = rpc()
    if (!r) throw new InvalidParamsError(`chain ${chainId}'s executor serves no RPC`)
    return r
  }
  return {
    [OPERATOR_CALL]: (params) => {
      const parsed = callSchema.safeParse(params)
      if (!parsed.success) throw new InvalidParamsError(`${OPERATOR_CALL}: expected { method, params: [...] }`)
      return served().call(parsed.data.method, parsed.data.params)
    },
    [ALLOW_RPC_ORIGIN]: (params) => {
      const parsed = originSchema.safeParse(params)
      if (!parsed.success) throw new InvalidParamsError(`${ALLOW_RPC_ORIGIN}: expected { origin }`)
      served().allowOrigin(parsed.data.origin)
      return true
    },
  }
}
