/**
 * Start-up: how long `plexus up` (what `npm start` runs after its build) takes to print
 * "network is up" on a fresh datadir and on a restart of the same datadir, each as a real
 * process, median of a few runs; and, in the same run on the same machine, how long
 * anvil alone takes from spawn to its first answered eth_chainId.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { anvilBinary, freePort, liveChildren, repoRoot } from './targets.js'
import { sleep } from './rpc.js'

export type StartupTimes = { runsMs: number[]; medianMs: number }

export type StartupResult = {
  /** `plexus up` on a fresh datadir → "Plexus network is up" on its output. */
  plexusFresh: StartupTimes
  /** `plexus up` again on the datadir the fresh run left (stopped with SIGINT) → "network is up". */
  plexusRestart: StartupTimes
  /** anvil spawned → first answered eth_chainId. */
  anvil: StartupTimes
  /** Each Plexus run's own account of its phases (the "network started" log line), fresh and restart, of the median run. */
  phasesMs: { fresh: Record<string, number> | null; restart: Record<string, number> | null }
  /** supersim's published start-up figure; null when none was found (see `supersimNote`). */
  supersimMs: number | null
  supersimNote: string
  durationMs: number
}

const SUPERSIM_NOTE =
  'no published figure: supersim states no start-up time in its README or docs; its PR #124 ("improve startup time") shows before/after only as screenshots'

function times(runsMs: number[]): StartupTimes {
  const sorted = [...runsMs].sort((a, b) => a - b)
  return { runsMs: runsMs.map(Math.round), medianMs: Math.round(sorted[Math.floor(sorted.length / 2)]!) }
}

/** A `plexus up` process that printed "Plexus network is up"; `stop` sends SIGINT and waits for it to exit. */
export type RunningUp = {
  /** Spawn → banner, ms. */
  ms: number
  /** Its own account of its phases (the "network started" log line). */
  phases: Record<string, number> | null
  pid: number
  stop(): Promise<void>
}

/** Spawns `plexus up` with `config` on `datadir` (plus `extraArgs`) and resolves once it is up (killed if it does not come up). */
export async function startPlexusUp(config: string, datadir: string, extraArgs: string[] = []): Promise<RunningUp> {
  const cli = path.join(repoRoot, 'dist/src/cli/main.js')
  const started = performance.now()
  const proc = spawn(process.execPath, [cli, 'up', '--config', config, '--datadir', datadir, '--dashboard-port', '0', '--log-format', 'json', ...extraArgs], { stdio: ['ignore', 'pipe', 'pipe'] })
  liveChildren.add(proc)
  let out = ''
  let up = false
  const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()))
  const stop = async () => {
    proc.kill('SIGINT')
    await exited
    liveChildren.delete(proc)
  }
  try {
    const ms = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`plexus up did not come up within 120 s:\n${out.slice(-2000)}`)), 120_000)
      const onData = (d: Buffer) => {
        // Keep only what the banner and the phases line need: a loaded network logs a lot.
        if (up) return
        out += d.toString()
        if (out.includes('Plexus network is up')) {
          up = true
          clearTimeout(timer)
          resolve(performance.now() - started)
        }
      }
      proc.stdout!.on('data', onData)
      proc.stderr!.on('data', onData)
      proc.once('exit', (code) => reject(new Error(`plexus up exited with ${code} before it was up:\n${out.slice(-2000)}`)))
    })
    const line = out.split('\n').find((l) => l.includes('"network started"'))
    const phases = line ? ((JSON.parse(line) as { ms?: Record<string, number> }).ms ?? null) : null
    return { ms, phases, pid: proc.pid!, stop }
  } catch (err) {
    await stop()
    throw err
  }
}

/** One `plexus up` until its banner: elapsed ms and its phase timings; stopped with SIGINT afterwards. */
export async function plexusUpTimed(config: string, datadir: string): Promise<{ ms: number; phases: Record<string, number> | null }> {
  const up = await startPlexusUp(config, datadir)
  await up.stop()
  return { ms: up.ms, phases: up.phases }
}

/** A config file at `file` for npm start's network (embedded L1 with 2 s blocks) with `chains` chains, on free ports. */
export async function writeChainsConfig(file: string, chains: number): Promise<string> {
  return (await writeChainsConfigWithPorts(file, chains)).file
}

/** writeChainsConfig, also returning each chain's RPC port (in config order). */
export async function writeChainsConfigWithPorts(file: string, chains: number, executors: 'inline' | 'thread' = 'inline'): Promise<{ file: string; rpcPorts: number[] }> {
  const ports: number[] = []
  while (ports.length < chains + 1) {
    const p = await freePort()
    if (!ports.includes(p)) ports.push(p)
  }
  writeFileSync(file, `executors: ${executors}\nl1:\n  embedded: { port: ${ports[0]}, blockTime: 2s }\nchains:\n${ports.slice(1).map((p) => `  - rpc: { port: ${p} }`).join('\n')}\n`)
  return { file, rpcPorts: ports.slice(1) }
}

/** anvil spawned → first answered eth_chainId (polled every 5 ms). */
async function anvilUp(): Promise<number> {
  const port = await freePort()
  const started = performance.now()
  const proc = spawn(anvilBinary(), ['--port', String(port), '--chain-id', '900', '--block-time', '2'], { stdio: 'ignore' })
  liveChildren.add(proc)
  try {
    for (;;) {
      const answered = await fetch(`http://127.0.0.1:${port}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }),
      }).then(
        (r) => r.ok,
        () => false,
      )
      if (answered) return performance.now() - started
      if (performance.now() - started > 30_000) throw new Error('anvil did not answer within 30 s')
      await sleep(5)
    }
  } finally {
    proc.kill('SIGKILL')
    liveChildren.delete(proc)
  }
}

export async function runStartup(opts: { runs: number; log: (line: string) => void }): Promise<StartupResult> {
  const started = performance.now()
  const dir = mkdtempSync(path.join(tmpdir(), 'plexus-bench-startup-'))
  const fresh: { ms: number; phases: Record<string, number> | null }[] = []
  const restart: { ms: number; phases: Record<string, number> | null }[] = []
  const anvil: number[] = []
  try {
    for (let i = 0; i < opts.runs; i++) {
      // npm start's network (embedded L1 with 2 s blocks, chains 901 and 902) on free ports.
      const config = await writeChainsConfig(path.join(dir, `run${i}.yaml`), 2)
      const datadir = path.join(dir, `data${i}`)
      fresh.push(await plexusUpTimed(config, datadir))
      restart.push(await plexusUpTimed(config, datadir))
      anvil.push(await anvilUp())
      opts.log(`  run ${i + 1}: plexus fresh ${(fresh[i]!.ms / 1000).toFixed(2)} s, restart ${(restart[i]!.ms / 1000).toFixed(2)} s; anvil ${(anvil[i]! / 1000).toFixed(2)} s`)
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  const median = (runs: { ms: number; phases: Record<string, number> | null }[]) => [...runs].sort((a, b) => a.ms - b.ms)[Math.floor(runs.length / 2)]!.phases
  return {
    plexusFresh: times(fresh.map((r) => r.ms)),
    plexusRestart: times(restart.map((r) => r.ms)),
    anvil: times(anvil),
    phasesMs: { fresh: median(fresh), restart: median(restart) },
    supersimMs: null,
    supersimNote: SUPERSIM_NOTE,
    durationMs: Math.round(performance.now() - started),
  }
}
