import { z } from 'zod'
import { BaseError, InvalidParamsError, RpcErrorCode } from '../primitives/errors.js'
import { MethodNotFoundError } from '../rpc/errors.js'
import type { Logger } from '../primitives/logger.js'
import { COORDINATOR_METHODS, type CoordinatorCall } from '../rpc/methods.js'
import { NETWORK_FEEDS, type NetworkFeed, type NetworkFeeds } from '../rpc/networkFeeds.js'
import { PeerCallError, PeerLostError, PeerTimeoutError, type PeerHandler, type RpcPeer } from './peer.js'

/**
 * `plexus_networkCall` (executor → coordinator): a chain whose RPC runs in an executor
 * answers the network's methods (`COORDINATOR_METHODS`: bundles, messages, the registry,
 * the chain's L1 side, the network-wide dev methods) by handing the call to the
 * coordinator, which answers it as the chain's own RPC would have. The params and the
 * result are the JSON-RPC method's own: nothing is re-encoded, so the answer is the one
 * a client of an in-process chain gets, errors (code, message, data) included.
 */
export const NETWORK_CALL = 'plexus_networkCall'

/** Longest a forwarded call may take (the audit walks every account of every chain). */
export const NETWORK_CALL_TIMEOUT_MS = 120_000

const callSchema = z.object({
  method: z.string().max(128),
  params: z.array(z.unknown()).max(1024),
})

/** Executor → coordinator: start sending one feed's events (idempotent). */
export const NETWORK_SUBSCRIBE = 'plexus_networkSubscribe'
/** Coordinator → executor, a notification: one event of a feed, `{ feed, result }`. */
export const NETWORK_EVENT = 'plexus_networkEvent'

const feedSchema = z.object({ feed: z.enum(NETWORK_FEEDS) })
const eventSchema = z.object({ feed: z.enum(NETWORK_FEEDS), result: z.unknown() })

export interface NetworkCallService {
  /** Runs a `COORDINATOR_METHODS` method for the chain the executor holds (the chain's RPC on the coordinator). */
  answer: CoordinatorCall
  /** The network's events. */
  feeds: NetworkFeeds
  /** The channel to the executor (the peer these handlers are given to). */
  peer: () => RpcPeer
}

/**
 * The coordinator's handlers for one executor. Only `COORDINATOR_METHODS` are served: an
 * executor cannot reach the rest of the coordinator's surface through them. A feed the
 * executor subscribed to is sent until the channel closes, once however often it asks.
 */
export function networkCallHandlers(service: NetworkCallService): Record<string, PeerHandler> {
  const subscribed = new Map<NetworkFeed, () => void>()
  let watching = false
  return {
    [NETWORK_CALL]: async (params) => {
      const parsed = callSchema.safeParse(params)
      if (!parsed.success) throw new InvalidParamsError(`${NETWORK_CALL}: expected { method, params: [...] }`)
      const { method, params: args } = parsed.data
      if (!COORDINATOR_METHODS.has(method)) throw new MethodNotFoundError(method, { details: 'not a method the network coordinator answers' })
      return service.answer(method, args)
    },
    [NETWORK_SUBSCRIBE]: (params) => {
      const parsed = feedSchema.safeParse(params)
      if (!parsed.success) throw new InvalidParamsError(`${NETWORK_SUBSCRIBE}: expected { feed: ${NETWORK_FEEDS.join(' | ')} }`)
      const { feed } = parsed.data
      const peer = service.peer()
      if (!watching) {
        watching = true
        peer.onClose(() => {
          for (const stop of subscribed.values()) stop()
          subscribed.clear()
        })
      }
      if (!peer.closed && !subscribed.has(feed)) subscribed.set(feed, service.feeds.on(feed, (result) => peer.notify(NETWORK_EVENT, { feed, result })))
      return true
    },
  }
}

/**
 * The executor's side of the network's feeds: one subscription per feed to the
 * coordinator, made when the first local subscriber comes, its events fanned out to every
 * local subscriber. Give `handlers` to the executor's peer.
 */
export class RemoteNetworkFeeds implements NetworkFeeds {
  private readonly listeners = new Map<NetworkFeed, Set<(result: unknown) => void>>()
  private readonly asked = new Set<NetworkFeed>()
  /** The channel the feeds in `asked` were asked on: a new channel is asked again. */
  private askedOn: RpcPeer | undefined

  constructor(
    private readonly peer: () => RpcPeer,
    private readonly logger: Logger,
  ) {}

  readonly handlers: Record<string, PeerHandler> = {
    [NETWORK_EVENT]: (params) => {
      const parsed = eventSchema.safeParse(params)
      if (!parsed.success) throw new InvalidParamsError(`${NETWORK_EVENT}: expected { feed, result }`)
      for (const listener of this.listeners.get(parsed.data.feed) ?? []) listener(parsed.data.result)
    },
  }

  on(feed: NetworkFeed, listener: (result: unknown) => void): () => void {
    let set = this.listeners.get(feed)
    if (!set) this.listeners.set(feed, (set = new Set()))
    set.add(listener)
    const peer = this.peer()
    if (peer !== this.askedOn) {
      this.asked.clear()
      this.askedOn = peer
    }
    if (!this.asked.has(feed)) {
      this.asked.add(feed)
      peer
        .request(NETWORK_SUBSCRIBE, { feed })
        .catch((err: Error) => {
          this.asked.delete(feed) // the next subscriber asks again
          this.logger.warn({ feed, err: err.message }, 'could not subscribe to a network feed at the coordinator')
        })
    }
    return () => set.delete(listener)
  }
}

/** Raised when the coordinator cannot be reached for a network method. */
export class CoordinatorUnreachableError extends BaseError {
  override name = 'CoordinatorUnreachableError'
}

/**
 * The executor's side: what its RPC registry forwards with (see `createMethodRegistry`).
 * The coordinator's error comes back as the same JSON-RPC error; a coordinator that is
 * gone or silent is a server error (-32000) saying so, never a hang.
 */
export function forwardToCoordinator(peer: RpcPeer, timeoutMs = NETWORK_CALL_TIMEOUT_MS): CoordinatorCall {
  return async (method, params) => {
    try {
      return await peer.request(NETWORK_CALL, { method, params }, timeoutMs)
    } catch (err) {
      if (err instanceof PeerCallError) throw new BaseError(err.remoteMessage, { rpcCode: err.code, rpcData: err.data })
      if (err instanceof PeerLostError || err instanceof PeerTimeoutError) {
        throw new CoordinatorUnreachableError(`${method}: the network coordinator did not answer (${err.message})`, { rpcCode: RpcErrorCode.Server })
      }
      throw err
    }
  }
}
