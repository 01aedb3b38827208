import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import path from 'node:path'
import { CLI, freePort, rpc, sleep, waitFor } from './node.js'

/** The ports of a network whose config file a test wrote: fixed, so a restart finds the same URLs. */
export interface NetworkPorts {
  l1: number
  chains: number[]
}

export async function freeNetworkPorts(chains = 2): Promise<NetworkPorts> {
  const ports: number[] = []
  while (ports.length < chains + 1) {
    const p = await freePort()
    if (!ports.includes(p)) ports.push(p)
  }
  return { l1: ports[0]!, chains: ports.slice(1) }
}

/** A config file for a network of chains 901, 902, … on `ports` (embedded L1, `l1BlockTime` seconds). */
export function writeNetworkConfig(dir: string, ports: NetworkPorts, l1BlockTime = 1): string {
  const file = path.join(dir, 'plexus.yaml')
  const chains = ports.chains.map((p) => `  - rpc: { port: ${p} }`).join('\n')
  writeFileSync(file, `l1:\n  embedded: { port: ${ports.l1}, blockTime: ${l1BlockTime}s }\nchains:\n${chains}\n`)
  return file
}

export interface UpProcess {
  proc: ChildProcess
  /** Resolves with how the process ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  output(): string
  /** Log lines (JSON) whose `msg` contains `text`. */
  logs(text: string): Record<string, unknown>[]
}

/**
 * Runs `command args` (by default `node dist/src/cli/main.js up …`) and resolves once the
 * network's banner is out and every URL in `urls` answers.
 */
export async function spawnUp(args: string[], urls: string[], opts: { command?: string; cwd?: string; timeoutMs?: number; spawn?: SpawnOptions } = {}): Promise<UpProcess> {
  const [command, argv] = opts.command ? [opts.command, args] : [process.execPath, [CLI, 'up', ...args]]
  const proc = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'], cwd: opts.cwd, ...opts.spawn })
  let out = ''
  proc.stdout!.on('data', (d) => (out += d))
  proc.stderr!.on('data', (d) => (out += d))
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => proc.once('exit', (code, signal) => resolve({ code, signal })))
  const up: UpProcess = {
    proc,
    exited,
    output: () => out,
    logs: (text) =>
      out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((l) => String(l.msg).includes(text)),
  }
  try {
    await waitFor(async () => {
      if (proc.exitCode !== null || proc.signalCode !== null) throw new Error(`plexus exited early (${proc.exitCode ?? proc.signalCode}):\n${out.slice(-4000)}`)
      if (!out.includes('Plexus network is up')) return false
      for (const url of urls) if (!(await rpc(url, 'eth_chainId', []).catch(() => undefined))) return false
      return true
    }, opts.timeoutMs ?? 120_000, 'the network to start')
  } catch (err) {
    proc.kill('SIGKILL')
    throw err
  }
  return up
}

/** The embedded anvil's pid, as the datadir records it. */
export function anvilPid(datadir: string): number | undefined {
  const file = path.join(datadir, 'l1', 'anvil', 'anvil.pid')
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { pid: number }).pid : undefined
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  // A zombie holds nothing; a reaped pid is gone.
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.startsWith('Z')
  } catch {
    return true
  }
}

/** Whether something listens on 127.0.0.1:`port`. */
export function portTaken(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer()
    srv.once('error', () => resolve(true))
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(false)))
  })
}

/** Waits until `pid` is gone. */
export async function waitGone(pid: number, timeoutMs = 30_000): Promise<void> {
  await waitFor(async () => !isAlive(pid), timeoutMs, `process ${pid} to exit`)
}

export function killHard(pid: number | undefined): void {
  if (pid === undefined) return
  try {
    process.kill(pid, 'SIGKILL')
  } catch {
    // gone
  }
}

/** Kills a test's network outright (Plexus and its anvil), whatever state it is in, and waits until both are gone. */
export async function killNetwork(up: UpProcess | undefined, datadir: string): Promise<void> {
  const anvil = anvilPid(datadir)
  killHard(up?.proc.pid)
  killHard(anvil)
  await up?.exited
  if (anvil !== undefined) await waitGone(anvil)
}

/** The newest block number of an L2 RPC. */
export async function headOf(url: string): Promise<bigint> {
  return BigInt(await rpc<string>(url, 'eth_blockNumber', []))
}

/**
 * The chains' common head once they are at one slot (chains started together: genesis
 * slot 0). A slot is committed chain after chain, so two reads may straddle one commit:
 * "at one slot" means equal heads at rest, which polling finds.
 */
export async function oneSlot(urls: readonly string[], timeoutMs = 30_000, what = 'every chain at one slot'): Promise<bigint> {
  return waitFor(async () => {
    const heads = await Promise.all(urls.map(headOf))
    return heads.every((h) => h === heads[0]) ? heads[0]! : undefined
  }, timeoutMs, what)
}

export { sleep }
