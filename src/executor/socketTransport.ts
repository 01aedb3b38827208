import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import { WebSocket, WebSocketServer, type RawData } from 'ws'
import { BaseError } from '../primitives/errors.js'
import type { Logger } from '../primitives/logger.js'
import { JwtError, signJwt, verifyJwt } from './jwt.js'
import { MalformedMessage, TransportClosedError, type Transport } from './transport.js'

/**
 * The executor protocol over a WebSocket: one JSON-RPC message per text frame, each
 * connection authenticated by an Engine-API JWT in its upgrade request, frames bounded
 * (a larger one closes the connection with 1009), liveness checked with pings (a side
 * that misses two is dropped, so a dead machine is noticed within `pingMs` × 2).
 */

export interface SocketOptions {
  /** Largest frame either side accepts (default 256 MiB: a slot's payload with a full block). */
  maxMessageBytes?: number
  /** Ping interval (default 5 s). */
  pingMs?: number
}

const DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024 * 1024
const DEFAULT_PING_MS = 5_000

/** The transport over one open WebSocket. */
export function wsTransport(ws: WebSocket, options: SocketOptions = {}): Transport {
  const closeListeners: ((reason: string) => void)[] = []
  let closed = false
  let alive = true
  const finish = (reason: string) => {
    if (closed) return
    closed = true
    clearInterval(pinger)
    for (const l of closeListeners) l(reason)
  }
  const pinger = setInterval(() => {
    if (!alive) return ws.terminate()
    alive = false
    ws.ping()
  }, options.pingMs ?? DEFAULT_PING_MS)
  pinger.unref()
  ws.on('pong', () => (alive = true))
  ws.on('close', (code, reason) => finish(`the connection closed (${code}${reason.length ? `: ${reason.toString().slice(0, 200)}` : ''})`))
  ws.on('error', (err) => finish(`the connection failed: ${err.message}`))
  return {
    send(message) {
      if (closed || ws.readyState !== WebSocket.OPEN) throw new TransportClosedError()
      ws.send(JSON.stringify(message))
    },
    onMessage(listener) {
      ws.on('message', (data: RawData, isBinary: boolean) => {
        alive = true
        if (isBinary) return listener(new MalformedMessage('binary frames are not part of the protocol'))
        let parsed: unknown
        try {
          parsed = JSON.parse(rawText(data))
        } catch {
          return listener(new MalformedMessage('the frame is not JSON'))
        }
        listener(parsed)
      })
    },
    onClose(listener) {
      closeListeners.push(listener)
    },
    close(reason = 'closed') {
      if (closed) return
      ws.close(1000, reason.slice(0, 120))
      finish(reason)
    },
    get closed() {
      return closed
    },
  }
}

/** A connection refused or lost while connecting. */
export class SocketConnectError extends BaseError {
  override name = 'SocketConnectError'
}

/** Connects to a listener at `url` (ws://host:port), authenticated with `secret`. */
export function connectSocket(url: string, secret: Uint8Array, options: SocketOptions = {}): Promise<Transport> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, {
      headers: { authorization: `Bearer ${signJwt(secret)}` },
      maxPayload: options.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
      perMessageDeflate: false,
      handshakeTimeout: 10_000,
    })
    ws.once('open', () => {
      ws.removeAllListeners('error')
      resolve(wsTransport(ws, options))
    })
    ws.once('unexpected-response', (_req, res) => {
      reject(new SocketConnectError(`${url} refused the connection: HTTP ${res.statusCode}${res.statusCode === 401 ? ' (the JWT secret differs, or the clocks are more than 60 s apart)' : ''}`))
      ws.terminate()
    })
    ws.once('error', (err) => reject(new SocketConnectError(`cannot connect to ${url}: ${err.message}`)))
  })
}

export interface SocketListenerOptions extends SocketOptions {
  host: string
  /** 0: a free port. */
  port: number
  secret: Uint8Array
  logger: Logger
  /** Most connections open at once (default 1,024); more are refused with 503. */
  maxConnections?: number
}

/**
 * Accepts authenticated WebSocket connections (anything else is answered 401 or 404
 * and closed) and hands each one up as a transport.
 */
export class SocketListener {
  private server: Server | undefined
  private wss: WebSocketServer | undefined
  private readonly open = new Set<WebSocket>()

  constructor(
    private readonly options: SocketListenerOptions,
    private readonly onConnection: (transport: Transport, remote: string) => void,
  ) {}

  async start(): Promise<void> {
    const o = this.options
    const wss = (this.wss = new WebSocketServer({ noServer: true, maxPayload: o.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES, perMessageDeflate: false }))
    const server = (this.server = createServer((_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain' }).end('the executor protocol needs a WebSocket upgrade\n')
    }))
    server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      socket.on('error', () => undefined)
      const refused = this.refusal(req)
      if (refused) {
        o.logger.warn({ remote: req.socket.remoteAddress, reason: refused.reason }, 'executor connection refused')
        socket.end(`HTTP/1.1 ${refused.status}\r\nconnection: close\r\ncontent-length: 0\r\n\r\n`)
        return
      }
      wss.handleUpgrade(req, socket, head, (ws) => {
        this.open.add(ws)
        ws.on('close', () => this.open.delete(ws))
        this.onConnection(wsTransport(ws, o), `${req.socket.remoteAddress}:${req.socket.remotePort}`)
      })
    })
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(o.port, o.host, () => {
        server.off('error', reject)
        resolve()
      })
    })
  }

  address(): { host: string; port: number } {
    const a = this.server?.address() as AddressInfo | null
    if (!a) throw new Error('listener not started')
    return { host: a.address, port: a.port }
  }

  url(): string {
    const { host, port } = this.address()
    return `ws://${host.includes(':') ? `[${host}]` : host}:${port}`
  }

  async stop(): Promise<void> {
    for (const ws of this.open) ws.terminate()
    this.wss?.close()
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()))
  }

  private refusal(req: IncomingMessage): { status: string; reason: string } | undefined {
    if (this.open.size >= (this.options.maxConnections ?? 1024)) return { status: '503 Service Unavailable', reason: 'too many connections' }
    const auth = req.headers.authorization
    if (!auth?.startsWith('Bearer ')) return { status: '401 Unauthorized', reason: 'no bearer token' }
    try {
      verifyJwt(auth.slice('Bearer '.length), this.options.secret)
    } catch (err) {
      return { status: '401 Unauthorized', reason: err instanceof JwtError ? err.message : 'invalid token' }
    }
    return undefined
  }
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8')
  return Buffer.from(data as ArrayBuffer).toString('utf8')
}
