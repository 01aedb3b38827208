import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { Hex } from 'viem'
import { rpcCall } from '../helpers/jsonRpc.js'
import { sleep } from '../helpers/node.js'
import { freePorts, isAlive, pidsWithArg, portIsFree, signal, waitForExit } from '../helpers/processes.js'
import type { ChaosContext, Fault, FaultResult, Invariant, Violation } from './context.js'
import { schedule } from './faults/index.js'
import { DEAD_L1, restartNetwork, RESTARTS, stopNetwork, STOPS } from './faults/restart.js'
import { BOUNDED, WELL_FORMED } from './faults/hostile.js'
import { INVARIANTS, producing } from './invariants/index.js'
import { Ledger } from './ledger.js'
import { DEFAULT_RATES, LoadGenerator, type LoadEnv } from './load.js'
import { NetworkProcess, writeConfig, type NetworkLayout } from './networkProcess.js'
import type { SuiteOptions } from './options.js'
import { ReplicaProcess } from './replicaProcess.js'
import type { SuiteResult, TrialRecord } from './report.js'
import { Rng } from './rng.js'
import { prepareNetwork } from './setup.js'

/** Promises checked outside the invariants list: by the faults themselves, and around the run. */
const HARNESS = 'the suite itself ran'
const LEFTOVERS = 'nothing left running'
const EXTRA_PROMISES = [
  { name: RESTARTS, promise: '`plexus up` on the datadir of a crashed network starts (a stale anvil of the crashed run is dealt with)' },
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

/** Thrown when the network cannot be brought back: the rest of the run is skipped. */
class Abort extends Error {}

/**
 * Runs the fault suite: the default network as a real process under the mixed load, each
 * fault of the seed's schedule followed by the after-fault invariants, then every
 * invariant once more at the end, then a clean stop and the leftovers check. Never
 * throws for what it finds: every finding is a violation in the result. `log` gets one
 * line per step.
 */
export async function runSuite(options: SuiteOptions, log: (line: string) => void): Promise<SuiteResult> {
  const startedAt = new Date()
  const t0 = performance.now()
  const rng = new Rng(options.seed)
  const workdir = mkdtempSync(path.join(tmpdir(), 'plexus-chaos-'))
  running.add(workdir)
  log(`seed ${options.seed} (${options.mode} run), work directory ${workdir}`)
  // the replica serves chain i on port + i: the first two ports are adjacent
  const [replicaPort, , l1Port, p901, p902] = await freePorts(5, 2)
  const layout: NetworkLayout = {
    workdir,
    datadir: path.join(workdir, 'network'),
    configFile: path.join(workdir, 'plexus.json'),
    logFile: path.join(workdir, 'network.log'),
    l1Port: l1Port!,
    rpcPorts: new Map([
      [901, p901!],
      [902, p902!],
    ]),
  }
  writeConfig(layout)
  const ports = [l1Port!, p901!, p902!, replicaPort!, replicaPort! + 1]
  const net = new NetworkProcess(layout, options.logLevel)
  const ledger = new Ledger()
  const violations: Violation[] = []
  const trials: TrialRecord[] = []
  const measured: Record<string, number | string> = {}
  const replicas: ReplicaProcess[] = []
  let aborted: string | undefined
  let ctx: ChaosContext | undefined
  let final: TrialRecord | undefined
  let load: LoadGenerator | undefined

  const record = (trial: number, fault: string, list: FaultResult['violations']) => {
    for (const v of list) violations.push({ ...v, trial, fault })
  }

  try {
    log('starting the network (a first start deploys the L1 contracts)')
    const first = await net.start(options.timeouts.start)
    measured.coldStartMs = Math.round(first.ms)
    log(`  up in ${Math.round(first.ms)} ms; fault-injection hook ${net.hook.available ? 'available' : `not available (${net.hook.why})`}`)
    const l1ChainId = Number(BigInt(await rpcCall<Hex>(net.l1Url, 'eth_chainId')))
    const contracts = await rpcCall<{ Portal: Hex; ChainRegistry: Hex }>(net.url(net.chainIds[0]!), 'plexus_getL1Addresses')
    const burstChain = rng.fork('burst').pick(net.chainIds)
    const env: LoadEnv = { net, ledger, trial: () => ctx?.trial ?? 0, l1ChainId, portal: contracts.Portal, revertingTarget: '0x' }
    load = new LoadGenerator(env, rng.fork('load'), DEFAULT_RATES)
    load.start()
    log(`preparing: a reverting contract on every chain, ${options.burst.senders} burst senders funded on ${burstChain}`)
    env.revertingTarget = (await prepareNetwork(net, ledger, load, { chainId: burstChain, senders: options.burst.senders })).revertingTarget

    const replica = new ReplicaProcess({
      l1Url: net.l1Url,
      registry: contracts.ChainRegistry,
      datadir: path.join(workdir, 'replica'),
      port: replicaPort!,
      chainIds: net.chainIds,
      logFile: path.join(workdir, 'replica.log'),
      logLevel: options.logLevel,
    })
    replicas.push(replica)
    await replica.start(options.timeouts.start)
    log('replica started (it rebuilds every chain from L1 and follows the L1 through the faults)')

    ctx = {
      options,
      rng,
      net,
      replica,
      ledger,
      load,
      l1ChainId,
      contracts,
      revertingTarget: env.revertingTarget,
      burstChain,
      trial: 0,
      fault: 'none',
      faultAt: performance.now(),
      logMark: performance.now(),
      memo: new Map(),
      measured,
      log,
    }
    const faults = schedule(options, rng.fork('schedule'))
    log(`schedule: ${faults.length} faults`)
    const loadRng = rng.fork('moments')
    for (const [i, fault] of faults.entries()) {
      if (aborted) {
        trials.push({ trial: i + 1, fault: fault.name, status: 'not run', loadMs: 0, measured: {}, checks: [], violations: 0 })
        continue
      }
      try {
        trials.push(await runTrial(ctx, i + 1, fault, loadRng.between(...options.loadMs), record, log))
      } catch (err) {
        if (!(err instanceof Abort)) throw err
        aborted = err.message
        log(`  ABORT: ${aborted}`)
      }
    }

    if (!aborted) {
      ctx.trial = faults.length + 1
      ctx.fault = 'end of run'
      ctx.logMark = performance.now()
      ctx.faultAt = performance.now()
      await load.stop()
      log('end of run: every invariant once more')
      final = { trial: ctx.trial, fault: 'end of run', status: 'injected', loadMs: 0, measured: {}, checks: [], violations: 0 }
      await runChecks(ctx, INVARIANTS.filter((inv) => options.finalizeWithdrawal || inv.name !== 'withdrawal finalizes'), final, record, log)
      delete final.measured.recoveryMs // nothing to recover from at the end
      if (options.freshReplica) {
        const [port] = await freePorts(2, 2)
        const fresh = new ReplicaProcess({ l1Url: net.l1Url, registry: contracts.ChainRegistry, datadir: path.join(workdir, 'replica-fresh'), port: port!, chainIds: net.chainIds, logFile: path.join(workdir, 'replica-fresh.log'), logLevel: options.logLevel })
        ports.push(port!, port! + 1)
        replicas.push(fresh)
        log('a second replica, rebuilt from L1 from scratch')
        await fresh.start(options.timeouts.start)
        await runChecks({ ...ctx, replica: fresh }, INVARIANTS.filter((inv) => inv.name === 'replica agrees'), final, record, log)
      }
      trials.push(final)
    }
  } catch (err) {
    const e = err as Error
    aborted = aborted ?? `${e.message}`
    violations.push({ invariant: HARNESS, trial: ctx?.trial ?? 0, fault: ctx?.fault ?? 'setup', detail: `the run failed: ${e.stack?.split('\n').slice(0, 3).join(' ') ?? e.message}`, evidence: net.problems(0, 6) })
    log(`  ERROR: ${e.message}`)
  } finally {
    await load?.stop()
    const trial = ctx?.trial ?? 0
    for (const r of replicas) await r.stop(options.timeouts.stopGrace)
    const stopped: FaultResult['violations'] = []
    measured.finalStopMs = Math.round(ctx ? await stopNetwork(ctx, stopped, 'at the end') : (await net.stop(options.timeouts.stopGrace)).ms)
    const left = await leftovers(workdir, [...net.started, ...replicas.flatMap((r) => r.started)], ports)
    record(trial, 'end of run', [...stopped, ...left])
    final?.checks.push({ invariant: STOPS, ok: stopped.length === 0, checked: 'the final stop', ms: 0 }, { invariant: LEFTOVERS, ok: left.length === 0, checked: 'processes and ports', ms: 0 })
    if (final) final.violations += stopped.length + left.length
    for (const v of [...stopped, ...left]) log(`  FAIL ${v.invariant}: ${v.detail}`)
    running.delete(workdir)
    if (!options.keep && !aborted && violations.length === 0) rmSync(workdir, { recursive: true, force: true })
    else log(`work directory kept: ${workdir} (network.log, replica.log)`)
  }

  Object.assign(measured, ledger.counts(), flattenLoad(load))
  return {
    seed: options.seed,
    mode: options.mode,
    replay: `npm run chaos -- --seed ${options.seed}${options.mode === 'short' ? ' --short' : ''}`,
    startedAt: startedAt.toISOString(),
    durationMs: Math.round(performance.now() - t0),
    commit: gitCommit(),
    options,
    hook: net.hook,
    promises: [...INVARIANTS.map((i) => ({ name: i.name, promise: i.promise })), ...EXTRA_PROMISES],
    trials,
    violations,
    measured,
    aborted,
  }
}

async function runTrial(
  ctx: ChaosContext,
  trial: number,
  fault: Fault,
  loadMs: number,
  record: (trial: number, fault: string, list: FaultResult['violations']) => void,
  log: (line: string) => void,
): Promise<TrialRecord> {
  ctx.trial = trial
  ctx.fault = fault.name
  ctx.logMark = performance.now()
  ctx.load.resume()
  await sleep(loadMs)
  ctx.faultAt = performance.now()
  let result: FaultResult
  try {
    result = await fault.run(ctx)
  } catch (err) {
    result = { status: 'injected', note: 'the fault could not complete', violations: [{ invariant: HARNESS, detail: `${fault.name}: ${(err as Error).message}` }] }
  }
  await ctx.load.pause()
  record(trial, fault.name, result.violations)
  for (const v of result.violations) log(`  FAIL ${v.invariant}: ${v.detail}`)
  const t: TrialRecord = { trial, fault: fault.name, status: result.status, loadMs, note: result.note, measured: { ...result.measured }, checks: [], violations: result.violations.length }
  for (const name of result.checked ?? []) t.checks.push({ invariant: name, ok: !result.violations.some((v) => v.invariant === name), checked: fault.name, ms: 0 })
  for (const [k, v] of Object.entries(result.measured ?? {})) ctx.measured[k] = v
  log(`trial ${trial}: ${fault.name} after ${loadMs} ms of load — ${result.status}${result.note ? ` (${result.note})` : ''}`)
  if (result.status === 'unavailable') return t
  if (!ctx.net.running) {
    const found: FaultResult['violations'] = []
    try {
      t.measured.restartMs = await restartNetwork(ctx, found)
    } catch (err) {
      throw new Abort(`the network could not be started again: ${(err as Error).message}`)
    } finally {
      record(trial, fault.name, found)
      t.violations += found.length
      t.checks.push({ invariant: RESTARTS, ok: found.length === 0, checked: 'restart after the fault', ms: 0 })
    }
  }
  await runChecks(ctx, INVARIANTS.filter((inv) => inv.scope === 'after-fault'), t, record, log)
  return t
}

/** Runs invariants in order into `t`; a network that is not producing is restarted before the others run. */
async function runChecks(
  ctx: ChaosContext,
  list: Invariant[],
  t: TrialRecord,
  record: (trial: number, fault: string, list: FaultResult['violations']) => void,
  log: (line: string) => void,
): Promise<void> {
  for (const inv of list) {
    const found: FaultResult['violations'] = []
    const started = performance.now()
    let checked = '–'
    try {
      const res = await inv.check(ctx, (detail, evidence) => found.push({ invariant: inv.name, detail, evidence }))
      checked = res.checked
      Object.assign(t.measured, res.measured)
    } catch (err) {
      found.push({ invariant: inv.name, detail: `the check could not run: ${(err as Error).message}`, evidence: ctx.net.problems(ctx.logMark, 4) })
    }
    t.checks.push({ invariant: inv.name, ok: found.length === 0, checked, ms: Math.round(performance.now() - started) })
    t.violations += found.length
    record(t.trial, t.fault, found)
    for (const v of found) log(`  FAIL ${v.invariant}: ${v.detail}`)
    if (inv === producing && found.length > 0) await rescue(ctx, record, t, log)
  }
  const bad = t.checks.filter((c) => !c.ok).length
  log(`  checked ${t.checks.length} invariants: ${bad === 0 ? 'all held' : `${bad} failed`}${t.measured.recoveryMs !== undefined ? `; recovered in ${t.measured.recoveryMs} ms` : ''}`)
}

/** The network stopped producing: restart it (as an operator would) so the run can go on; abort if even that fails. */
async function rescue(ctx: ChaosContext, record: (trial: number, fault: string, list: FaultResult['violations']) => void, t: TrialRecord, log: (line: string) => void): Promise<void> {
  log('  the network is not producing: restarting it to go on')
  const found: FaultResult['violations'] = []
  await stopNetwork(ctx, found, 'stopping a network that had stopped producing')
  try {
    await restartNetwork(ctx, found)
  } catch (err) {
    record(t.trial, t.fault, found)
    throw new Abort(`the network could not be started again: ${(err as Error).message}`)
  }
  for (const v of found) log(`  FAIL ${v.invariant}: ${v.detail}`)
  record(t.trial, t.fault, found)
  t.violations += found.length
  t.checks.push({ invariant: STOPS, ok: !found.some((v) => v.invariant === STOPS), checked: 'rescue stop', ms: 0 }, { invariant: RESTARTS, ok: !found.some((v) => v.invariant === RESTARTS), checked: 'rescue restart', ms: 0 })
  const again = await ctx.net.waitProducing(2, ctx.options.timeouts.producing)
  if (!again.ok) throw new Abort('the network does not produce blocks even after a restart')
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

function flattenLoad(load: LoadGenerator | undefined): Record<string, number | string> {
  if (!load) return {}
  const s = load.stats
  return {
    loadSent: JSON.stringify(s.sent),
    loadRefused: JSON.stringify(s.refusedBy),
    bundlesDecided: JSON.stringify(s.bundlesDecided),
    bundlesRejectedUnexpectedly: s.unexpectedRejections.length,
    ...(s.unexpectedRejections.length ? { bundleRejectionReasons: [...new Set(s.unexpectedRejections)].slice(0, 5).join(' | ') } : {}),
  }
}

function gitCommit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: path.dirname(new URL(import.meta.url).pathname), encoding: 'utf8' }).trim()
  } catch {
    return 'unknown'
  }
}
