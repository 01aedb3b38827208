import type { Invariant } from '../context.js'

/** Blocks every chain must add after a fault before the network counts as producing again. */
const BLOCKS = 2

/**
 * The network is producing again after the fault: every chain's head moves on by a few
 * blocks. Polled with a generous timeout; the time from the fault to then is the trial's
 * recovery time (reported, never asserted).
 */
export const producing: Invariant = {
  name: 'producing again',
  promise: `every chain builds blocks again after the fault (+${BLOCKS} blocks each)`,
  scope: 'after-fault',
  async check(ctx, fail) {
    const r = await ctx.net.waitProducing(BLOCKS, ctx.options.timeouts.producing)
    const heads = (m: Map<number, bigint | undefined>) => [...m].map(([c, n]) => `${c}: ${n ?? 'no answer'}`).join(', ')
    if (!r.ok) {
      fail(`no chain progress for ${Math.round(r.ms / 1000)} s: heads ${heads(r.from)} → ${heads(r.to)}`, ctx.net.problems(ctx.logMark))
      return { checked: 'heads' }
    }
    return { checked: 'heads', measured: { recoveryMs: Math.round(performance.now() - ctx.faultAt) } }
  },
}
