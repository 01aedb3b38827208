import { spawn, type ChildProcess } from 'node:child_process'
import { mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { BaseError } from '../../primitives/errors.js'
import type { Lifecycle } from '../../primitives/lifecycle.js'
import type { Logger } from '../../primitives/logger.js'

const require = createRequire(import.meta.url)

/** Path of the anvil binary shipped in the @foundry-rs/anvil platform package. */
export function anvilBinary(): string {
  const pkg = `@foundry-rs/anvil-${process.platform}-${process.arch === 'x64' ? 'amd64' : process.arch}`
  try {
    return path.join(path.dirname(require.resolve(`${pkg}/package.json`)), 'bin', 'anvil')
  } catch (cause) {
    throw new BaseError(`no anvil binary for ${process.platform}-${process.arch}`, {
      details: `the npm package ${pkg} is missing; run \`npm ci\`, or set l1.rpcUrl to use another Ethereum node`,
      cause,
    })
  }
}

export interface EmbeddedAnvilOptions {
  host: string
  /** 0 picks a free port. */
  port: number
  chainId: number
  /** L1 block time in seconds. */
  blockTime: number
  /** Directory for the chain state (kept across restarts); undefined keeps it in memory. */
  stateDir?: string
  /** Seconds between state dumps while running (a crash loses at most this much L1). */
  stateIntervalSeconds?: number
  extraArgs?: string[]
  logger: Logger
}

/**
 * The embedded L1: anvil from the `@foundry-rs/anvil` npm package, started and stopped
 * with the network. Nothing else in Plexus knows it is anvil: the rest talks to
 * `url` over standard JSON-RPC, the same as to any Ethereum node.
 */
export class EmbeddedAnvil implements Lifecycle {
  private proc: ChildProcess | undefined
  private _url: string | undefined

  constructor(private readonly options: EmbeddedAnvilOptions) {}

  get url(): string {
    if (!this._url) throw new Error('anvil not started')
    return this._url
  }

  async start(): Promise<void> {
    const o = this.options
    const args = ['--host', o.host, '--port', String(o.port), '--chain-id', String(o.chainId), '--block-time', String(o.blockTime)]
    if (o.stateDir) {
      mkdirSync(o.stateDir, { recursive: true })
      args.push('--state', path.join(o.stateDir, 'state.json'), '--state-interval', String(o.stateIntervalSeconds ?? 5))
      args.push('--preserve-historical-states')
    }
    args.push(...(o.extraArgs ?? []))
    const proc = (this.proc = spawn(anvilBinary(), args, { stdio: ['ignore', 'pipe', 'pipe'] }))
    let output = ''
    const collect = (d: Buffer) => {
      output += d.toString()
      if (output.length > 20_000) output = output.slice(-10_000)
    }
    proc.stdout!.on('data', collect)
    proc.stderr!.on('data', collect)
    // anvil prints "Listening on host:port" once it serves; the port it chose is there too.
    this._url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new BaseError(`anvil did not start within 30 s:\n${output}`)), 30_000)
      const onData = () => {
        const m = /Listening on ([\d.]+):(\d+)/.exec(output)
        if (m) {
          clearTimeout(timer)
          resolve(`http://${m[1]}:${m[2]}`)
        }
      }
      proc.stdout!.on('data', onData)
      proc.once('exit', (code) => {
        clearTimeout(timer)
        reject(
          new BaseError(`anvil exited with code ${code} while starting`, {
            details: /in use|AddrInUse/i.test(output)
              ? `port ${o.port} is taken: stop what runs there or choose another l1 port`
              : output.slice(-2000),
          }),
        )
      })
    })
    proc.once('exit', (code, signal) => {
      if (this.proc === proc) o.logger.error({ code, signal }, 'the embedded L1 (anvil) exited')
    })
    o.logger.info({ url: this._url, chainId: o.chainId, blockTime: o.blockTime, state: o.stateDir ?? 'memory' }, 'L1 (anvil) started')
  }

  async stop(): Promise<void> {
    const proc = this.proc
    this.proc = undefined
    if (!proc || proc.exitCode !== null) return
    // SIGTERM lets anvil dump its state file before it exits.
    const exited = new Promise((r) => proc.once('exit', r))
    proc.kill('SIGTERM')
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000)
    await exited
    clearTimeout(timer)
  }
}
