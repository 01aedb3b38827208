import { BaseError } from '../primitives/errors.js'

/**
 * The contract between the RPC server and the methods registered into it. Methods are
 * free functions (`src/rpc/<namespace>/<method>.ts`) that take the positional params and
 * a context, and return (or resolve to) the JSON value of `result`. They signal failure
 * by throwing a `BaseError` carrying the `rpcCode` geth would answer with.
 */

export type RpcTransport = 'http' | 'ws'

/**
 * A long-lived client connection (WebSocket). Methods use it to push subscription
 * notifications and to release resources when the client goes away.
 */
export interface RpcConnection {
  /** Unique per server process, for logs and maps. */
  readonly id: number
  /** True once the connection has closed; `send` is then a no-op. */
  readonly closed: boolean
  /** Sends a server-initiated message (a subscription notification) as JSON. */
  send(notification: object): void
  /** Runs `cb` once when the connection closes (right away if it already has). */
  onClose(cb: () => void): void
}

export interface RpcContext {
  readonly transport: RpcTransport
  /** Present for WebSocket calls: the only transport that can carry notifications. */
  readonly connection?: RpcConnection
  /** Aborted when the call's deadline passes or its client goes away. */
  readonly signal?: AbortSignal
  /**
   * Runs `cb` after the response carrying this call has been written. Subscriptions
   * start delivering here, so a client always sees the subscription id before the
   * first notification (geth activates its notifiers at the same point).
   */
  readonly afterResponse?: (cb: () => void) => void
}

export type RpcMethod = (params: unknown[], ctx: RpcContext) => unknown | Promise<unknown>

/**
 * Optional arity checks the dispatcher runs before the method, with geth's wording
 * ("too many arguments, want at most N", "missing value for required argument I").
 */
export interface ParamSpec {
  /** Most positional params accepted. */
  readonly max?: number
  /** The first `required` params must be present and non-null. */
  readonly required?: number
}

export interface RegisteredMethod {
  readonly fn: RpcMethod
  readonly params: ParamSpec | undefined
}

/** Called once per executed method call: for per-method latency histograms. */
export type RequestObserver = (method: string, seconds: number, ok: boolean) => void

/** The method table: each method file registers itself under its full name. */
export class MethodRegistry {
  readonly #methods = new Map<string, RegisteredMethod>()

  register(name: string, fn: RpcMethod, params?: ParamSpec): this {
    if (!/^[A-Za-z][A-Za-z0-9]*_[A-Za-z0-9_]+$/.test(name)) {
      throw new BaseError(`invalid RPC method name ${JSON.stringify(name)}: expected namespace_method`)
    }
    if (this.#methods.has(name)) throw new BaseError(`RPC method ${name} is registered twice`)
    this.#methods.set(name, { fn, params })
    return this
  }

  get(name: string): RegisteredMethod | undefined {
    return this.#methods.get(name)
  }

  has(name: string): boolean {
    return this.#methods.has(name)
  }

  /** Registered names, sorted (e.g. for `rpc_modules`). */
  names(): string[] {
    return [...this.#methods.keys()].sort()
  }

  get size(): number {
    return this.#methods.size
  }
}

/** A JSON-RPC id as geth echoes it: anything but an object or an array. */
export type JsonRpcId = string | number | boolean | null

export interface JsonRpcErrorObject {
  code: number
  message: string
  data?: unknown
}

export type JsonRpcResponse =
  | { jsonrpc: '2.0'; id: JsonRpcId; result: unknown }
  | { jsonrpc: '2.0'; id: JsonRpcId; error: JsonRpcErrorObject }

export interface JsonRpcNotification {
  jsonrpc: '2.0'
  method: string
  params: { subscription: string; result: unknown }
}
