import type { Hex } from 'viem'
import { rpcCall } from '../../helpers/jsonRpc.js'
import type { Invariant } from '../context.js'
import { syncStatus } from '../../helpers/sync.js'
import { numberOf } from '../heads.js'

/**
 * The block tags `safe` and `finalized` answer from settlement: the block
 * `eth_getBlockByNumber(tag)` returns lies between the `plexus_syncStatus` heads read
 * just before and just after it (they only move forward between the reads, or back on an
 * L1 reorg, which the bracket tolerates by taking the lower and the higher of the two).
 */
export const safeTags: Invariant = {
  name: 'safe/finalized tags',
  promise: "eth_getBlockByNumber('safe' | 'finalized') is the safe / finalized head plexus_syncStatus reports",
  scope: 'after-fault',
  async check(ctx, fail) {
    for (const c of ctx.net.chains) {
      const before = await syncStatus(c.url)
      const tagged = new Map<string, bigint>()
      for (const tag of ['safe', 'finalized'] as const) {
        try {
          const b = await rpcCall<{ number: Hex } | null>(c.url, 'eth_getBlockByNumber', [tag, false])
          tagged.set(tag, b ? BigInt(b.number) : -1n)
        } catch (err) {
          fail(`chain ${c.chainId}: eth_getBlockByNumber('${tag}') failed: ${(err as Error).message}`)
        }
      }
      const after = await syncStatus(c.url)
      for (const tag of ['safe', 'finalized'] as const) {
        const got = tagged.get(tag)
        if (got === undefined) continue
        const a = numberOf(before[tag])
        const b = numberOf(after[tag])
        const [lo, hi] = a <= b ? [a, b] : [b, a]
        if (got < lo || got > hi) {
          fail(`chain ${c.chainId}: eth_getBlockByNumber('${tag}') is block ${got}, but plexus_syncStatus's ${tag} head is ${lo === hi ? lo : `${lo}…${hi}`} (unsafe ${numberOf(after.unsafe)})`)
        }
      }
    }
    return { checked: `${ctx.net.chains.length * 2} tags` }
  },
}
