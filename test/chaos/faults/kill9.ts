import { sleep } from '../../helpers/node.js'
import { isAlive } from '../../helpers/processes.js'
import type { Fault, FaultResult } from '../context.js'
import { RESTARTS, restartNetwork } from './restart.js'

/**
 * kill -9 of the network process alone, under load, at a moment the seed chose: its
 * anvil is not signalled. Then `plexus up` on the same datadir. An anvil that outlives
 * its network is fine only if the next start deals with it (stops it, or adopts it).
 */
export const kill9Network: Fault = {
  name: 'kill -9 network',
  description: 'kill -9 of the `plexus up` process (its anvil is not signalled), then `plexus up` on the same datadir',
  async run(ctx) {
    const violations: FaultResult['violations'] = []
    const anvils = ctx.net.anvilPids()
    ctx.faultAt = performance.now()
    await ctx.net.kill9()
    await ctx.load.pause()
    // give an anvil that watches its parent a moment to go
    const deadline = Date.now() + 3000
    while (anvils.some(isAlive) && Date.now() < deadline) await sleep(100)
    const orphans = anvils.filter(isAlive)
    const restartMs = await restartNetwork(ctx, violations)
    // restartNetwork stops a stale anvil by hand only when the start failed; one still running was neither stopped nor refused
    const stale = orphans.filter(isAlive)
    if (stale.length > 0) {
      violations.push({ invariant: RESTARTS, detail: `the anvil of the killed network (pid ${stale.join(', ')}) still runs after the restart` })
    }
    return {
      status: 'injected',
      checked: [RESTARTS],
      note: orphans.length > 0 ? `anvil outlived its network (pid ${orphans.join(', ')})` : undefined,
      violations,
      measured: { restartMs },
    }
  },
}

/** kill -9 of the whole process group at once (the network and its anvil), as a power cut or the OOM killer would. */
export const kill9All: Fault = {
  name: 'kill -9 network + L1',
  description: 'kill -9 of the network and its embedded anvil at the same moment, then `plexus up` on the same datadir',
  async run(ctx) {
    const violations: FaultResult['violations'] = []
    ctx.faultAt = performance.now()
    await ctx.net.kill9All()
    const l1BlockLost = ctx.ledger.l1Killed(ctx.l1ChainId, ctx.trial, ctx.net.durableL1Block())
    await ctx.load.pause()
    const restartMs = await restartNetwork(ctx, violations)
    return { status: 'injected', checked: [RESTARTS], violations, measured: { restartMs, l1BlockLost } }
  },
}
