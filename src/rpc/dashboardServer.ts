import { readFile, stat } from 'node:fs/promises'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Lifecycle } from '../primitives/lifecycle.js'
import type { Logger } from '../primitives/logger.js'
import { UserAbiCache } from './userAbis.js'

/** This file runs as dist/src/rpc/dashboardServer.js; the built web app sits in dist/web/. */
export const DEFAULT_WEB_DIR = fileURLToPath(new URL('../../web/', import.meta.url))

/** Where the page finds its configuration (see web/index.html). */
const CONFIG_PLACEHOLDER = '<!--plexus-config-->'

export interface DashboardOptions {
  host: string
  /** 0 picks a free port. */
  port: number
  /** The one JSON-RPC URL the page starts from; it discovers every other chain through it. */
  rpcUrl: string
  /** A dev network: the page may sign with the well-known test accounts. */
  dev: boolean
  /** The built app (default dist/web). */
  webDir?: string
  /** Foundry `out/` or Hardhat `artifacts/` directories whose contracts the page decodes (`--abi-dir`). */
  abiDirs?: string[]
  logger: Logger
}

/** What the server tells the page, as JSON in index.html (the page's `?rpc=` overrides `rpc`). */
export interface DashboardConfig {
  rpc: string
  dev: boolean
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
}

/**
 * Serves the dashboard (web/, built into dist/web by `npm ci` / `npm run build`) as
 * static files. The page talks to the network only through the chains' JSON-RPC; the
 * server only hands it the first RPC URL (in index.html) to start from, and the user's
 * compiled contracts (/abis.json, from `--abi-dir`) to decode them with. Files under
 * assets/ carry content hashes, so they are cached for good; index.html never is.
 */
export class DashboardServer implements Lifecycle {
  private server: Server | undefined
  private readonly webDir: string
  private readonly abis: UserAbiCache

  constructor(private readonly options: DashboardOptions) {
    this.webDir = path.resolve(options.webDir ?? DEFAULT_WEB_DIR)
    this.abis = new UserAbiCache(options.abiDirs ?? [])
  }

  async start(): Promise<void> {
    const built = await stat(path.join(this.webDir, 'index.html')).then(
      () => true,
      () => false,
    )
    // A missing directory is not an error (the first `forge build` may come later), but likely a typo: say so.
    for (const dir of this.options.abiDirs ?? []) {
      const isDir = await stat(dir).then((s) => s.isDirectory(), () => false)
      if (!isDir) this.options.logger.warn({ dir }, 'abi dir is not a directory (yet): its contracts are decoded once it holds build artifacts')
    }
    if (!built) this.options.logger.warn({ webDir: this.webDir }, 'dashboard is not built (no index.html); run `npm run build` — serving a notice instead')
    const server = (this.server = createServer((req, res) => {
      this.handle(req, res).catch((err) => {
        this.options.logger.error({ err }, 'dashboard request failed')
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' })
        res.end('internal error')
      })
    }))
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject)
        resolve()
      })
    })
    this.options.logger.info({ url: this.url() }, 'dashboard started')
  }

  async stop(): Promise<void> {
    const server = this.server
    if (!server) return
    this.server = undefined
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  url(): string {
    if (!this.server) throw new Error('dashboard not started')
    const { address, port } = this.server.address() as AddressInfo
    return `http://${address.includes(':') ? `[${address}]` : address}:${port}`
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed')
      return
    }
    let pathname: string
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain' }).end('bad request')
      return
    }
    // The app routes with the URL hash, so every page is index.html.
    if (pathname === '/' || pathname === '/index.html') return this.sendIndex(req, res)
    if (pathname === '/abis.json') return this.sendAbis(req, res)
    const file = path.resolve(this.webDir, `.${pathname}`)
    if (!file.startsWith(this.webDir + path.sep)) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
      return
    }
    const body = await readFile(file).catch(() => undefined)
    if (!body) {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found')
      return
    }
    const hashed = pathname.startsWith('/assets/')
    res.writeHead(200, {
      'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream',
      'content-length': body.length,
      'cache-control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache',
      'x-content-type-options': 'nosniff',
    })
    res.end(req.method === 'HEAD' ? undefined : body)
  }

  /** The user's contracts (ABI and runtime code), re-read when their directories change. */
  private async sendAbis(req: IncomingMessage, res: ServerResponse): Promise<void> {
    sendFresh(req, res, TYPES['.json']!, await this.abis.json())
  }

  private async sendIndex(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const html = await readFile(path.join(this.webDir, 'index.html'), 'utf8').catch(() => undefined)
    if (html === undefined) {
      res
        .writeHead(503, { 'content-type': 'text/plain; charset=utf-8' })
        .end(`The Plexus dashboard is not built (${this.webDir} has no index.html).\nRun \`npm run build\` (npm ci does it too), then reload.\n`)
      return
    }
    const config: DashboardConfig = { rpc: this.options.rpcUrl, dev: this.options.dev }
    // JSON inside <script>: escape `<` so no value can close the tag.
    const json = JSON.stringify(config).replace(/</g, '\\u003c')
    sendFresh(req, res, TYPES['.html']!, Buffer.from(html.replace(CONFIG_PLACEHOLDER, `<script type="application/json" id="plexus-config">${json}</script>`)))
  }
}

/** A 200 whose body the browser must fetch again each time (made per request, never cached). */
function sendFresh(req: IncomingMessage, res: ServerResponse, contentType: string, body: Buffer): void {
  res.writeHead(200, {
    'content-type': contentType,
    'content-length': body.length,
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
  })
  res.end(req.method === 'HEAD' ? undefined : body)
}
