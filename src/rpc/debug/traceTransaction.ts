import { NotFoundError } from '../../primitives/errors.js'
import { parseHash } from '../../primitives/hex.js'
import { replayToTransaction } from '../../execution/replay.js'
import { traceTransaction as trace } from '../../execution/tracing/index.js'
import type { RpcApi } from '../api.js'
import { simulationOptions } from '../simulation.js'
import type { RpcContext } from '../types.js'
import { parseTracerConfig } from './tracerConfig.js'

/** debug_traceTransaction(hash, { tracer: 'callTracer', tracerConfig }): replays the block up to the tx. */
export async function traceTransaction(api: RpcApi, [hash, config]: unknown[], ctx?: RpcContext): Promise<unknown> {
  const tracer = parseTracerConfig(config)
  const loc = api.chain.txLocation(parseHash(hash))
  if (!loc) throw new NotFoundError('transaction not found')
  const block = api.chain.getBlockByHash(loc.blockHash)
  if (!block) throw new NotFoundError('block not found')
  const replayed = await replayToTransaction(api.chain, block, loc.index, simulationOptions(api, ctx).budget)
  return trace(replayed.vm, replayed.tx, replayed.block, tracer)
}
