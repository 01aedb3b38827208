import { syncStatus } from '../../helpers/sync.js'
import type { Invariant } from '../context.js'

/** The replica has verified super roots (the network proposes them and the replica checks each; a mismatch is reported by "replica agrees"). */
export const superRootsVerified: Invariant = {
  name: 'super roots verified',
  promise: 'the replica has verified the super roots the network proposed on L1',
  scope: 'final',
  async check(ctx, fail) {
    if (!ctx.replica) return { checked: 'no replica in this run' }
    for (const c of ctx.net.chains) {
      const s = await syncStatus(ctx.replica.url(c.chainId))
      if (s.superRoots === null || s.superRoots === undefined) fail(`chain ${c.chainId}: the replica checks no super roots (superRoots is ${String(s.superRoots)})`)
      else if (!s.superRoots.latestVerified) fail(`chain ${c.chainId}: the replica has not verified any super root`, (s.superRoots.mismatches ?? []).slice(0, 3).map((m) => JSON.stringify(m).slice(0, 300)))
    }
    return { checked: `${ctx.net.chains.length} replica chains` }
  },
}
