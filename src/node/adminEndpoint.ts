import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { BaseError, ConfigError, RpcErrorCode } from '../primitives/errors.js'
import type { Lifecycle } from '../primitives/lifecycle.js'
import type { Logger } from '../primitives/logger.js'

/** Where a running network tells local commands how to reach it. */
export function adminFile(datadir: string): string {
  return path.join(datadir, 'admin.json')
}

/** What `admin.json` holds: the endpoint, the bearer token it requires, and the process. */
export interface AdminRecord {
  url: string
  token: string
  pid: number
}

export type AdminHandler = (params: unknown[]) => Promise<unknown> | unknown

/** Largest admin request body. */
const MAX_BODY_BYTES = 1 << 20

/**
 * The local admin endpoint of a running network: JSON-RPC over HTTP on 127.0.0.1 (a free
 * port), for the commands that act on it (`plexus chain add`, `chains`, `status`,
 * `snapshot save`). Its URL and a random bearer token are written to
 * `<datadir>/admin.json` (mode 0600): only a local user who can read the datadir can call
 * it, and a web page cannot (it knows neither the port nor the token). Removed on stop.
 */
export class AdminEndpoint implements Lifecycle {
  private server: Server | undefined
  private readonly token = randomBytes(32).toString('hex')

  constructor(
    private readonly datadir: string,
    private readonly handlers: Record<string, AdminHandler>,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    const server = (this.server = createServer((req, res) => {
      const reply = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' })
        res.end(JSON.stringify(body))
      }
      if (req.method !== 'POST') return reply(405, { error: { code: RpcErrorCode.InvalidRequest, message: 'POST a JSON-RPC request' } })
      if (!sameSecret(req.headers.authorization, `Bearer ${this.token}`)) return reply(401, { error: { code: RpcErrorCode.InvalidRequest, message: 'missing or wrong admin token' } })
      const chunks: Buffer[] = []
      let size = 0
      req.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (size > MAX_BODY_BYTES) req.destroy()
        else chunks.push(chunk)
      })
      req.on('end', () => {
        void this.answer(Buffer.concat(chunks).toString('utf8')).then((body) => reply(200, body))
      })
    }))
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => resolve())
    })
    const { port } = server.address() as AddressInfo
    const record: AdminRecord = { url: `http://127.0.0.1:${port}`, token: this.token, pid: process.pid }
    const file = adminFile(this.datadir)
    writeFileSync(file, JSON.stringify(record, null, 2) + '\n', { mode: 0o600 })
    chmodSync(file, 0o600)
    this.logger.debug({ url: record.url }, 'admin endpoint listening')
  }

  async stop(): Promise<void> {
    const file = adminFile(this.datadir)
    // Only our own record: another network may have taken the datadir over since.
    if (existsSync(file) && readAdminRecord(file)?.token === this.token) rmSync(file, { force: true })
    const server = this.server
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  private async answer(text: string): Promise<unknown> {
    let id: unknown = null
    try {
      const req = JSON.parse(text) as { id?: unknown; method?: unknown; params?: unknown }
      id = req.id ?? null
      const handler = typeof req.method === 'string' ? this.handlers[req.method] : undefined
      if (!handler) return { jsonrpc: '2.0', id, error: { code: RpcErrorCode.MethodNotFound, message: `unknown admin method ${String(req.method)}` } }
      const result = await handler(Array.isArray(req.params) ? req.params : [])
      return { jsonrpc: '2.0', id, result }
    } catch (err) {
      const code = err instanceof BaseError ? (err.rpcCode ?? RpcErrorCode.Server) : RpcErrorCode.Internal
      const message = err instanceof SyntaxError ? `invalid JSON: ${err.message}` : err instanceof Error ? err.message : String(err)
      if (!(err instanceof BaseError)) this.logger.error({ err }, 'admin request failed')
      // The error's class travels along, so the command reports a config error as one.
      const data = err instanceof ConfigError ? { name: err.name, path: err.path, message: err.message.slice(err.path.length + 2) } : undefined
      return { jsonrpc: '2.0', id, error: { code, message, ...(data ? { data } : {}) } }
    }
  }
}

/**
 * Constant-time comparison of a presented credential with the expected one: both are
 * hashed first, so the compare runs on equal lengths and neither the time nor an early
 * length mismatch tells a caller how much of the token it got right.
 */
export function sameSecret(presented: string | undefined, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest()
  return timingSafeEqual(digest(presented ?? ''), digest(expected)) && presented !== undefined
}

export function readAdminRecord(file: string): AdminRecord | undefined {
  try {
    const record = JSON.parse(readFileSync(file, 'utf8')) as Partial<AdminRecord>
    return typeof record.url === 'string' && typeof record.token === 'string' ? (record as AdminRecord) : undefined
  } catch {
    return undefined
  }
}
