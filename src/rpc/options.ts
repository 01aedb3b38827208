import { ConfigError } from '../primitives/errors.js'
import { LOCAL_ORIGINS, originPatternError } from './origins.js'

/**
 * Method groups closed on the public RPC unless the operator exposes them (see
 * `RESTRICTED_METHODS` in methods.ts for which method is in which group, and why).
 */
export const RPC_METHOD_GROUPS = ['debug', 'operator'] as const
export type RpcMethodGroup = (typeof RPC_METHOD_GROUPS)[number]

/** Settings of the RPC server; every field has a default in `RPC_DEFAULTS`. */
export interface RpcOptions {
  host: string
  /** 0 picks a free port (tests); read the real one from `RpcServer.address()`. */
  port: number
  /** Largest HTTP request body. Over it: HTTP 413 with a JSON-RPC error body. */
  maxBodyBytes: number
  /** Most entries in one batch (0 = unlimited). Over it: one `batch too large` error. */
  maxBatchLength: number
  /**
   * Size at which a batch stops answering: once the responses so far add up past it,
   * every later call in the batch gets -32003 `response too large` (0 = unlimited).
   */
  maxBatchResponseBytes: number
  /** Largest single response; a bigger one is replaced by -32003 (0 = unlimited). */
  maxResponseBytes: number
  /** Largest WebSocket message read; a bigger one closes the socket with 1009. */
  wsMaxMessageBytes: number
  /** Unsent bytes queued to one WebSocket client before it is dropped as too slow. */
  wsMaxBufferedBytes: number
  /** Ping period; a client that has not ponged by the next ping is dropped (0 = off). */
  wsPingIntervalMs: number
  /**
   * Browser origins that may call (CORS on HTTP, the Origin check on WebSocket upgrades):
   * `*`, exact origins, or `scheme://host:*` for any port (see origins.ts). A request
   * from any other origin is refused with 403; one without an Origin header is not a
   * browser's and is served.
   */
  corsOrigins: readonly string[]
  /** Restricted method groups served on this port (default none). */
  expose: readonly RpcMethodGroup[]
  /** Most open WebSocket connections; over it the upgrade is refused with 503. */
  wsMaxConnections: number
  /** Most open WebSocket connections from one remote address; over it: 429. */
  wsMaxConnectionsPerAddress: number
  /** Time allowed to receive a whole HTTP request (headers and body). */
  requestTimeoutMs: number
  /** Deadline for answering an HTTP request; calls still running get -32002 (0 = none). */
  callTimeoutMs: number
  /** How long an idle keep-alive HTTP connection stays open. */
  idleTimeoutMs: number
  /** On stop(), how long in-flight HTTP requests get before their sockets are cut. */
  stopGraceMs: number
}

/** Defaults follow geth (node/defaults.go, rpc/http.go, rpc/websocket.go) unless noted. */
export const RPC_DEFAULTS = {
  // geth listens on 8545; 9545 keeps Plexus clear of a local geth/anvil
  host: '127.0.0.1',
  port: 9545,
  // geth defaultBodyLimit: 5 MiB
  maxBodyBytes: 5 * 1024 * 1024,
  // geth BatchRequestLimit
  maxBatchLength: 1000,
  // geth BatchResponseMaxSize (25 MB, decimal)
  maxBatchResponseBytes: 25_000_000,
  // not limited in geth; a guard so one call cannot build a giant string to send
  maxResponseBytes: 64 * 1024 * 1024,
  // geth wsDefaultReadLimit: 32 MiB (it was 15 MiB before geth 1.13)
  wsMaxMessageBytes: 32 * 1024 * 1024,
  // geth instead cuts a client whose writes block for 10 s; Node buffers, so cap the buffer
  wsMaxBufferedBytes: 64 * 1024 * 1024,
  // geth wsPingInterval; geth waits wsPongTimeout (30 s) for the pong
  wsPingIntervalMs: 30_000,
  // geth sends no CORS headers unless --http.corsdomain is set and allows WebSocket
  // origins of localhost only; pages on this machine (the dashboard, a dapp in
  // development) may call, any other page is refused
  corsOrigins: LOCAL_ORIGINS,
  // geth serves eth, net, web3 by default; debug and operator methods are opt-in
  expose: [],
  // geth has no limits; enough for every tab and script of a developer, and for a
  // service behind a proxy, while a flood cannot exhaust sockets and memory
  wsMaxConnections: 1000,
  wsMaxConnectionsPerAddress: 200,
  // geth DefaultHTTPTimeouts.ReadTimeout
  requestTimeoutMs: 30_000,
  // geth: WriteTimeout (30 s) minus 100 ms, so the error reaches the client in time
  callTimeoutMs: 29_900,
  // geth DefaultHTTPTimeouts.IdleTimeout
  idleTimeoutMs: 120_000,
  stopGraceMs: 1_000,
} as const satisfies RpcOptions

/** Fills defaults and rejects values that cannot work; `path` prefixes error paths. */
export function resolveRpcOptions(partial: Partial<RpcOptions> = {}, path = 'rpc'): RpcOptions {
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined))
  const o: RpcOptions = { ...RPC_DEFAULTS, ...defined }
  if (typeof o.host !== 'string' || o.host === '') throw new ConfigError(`${path}.host`, 'must be a non-empty string')
  if (!Number.isInteger(o.port) || o.port < 0 || o.port > 65535) {
    throw new ConfigError(`${path}.port`, `must be an integer in 0..65535, got ${String(o.port)}`)
  }
  const positive = [
    'maxBodyBytes',
    'wsMaxMessageBytes',
    'wsMaxBufferedBytes',
    'requestTimeoutMs',
    'idleTimeoutMs',
    'wsMaxConnections',
    'wsMaxConnectionsPerAddress',
  ] as const
  for (const key of positive) {
    if (!Number.isSafeInteger(o[key]) || o[key] <= 0) {
      throw new ConfigError(`${path}.${key}`, `must be a positive integer, got ${String(o[key])}`)
    }
  }
  const zeroOk = ['maxBatchLength', 'maxBatchResponseBytes', 'maxResponseBytes', 'wsPingIntervalMs', 'callTimeoutMs', 'stopGraceMs'] as const
  for (const key of zeroOk) {
    if (!Number.isSafeInteger(o[key]) || o[key] < 0) {
      throw new ConfigError(`${path}.${key}`, `must be a non-negative integer, got ${String(o[key])}`)
    }
  }
  if (!Array.isArray(o.corsOrigins) || o.corsOrigins.some((x) => typeof x !== 'string' || x === '')) {
    throw new ConfigError(`${path}.corsOrigins`, 'must be a list of origins (or ["*"])')
  }
  for (const entry of o.corsOrigins) {
    const problem = originPatternError(entry)
    if (problem) throw new ConfigError(`${path}.corsOrigins`, problem)
  }
  if (!Array.isArray(o.expose) || o.expose.some((g) => !(RPC_METHOD_GROUPS as readonly string[]).includes(g))) {
    throw new ConfigError(`${path}.expose`, `must list method groups among ${RPC_METHOD_GROUPS.join(', ')}, got ${JSON.stringify(o.expose)}`)
  }
  return o
}
