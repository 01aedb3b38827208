import { commandLine, signal, waitForExit } from '../../helpers/processes.js'
import type { ChaosContext, FaultResult } from '../context.js'
import { StartError } from '../networkProcess.js'

/** The promises a fault checks on its own (the others are in invariants/). */
export const RESTARTS = 'restarts on its datadir'
export const STOPS = 'stops on a signal'
export const DEAD_L1 = 'a dead L1 halts the chains or is restarted'

type Violations = FaultResult['violations']

/**
 * `plexus up` again on the same datadir, as an operator would after a crash. A start that
 * fails is a broken promise; when an anvil of the killed network still runs (it holds the
 * L1 port), it is stopped as an operator would (`kill <pid>`, which lets anvil save its
 * state) and the start is tried once more, so the rest of the suite can go on. Returns
 * how long the start took, or undefined when the network could not be started (the
 * datadir is beyond what an operator can do by hand: the suite goes on with a new one).
 */
export async function restartNetwork(ctx: ChaosContext, violations: Violations): Promise<number | undefined> {
  try {
    return (await ctx.net.start(ctx.options.timeouts.start)).ms
  } catch (err) {
    if (!(err instanceof StartError)) throw err
    const stale = ctx.net.anvilPids()
    violations.push({
      invariant: RESTARTS,
      detail: `plexus up on the same datadir failed: ${err.message}${stale.length ? `; the killed network's anvil (pid ${stale.join(', ')}) still runs and holds the L1 port` : ''}`,
      evidence: [...err.output.filter((l) => l.trim()).slice(-4).map((l) => l.slice(0, 300)), ...stale.map((pid) => `pid ${pid}: ${commandLine(pid).slice(0, 200)}`)],
    })
    if (stale.length === 0) return undefined
    for (const pid of stale) {
      signal(pid, 'SIGTERM')
      if (!(await waitForExit(pid, 15_000))) signal(pid, 'SIGKILL')
      await waitForExit(pid, 5000)
    }
    ctx.log(`  stopped the stale anvil (pid ${stale.join(', ')}) by hand and started again`)
    try {
      return (await ctx.net.start(ctx.options.timeouts.start)).ms
    } catch (again) {
      if (!(again instanceof StartError)) throw again
      violations.push({ invariant: RESTARTS, detail: `plexus up failed again after the stale anvil was stopped: ${again.message}`, evidence: again.output.filter((l) => l.trim()).slice(-4) })
      return undefined
    }
  }
}

/**
 * Stops the network as an operator would and records a stop that broke the promise: a
 * patient operator sends SIGTERM and waits `stopGrace`, then a second signal and waits
 * `forceGrace`, then SIGKILL; an impatient one (`impatient`) sends the second signal a
 * second after SIGTERM, which must end the process within `forceGrace`.
 */
export async function stopNetwork(ctx: ChaosContext, violations: Violations, why: string, impatient = false): Promise<number> {
  const { stopGrace, forceGrace } = ctx.options.timeouts
  const termMs = impatient ? 1000 : stopGrace
  const stop = await ctx.net.stop(termMs, forceGrace)
  const took = `${Math.round(stop.ms)} ms in all`
  const s = (ms: number) => `${Math.round(ms / 1000)} s`
  const evidence = ctx.net.problems(ctx.logMark, 5)
  if (stop.by === 'SIGKILL') {
    violations.push({ invariant: STOPS, detail: `${why}: ${impatient ? '' : `SIGTERM did not stop plexus up within ${s(termMs)}, and `}a second signal${impatient ? ' (1 s after SIGTERM)' : ''} did not end it within ${s(forceGrace)}: killed with SIGKILL (${took})`, evidence })
  } else if (stop.by === 'second-signal' && !impatient) {
    violations.push({ invariant: STOPS, detail: `${why}: SIGTERM did not stop plexus up within ${s(termMs)}; a second signal did (${took})`, evidence })
  }
  return stop.ms
}
