import { BaseError, RpcErrorCode, type BaseErrorParameters } from '../primitives/errors.js'

/**
 * The errors the RPC layer itself answers with, worded and coded as geth's `rpc`
 * package does (go-ethereum rpc/errors.go), so clients that match on them keep working.
 */

/** Server-side codes geth uses beyond the JSON-RPC 2.0 set. */
export const RpcServerErrorCode = {
  /** The HTTP request ran past its deadline (geth errcodeTimeout). */
  Timeout: -32002,
  /** A response or batch response exceeded its size limit (geth errcodeResponseTooLarge). */
  ResponseTooLarge: -32003,
} as const

export const RpcErrorMessage = {
  ParseError: 'parse error',
  InvalidRequest: 'invalid request',
  EmptyBatch: 'empty batch',
  BatchTooLarge: 'batch too large',
  NonArrayArgs: 'non-array args',
  Timeout: 'request timed out',
  ResponseTooLarge: 'response too large',
  /** geth's answer when a method panics; ours when one throws something unexpected. */
  MethodCrashed: 'method handler crashed',
} as const

type Params = Omit<BaseErrorParameters, 'rpcCode'>

/** -32601 `the method foo does not exist/is not available`. */
export class MethodNotFoundError extends BaseError {
  override name = 'MethodNotFoundError'
  constructor(method: string, params: Params = {}) {
    super(`the method ${method} does not exist/is not available`, { ...params, rpcCode: RpcErrorCode.MethodNotFound })
  }
}

/** -32601 `notifications not supported`: a `*_subscribe` call over HTTP. */
export class NotificationsUnsupportedError extends BaseError {
  override name = 'NotificationsUnsupportedError'
  constructor(params: Params = {}) {
    super('notifications not supported', { ...params, rpcCode: RpcErrorCode.MethodNotFound })
  }
}

/** -32601 `no "foo" subscription in eth namespace`: an unknown subscription kind. */
export class UnsupportedSubscriptionError extends BaseError {
  override name = 'UnsupportedSubscriptionError'
  readonly namespace: string
  readonly subscription: string
  constructor(namespace: string, subscription: string, params: Params = {}) {
    super(`no ${JSON.stringify(subscription)} subscription in ${namespace} namespace`, {
      ...params,
      rpcCode: RpcErrorCode.MethodNotFound,
    })
    this.namespace = namespace
    this.subscription = subscription
  }
}

/** -32000 `subscription not found`: unsubscribing an id this connection does not own. */
export class SubscriptionNotFoundError extends BaseError {
  override name = 'SubscriptionNotFoundError'
  constructor(params: Params = {}) {
    super('subscription not found', { ...params, rpcCode: RpcErrorCode.Server })
  }
}
