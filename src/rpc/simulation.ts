import { callBudget } from '../execution/callBudget.js'
import type { SimulateOptions } from '../execution/simulate.js'
import type { RpcApi } from './api.js'
import type { RpcContext } from './types.js'

/**
 * What every simulating method runs under: the gas cap, and a budget of `evmTimeoutMs`
 * from now that also ends when the request is abandoned (client gone, HTTP deadline).
 */
export function simulationOptions(api: RpcApi, ctx: RpcContext | undefined): SimulateOptions {
  return { gasCap: api.limits.gasCap, budget: callBudget(api.limits.evmTimeoutMs, ctx?.signal) }
}
