import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { WebSocketServer, WebSocket, type RawData } from 'ws'
import { BaseError, RpcErrorCode } from '../primitives/errors.js'
import type { Lifecycle } from '../primitives/lifecycle.js'
import type { Logger } from '../primitives/logger.js'
import { dispatch, type DispatchOptions } from './dispatch.js'
import { resolveRpcOptions, type RpcOptions } from './options.js'
import { OriginPolicy } from './origins.js'
import type { MethodRegistry, RequestObserver, RpcConnection, RpcContext } from './types.js'

/**
 * One `node:http` server answering JSON-RPC over HTTP POST and WebSocket on the same
 * host:port, as geth does on its HTTP port with `--ws` sharing it.
 *
 * HTTP, as geth's rpc/http.go: PUT/DELETE → 405; a declared body over the limit → 413;
 * a content type other than application/json (or -rpc, jsonrequest) → 415; a bodiless
 * GET → 200 (load-balancer health checks); any other verb is read as JSON-RPC. Geth
 * writes those rejections as plain text; we write a JSON-RPC error object (same status,
 * same message) so browser clients can parse every answer. Extra routes:
 * GET /health → `{"ok":true}`, GET /metrics → the injected handler.
 *
 * WebSocket: each message is a request or batch, answered as soon as it is done
 * (messages run concurrently, as geth runs them); no per-call deadline (geth has none
 * on WebSocket); a message over `wsMaxMessageBytes` closes the socket with 1009.
 * Unlike geth, a malformed message is answered -32700 and the socket stays open.
 *
 * Origins: a request carrying an `Origin` the policy does not allow (`corsOrigins`) is
 * refused with 403 and a JSON-RPC error body, preflight or not, HTTP or WebSocket. geth
 * only leaves out the CORS headers on HTTP and still runs the call; refusing also stops
 * a DNS-rebinding page (same-origin to the browser, so no preflight) from calling.
 * WebSocket connections are bounded in total (503) and per remote address (429).
 */
export interface RpcServerParameters extends Partial<RpcOptions> {
  readonly registry: MethodRegistry
  readonly logger: Logger
  /** Per executed method call, for latency histograms by method. */
  readonly onRequest?: RequestObserver
  /** Methods whose consecutive calls in a batch may run concurrently (see DispatchOptions). */
  readonly concurrentMethods?: ReadonlySet<string>
  /** Serves GET /metrics (e.g. the node's prom-client registry); 404 without it. */
  readonly metricsHandler?: (req: IncomingMessage, res: ServerResponse) => void | Promise<void>
}

const JSON_CONTENT_TYPES = new Set(['application/json', 'application/json-rpc', 'application/jsonrequest'])

export class RpcServer implements Lifecycle {
  readonly options: RpcOptions
  readonly #registry: MethodRegistry
  readonly #logger: Logger
  readonly #onRequest: RequestObserver | undefined
  readonly #metricsHandler: RpcServerParameters['metricsHandler']
  readonly #httpDispatch: DispatchOptions
  readonly #wsDispatch: DispatchOptions
  readonly #connections = new Set<WsConnection>()
  readonly #perAddress = new Map<string, number>()
  readonly #origins: OriginPolicy
  /** Upgrades accepted but not yet open (counted against wsMaxConnections). */
  #upgrading = 0
  #server: Server | undefined
  #wss: WebSocketServer | undefined
  #pingTimer: NodeJS.Timeout | undefined
  #stopping: Promise<void> | undefined
  #nextConnectionId = 1

  constructor(params: RpcServerParameters) {
    const { registry, logger, onRequest, metricsHandler, concurrentMethods, ...options } = params
    this.options = resolveRpcOptions(options)
    this.#origins = new OriginPolicy(this.options.corsOrigins)
    this.#registry = registry
    this.#logger = logger
    this.#onRequest = onRequest
    this.#metricsHandler = metricsHandler
    const base = {
      registry: this.#registry,
      logger: this.#logger,
      maxBatchLength: this.options.maxBatchLength,
      maxBatchResponseBytes: this.options.maxBatchResponseBytes,
      maxResponseBytes: this.options.maxResponseBytes,
      concurrentMethods,
      onRequest: this.#onRequest,
    }
    // geth puts a deadline on HTTP requests only (derived from the write timeout)
    this.#httpDispatch = { ...base, callTimeoutMs: this.options.callTimeoutMs }
    this.#wsDispatch = base
  }

  async start(): Promise<void> {
    if (this.#server) throw new BaseError('RPC server already started')
    const o = this.options
    const server = createServer({
      requestTimeout: o.requestTimeoutMs,
      headersTimeout: o.requestTimeoutMs,
      keepAliveTimeout: o.idleTimeoutMs,
    })
    const wss = new WebSocketServer({ noServer: true, maxPayload: o.wsMaxMessageBytes, perMessageDeflate: false })
    server.on('request', (req, res) => this.#onHttp(req, res))
    server.on('upgrade', (req, socket, head) => this.#onUpgrade(req, socket, head))
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => reject(new BaseError(`RPC server cannot listen on ${o.host}:${o.port}`, { cause: err, details: err.message }))
      server.once('error', onError)
      server.listen(o.port, o.host, () => {
        server.off('error', onError)
        resolve()
      })
    })
    server.on('error', (err) => this.#logger.error({ err }, 'RPC server error'))
    this.#server = server
    this.#wss = wss
    if (o.wsPingIntervalMs > 0) {
      this.#pingTimer = setInterval(() => this.#pingAll(), o.wsPingIntervalMs)
      this.#pingTimer.unref()
    }
    const { host, port } = this.address()
    this.#logger.info({ host, port }, 'RPC server listening (HTTP and WebSocket)')
  }

  /** Closes WebSockets at once, lets in-flight HTTP requests finish within `stopGraceMs`. */
  stop(): Promise<void> {
    if (!this.#server) return Promise.resolve()
    this.#stopping ??= this.#stop()
    return this.#stopping
  }

  async #stop(): Promise<void> {
    const server = this.#server!
    clearInterval(this.#pingTimer)
    for (const connection of this.#connections) connection.ws.terminate()
    const closed = new Promise<void>((resolve) => server.close(() => resolve()))
    server.closeIdleConnections()
    const grace = setTimeout(() => server.closeAllConnections(), this.options.stopGraceMs)
    await closed
    clearTimeout(grace)
    this.#wss?.close()
    this.#logger.info('RPC server stopped')
  }

  /** The bound address; with port 0 this is where the OS put us. */
  address(): { host: string; port: number } {
    const info = this.#server?.address() as AddressInfo | null | undefined
    if (!info || typeof info !== 'object') throw new BaseError('RPC server is not listening')
    return { host: info.address, port: info.port }
  }

  /** Lets one more exact origin call (e.g. the dashboard's, once it listens). */
  allowOrigin(origin: string): void {
    this.#origins.add(origin)
  }

  /** Open WebSocket connections. */
  get connectionCount(): number {
    return this.#connections.size
  }

  // ---------------------------------------------------------------- HTTP

  #onHttp(req: IncomingMessage, res: ServerResponse): void {
    const origin = req.headers.origin
    if (origin !== undefined && !this.#origins.allows(origin)) {
      req.resume() // drain the body, so the connection can answer
      return sendHttpError(res, 403, ORIGIN_REFUSED)
    }
    this.#cors(req, res)
    const method = req.method ?? 'GET'
    const q = req.url?.indexOf('?') ?? -1
    const path = q === -1 ? (req.url ?? '/') : req.url!.slice(0, q)
    const hasQuery = q !== -1 && q < req.url!.length - 1

    if (method === 'OPTIONS') {
      res.writeHead(204).end()
      return
    }
    if (method === 'PUT' || method === 'DELETE') return sendHttpError(res, 405, 'method not allowed')
    const declared = req.headers['content-length'] === undefined ? undefined : Number(req.headers['content-length'])
    if (method === 'GET' || method === 'HEAD') {
      if (path === '/health') return sendJson(res, 200, '{"ok":true}')
      if (path === '/metrics') {
        void this.#metrics(req, res)
        return
      }
      if (!hasQuery && !declared && req.headers['transfer-encoding'] === undefined) {
        res.writeHead(200).end() // geth: "permit dumb empty requests for remote health-checks"
        return
      }
    }
    // like geth, any other verb (POST, or a GET with a body) is a JSON-RPC request

    const max = this.options.maxBodyBytes
    if (declared !== undefined && declared > max) {
      return sendHttpError(res, 413, `content length too large (${declared}>${max})`)
    }
    if (!isJsonContentType(req.headers['content-type'])) {
      return sendHttpError(res, 415, 'invalid content type, only application/json is supported')
    }

    const chunks: Buffer[] = []
    let size = 0
    let rejected = false
    req.on('data', (chunk: Buffer) => {
      if (rejected) return // drained and dropped; the request timeout bounds how long
      size += chunk.length
      if (size > max) {
        rejected = true
        chunks.length = 0
        sendHttpError(res, 413, `request body too large (>${max})`)
        return
      }
      chunks.push(chunk)
    })
    req.on('error', (err) => this.#logger.debug({ err }, 'HTTP request stream error'))
    req.on('end', () => {
      if (rejected) return
      void this.#answerHttp(Buffer.concat(chunks, size).toString('utf8'), res)
    })
  }

  async #answerHttp(body: string, res: ServerResponse): Promise<void> {
    const abort = new AbortController()
    const onClose = (): void => {
      if (!res.writableFinished) abort.abort(new BaseError('client went away'))
    }
    res.on('close', onClose)
    const ctx: RpcContext = { transport: 'http', signal: abort.signal }
    const out = await dispatch(body, ctx, this.#httpDispatch)
    res.off('close', onClose)
    if (res.destroyed || res.writableEnded) return
    if (out === undefined) return sendJson(res, 200, '')
    sendJson(res, 200, `${out}\n`)
  }

  async #metrics(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!this.#metricsHandler) return sendHttpError(res, 404, 'not found')
    try {
      await this.#metricsHandler(req, res)
    } catch (err) {
      this.#logger.error({ err }, 'metrics handler failed')
      if (!res.headersSent) sendHttpError(res, 500, 'metrics unavailable')
      else res.destroy()
    }
  }

  /** CORS headers for an allowed origin (the caller has refused the others). */
  #cors(req: IncomingMessage, res: ServerResponse): void {
    const origin = req.headers.origin
    if (origin === undefined) return
    res.setHeader('Access-Control-Allow-Origin', this.#origins.anyOrigin ? '*' : origin)
    res.setHeader('Vary', 'Origin')
    if (req.method === 'OPTIONS') {
      res.setHeader('Access-Control-Allow-Methods', 'POST, GET, OPTIONS')
      res.setHeader('Access-Control-Allow-Headers', req.headers['access-control-request-headers'] ?? 'Content-Type')
      res.setHeader('Access-Control-Max-Age', '600')
      res.setHeader('Vary', 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers')
    }
  }

  // ----------------------------------------------------------- WebSocket

  #onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', (err) => this.#logger.debug({ err }, 'WebSocket upgrade socket error'))
    if (this.#stopping || !this.#wss) {
      socket.destroy()
      return
    }
    const origin = req.headers.origin
    if (origin !== undefined && !this.#origins.allows(origin)) return refuseUpgrade(socket, 403, 'Forbidden', ORIGIN_REFUSED)
    const o = this.options
    // Counted from the upgrade on, so a burst of handshakes cannot overshoot the limits.
    if (this.#connections.size + this.#upgrading >= o.wsMaxConnections) {
      this.#logger.warn({ limit: o.wsMaxConnections }, 'WebSocket connection refused: too many connections')
      return refuseUpgrade(socket, 503, 'Service Unavailable', `too many WebSocket connections (limit ${o.wsMaxConnections})`)
    }
    const address = req.socket.remoteAddress ?? 'unknown'
    const fromAddress = this.#perAddress.get(address) ?? 0
    if (fromAddress >= o.wsMaxConnectionsPerAddress) {
      this.#logger.debug({ address, limit: o.wsMaxConnectionsPerAddress }, 'WebSocket connection refused: too many from one address')
      return refuseUpgrade(socket, 429, 'Too Many Requests', `too many WebSocket connections from ${address} (limit ${o.wsMaxConnectionsPerAddress})`)
    }
    this.#perAddress.set(address, fromAddress + 1)
    this.#upgrading++
    let settled = false
    const release = (): void => {
      const n = (this.#perAddress.get(address) ?? 1) - 1
      if (n <= 0) this.#perAddress.delete(address)
      else this.#perAddress.set(address, n)
    }
    const upgraded = (): void => {
      if (settled) return
      settled = true
      this.#upgrading--
    }
    // A handshake that fails (bad key, socket gone) never reaches the callback.
    socket.once('close', () => {
      if (settled) return
      upgraded()
      release()
    })
    this.#wss.handleUpgrade(req, socket, head, (ws) => {
      upgraded()
      this.#onWebSocket(ws, release)
    })
  }

  #onWebSocket(ws: WebSocket, release: () => void): void {
    const connection = new WsConnection(this.#nextConnectionId++, ws, this.options.wsMaxBufferedBytes, this.#logger)
    this.#connections.add(connection)
    ws.on('pong', () => {
      connection.alive = true
    })
    ws.on('message', (data) => void this.#answerWs(connection, data))
    ws.on('error', (err) => this.#logger.debug({ err, connection: connection.id }, 'WebSocket error'))
    ws.on('close', () => {
      if (this.#connections.delete(connection)) release()
      connection.handleClose()
    })
  }

  async #answerWs(connection: WsConnection, data: RawData): Promise<void> {
    const after: (() => void)[] = []
    const ctx: RpcContext = {
      transport: 'ws',
      connection,
      signal: connection.signal,
      afterResponse: (cb) => {
        after.push(cb)
      },
    }
    const out = await dispatch(rawToString(data), ctx, this.#wsDispatch)
    if (out !== undefined) connection.sendRaw(out)
    for (const cb of after) {
      try {
        cb()
      } catch (err) {
        this.#logger.error({ err }, 'afterResponse callback failed')
      }
    }
  }

  #pingAll(): void {
    for (const connection of this.#connections) {
      if (!connection.alive) {
        this.#logger.debug({ connection: connection.id }, 'WebSocket client missed a pong; dropping it')
        connection.ws.terminate()
        continue
      }
      connection.alive = false
      connection.ws.ping()
    }
  }
}

/** One WebSocket client, as methods see it through `RpcContext.connection`. */
class WsConnection implements RpcConnection {
  readonly id: number
  readonly ws: WebSocket
  alive = true
  readonly #closeCallbacks: (() => void)[] = []
  readonly #abort = new AbortController()
  readonly #maxBuffered: number
  readonly #logger: Logger

  constructor(id: number, ws: WebSocket, maxBuffered: number, logger: Logger) {
    this.id = id
    this.ws = ws
    this.#maxBuffered = maxBuffered
    this.#logger = logger
  }

  get closed(): boolean {
    return this.#abort.signal.aborted
  }

  /** Aborted when the connection closes. */
  get signal(): AbortSignal {
    return this.#abort.signal
  }

  send(notification: object): void {
    if (this.closed) return
    let s: string
    try {
      s = JSON.stringify(notification)
    } catch (err) {
      this.#logger.error({ err, connection: this.id }, 'notification is not JSON-serializable; dropped')
      return
    }
    this.sendRaw(s)
  }

  sendRaw(s: string): void {
    if (this.closed || this.ws.readyState !== WebSocket.OPEN) return
    if (this.ws.bufferedAmount > this.#maxBuffered) {
      this.#logger.warn({ connection: this.id, buffered: this.ws.bufferedAmount }, 'WebSocket client too slow; dropping it')
      this.ws.terminate()
      return
    }
    this.ws.send(s)
  }

  onClose(cb: () => void): void {
    if (this.closed) queueMicrotask(cb)
    else this.#closeCallbacks.push(cb)
  }

  handleClose(): void {
    if (this.closed) return
    this.#abort.abort(new BaseError('connection closed'))
    for (const cb of this.#closeCallbacks.splice(0)) {
      try {
        cb()
      } catch (err) {
        this.#logger.error({ err, connection: this.id }, 'connection close callback failed')
      }
    }
  }
}

/** The refusal of a disallowed Origin, on HTTP and WebSocket alike. */
const ORIGIN_REFUSED = 'origin not allowed (see rpc.corsOrigins)'

/** Answers an upgrade request with an HTTP error and closes the socket. */
function refuseUpgrade(socket: Duplex, status: number, reason: string, message: string): void {
  const body = `${JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: RpcErrorCode.InvalidRequest, message } })}\n`
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`)
}

function rawToString(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8')
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8')
  return Buffer.from(data).toString('utf8')
}

function isJsonContentType(header: string | undefined): boolean {
  if (header === undefined) return false
  const mediaType = header.split(';', 1)[0]!.trim().toLowerCase()
  return JSON_CONTENT_TYPES.has(mediaType)
}

function sendJson(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) })
  res.end(body)
}

/** A transport-level rejection: geth's status code, a JSON-RPC error body. */
function sendHttpError(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) return
  sendJson(res, status, `${JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: RpcErrorCode.InvalidRequest, message } })}\n`)
}
