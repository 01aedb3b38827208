import type { Hex } from 'viem'
import { rpcCall } from '../../helpers/jsonRpc.js'
import { sleep } from '../../helpers/node.js'
import type { Invariant } from '../context.js'
import { syncStatus } from '../../helpers/sync.js'
import { numberOf } from '../heads.js'

/**
 * The safe head catches up: every chain's safe head (`plexus_syncStatus`) reaches the
 * unsafe head the chain had when the check began — the blocks built before and during
 * the fault (a burst's included) are carried to L1. Polled with a generous timeout; the
 * time it took is reported.
 */
export const safeCatchesUp: Invariant = {
  name: 'safe head catches up',
  promise: "every chain's safe head reaches the unsafe head it had when the check began",
  scope: 'after-fault',
  async check(ctx, fail) {
    const started = performance.now()
    const targets = new Map<number, bigint>()
    for (const c of ctx.net.chains) targets.set(c.chainId, BigInt(await rpcCall<Hex>(c.url, 'eth_blockNumber', [])))
    const deadline = Date.now() + ctx.options.timeouts.safe
    const safe = new Map<number, bigint>()
    for (;;) {
      for (const c of ctx.net.chains) safe.set(c.chainId, numberOf((await syncStatus(c.url)).safe))
      if ([...targets].every(([c, t]) => safe.get(c)! >= t)) break
      if (Date.now() > deadline) {
        const behind = [...targets].filter(([c, t]) => safe.get(c)! < t)
        const unsafe = await Promise.all(behind.map(async ([c]) => BigInt(await rpcCall<Hex>(ctx.net.url(c), 'eth_blockNumber', []))))
        fail(
          `safe head stuck for ${Math.round(ctx.options.timeouts.safe / 1000)} s: ${behind.map(([c, t], i) => `${c} safe ${safe.get(c)} (wanted ${t}; unsafe now ${unsafe[i]})`).join(', ')}`,
          ctx.net.problems(ctx.logMark),
        )
        return { checked: 'safe heads' }
      }
      await sleep(500)
    }
    return { checked: 'safe heads', measured: { safeCatchUpMs: Math.round(performance.now() - started) } }
  },
}
