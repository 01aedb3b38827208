import { BaseError } from '../primitives/errors.js'
import type { Logger } from '../primitives/logger.js'
import { dispatch } from './dispatch.js'
import type { MethodRegistry } from './types.js'

/**
 * Calls one method of `registry` as a JSON-RPC client would, through the same dispatch
 * (arity checks, error codes) with no size limits: resolves to the result, rejects with a
 * `BaseError` carrying the method's code, message and data. For callers inside the
 * process that must get exactly the answer a client gets: the operator's admin endpoint,
 * and the coordinator answering a chain executor's forwarded network methods.
 */
export async function callMethod(registry: MethodRegistry, method: string, params: unknown[], logger: Logger): Promise<unknown> {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method, params })
  const options = { registry, logger, maxBatchLength: 0, maxBatchResponseBytes: 0, maxResponseBytes: 0 }
  const response = JSON.parse((await dispatch(body, { transport: 'http' }, options))!) as { result?: unknown; error?: { code: number; message: string; data?: unknown } }
  if (response.error) throw new BaseError(response.error.message, { rpcCode: response.error.code, rpcData: response.error.data })
  return response.result
}
