import { randomBytes } from 'node:crypto'
import { InvalidParamsError, LimitExceededError } from '../primitives/errors.js'
import type { Hex } from '../primitives/hex.js'
import type { Logger } from '../primitives/logger.js'
import { NotificationsUnsupportedError, SubscriptionNotFoundError } from './errors.js'
import type { JsonRpcNotification, RpcConnection, RpcContext, RpcMethod } from './types.js'

/**
 * The generic half of `eth_subscribe` / `eth_unsubscribe`: ids, ownership per
 * connection, cleanup when a connection closes, and the notification envelope. The
 * kinds (newHeads, logs, newPendingTransactions) live in the method files:
 *
 * ```ts
 * registry.register('eth_subscribe', (params, ctx) => {
 *   const kind = parseSubscriptionName(params)
 *   if (kind !== 'newHeads') throw new UnsupportedSubscriptionError('eth', kind)
 *   return subscriptions.add(ctx, (emit) => chain.onNewHead((h) => emit(formatHeader(h))))
 * })
 * registry.register('eth_unsubscribe', subscriptions.unsubscribe)
 * ```
 */

/** Pushes one `result` to the subscriber. Safe to call after unsubscribe (dropped). */
export type Emit = (result: unknown) => void

/** Starts producing events; returns what stops them (run on unsubscribe or close). */
export type SubscriptionSetup = (emit: Emit) => (() => void) | void

export interface SubscriptionManagerOptions {
  /** The namespace of `<ns>_subscription` notifications. Default `eth`. */
  readonly namespace?: string
  readonly logger?: Logger
  /** Notifications held for a subscription until its id has been sent. Default 10 000. */
  readonly maxPending?: number
  /** Most live subscriptions one connection may hold (-32005 beyond). Default 1 000. */
  readonly maxPerConnection?: number
}

interface Subscription {
  readonly id: Hex
  readonly connection: RpcConnection
  /** Until the subscribe response is written, notifications wait here (geth's Notifier). */
  pending: unknown[] | undefined
  dispose: (() => void) | void
  removed: boolean
}

/** geth's subscription id: 16 random bytes as a QUANTITY (no leading zeros). */
export function newSubscriptionId(): Hex {
  const digits = randomBytes(16).toString('hex').replace(/^0+/, '')
  return `0x${digits === '' ? '0' : digits}`
}

/** The subscription kind from `*_subscribe` params, with geth's error when absent. */
export function parseSubscriptionName(params: unknown[]): string {
  const name = params[0]
  if (typeof name !== 'string') throw new InvalidParamsError('expected subscription name as first argument')
  return name
}

export class SubscriptionManager {
  readonly #subs = new Map<string, Subscription>()
  readonly #byConnection = new Map<RpcConnection, Map<string, Subscription>>()
  readonly #hooked = new WeakSet<RpcConnection>()
  readonly #method: string
  readonly #logger: Logger | undefined
  readonly #maxPending: number
  readonly #maxPerConnection: number

  constructor(options: SubscriptionManagerOptions = {}) {
    this.#method = `${options.namespace ?? 'eth'}_subscription`
    this.#logger = options.logger
    this.#maxPending = options.maxPending ?? 10_000
    this.#maxPerConnection = options.maxPerConnection ?? 1_000
  }

  /**
   * Creates a subscription on the calling connection and returns its id (the result of
   * the subscribe call). `setup` runs at once; what it emits before the subscribe
   * response has gone out is held and sent right after it. Throws geth's
   * `notifications not supported` for calls without a connection (HTTP).
   */
  add(ctx: RpcContext, setup: SubscriptionSetup): Hex {
    const connection = ctx.connection
    if (!connection) throw new NotificationsUnsupportedError()
    const owned0 = this.#byConnection.get(connection)
    if (owned0 && owned0.size >= this.#maxPerConnection) {
      throw new LimitExceededError(`too many subscriptions on this connection (limit ${this.#maxPerConnection}); unsubscribe some first`)
    }
    let id = newSubscriptionId()
    while (this.#subs.has(id)) id = newSubscriptionId()
    const sub: Subscription = { id, connection, pending: [], dispose: undefined, removed: false }
    this.#subs.set(id, sub)
    let owned = owned0
    if (!owned) this.#byConnection.set(connection, (owned = new Map()))
    owned.set(id, sub)
    if (!this.#hooked.has(connection)) {
      this.#hooked.add(connection)
      connection.onClose(() => this.#dropConnection(connection))
    }
    try {
      sub.dispose = setup((result) => this.#deliver(sub, result))
    } catch (err) {
      this.#detach(sub)
      throw err
    }
    if (connection.closed) {
      this.#detach(sub)
      this.#dispose(sub)
      return id
    }
    const activate = (): void => this.#activate(sub)
    if (ctx.afterResponse) ctx.afterResponse(activate)
    else setImmediate(activate)
    return id
  }

  /** Ends a subscription if `connection` owns it; false if it does not exist there. */
  remove(connection: RpcConnection, id: string): boolean {
    const sub = this.#subs.get(id)
    if (!sub || sub.connection !== connection) return false
    this.#detach(sub)
    this.#dispose(sub)
    return true
  }

  /** Sends `result` to subscription `id`; false if there is no such subscription. */
  notify(id: string, result: unknown): boolean {
    const sub = this.#subs.get(id)
    if (!sub) return false
    this.#deliver(sub, result)
    return true
  }

  /** Live subscriptions, all connections. */
  get size(): number {
    return this.#subs.size
  }

  /** Live subscriptions of one connection. */
  count(connection: RpcConnection): number {
    return this.#byConnection.get(connection)?.size ?? 0
  }

  /**
   * `eth_unsubscribe` as geth serves it: `[id]` → true; an id this connection does not
   * own → -32000 `subscription not found`.
   */
  readonly unsubscribe: RpcMethod = (params, ctx) => {
    if (params.length > 1) throw new InvalidParamsError('too many arguments, want at most 1')
    const id = params[0]
    if (id === undefined || id === null) throw new InvalidParamsError('missing value for required argument 0')
    if (typeof id !== 'string') {
      throw new InvalidParamsError(`invalid argument 0: json: cannot unmarshal ${jsonKind(id)} into Go value of type rpc.ID`)
    }
    if (!ctx.connection || !this.remove(ctx.connection, id)) throw new SubscriptionNotFoundError()
    return true
  }

  #deliver(sub: Subscription, result: unknown): void {
    if (sub.removed) return
    if (sub.pending) {
      if (sub.pending.length < this.#maxPending) sub.pending.push(result)
      else this.#logger?.warn({ subscription: sub.id }, 'subscription notification dropped before activation')
      return
    }
    this.#send(sub, result)
  }

  #activate(sub: Subscription): void {
    const pending = sub.pending
    sub.pending = undefined
    if (sub.removed || !pending) return
    for (const result of pending) this.#send(sub, result)
  }

  #send(sub: Subscription, result: unknown): void {
    const notification: JsonRpcNotification = {
      jsonrpc: '2.0',
      method: this.#method,
      params: { subscription: sub.id, result },
    }
    sub.connection.send(notification)
  }

  #dropConnection(connection: RpcConnection): void {
    const owned = this.#byConnection.get(connection)
    if (!owned) return
    for (const sub of [...owned.values()]) {
      this.#detach(sub)
      this.#dispose(sub)
    }
  }

  #detach(sub: Subscription): void {
    sub.removed = true
    sub.pending = undefined
    this.#subs.delete(sub.id)
    const owned = this.#byConnection.get(sub.connection)
    owned?.delete(sub.id)
    if (owned?.size === 0) this.#byConnection.delete(sub.connection)
  }

  #dispose(sub: Subscription): void {
    const dispose = sub.dispose
    sub.dispose = undefined
    if (!dispose) return
    try {
      dispose()
    } catch (err) {
      this.#logger?.error({ err, subscription: sub.id }, 'subscription cleanup failed')
    }
  }
}

function jsonKind(value: unknown): string {
  if (Array.isArray(value)) return 'array'
  if (typeof value === 'object') return 'object'
  return typeof value === 'boolean' ? 'bool' : typeof value
}
