import { rpcCall } from '../../helpers/jsonRpc.js'
import { sleep } from '../../helpers/node.js'
import { signal, waitForExit } from '../../helpers/processes.js'
import type { Fault, FaultResult } from '../context.js'
import { DEAD_L1, RESTARTS, restartNetwork, STOPS, stopNetwork } from './restart.js'

/** Blocks a chain may still build after its L1 died, before it can have noticed (a few slots of one L1 poll). */
const GRACE_MS = 3000

/**
 * The embedded L1 (anvil, a child of the network) is killed with SIGKILL under load.
 * Wanted: the network restarts it, or stops building blocks with a clear error; never
 * builds on a stale L1 origin without limit. It is watched for `timeouts.l1Dead`; if the
 * L1 did not come back by itself the network is stopped (SIGTERM, as an operator would;
 * half the time with a second signal a second later) and started again on the same
 * datadir (anvil reloads its last saved state).
 */
export const killAnvil: Fault = {
  name: 'kill -9 L1 (anvil)',
  description: 'SIGKILL of the embedded anvil while the network runs; watched, then the network stopped (SIGTERM; half the time a second signal after 1 s) and restarted if the L1 did not come back by itself',
  async run(ctx) {
    const violations: FaultResult['violations'] = []
    const [anvil] = ctx.net.anvilPids()
    if (anvil === undefined) return { status: 'unavailable', note: 'no embedded anvil process found for this datadir', violations }
    ctx.faultAt = performance.now()
    signal(anvil, 'SIGKILL')
    await waitForExit(anvil, 5000)
    // Read before the network restarts it (its next write replaces the file).
    const l1BlockLost = ctx.ledger.l1Killed(ctx.l1ChainId, ctx.trial, ctx.net.durableL1Block())
    await ctx.load.pause()

    let l1Back = false
    let afterGrace: Map<number, bigint | undefined> | undefined
    const watchEnd = Date.now() + ctx.options.timeouts.l1Dead
    while (Date.now() < watchEnd && ctx.net.running) {
      if (!afterGrace && performance.now() - ctx.faultAt >= GRACE_MS) afterGrace = await ctx.net.heads()
      try {
        await rpcCall(ctx.net.l1Url, 'eth_blockNumber', [], 1000)
        l1Back = true
        break
      } catch {
        await sleep(500)
      }
    }
    const end = await ctx.net.heads()
    const measured: Record<string, number | undefined> = { l1BlockLost }
    if (!l1Back && afterGrace) {
      const grew = ctx.net.chainIds
        .map((c) => ({ c, n: afterGrace.get(c) !== undefined && end.get(c) !== undefined ? Number(end.get(c)! - afterGrace.get(c)!) : 0 }))
        .filter((x) => x.n > 0)
      if (grew.length > 0) {
        const secs = Math.round((ctx.options.timeouts.l1Dead - GRACE_MS) / 1000)
        violations.push({
          invariant: DEAD_L1,
          detail: `the L1 stayed dead and the chains kept building on a stale L1 origin: ${grew.map((x) => `${x.c} +${x.n}`).join(', ')} blocks in the ${secs} s after the first ${GRACE_MS / 1000} s`,
          evidence: ctx.net.problems(ctx.logMark, 6),
        })
      }
      measured.blocksOnDeadL1 = grew.reduce((s, x) => s + x.n, 0)
    }
    const exited = !ctx.net.running
    // half the time the operator is impatient: a second Ctrl-C a second after the first must end it
    const impatient = ctx.rng.fork(`stop-${ctx.trial}`).chance(0.5)
    if (!l1Back) {
      measured.stopMs = await stopNetwork(ctx, violations, `stopping after its L1 died${impatient ? ' (second signal after 1 s)' : ''}`, impatient)
      measured.restartMs = await restartNetwork(ctx, violations)
    }
    return {
      status: 'injected',
      checked: l1Back ? [DEAD_L1] : [DEAD_L1, STOPS, RESTARTS],
      note: l1Back
        ? 'the network brought its L1 back by itself'
        : `${exited ? 'the network exited when its L1 died' : 'the L1 stayed dead until the network was restarted'}; stopped in ${Math.round(measured.stopMs!)} ms${impatient ? ' (second signal after 1 s)' : ''}`,
      violations,
      measured,
    }
  },
}
