import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { isAlive, pidsWithArg, portIsFree, signal, waitForExit } from '../helpers/processes.js'
import type { FaultResult, Violation } from './context.js'
import { schedule } from './faults/index.js'
import { BOUNDED, WELL_FORMED } from './faults/hostile.js'
import { DEAD_L1, RESTARTS, STOPS } from './faults/restart.js'
import { bringUp, freshReplica, tearDown, type Generation } from './generation.js'
import { INVARIANTS } from './invariants/index.js'
import type { LoadGenerator } from './load.js'
import type { SuiteOptions } from './options.js'
import type { SuiteResult, TrialRecord } from './report.js'
import { Rng } from './rng.js'
import { HARNESS, NetworkLost, runChecks, runTrial, type RecordFn } from './trial.js'

/** Promises checked outside the invariants list: by the faults themselves, and around the run. */
const LEFTOVERS = 'nothing left running'
const EXTRA_PROMISES = [
  { name: RESTARTS, promise: '`plexus up` on the datadir of a crashed network starts (a stale anvil of the crashed run is dealt with); a datadir it cannot start on any more is lost, and the run goes on with a new network' },
  { name: STOPS, promise: 'SIGTERM stops the network within the grace period, whatever has already died; a second signal forces it' },
  { name: DEAD_L1, promise: 'when the embedded L1 dies, the network restarts it, or stops building blocks (with a clear error)' },
  { name: WELL_FORMED, promise: 'every hostile request gets a well-formed JSON-RPC answer, never -32603, never a hang' },
  { name: BOUNDED, promise: 'a request that would have the network work without limit (a bundle with an unbounded deadline) is refused' },
  { name: LEFTOVERS, promise: 'no process is left running and no port held after the suite' },
  { name: HARNESS, promise: 'every fault and check could run (a harness error is reported, not hidden)' },
]

/**
 * Work directories of runs in progress: the processes a run starts are process-group
 * leaders of their own (so the suite can kill a network with its anvil), which a Ctrl-C
 * of the suite does not reach; `killRuns` stops them.
 */
const running = new Set<string>()

/** SIGKILLs every process of every run in progress (for a suite interrupted or timed out). */
export function killRuns(): void {
  for (const dir of running) for (const pid of pidsWithArg(dir)) signal(pid, 'SIGKILL')
}

// Whatever ends this process (an uncaught error, a test runner's timeout, process.exit), no run's processes outlive it.
process.once('exit', killRuns)

/** How many times a run starts over on a new network before it gives up. */
const MAX_GENERATIONS = 5

/**
 * Runs the fault suite: the default network as a real process under the mixed load, each
 * fault of the seed's schedule followed by the after-fault invariants, then every
 * invariant once more at the end, then a clean stop and the leftovers check. A network
 * that can no longer be started on its datadir is reported and replaced by a new one
 * (`Generation`), so every fault of the schedule runs. Never throws for what it finds:
 * every finding is a violation in the result. `log` gets one line per step.
 */
export async function runSuite(options: SuiteOptions, log: (line: string) => void): Promise<SuiteResult> {
  const startedAt = new Date()
  const t0 = performance.now()
  const rng = new Rng(options.seed)
  const workdir = mkdtempSync(path.join(tmpdir(), 'plexus-chaos-'))
  running.add(workdir)
  log(`seed ${options.seed} (${options.mode} run), work directory ${workdir}`)
  const violations: Violation[] = []
  const trials: TrialRecord[] = []
  const measured: Record<string, number | string> = {}
  const generations: Generation[] = []
  let g: Generation | undefined
  let aborted: string | undefined
  let final: TrialRecord | undefined
  const record: RecordFn = (trial, fault, list) => {
    for (const v of list) violations.push({ ...v, trial, fault })
  }
  const next = async () => {
    if (generations.length >= MAX_GENERATIONS) throw new Error(`${MAX_GENERATIONS} networks lost: giving up`)
    g = await bringUp(options, rng, workdir, generations.length, measured, log)
    generations.push(g)
  }

  try {
    await next()
    const faults = schedule(options, rng.fork('schedule'))
    log(`schedule: ${faults.length} faults`)
    const moments = rng.fork('moments')
    for (const [i, fault] of faults.entries()) {
      const loadMs = moments.between(...options.loadMs)
      if (aborted || !g) {
        trials.push({ trial: i + 1, fault: fault.name, status: 'not run', loadMs: 0, measured: {}, checks: [], violations: 0 })
        continue
      }
      try {
        trials.push(await runTrial(g.ctx, i + 1, fault, loadMs, record, log))
      } catch (err) {
        if (!(err instanceof NetworkLost)) throw err
        trials.push(err.trial)
        err.trial.note = `${err.trial.note ? `${err.trial.note}; ` : ''}network lost: ${err.message}; the run goes on with a new network`
        log(`  NETWORK LOST: ${err.message}; starting a new one (its datadir is kept: ${g.net.layout.datadir})`)
        record(i + 1, fault.name, await stopGeneration(g, options))
        await next()
      }
    }
    if (g && !aborted) {
      const ctx = g.ctx
      ctx.trial = faults.length + 1
      ctx.fault = 'end of run'
      ctx.logMark = performance.now()
      ctx.faultAt = performance.now()
      await ctx.load.stop()
      log('end of run: every invariant once more')
      final = { trial: ctx.trial, fault: 'end of run', status: 'injected', loadMs: 0, measured: {}, checks: [], violations: 0 }
      await runChecks(ctx, INVARIANTS.filter((inv) => options.finalizeWithdrawal || inv.name !== 'withdrawal finalizes'), final, record, log)
      delete final.measured.recoveryMs // nothing to recover from at the end
      if (options.freshReplica) {
        log('a second replica, rebuilt from L1 from scratch')
        const fresh = await freshReplica(g, options)
        await runChecks({ ...ctx, replica: fresh }, INVARIANTS.filter((inv) => inv.name === 'replica agrees'), final, record, log)
      }
      trials.push(final)
    }
  } catch (err) {
    const e = err as Error
    aborted = e.message
    violations.push({ invariant: HARNESS, trial: g?.ctx?.trial ?? 0, fault: g?.ctx?.fault ?? 'setup', detail: `the run stopped: ${e.stack?.split('\n').slice(0, 3).join(' ') ?? e.message}`, evidence: g?.net.problems(0, 6) })
    log(`  ERROR: ${e.message}`)
  } finally {
    if (g) {
      const trial = g.ctx?.trial ?? 0
      const stopped = await stopGeneration(g, options, measured)
      record(trial, 'end of run', stopped)
      final?.checks.push({ invariant: STOPS, ok: !stopped.some((v) => v.invariant === STOPS), checked: 'the final stop', ms: 0 })
    }
    const left = await leftovers(workdir, generations.flatMap((x) => x.started()), generations.flatMap((x) => x.ports))
    record(g?.ctx?.trial ?? 0, 'end of run', left)
    final?.checks.push({ invariant: LEFTOVERS, ok: left.length === 0, checked: 'processes and ports', ms: 0 })
    if (final) final.violations = violations.filter((v) => v.trial === final!.trial).length
    for (const v of left) log(`  FAIL ${v.invariant}: ${v.detail}`)
    running.delete(workdir)
    if (!options.keep && !aborted && violations.length === 0) rmSync(workdir, { recursive: true, force: true })
    else log(`work directory kept: ${workdir} (gen*/network.log, gen*/replica.log)`)
  }

  const counts: Record<string, number> = {}
  for (const x of generations) for (const [k, v] of Object.entries(x.ctx?.ledger.counts() ?? {})) counts[k] = (counts[k] ?? 0) + v
  Object.assign(measured, counts, { networks: generations.length }, flattenLoad(generations.map((x) => x.load).filter((l): l is LoadGenerator => l !== undefined)))
  return {
    seed: options.seed,
    mode: options.mode,
    replay: `npm run chaos -- --seed ${options.seed}${options.mode === 'short' ? ' --short' : ''}`,
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - t0),
    commit: gitCommit(),
    options,
    hook: generations[0]?.net.hook ?? { available: false, why: 'the network never started' },
    promises: [...INVARIANTS.map((i) => ({ name: i.name, promise: i.promise })), ...EXTRA_PROMISES],
    trials,
    violations,
    measured,
    aborted,
  }
}

/** Stops a generation; what its stop broke. */
async function stopGeneration(g: Generation, options: SuiteOptions, measured?: Record<string, number | string>): Promise<FaultResult['violations']> {
  const found: FaultResult['violations'] = []
  const ms = await tearDown(g, found, options)
  if (measured) measured.finalStopMs = Math.round(ms)
  return found
}

/** Every process the run started (and anything with the work directory on its command line) is gone; every port is free. */
async function leftovers(workdir: string, started: number[], ports: number[]): Promise<FaultResult['violations']> {
  const out: FaultResult['violations'] = []
  const alive = [...new Set([...started.filter(isAlive), ...pidsWithArg(workdir)])]
  if (alive.length > 0) {
    out.push({ invariant: LEFTOVERS, detail: `${alive.length} process(es) still running after the suite stopped everything: ${alive.join(', ')}` })
    for (const pid of alive) {
      signal(pid, 'SIGKILL')
      await waitForExit(pid, 5000)
    }
  }
  const held: number[] = []
  for (const port of ports) if (!(await portIsFree(port))) held.push(port)
  if (held.length > 0) out.push({ invariant: LEFTOVERS, detail: `port(s) still held after the suite: ${held.join(', ')}` })
  return out
}

function flattenLoad(loads: LoadGenerator[]): Record<string, number | string> {
  const sum = (pick: (l: LoadGenerator) => Record<string, number>) => {
    const out: Record<string, number> = {}
    for (const l of loads) for (const [k, v] of Object.entries(pick(l))) out[k] = (out[k] ?? 0) + v
    return JSON.stringify(out)
  }
  const rejections = loads.flatMap((l) => l.stats.unexpectedRejections)
  return {
    loadSent: sum((l) => l.stats.sent),
    loadRefused: sum((l) => l.stats.refusedBy),
    bundlesDecided: sum((l) => l.stats.bundlesDecided),
    bundlesRejectedUnexpectedly: rejections.length,
    ...(rejections.length ? { bundleRejectionReasons: [...new Set(rejections)].slice(0, 5).join(' | ') } : {}),
  }
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: path.dirname(new URL(import.meta.url).pathname), encoding: 'utf8' }).trim()
  } catch {
    return 'unknown'
  }
}
