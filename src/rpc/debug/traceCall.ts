import { Address } from '@ethereumjs/util'
import { prepareCall } from '../../execution/simulate.js'
import { traceCall as trace } from '../../execution/tracing/index.js'
import type { RpcApi } from '../api.js'
import { simulationOptions } from '../simulation.js'
import type { RpcContext } from '../types.js'
import { headerForState } from '../blockTag.js'
import { parseCallRequest, parseStateOverrides } from '../params.js'
import { parseTracerConfig } from './tracerConfig.js'

/** debug_traceCall(call, block, { tracer: 'callTracer', stateOverrides? }). */
export async function traceCall(api: RpcApi, [tx, block, config]: unknown[], ctx?: RpcContext): Promise<unknown> {
  const tracer = parseTracerConfig(config)
  const req = parseCallRequest(tx)
  const header = headerForState(api, block ?? 'latest')
  const overrides = parseStateOverrides((config as { stateOverrides?: unknown } | undefined)?.stateOverrides)
  const call = await prepareCall(api.chain, header, req, overrides, simulationOptions(api, ctx))
  return trace(call.vm, call.tx, call.context, tracer, {
    from: new Address(req.from ?? new Uint8Array(20)),
    skipNonce: true,
    skipBlockGasLimitValidation: true,
  })
}
