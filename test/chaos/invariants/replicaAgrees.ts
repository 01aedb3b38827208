import type { Hex } from 'viem'
import { rpcCall } from '../../helpers/jsonRpc.js'
import { sleep } from '../../helpers/node.js'
import { syncStatus } from '../../helpers/sync.js'
import type { ChaosContext, Invariant } from '../context.js'
import { numberOf } from '../heads.js'

const hashAt = async (url: string, n: bigint): Promise<Hex | undefined> =>
  (await rpcCall<{ hash: Hex } | null>(url, 'eth_getBlockByNumber', [`0x${n.toString(16)}`, false]))?.hash

/**
 * A replica rebuilt from L1 alone (`plexus replica`, its own process, following the L1
 * through every fault) agrees with the network: it reaches the network's safe head, has
 * the same block there (a block hash commits to all its ancestors, so one comparison
 * covers every block below; a difference is bisected to the first one), and reports no
 * output-root or super-root mismatch.
 */
export const replicaAgrees: Invariant = {
  name: 'replica agrees',
  promise: 'a replica rebuilt from L1 has every block up to the safe head and every super root the network has',
  scope: 'after-fault',
  async check(ctx, fail) {
    const replica = ctx.replica
    if (!replica) return { checked: 'no replica in this run' }
    if (!replica.running) {
      fail(`the replica process exited (${JSON.stringify(await replica.process?.exited)})`, replica.process?.tail(8))
      await replica.start(ctx.options.timeouts.start)
    }
    const started = performance.now()
    let compared = 0n
    /** The longest time the replica's RPC did not answer while it caught up. */
    let unanswered = 0
    for (const c of ctx.net.chains) {
      const target = numberOf((await syncStatus(c.url)).safe)
      if (target <= 0n) continue
      const rurl = replica.url(c.chainId)
      const deadline = Date.now() + ctx.options.timeouts.replica
      let head = -1n
      // a replica deriving many blocks may answer slowly: that is measured, not failed, until the deadline
      let silentSince: number | undefined
      let lastError = ''
      while (head < target && Date.now() < deadline) {
        try {
          head = BigInt(await rpcCall<Hex>(rurl, 'eth_blockNumber', [], 5000))
          if (silentSince !== undefined) unanswered = Math.max(unanswered, performance.now() - silentSince)
          silentSince = undefined
        } catch (err) {
          silentSince ??= performance.now()
          lastError = (err as Error).message
        }
        if (head < target) await sleep(500)
      }
      if (head < target) {
        const status = await syncStatus(rurl).catch(() => undefined)
        const skipped = status?.skippedBatches?.recent.slice(-3).map((s) => `skipped batch: ${s.reason}`) ?? []
        const why = silentSince !== undefined ? `; it has not answered for ${Math.round((performance.now() - silentSince) / 1000)} s (${lastError})` : ''
        fail(`chain ${c.chainId}: the replica is at block ${head}, the network's safe head at ${target}, after ${Math.round(ctx.options.timeouts.replica / 1000)} s${why}`, [...skipped, ...(replica.process?.tail(3) ?? [])])
        continue
      }
      const status = await syncStatus(rurl)
      compared += target + 1n
      const [ours, theirs] = await Promise.all([hashAt(c.url, target), hashAt(rurl, target)])
      if (ours !== theirs) {
        const first = await firstDifference(c.url, rurl, target)
        fail(`chain ${c.chainId}: block ${first.n} differs: network ${first.ours}, replica ${first.theirs} (and every block after it up to the safe head ${target})`)
      }
      reportMismatches(ctx, fail, c.chainId, 'output roots', status.outputMismatches ?? [])
      if (status.superRoots) reportMismatches(ctx, fail, c.chainId, 'super roots', status.superRoots.mismatches)
      if (status.superRoots?.latestVerified) ctx.measured.superRootLastVerified = Number(BigInt(status.superRoots.latestVerified.timestamp))
    }
    return { checked: `${compared} blocks`, measured: { replicaCatchUpMs: Math.round(performance.now() - started), ...(unanswered > 0 ? { replicaUnansweredMs: Math.round(unanswered) } : {}) } }
  },
}

/** The lowest block number at which the two chains differ (they differ at `top`). */
async function firstDifference(a: string, b: string, top: bigint): Promise<{ n: bigint; ours?: Hex; theirs?: Hex }> {
  let lo = 0n
  let hi = top
  while (lo < hi) {
    const mid = (lo + hi) / 2n
    if ((await hashAt(a, mid)) === (await hashAt(b, mid))) lo = mid + 1n
    else hi = mid
  }
  return { n: lo, ours: await hashAt(a, lo), theirs: await hashAt(b, lo) }
}

/** Reports the mismatches not reported before (the list only grows). */
function reportMismatches(ctx: ChaosContext, fail: (d: string, e?: string[]) => void, chainId: number, what: string, list: unknown[]): void {
  const key = `replica.${what}.${chainId}`
  const seen = (ctx.memo.get(key) as number | undefined) ?? 0
  if (list.length > seen) fail(`chain ${chainId}: the replica found ${list.length - seen} new ${what} mismatch(es)`, list.slice(seen, seen + 3).map((m) => JSON.stringify(m).slice(0, 400)))
  ctx.memo.set(key, list.length)
}
