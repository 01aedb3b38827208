import type { RpcMethodGroup } from '../../src/rpc/options.js'
import type { RpcLimits } from '../../src/rpc/api.js'
import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { PlexusNode } from '../../src/node/node.js'
import { devGenesis, type GethGenesis } from '../../src/execution/genesis.js'
import { silentLogger } from '../../src/primitives/logger.js'
import type { TxPoolOptions } from '../../src/sequencer/txpool/index.js'
import { tempDir } from './tmp.js'

export interface TestNode {
  node: PlexusNode
  url: string
  wsUrl: string
  datadir: string
  stop(): Promise<void>
}

export interface TestNodeOptions {
  datadir?: string
  slotTimeMs?: number
  genesis?: GethGenesis
  /** Produce blocks on the slot clock (default true). */
  produceBlocks?: boolean
  /** Pool limits (default: the node's). */
  txpool?: Partial<TxPoolOptions>
  /** Restricted RPC method groups to serve (default none, as a node's). */
  expose?: RpcMethodGroup[]
  /** RPC method limits (default: the node's). */
  rpcLimits?: Partial<RpcLimits>
}

/** A node in this process on a free 127.0.0.1 port with a temporary datadir. */
export async function startTestNode(opts: TestNodeOptions = {}): Promise<TestNode> {
  const tmp = opts.datadir ? undefined : tempDir()
  const datadir = opts.datadir ?? tmp!.dir
  const node = new PlexusNode({
    datadir,
    genesis: opts.genesis ?? devGenesis({ chainId: 901, gasLimit: 60_000_000n }),
    slotTimeMs: opts.slotTimeMs ?? 100,
    feeRecipient: '0x4200000000000000000000000000000000000011',
    rpc: { host: '127.0.0.1', port: 0, ...(opts.expose ? { expose: opts.expose } : {}) },
    ...(opts.rpcLimits ? { rpcLimits: opts.rpcLimits } : {}),
    produceBlocks: opts.produceBlocks ?? true,
    ...(opts.txpool ? { txpool: opts.txpool } : {}),
    logger: silentLogger(),
  })
  await node.start()
  const url = node.rpcUrl()
  return {
    node,
    url,
    wsUrl: url.replace('http://', 'ws://'),
    datadir,
    async stop() {
      await node.stop()
      tmp?.cleanup()
    },
  }
}

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
export const CLI = path.join(root, 'dist/src/cli/main.js')

export interface SpawnedNode {
  proc: ChildProcess
  url: string
  /** Resolves when the process has exited. */
  exited: Promise<number | null>
  output(): string
}

/** Runs the CLI to completion (without blocking this process); returns its exit code and output. */
export function runCli(args: string[]): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    proc.stdout!.on('data', (d) => (out += d))
    proc.stderr!.on('data', (d) => (out += d))
    proc.on('exit', (code) => resolve({ code, out }))
  })
}

/** `plexus up` as a child process on a free port; resolves once its RPC answers. */
export async function spawnNode(args: string[], timeoutMs = 30_000): Promise<SpawnedNode> {
  const port = await freePort()
  const proc = spawn(process.execPath, [CLI, 'node', '--host', '127.0.0.1', '--port', String(port), '--log-level', 'warn', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  proc.stdout!.on('data', (d) => (out += d))
  proc.stderr!.on('data', (d) => (out += d))
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)))
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`plexus exited early (${proc.exitCode}):\n${out}`)
    try {
      const res = await rpc(url, 'eth_chainId', [])
      if (res) break
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL')
      throw new Error(`plexus did not answer within ${timeoutMs} ms:\n${out}`)
    }
    await sleep(100)
  }
  return { proc, url, exited, output: () => out }
}

/** One JSON-RPC call over HTTP; throws on a JSON-RPC error. */
export async function rpc<T = unknown>(url: string, method: string, params: unknown[]): Promise<T> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  })
  const body = (await res.json()) as { result?: T; error?: { code: number; message: string; data?: unknown } }
  if (body.error) throw Object.assign(new Error(body.error.message), { code: body.error.code, data: body.error.data })
  return body.result as T
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms))
}

export async function freePort(): Promise<number> {
  const { createServer } = await import('node:net')
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port
      srv.close(() => resolve(port))
    })
  })
}

/** Polls until `fn` returns a truthy value. */
export async function waitFor<T>(fn: () => Promise<T | undefined | null | false>, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(50)
  }
}
