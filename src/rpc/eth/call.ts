import type { Hex } from '../../primitives/hex.js'
import { callOutput, simulate } from '../../execution/simulate.js'
import type { RpcApi } from '../api.js'
import { simulationOptions } from '../simulation.js'
import type { RpcContext } from '../types.js'
import { headerForState } from '../blockTag.js'
import { parseCallRequest, parseStateOverrides } from '../params.js'

export async function call(api: RpcApi, [tx, block, overrides]: unknown[], ctx?: RpcContext): Promise<Hex> {
  const req = parseCallRequest(tx)
  const header = headerForState(api, block ?? 'latest')
  const sim = await simulate(api.chain, header, req, parseStateOverrides(overrides), simulationOptions(api, ctx))
  return callOutput(sim)
}
