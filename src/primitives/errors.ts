/**
 * The one base error of Plexus. Every domain error subclasses it with a stable `name`
 * and, where it can reach a JSON-RPC client, the `rpcCode` geth would answer with.
 * Callers match on `name`/`instanceof`, never on message text.
 */
export type BaseErrorParameters = {
  details?: string
  cause?: unknown
  /** JSON-RPC error code this error maps to when it crosses the RPC boundary. */
  rpcCode?: number
  /** Extra `data` for the JSON-RPC error object (e.g. revert data). */
  rpcData?: unknown
}

export class BaseError extends Error {
  override name = 'PlexusError'
  readonly shortMessage: string
  readonly details: string | undefined
  readonly rpcCode: number | undefined
  readonly rpcData: unknown

  constructor(shortMessage: string, params: BaseErrorParameters = {}) {
    super(params.details ? `${shortMessage}\n\nDetails: ${params.details}` : shortMessage, {
      cause: params.cause,
    })
    this.shortMessage = shortMessage
    this.details = params.details
    this.rpcCode = params.rpcCode
    this.rpcData = params.rpcData
  }
}

/** Geth's JSON-RPC error codes (go-ethereum rpc/errors.go, internal/ethapi). */
export const RpcErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  Internal: -32603,
  /** Generic server error: geth uses it for tx pool rejections and most failures. */
  Server: -32000,
  /** Resource not found / limit exceeded (geth: -32005 for limits in some paths). */
  LimitExceeded: -32005,
  /** `execution reverted` with the revert data in `data`. */
  ExecutionReverted: 3,
} as const

/** The request's params are of the wrong shape or type. */
export class InvalidParamsError extends BaseError {
  override name = 'InvalidParamsError'
  constructor(message: string, params: Omit<BaseErrorParameters, 'rpcCode'> = {}) {
    super(message, { ...params, rpcCode: RpcErrorCode.InvalidParams })
  }
}

/** Something the caller asked for was refused by a configured limit. */
export class LimitExceededError extends BaseError {
  override name = 'LimitExceededError'
  constructor(message: string, params: Omit<BaseErrorParameters, 'rpcCode'> = {}) {
    super(message, { ...params, rpcCode: RpcErrorCode.LimitExceeded })
  }
}

/** A state lookup named a block or state this node does not have. */
export class NotFoundError extends BaseError {
  override name = 'NotFoundError'
  constructor(message: string, params: Omit<BaseErrorParameters, 'rpcCode'> = {}) {
    super(message, { ...params, rpcCode: RpcErrorCode.Server })
  }
}

/** Stored data failed a consistency check; the node must not serve or build on it. */
export class CorruptionError extends BaseError {
  override name = 'CorruptionError'
}

/** One problem of a configuration: the exact field, what is wrong and how to fix it. */
export interface ConfigIssue {
  path: string
  message: string
}

/**
 * A configuration value is invalid; `path` names the exact field. A config file is
 * reported whole: `issues` holds every problem found (the first is `path`), and the
 * message has one `path: message` line per issue.
 */
export class ConfigError extends BaseError {
  override name = 'ConfigError'
  readonly path: string
  readonly issues: readonly ConfigIssue[]
  constructor(path: string, message: string, params: BaseErrorParameters & { moreIssues?: readonly ConfigIssue[] } = {}) {
    const { moreIssues = [], ...rest } = params
    const issues = [{ path, message }, ...moreIssues]
    super(issues.map((i) => `${i.path}: ${i.message}`).join('\n'), rest)
    this.path = path
    this.issues = issues
  }

  /** Every issue at once (at least one). */
  static of(issues: readonly ConfigIssue[]): ConfigError {
    const [first, ...more] = issues
    if (!first) throw new Error('ConfigError.of needs at least one issue')
    return new ConfigError(first.path, first.message, { moreIssues: more })
  }
}
