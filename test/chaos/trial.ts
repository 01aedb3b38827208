import { sleep } from '../helpers/node.js'
import type { ChaosContext, Fault, FaultResult, Invariant } from './context.js'
import { restartNetwork, RESTARTS, stopNetwork, STOPS } from './faults/restart.js'
import { INVARIANTS, producing } from './invariants/index.js'
import type { TrialRecord } from './report.js'

/** A harness error: reported as such, never hidden. */
export const HARNESS = 'the suite itself ran'

/** Records violations of trial `trial` after fault `fault`. */
export type RecordFn = (trial: number, fault: string, list: FaultResult['violations']) => void

/** The network could not be brought back on its datadir: the run goes on with a new one. */
export class NetworkLost extends Error {
  override name = 'NetworkLost'
  constructor(
    message: string,
    /** The trial as far as it got. */
    readonly trial: TrialRecord,
  ) {
    super(message)
  }
}

/**
 * One trial: the load for `loadMs`, the fault (which strikes under load), then — the
 * network running again — every after-fault invariant. Throws `NetworkLost` when the
 * network cannot be started again on its datadir.
 */
export async function runTrial(ctx: ChaosContext, trial: number, fault: Fault, loadMs: number, record: RecordFn, log: (line: string) => void): Promise<TrialRecord> {
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
  const t: TrialRecord = { trial, fault: fault.name, status: result.status, loadMs, note: result.note, measured: {}, checks: [], violations: result.violations.length }
  for (const [k, v] of Object.entries(result.measured ?? {})) {
    if (v === undefined) continue
    t.measured[k] = Math.round(v)
  }
  for (const name of result.checked ?? []) t.checks.push({ invariant: name, ok: !result.violations.some((v) => v.invariant === name), checked: fault.name, ms: 0 })
  log(`trial ${trial}: ${fault.name} after ${loadMs} ms of load — ${result.status}${result.note ? ` (${result.note})` : ''}`)
  if (result.status === 'unavailable') return t
  if (!ctx.net.running) {
    // the fault left the network down: once more (unless the fault already tried and reported why not)
    const triedAndFailed = result.violations.some((v) => v.invariant === RESTARTS)
    const found: FaultResult['violations'] = []
    const ms = triedAndFailed ? undefined : await restartNetwork(ctx, found)
    record(trial, fault.name, found)
    t.violations += found.length
    if (!triedAndFailed) t.checks.push({ invariant: RESTARTS, ok: ms !== undefined, checked: 'restart after the fault', ms: 0 })
    if (ms === undefined) throw new NetworkLost(`plexus up cannot start on the datadir any more (see "${RESTARTS}")`, t)
    t.measured.restartMs = Math.round(ms)
  }
  await runChecks(ctx, INVARIANTS.filter((inv) => inv.scope === 'after-fault'), t, record, log)
  return t
}

/** Runs invariants in order into `t`; a network that is not producing is restarted before the others run. */
export async function runChecks(ctx: ChaosContext, list: Invariant[], t: TrialRecord, record: RecordFn, log: (line: string) => void): Promise<void> {
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
    if (inv === producing && found.length > 0) await rescue(ctx, t, record, log)
  }
  const bad = t.checks.filter((c) => !c.ok).length
  log(`  checked ${t.checks.length} promises: ${bad === 0 ? 'all held' : `${bad} broken`}${t.measured.recoveryMs !== undefined ? `; recovered in ${t.measured.recoveryMs} ms` : ''}`)
}

/** The network stopped producing: restart it (as an operator would) so the run can go on. */
async function rescue(ctx: ChaosContext, t: TrialRecord, record: RecordFn, log: (line: string) => void): Promise<void> {
  log('  the network is not producing: restarting it to go on')
  const found: FaultResult['violations'] = []
  await stopNetwork(ctx, found, 'stopping a network that had stopped producing')
  const ms = await restartNetwork(ctx, found)
  for (const v of found) log(`  FAIL ${v.invariant}: ${v.detail}`)
  record(t.trial, t.fault, found)
  t.violations += found.length
  t.checks.push({ invariant: STOPS, ok: !found.some((v) => v.invariant === STOPS), checked: 'rescue stop', ms: 0 }, { invariant: RESTARTS, ok: ms !== undefined, checked: 'rescue restart', ms: 0 })
  if (ms === undefined) throw new NetworkLost(`plexus up cannot start on the datadir any more (see "${RESTARTS}")`, t)
  const again = await ctx.net.waitProducing(2, ctx.options.timeouts.producing)
  if (!again.ok) throw new NetworkLost('the network does not produce blocks even after a restart', t)
}
