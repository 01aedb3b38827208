import { toQuantity } from '../../primitives/hex.js'
import { createAccessList as create } from '../../execution/simulate.js'
import type { RpcApi } from '../api.js'
import { simulationOptions } from '../simulation.js'
import type { RpcContext } from '../types.js'
import { headerForState } from '../blockTag.js'
import { parseCallRequest } from '../params.js'

export async function createAccessList(api: RpcApi, [tx, block]: unknown[], ctx?: RpcContext): Promise<Record<string, unknown>> {
  const req = parseCallRequest(tx)
  const header = headerForState(api, block ?? 'latest')
  const res = await create(api.chain, header, req, simulationOptions(api, ctx))
  return { accessList: res.accessList, gasUsed: toQuantity(res.gasUsed), ...(res.error ? { error: res.error } : {}) }
}
