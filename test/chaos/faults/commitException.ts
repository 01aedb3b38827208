import { RpcCallError } from '../../helpers/jsonRpc.js'
import { sleep } from '../../helpers/node.js'
import type { Fault, FaultResult } from '../context.js'
import { RESTARTS, restartNetwork } from './restart.js'

/** The fault point the lead's hook arms (`plexus up --fault-injection`, admin method `admin_injectFault`). */
const POINT = 'between-chain-commits'

/**
 * An exception forced after the first chain of a slot has committed and before the next
 * chain's commit, with bundles waiting so the interrupted slot has a leg on each chain.
 * Through the hidden `--fault-injection` flag of `plexus up` and the admin method
 * `admin_injectFault [{ point: "between-chain-commits" }]` → `{ armed: true }`. A build
 * without the hook reports the fault unavailable (neither a pass nor a failure).
 * Afterwards (the process may have exited, or carried on) the invariants check that every
 * chain is at the same slot and no bundle is split.
 */
export const commitException: Fault = {
  name: 'exception between commits',
  description: `an exception thrown between two chains' commits of one slot (admin_injectFault ${POINT}), bundles waiting`,
  async run(ctx) {
    const violations: FaultResult['violations'] = []
    if (!ctx.net.hook.available) return { status: 'unavailable', note: `hook not available: ${ctx.net.hook.why}`, violations }
    // bundles decided in the next slots, so the slot that breaks carries legs on both chains
    await ctx.load.pause()
    for (let i = 0; i < 2; i++) await ctx.load.sendBundle('included', 8)
    ctx.load.resume()
    let armed: unknown
    try {
      armed = await ctx.net.admin('admin_injectFault', [{ point: POINT }])
    } catch (err) {
      if (err instanceof RpcCallError && err.code === -32601) {
        ctx.net.hook = { available: false, why: `admin_injectFault: ${err.message}` }
        return { status: 'unavailable', note: `hook not available: ${err.message}`, violations }
      }
      throw err
    }
    if ((armed as { armed?: unknown } | null)?.armed !== true) {
      return { status: 'unavailable', note: `hook not available: admin_injectFault answered ${JSON.stringify(armed)}`, violations }
    }
    ctx.faultAt = performance.now()
    // the next slot throws: wait until the process exits, or every chain has moved on a few slots
    const before = await ctx.net.heads()
    const deadline = Date.now() + 15_000
    for (;;) {
      if (!ctx.net.running || Date.now() > deadline) break
      const now = await ctx.net.heads()
      if ([...now].every(([c, n]) => n !== undefined && before.get(c) !== undefined && n >= before.get(c)! + 4n)) break
      await sleep(200)
    }
    await ctx.load.pause()
    const measured: Record<string, number | undefined> = {}
    let note = 'the network carried on after the exception'
    if (!ctx.net.running) {
      const { code, signal } = await ctx.net.process!.exited
      note = `the network exited (code ${code}${signal ? `, ${signal}` : ''}) after the exception; restarted`
      measured.restartMs = await restartNetwork(ctx, violations)
    }
    return { status: 'injected', checked: measured.restartMs === undefined ? [] : [RESTARTS], note, violations, measured }
  },
}
