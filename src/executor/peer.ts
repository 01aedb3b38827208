import { BaseError, RpcErrorCode } from '../primitives/errors.js'
import type { Logger } from '../primitives/logger.js'
import { MalformedMessage, TransportClosedError, type Transport } from './transport.js'

/** A request the other side answered with a JSON-RPC error. */
export class PeerCallError extends BaseError {
  override name = 'PeerCallError'
  constructor(
    readonly method: string,
    readonly code: number,
    /** The other side's message, as it sent it. */
    readonly remoteMessage: string,
    readonly data?: unknown,
  ) {
    super(`${method}: ${remoteMessage}`, { rpcCode: code, rpcData: data })
  }
}

/** The channel closed (or was lost) before the answer came. */
export class PeerLostError extends BaseError {
  override name = 'PeerLostError'
}

/** No answer within the request's deadline. */
export class PeerTimeoutError extends BaseError {
  override name = 'PeerTimeoutError'
}

/** A method's handler: params in (unvalidated JSON), result out (JSON). */
export type PeerHandler = (params: unknown) => unknown

export interface RpcPeerOptions {
  /** What this side answers. */
  handlers: Readonly<Record<string, PeerHandler>>
  /** Default deadline of a request (ms). */
  timeoutMs: number
  /** Most requests of ours awaiting an answer at once; past it `request` throws. */
  maxPending?: number
  /** Told of each request of ours that got no answer in time (after it rejected with `PeerTimeoutError`). */
  onTimeout?: (method: string, timeoutMs: number) => void
  logger: Logger
}

interface Pending {
  method: string
  resolve(result: unknown): void
  reject(err: Error): void
  timer: NodeJS.Timeout
}

const DEFAULT_MAX_PENDING = 10_000

/**
 * JSON-RPC 2.0 in both directions over one transport: each side sends requests and
 * answers the other's. An answer matches its request by id; a request the handlers do
 * not know, a malformed message or a handler that throws gets a JSON-RPC error back
 * (geth's codes), never an exception on this side. When the channel closes every request
 * in flight rejects with `PeerLostError`, so no caller waits forever.
 */
export class RpcPeer {
  private nextId = 1
  private readonly pending = new Map<number, Pending>()
  private readonly closeListeners: ((reason: string) => void)[] = []
  private closeReason: string | undefined

  constructor(
    private readonly transport: Transport,
    private readonly options: RpcPeerOptions,
  ) {
    transport.onMessage((m) => this.receive(m))
    transport.onClose((reason) => this.lost(reason))
  }

  /** Calls `method` on the other side; resolves to its result. */
  request(method: string, params: unknown, timeoutMs = this.options.timeoutMs): Promise<unknown> {
    if (this.closeReason !== undefined) return Promise.reject(new PeerLostError(`${method}: the other side is gone (${this.closeReason})`))
    if (this.pending.size >= (this.options.maxPending ?? DEFAULT_MAX_PENDING)) {
      return Promise.reject(new BaseError(`${method}: ${this.pending.size} requests are already waiting for the other side`, { rpcCode: RpcErrorCode.LimitExceeded }))
    }
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        reject(new PeerTimeoutError(`${method}: no answer within ${timeoutMs} ms`))
        this.options.onTimeout?.(method, timeoutMs)
      }, timeoutMs)
      this.pending.set(id, { method, resolve, reject, timer })
      try {
        this.transport.send({ jsonrpc: '2.0', id, method, params })
      } catch (err) {
        clearTimeout(timer)
        this.pending.delete(id)
        // A message that cannot be sent (a bigint where the protocol wants hex) is our bug, not a lost peer.
        reject(err instanceof TransportClosedError ? new PeerLostError(`${method}: ${err.message}`) : err)
      }
    })
  }

  /** Sends `method` without waiting for (or getting) an answer. */
  notify(method: string, params: unknown): void {
    if (this.closeReason !== undefined) return
    try {
      this.transport.send({ jsonrpc: '2.0', method, params })
    } catch {
      // Closing: `lost` reports it.
    }
  }

  /** Called once when the channel closes, with why. */
  onClose(listener: (reason: string) => void): void {
    if (this.closeReason !== undefined) listener(this.closeReason)
    else this.closeListeners.push(listener)
  }

  get closed(): boolean {
    return this.closeReason !== undefined
  }

  /** Requests of ours still waiting for an answer. */
  get inFlight(): number {
    return this.pending.size
  }

  close(reason = 'closed by this side'): void {
    this.transport.close(reason)
    this.lost(reason)
  }

  private lost(reason: string): void {
    if (this.closeReason !== undefined) return
    this.closeReason = reason
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer)
      this.pending.delete(id)
      p.reject(new PeerLostError(`${p.method}: the other side is gone (${reason})`))
    }
    for (const l of this.closeListeners) l(reason)
  }

  private receive(message: unknown): void {
    if (message instanceof MalformedMessage) return this.reply(null, { code: RpcErrorCode.ParseError, message: message.reason })
    if (typeof message !== 'object' || message === null || Array.isArray(message)) {
      return this.reply(null, { code: RpcErrorCode.InvalidRequest, message: 'a message must be one JSON-RPC object' })
    }
    const m = message as { id?: unknown; method?: unknown; params?: unknown; result?: unknown; error?: unknown }
    if (typeof m.method === 'string') return void this.serve(m.id, m.method, m.params)
    if (typeof m.id === 'number' && ('result' in m || 'error' in m)) return this.settle(m.id, m)
    this.reply(validId(m.id) ? m.id : null, { code: RpcErrorCode.InvalidRequest, message: 'neither a request nor an answer' })
  }

  private settle(id: number, m: { result?: unknown; error?: unknown }): void {
    const p = this.pending.get(id)
    // An answer after its deadline (or to nothing we asked) is dropped.
    if (!p) return
    clearTimeout(p.timer)
    this.pending.delete(id)
    if (m.error === undefined) return p.resolve(m.result)
    const e = m.error as { code?: unknown; message?: unknown; data?: unknown }
    const code = typeof e?.code === 'number' ? e.code : RpcErrorCode.Internal
    const text = typeof e?.message === 'string' ? e.message.slice(0, 4096) : 'an error without a message'
    p.reject(new PeerCallError(p.method, code, text, e?.data))
  }

  private async serve(id: unknown, method: string, params: unknown): Promise<void> {
    const answer = validId(id)
    const handler = Object.hasOwn(this.options.handlers, method) ? this.options.handlers[method] : undefined
    if (!handler) {
      if (answer) this.reply(id, { code: RpcErrorCode.MethodNotFound, message: `the method ${method.slice(0, 128)} does not exist` })
      return
    }
    try {
      const result = await handler(params)
      if (answer) this.send({ jsonrpc: '2.0', id, result: result ?? null })
    } catch (err) {
      const code = err instanceof BaseError && err.rpcCode !== undefined ? err.rpcCode : RpcErrorCode.Internal
      if (code === RpcErrorCode.Internal) this.options.logger.error({ err, method }, 'an executor protocol handler failed')
      if (answer) this.reply(id, { code, message: (err as Error)?.message ?? String(err), ...(err instanceof BaseError && err.rpcData !== undefined ? { data: err.rpcData } : {}) })
    }
  }

  private reply(id: unknown, error: { code: number; message: string; data?: unknown }): void {
    this.send({ jsonrpc: '2.0', id, error })
  }

  private send(message: unknown): void {
    if (this.closeReason !== undefined) return
    try {
      this.transport.send(message)
    } catch {
      // Closing: `lost` reports it.
    }
  }
}

function validId(id: unknown): id is number | string {
  return (typeof id === 'number' && Number.isSafeInteger(id)) || (typeof id === 'string' && id.length <= 128)
}
