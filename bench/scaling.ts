/**
 * Scaling (issue 16's throughput rows), with the network in a process of its own and the
 * load coming from this process over JSON-RPC, so the load generator never shares the
 * measured process' thread:
 *
 * - **standalone**: `plexus node --ephemeral` (the *plexus* throughput row's command),
 *   chain 901;
 * - **one chain**: `plexus up` with one chain (npm start's network: embedded L1 with 2 s
 *   blocks, 250 ms slots), chain 901;
 * - **two chains**: `plexus up` with chains 901 and 902, the same per-chain load on both
 *   at once.
 *
 * Each gets the same pre-signed ETH transfers (bench/chainsLoad.ts) on a fresh process and
 * datadir. A round runs all three (the order rotates from round to round, so the machine's
 * drift does not favour one); the ratios are taken within a round, then the median and
 * spread over the rounds. The CPU time the measured node process spent during the timed
 * phase (utime + stime from /proc, not its embedded anvil child) ÷ the phase's wall time
 * says how many cores the network actually used.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import path from 'node:path'
import { measureChains, prepareChains, type ChainsLoadOptions, type LoadedChain, type ThroughputRun } from './chainsLoad.js'
import { createRpc } from './rpc.js'
import { startPlexusUp, writeChainsConfigWithPorts } from './startup.js'
import { plexusTarget, RunningTarget } from './targets.js'

export type Spread = { median: number; min: number; max: number; values: number[] }

export type ScalingSetup = 'standalone' | 'oneChain' | 'twoChains' | 'oneChainThread' | 'twoChainsThread'
export const SCALING_SETUPS: readonly ScalingSetup[] = ['standalone', 'oneChain', 'twoChains', 'oneChainThread', 'twoChainsThread']

export type ScalingMeasurement = ThroughputRun & {
  /** CPU seconds of the measured node process over the timed phase ÷ its wall seconds; null off Linux. */
  cores: number | null
  /** The same for the bench process (the load generator and its block watchers). */
  loaderCores: number
  /** Busy cores of the whole machine over the timed phase (/proc/stat); null off Linux. */
  machineCores: number | null
  /** Cores the machine has. */
  machineCoreCount: number
}

export type ScalingRound = Record<ScalingSetup, ScalingMeasurement | null> & { errors: string[] }

export type ScalingResult = {
  txsPerChain: number
  senders: number
  rounds: ScalingRound[]
  /** Total TPS per setup over the rounds that completed it. */
  tps: Record<ScalingSetup, Spread | null>
  /** Two chains' total TPS ÷ one chain's, per round. */
  twoVsOne: Spread | null
  /** One-chain network TPS ÷ standalone node TPS, per round. */
  networkVsStandalone: Spread | null
  /** With `executors: thread`: two chains' total TPS ÷ one chain's, per round. */
  twoVsOneThread: Spread | null
  /** Two chains' total TPS with `executors: thread` ÷ with `inline`, per round. */
  threadVsInline: Spread | null
  durationMs: number
  error: string | null
}

export type ScalingOptions = ChainsLoadOptions & { rounds: number }

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ, 100 on Linux). */
const USER_HZ = 100

/** utime + stime of `pid` in seconds, or undefined without /proc. */
function cpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // Fields after the command name (which may hold spaces, inside parentheses).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11]) + Number(fields[12])) / USER_HZ
  } catch {
    return undefined
  }
}

/** Busy and total CPU seconds of the whole machine (the `cpu` line of /proc/stat), or undefined without /proc. */
function machineSeconds(): { busy: number; total: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!
    const v = line.trim().split(/\s+/).slice(1).map(Number)
    const total = v.slice(0, 8).reduce((a, b) => a + b, 0) // user … steal (guest time is inside user)
    const idle = v[3]! + v[4]! // idle + iowait
    return { busy: (total - idle) / USER_HZ, total: total / USER_HZ }
  } catch {
    return undefined
  }
}

/**
 * Prepares, then measures `chains` and the CPU spent meanwhile by the process `pid`, by
 * this (the loading) process and by the whole machine: a ratio of throughputs only says
 * something about scaling if the machine had cores to spare.
 */
async function loadAndMeasure(pid: number, chains: LoadedChain[], opts: ChainsLoadOptions): Promise<ScalingMeasurement> {
  const prepared = await prepareChains(chains, opts)
  const cpu0 = cpuSeconds(pid)
  const own0 = process.cpuUsage()
  const machine0 = machineSeconds()
  const run = await measureChains(chains, prepared, opts)
  const cpu1 = cpuSeconds(pid)
  const own = process.cpuUsage(own0)
  const machine1 = machineSeconds()
  const secs = run.durationMs / 1000
  const per = (x: number) => Math.round((x / secs) * 100) / 100
  const cores = cpu0 !== undefined && cpu1 !== undefined && secs > 0 ? per(cpu1 - cpu0) : null
  const loaderCores = per((own.user + own.system) / 1e6)
  const machineCores = machine0 && machine1 && secs > 0 ? per(machine1.busy - machine0.busy) : null
  const machineCoreCount = availableParallelism()
  opts.log(`  ${run.totalTps.toFixed(0)} TPS in all; cores used: node ${cores ?? '—'}, loader ${loaderCores}, machine ${machineCores ?? '—'} of ${machineCoreCount}`)
  return { ...run, cores, loaderCores, machineCores, machineCoreCount }
}

async function standalone(opts: ChainsLoadOptions): Promise<ScalingMeasurement> {
  const target = await RunningTarget.start(plexusTarget())
  try {
    return await loadAndMeasure(target.child.pid!, [{ chainId: 901, rpc: target.rpc }], opts)
  } finally {
    await target.stop()
  }
}

async function network(chains: number, executors: 'inline' | 'thread', dir: string, opts: ChainsLoadOptions): Promise<ScalingMeasurement> {
  const { file, rpcPorts } = await writeChainsConfigWithPorts(path.join(dir, `${chains}-chains-${executors}.yaml`), chains, executors)
  // warn, as the standalone row runs: info logs a line per block and chain.
  const up = await startPlexusUp(file, mkdtempSync(path.join(dir, 'data-')), ['--log-level', 'warn'])
  try {
    const loaded = rpcPorts.map((port, i) => ({ chainId: 901 + i, rpc: createRpc(`http://127.0.0.1:${port}`) }))
    return await loadAndMeasure(up.pid, loaded, opts)
  } finally {
    await up.stop()
  }
}

export function spread(values: number[], digits = 2): Spread | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  const r = (x: number) => Math.round(x * 10 ** digits) / 10 ** digits
  return { median: r(sorted[Math.floor((sorted.length - 1) / 2)]!), min: r(sorted[0]!), max: r(sorted[sorted.length - 1]!), values: values.map(r) }
}

/** Runs every round. Never throws: a setup that fails leaves its cell empty and says why. */
export async function runScaling(opts: ScalingOptions): Promise<ScalingResult> {
  const started = performance.now()
  const dir = mkdtempSync(path.join(tmpdir(), 'plexus-bench-scaling-'))
  const rounds: ScalingRound[] = []
  try {
    for (let i = 0; i < opts.rounds; i++) {
      const round: ScalingRound = { standalone: null, oneChain: null, twoChains: null, oneChainThread: null, twoChainsThread: null, errors: [] }
      for (let j = 0; j < SCALING_SETUPS.length; j++) {
        const setup = SCALING_SETUPS[(i + j) % SCALING_SETUPS.length]!
        opts.log(`scaling round ${i + 1}/${opts.rounds}: ${LABEL[setup]}, ETH transfer × ${opts.txs} per chain, loaded from the bench process`)
        try {
          round[setup] = setup === 'standalone' ? await standalone(opts) : await network(setup.startsWith('one') ? 1 : 2, setup.endsWith('Thread') ? 'thread' : 'inline', dir, opts)
        } catch (err) {
          const message = `${LABEL[setup]}: ${(err as Error).message.split('\n')[0]}`
          round.errors.push(message)
          opts.log(`  failed: ${message}`)
        }
      }
      rounds.push(round)
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  const tps = Object.fromEntries(SCALING_SETUPS.map((s) => [s, spread(rounds.flatMap((r) => (r[s] ? [r[s].totalTps] : [])), 1)])) as Record<ScalingSetup, Spread | null>
  const ratios = (num: ScalingSetup, den: ScalingSetup) => spread(rounds.flatMap((r) => (r[num] && r[den] && r[den].totalTps > 0 ? [r[num].totalTps / r[den].totalTps] : [])))
  const errors = rounds.flatMap((r, i) => r.errors.map((e) => `round ${i + 1}, ${e}`))
  const result: ScalingResult = {
    txsPerChain: opts.txs,
    senders: Math.min(opts.senders, opts.txs),
    rounds,
    tps,
    twoVsOne: ratios('twoChains', 'oneChain'),
    networkVsStandalone: ratios('oneChain', 'standalone'),
    twoVsOneThread: ratios('twoChainsThread', 'oneChainThread'),
    threadVsInline: ratios('twoChainsThread', 'twoChains'),
    durationMs: Math.round(performance.now() - started),
    error: errors.length ? errors.join('; ') : null,
  }
  const x = (s: Spread | null) => (s ? `${s.median.toFixed(2)}× (${s.min.toFixed(2)}–${s.max.toFixed(2)})` : '—')
  opts.log(`  two chains / one chain: ${x(result.twoVsOne)} (executors: thread ${x(result.twoVsOneThread)}); one chain in the network / standalone: ${x(result.networkVsStandalone)}; two chains, thread / inline: ${x(result.threadVsInline)}`)
  return result
}

export const LABEL: Record<ScalingSetup, string> = {
  standalone: 'plexus node (standalone)',
  oneChain: 'plexus up, one chain',
  twoChains: 'plexus up, two chains at once',
  oneChainThread: 'plexus up --executors thread, one chain',
  twoChainsThread: 'plexus up --executors thread, two chains at once',
}
