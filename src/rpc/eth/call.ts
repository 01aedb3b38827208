import type { Hex } from '../../primitives/hex.js'
import { callOutput, simulate } from '../../execution/simulate.js'
import type { RpcApi } from '../api.js'
import { headerForState } from '../blockTag.js'
import { parseCallRequest, parseStateOverrides } from '../params.js'

export async function call(api: RpcApi, [tx, block, overrides]: unknown[]): Promise<Hex> {
  const req = parseCallRequest(tx)
  const header = headerForState(api, block ?? 'latest')
  const sim = await simulate(api.chain, header, req, parseStateOverrides(overrides), { gasCap: api.limits.gasCap })
  return callOutput(sim)
}
