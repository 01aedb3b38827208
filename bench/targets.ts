/**
 * The processes under test: anvil (the npm package's binary, spawned directly so the
 * pid we sample is anvil's own) and Plexus (`node dist/src/cli/main.js up`). Each run
 * gets a fresh process on a free 127.0.0.1 port; every spawned process is registered so
 * run.ts can kill it on any exit path.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { createServer } from 'node:net'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRpc, sleep, type Rpc } from './rpc.js'

export const DEV_MNEMONIC = 'test test test test test test test test test test test junk'
export const CHAIN_ID = 901

/** Repository root: this file runs as dist/bench/targets.js. */
export const repoRoot = fileURLToPath(new URL('../../', import.meta.url))

export type TargetKind = 'anvil' | 'plexus'

export type TargetSpec = {
  kind: TargetKind
  /** Row label, e.g. "anvil (automine)". */
  label: string
  /** How blocks are produced, for the report. */
  mode: string
  /** The fair comparison row for Plexus is marked as the baseline. */
  baseline: boolean
  launch(port: number): Promise<{ command: string; args: string[] }>
}

/** Every live child, so the exit handlers can kill them. */
export const liveChildren = new Set<ChildProcess>()

/** Kills every child still alive, synchronously (safe inside an 'exit' handler). */
export function killAllChildren(): void {
  for (const child of liveChildren) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
  }
  liveChildren.clear()
}

export function anvilBinary(): string {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch
  const pkg = `@foundry-rs/anvil-${process.platform}-${arch}`
  const require = createRequire(import.meta.url)
  try {
    const dir = path.dirname(require.resolve(`${pkg}/package.json`))
    return path.join(dir, 'bin', process.platform === 'win32' ? 'anvil.exe' : 'anvil')
  } catch (cause) {
    throw new Error(`anvil binary package ${pkg} is not installed`, { cause })
  }
}

/** Newest first; the first one the anvil binary accepts is used. */
const ANVIL_HARDFORKS = ['osaka', 'prague'] as const
let anvilHardfork: string | undefined

/** Finds the newest hardfork anvil accepts by asking it to start with each. */
async function pickAnvilHardfork(binary: string): Promise<string> {
  if (anvilHardfork) return anvilHardfork
  for (const hardfork of ANVIL_HARDFORKS) {
    const port = await freePort()
    const child = spawn(binary, ['--port', String(port), '--host', '127.0.0.1', '--hardfork', hardfork], {
      stdio: ['ignore', 'ignore', 'ignore'],
    })
    liveChildren.add(child)
    try {
      await waitReady(createRpc(`http://127.0.0.1:${port}`, 2_000), child, 10_000, () => '')
      anvilHardfork = hardfork
      return hardfork
    } catch {
      // not supported (anvil exits with a parse error): try the next one
    } finally {
      await stopChild(child)
    }
  }
  throw new Error(`anvil accepts none of the hardforks ${ANVIL_HARDFORKS.join(', ')}`)
}

export function anvilTarget(blockTimeSeconds: number | undefined, baseline: boolean): TargetSpec {
  const mode = blockTimeSeconds === undefined ? 'automine' : `interval ${blockTimeSeconds * 1000}ms`
  return {
    kind: 'anvil',
    label: `anvil (${mode})`,
    mode,
    baseline,
    async launch(port) {
      const binary = anvilBinary()
      const hardfork = await pickAnvilHardfork(binary)
      const args = [
        '--host', '127.0.0.1',
        '--port', String(port),
        '--chain-id', String(CHAIN_ID),
        '--mnemonic', DEV_MNEMONIC,
        '--gas-limit', '60000000',
        '--hardfork', hardfork,
      ]
      if (blockTimeSeconds !== undefined) args.push('--block-time', String(blockTimeSeconds))
      return { command: binary, args }
    },
  }
}

export function plexusTarget(): TargetSpec {
  return {
    kind: 'plexus',
    label: 'plexus (interval 250ms)',
    mode: 'interval 250ms',
    baseline: false,
    async launch(port) {
      const main = path.join(repoRoot, 'dist', 'src', 'cli', 'main.js')
      // PLEXUS_NODE_OPTIONS passes flags to the node process (e.g. --cpu-prof for profiling).
      const nodeFlags = (process.env.PLEXUS_NODE_OPTIONS ?? '').split(' ').filter(Boolean)
      return {
        command: process.execPath,
        args: [...nodeFlags, main, 'node', '--ephemeral', '--host', '127.0.0.1', '--port', String(port), '--log-level', 'warn'],
      }
    },
  }
}

/** Asks the OS for a free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address ? address.port : 0
      server.close(() => (port ? resolve(port) : reject(new Error('could not get a free port'))))
    })
  })
}

/** The most telling line of a process' output: the first that names an error, else the last. */
function keyLine(output: string): string {
  const lines = output.split('\n').map((l) => l.trim()).filter(Boolean)
  return lines.find((l) => /error/i.test(l)) ?? lines[lines.length - 1] ?? ''
}

/** Polls eth_chainId until it answers; fails early if the process exits. */
async function waitReady(rpc: Rpc, child: ChildProcess, timeoutMs: number, output: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const line = keyLine(output())
      throw new Error(`exited with ${child.exitCode ?? child.signalCode} before answering eth_chainId${line ? `: ${line}` : ''}`)
    }
    try {
      await rpc.call('eth_chainId')
      return
    } catch {
      if (Date.now() > deadline) {
        const line = keyLine(output())
        throw new Error(`did not answer eth_chainId within ${timeoutMs / 1000}s${line ? `: ${line}` : ''}`)
      }
      await sleep(100)
    }
  }
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
async function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    liveChildren.delete(child)
    return
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
  await exited
  clearTimeout(timer)
  liveChildren.delete(child)
}

/** Samples VmRSS of one pid every `intervalMs` and keeps the peak. */
export class RssSampler {
  peakKb = 0
  private timer: NodeJS.Timeout | undefined

  constructor(private readonly pid: number, private readonly intervalMs = 200) {}

  start(): void {
    this.sample()
    this.timer = setInterval(() => this.sample(), this.intervalMs)
    this.timer.unref()
  }

  stop(): void {
    this.sample()
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
  }

  /** The kernel's own high-water mark (VmHWM) since the process started, in kB. */
  highWaterKb(): number | undefined {
    return readStatusKb(this.pid, 'VmHWM')
  }

  private sample(): void {
    const kb = readStatusKb(this.pid, 'VmRSS')
    if (kb !== undefined && kb > this.peakKb) this.peakKb = kb
  }
}

function readStatusKb(pid: number, field: string): number | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8')
    const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB`, 'm').exec(status)
    return match ? Number(match[1]) : undefined
  } catch {
    return undefined // process gone, or no /proc (not Linux)
  }
}

/** A target that did not come up; `output` is the tail of what it printed. */
export class StartError extends Error {
  override name = 'StartError'

  constructor(message: string, readonly output: string, options?: ErrorOptions) {
    super(message, options)
  }
}

/** A started target: its RPC endpoint, pid and RSS sampler. */
export class RunningTarget {
  readonly rss: RssSampler

  private constructor(
    readonly spec: TargetSpec,
    readonly rpc: Rpc,
    readonly child: ChildProcess,
  ) {
    this.rss = new RssSampler(child.pid ?? 0)
  }

  static async start(spec: TargetSpec, readyTimeoutMs = 60_000): Promise<RunningTarget> {
    const port = await freePort()
    const { command, args } = await spec.launch(port)
    // stdout is silenced for anvil (it logs every tx); Plexus' output is kept for errors.
    const child = spawn(command, args, {
      cwd: repoRoot,
      stdio: ['ignore', spec.kind === 'anvil' ? 'ignore' : 'pipe', 'pipe'],
    })
    liveChildren.add(child)
    let tail = ''
    const keep = (data: Buffer) => {
      tail = (tail + data.toString('utf8')).slice(-4_000)
    }
    child.stdout?.on('data', keep)
    child.stderr?.on('data', keep)
    const spawnError = new Promise<never>((_, reject) => child.once('error', reject))
    spawnError.catch(() => {})
    const target = new RunningTarget(spec, createRpc(`http://127.0.0.1:${port}`), child)
    target.rss.start()
    try {
      await Promise.race([waitReady(target.rpc, child, readyTimeoutMs, () => tail), spawnError])
    } catch (cause) {
      await target.stop()
      const output = tail.trim() ? `\n  --- last output ---\n${tail.trim().replace(/^/gm, '  ')}` : ''
      throw new StartError(`${spec.label} failed to start: ${(cause as Error).message}`, output, { cause })
    }
    return target
  }

  async stop(): Promise<void> {
    this.rss.stop()
    await stopChild(this.child)
  }
}
