import { BaseError, InvalidParamsError, RpcErrorCode } from '../primitives/errors.js'
import type { Logger } from '../primitives/logger.js'
import {
  MethodNotFoundError,
  NotificationsUnsupportedError,
  RpcErrorMessage,
  RpcServerErrorCode,
  SubscriptionNotFoundError,
  UnsupportedSubscriptionError,
} from './errors.js'
import { parseSubscriptionName } from './subscriptions.js'
import type {
  JsonRpcErrorObject,
  JsonRpcId,
  JsonRpcResponse,
  MethodRegistry,
  ParamSpec,
  RequestObserver,
  RpcContext,
} from './types.js'

/**
 * JSON-RPC 2.0 processing, transport-free: a raw request body in, the raw response body
 * out (`undefined` when nothing is to be sent: notifications, or an empty body).
 *
 * It follows geth's rpc/handler.go where clients can tell the difference:
 * - a message is a call when `jsonrpc` is "2.0", `method` a non-empty string and `id`
 *   anything but an object or array (`"id": null` is a call answered with id null);
 *   without `id` it is a notification; otherwise it is answered -32600
 *   `invalid request`, with its id when that id is usable, else null;
 * - batch calls run one after another, in order, as geth runs them;
 * - `*_subscribe` over a transport without a connection answers
 *   `notifications not supported`, before the method is even looked up.
 */
export interface DispatchOptions {
  readonly registry: MethodRegistry
  readonly logger: Logger
  /** 0 = unlimited. */
  readonly maxBatchLength: number
  /** 0 = unlimited. */
  readonly maxBatchResponseBytes: number
  /** 0 = unlimited. */
  readonly maxResponseBytes: number
  /** Deadline for the whole body; unanswered calls get -32002 (0/absent = none). */
  readonly callTimeoutMs?: number
  readonly onRequest?: RequestObserver
  /**
   * Methods whose consecutive calls in one batch may run concurrently (geth runs a batch
   * strictly in order). For `eth_sendRawTransaction`, so a batch's signatures are
   * recovered together off the main thread.
   */
  readonly concurrentMethods?: ReadonlySet<string>
}

type Classified =
  | { kind: 'call'; id: JsonRpcId; method: string; params: unknown }
  | { kind: 'notification'; method: string; params: unknown }
  /** A response sent to us (geth drops these as unsolicited). */
  | { kind: 'ignore' }
  | { kind: 'invalid'; id: JsonRpcId }

const VERSION = '2.0'

export async function dispatch(raw: string, ctx: RpcContext, options: DispatchOptions): Promise<string | undefined> {
  try {
    return await dispatchUnsafe(raw, ctx, options)
  } catch (err) {
    // dispatch must never take the server down; this is a bug in this file
    options.logger.error({ err }, 'RPC dispatch failed')
    return encodeOne(errorResponse(null, RpcErrorCode.Internal, RpcErrorMessage.MethodCrashed), options)
  }
}

async function dispatchUnsafe(raw: string, ctx: RpcContext, options: DispatchOptions): Promise<string | undefined> {
  // geth reads an empty body as EOF and answers nothing
  if (raw.trim() === '') return undefined
  let parsed: unknown
  try {
    parsed = JSON.parse(raw)
  } catch {
    return encodeOne(errorResponse(null, RpcErrorCode.ParseError, RpcErrorMessage.ParseError), options)
  }
  if (!Array.isArray(parsed)) {
    const responses = await runMessages([classify(parsed)], ctx, options)
    return responses[0] === undefined ? undefined : encodeOne(responses[0], options)
  }
  if (parsed.length === 0) {
    return encodeOne(errorResponse(null, RpcErrorCode.InvalidRequest, RpcErrorMessage.EmptyBatch), options)
  }
  const messages = parsed.map(classify)
  if (options.maxBatchLength > 0 && messages.length > options.maxBatchLength) {
    // geth: one error, in an array, carrying the id of the batch's first call
    const first = messages.find((m) => m.kind === 'call')
    const id = first?.kind === 'call' ? first.id : null
    return `[${encodeOne(errorResponse(id, RpcErrorCode.InvalidRequest, RpcErrorMessage.BatchTooLarge), options)}]`
  }
  const responses = await runMessages(messages, ctx, options)
  const encoded: string[] = []
  let total = 0
  let overflow = false
  for (const response of responses) {
    if (response === undefined) continue
    if (overflow) {
      encoded.push(encodeOne(tooLarge(response.id), options))
      continue
    }
    const s = encodeOne(response, options)
    encoded.push(s)
    total += s.length // UTF-16 units; JSON-RPC payloads are ASCII, so this is bytes
    // geth keeps the answer that crossed the limit and fails the ones after it
    if (options.maxBatchResponseBytes > 0 && total > options.maxBatchResponseBytes) overflow = true
  }
  return encoded.length === 0 ? undefined : `[${encoded.join(',')}]`
}

function classify(msg: unknown): Classified {
  if (typeof msg !== 'object' || msg === null || Array.isArray(msg)) return { kind: 'invalid', id: null }
  const m = msg as Record<string, unknown>
  const hasId = Object.hasOwn(m, 'id')
  const id = m.id
  const validId = hasId && (id === null || typeof id !== 'object')
  const validVersion = m.jsonrpc === VERSION
  const method = typeof m.method === 'string' ? m.method : ''
  if (validVersion && method !== '') {
    if (!hasId) return { kind: 'notification', method, params: m.params }
    if (validId) return { kind: 'call', id: id as JsonRpcId, method, params: m.params }
  }
  if (validVersion && validId && method === '' && m.params === undefined && (Object.hasOwn(m, 'result') || Object.hasOwn(m, 'error'))) {
    return { kind: 'ignore' }
  }
  return { kind: 'invalid', id: validId ? (id as JsonRpcId) : null }
}

/**
 * Runs the messages in order. With a deadline, the calls not answered by then get
 * -32002 and the rest of the batch is not started (geth's batch timeout).
 */
async function runMessages(
  messages: Classified[],
  outer: RpcContext,
  options: DispatchOptions,
): Promise<(JsonRpcResponse | undefined)[]> {
  const out: (JsonRpcResponse | undefined)[] = new Array(messages.length)
  const timeoutMs = options.callTimeoutMs ?? 0
  const controller = timeoutMs > 0 ? new AbortController() : undefined
  const ctx: RpcContext = controller ? { ...outer, signal: controller.signal } : outer
  const unlink = linkAbort(outer.signal, controller)
  let timedOut = false
  let answered = 0

  const concurrent = options.concurrentMethods
  const isConcurrent = (m: Classified | undefined) => m?.kind === 'call' && concurrent?.has(m.method) === true
  const work = (async () => {
    for (let i = 0; i < messages.length; ) {
      if (timedOut) return
      // A run of consecutive calls to methods marked concurrent starts together (their
      // responses keep their places); every other call waits for what precedes it.
      let end = i + 1
      if (isConcurrent(messages[i])) while (end < messages.length && isConcurrent(messages[end])) end++
      const responses = await Promise.all(messages.slice(i, end).map((m) => runMessage(m, ctx, options)))
      if (timedOut) return
      for (let j = 0; j < responses.length; j++) out[i + j] = responses[j]
      i = end
      answered = i
    }
  })()

  if (timeoutMs <= 0) {
    await work
  } else {
    let timer: NodeJS.Timeout | undefined
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        timedOut = true
        controller?.abort(new BaseError(RpcErrorMessage.Timeout))
        resolve()
      }, timeoutMs)
    })
    await Promise.race([work, deadline])
    clearTimeout(timer)
    if (timedOut) {
      // the running method keeps going in the background; its result is dropped
      work.catch((err: unknown) => options.logger.error({ err }, 'RPC call failed after its deadline'))
      for (let i = answered; i < messages.length; i++) {
        const m = messages[i]!
        out[i] = m.kind === 'call' ? errorResponse(m.id, RpcServerErrorCode.Timeout, RpcErrorMessage.Timeout) : undefined
      }
    }
  }
  unlink()
  return out
}

function linkAbort(signal: AbortSignal | undefined, controller: AbortController | undefined): () => void {
  if (!signal || !controller) return () => {}
  if (signal.aborted) {
    controller.abort(signal.reason)
    return () => {}
  }
  const onAbort = (): void => controller.abort(signal.reason)
  signal.addEventListener('abort', onAbort, { once: true })
  return () => signal.removeEventListener('abort', onAbort)
}

async function runMessage(m: Classified, ctx: RpcContext, options: DispatchOptions): Promise<JsonRpcResponse | undefined> {
  switch (m.kind) {
    case 'ignore':
      return undefined
    case 'invalid':
      return errorResponse(m.id, RpcErrorCode.InvalidRequest, RpcErrorMessage.InvalidRequest)
    case 'notification':
      await call(m.method, m.params, ctx, options)
      return undefined
    case 'call': {
      const outcome = await call(m.method, m.params, ctx, options)
      return 'error' in outcome
        ? { jsonrpc: VERSION, id: m.id, error: outcome.error }
        : { jsonrpc: VERSION, id: m.id, result: outcome.result === undefined ? null : outcome.result }
    }
  }
}

type Outcome = { result: unknown } | { error: JsonRpcErrorObject }

async function call(method: string, rawParams: unknown, ctx: RpcContext, options: DispatchOptions): Promise<Outcome> {
  const registered = options.registry.get(method)
  const started = performance.now()
  let outcome: Outcome
  try {
    outcome = { result: await invoke(method, registered?.fn, registered?.params, rawParams, ctx) }
  } catch (err) {
    outcome = { error: toErrorObject(err, method, options.logger) }
  }
  // only registered names reach the observer: unknown ones would let clients mint labels
  if (registered) options.onRequest?.(method, (performance.now() - started) / 1000, !('error' in outcome))
  return outcome
}

async function invoke(
  method: string,
  fn: ((params: unknown[], ctx: RpcContext) => unknown) | undefined,
  spec: ParamSpec | undefined,
  rawParams: unknown,
  ctx: RpcContext,
): Promise<unknown> {
  if (method.endsWith('_subscribe') && !ctx.connection) throw new NotificationsUnsupportedError()
  if (!fn) {
    // geth serves every namespace's subscribe/unsubscribe generically
    if (method.endsWith('_subscribe')) {
      const name = parseSubscriptionName(toParams(rawParams))
      throw new UnsupportedSubscriptionError(method.slice(0, -'_subscribe'.length), name)
    }
    if (method.endsWith('_unsubscribe')) {
      checkParams(toParams(rawParams), { max: 1, required: 1 })
      throw new SubscriptionNotFoundError()
    }
    throw new MethodNotFoundError(method)
  }
  const params = toParams(rawParams)
  if (spec) checkParams(params, spec)
  return await fn(params, ctx)
}

/** geth allows absent or null `params`; anything but an array is "non-array args". */
function toParams(raw: unknown): unknown[] {
  if (raw === undefined || raw === null) return []
  if (!Array.isArray(raw)) throw new InvalidParamsError(RpcErrorMessage.NonArrayArgs)
  return raw
}

function checkParams(params: unknown[], spec: ParamSpec): void {
  if (spec.max !== undefined && params.length > spec.max) {
    throw new InvalidParamsError(`too many arguments, want at most ${spec.max}`)
  }
  for (let i = 0; i < (spec.required ?? 0); i++) {
    if (params[i] === undefined || params[i] === null) {
      throw new InvalidParamsError(`missing value for required argument ${i}`)
    }
  }
}

/**
 * A thrown `BaseError` answers with its `rpcCode` (geth's -32000 when it has none),
 * `shortMessage` and `rpcData`. Anything else is a bug: logged, answered -32603.
 */
export function toErrorObject(err: unknown, method: string, logger: Logger): JsonRpcErrorObject {
  if (err instanceof BaseError) {
    const error: JsonRpcErrorObject = { code: err.rpcCode ?? RpcErrorCode.Server, message: err.shortMessage }
    if (err.rpcData !== undefined) error.data = err.rpcData
    return error
  }
  logger.error({ err, method }, 'RPC method crashed')
  return { code: RpcErrorCode.Internal, message: RpcErrorMessage.MethodCrashed }
}

function errorResponse(id: JsonRpcId, code: number, message: string): JsonRpcResponse {
  return { jsonrpc: VERSION, id, error: { code, message } }
}

function tooLarge(id: JsonRpcId): JsonRpcResponse {
  return errorResponse(id, RpcServerErrorCode.ResponseTooLarge, RpcErrorMessage.ResponseTooLarge)
}

/**
 * Serializes one response. A result JSON cannot express (a bigint, a cycle) becomes
 * -32603 as geth's marshal errors do; one over `maxResponseBytes` becomes -32003.
 */
function encodeOne(response: JsonRpcResponse, options: DispatchOptions): string {
  let s: string
  try {
    s = JSON.stringify(response)
  } catch (err) {
    if (err instanceof RangeError) return JSON.stringify(tooLarge(response.id))
    options.logger.error({ err }, 'RPC result is not JSON-serializable')
    const message = `json: ${err instanceof Error ? err.message : String(err)}`
    return JSON.stringify(errorResponse(response.id, RpcErrorCode.Internal, message))
  }
  const max = options.maxResponseBytes
  if (max > 0 && s.length * 3 > max && (s.length > max || Buffer.byteLength(s) > max)) {
    options.logger.warn({ bytes: Buffer.byteLength(s), max }, 'RPC response over maxResponseBytes')
    return JSON.stringify(tooLarge(response.id))
  }
  return s
}
