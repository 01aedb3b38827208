import { toQuantity, type Hex } from '../../primitives/hex.js'
import { estimateGas as estimate } from '../../execution/simulate.js'
import type { RpcApi } from '../api.js'
import { simulationOptions } from '../simulation.js'
import type { RpcContext } from '../types.js'
import { headerForState } from '../blockTag.js'
import { parseCallRequest, parseStateOverrides } from '../params.js'

export async function estimateGas(api: RpcApi, [tx, block, overrides]: unknown[], ctx?: RpcContext): Promise<Hex> {
  const req = parseCallRequest(tx)
  const header = headerForState(api, block ?? 'latest')
  return toQuantity(await estimate(api.chain, header, req, parseStateOverrides(overrides), simulationOptions(api, ctx)))
}
