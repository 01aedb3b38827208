import type { Hex } from 'viem'
import { rpcBatch } from '../../helpers/jsonRpc.js'
import { sleep } from '../../helpers/node.js'
import type { ChaosContext, Invariant } from '../context.js'
import type { TrackedBundle } from '../ledger.js'

type Receipt = { blockHash: Hex; blockNumber: Hex; status: Hex } | null
type Status = { status: string; txs?: { chainId: Hex; hash: Hex; blockHash: Hex }[] } | null

/**
 * No bundle is split: every leg of a bundle is on chain in one slot, or none is; and
 * `plexus_getBundle` agrees with what is on chain (it says `included` exactly when the
 * legs are there). A bundle seen split is looked at again a moment later (a slot caught
 * between its chains' commits), and reported once.
 */
export const bundlesWhole: Invariant = {
  name: 'bundles whole',
  promise: 'every leg of a bundle is on chain in one slot, or none; plexus_getBundle agrees with the chain',
  scope: 'after-fault',
  async check(ctx, fail) {
    const bundles = [...ctx.ledger.bundles.values()].filter((b) => !b.broken)
    let suspects = await judge(ctx, bundles)
    if (suspects.length > 0) {
      await sleep(1500)
      suspects = await judge(ctx, suspects.map((s) => s.bundle))
    }
    for (const { bundle, why } of suspects) {
      bundle.broken = `trial ${ctx.trial}`
      fail(`bundle ${bundle.bundleId} (sent in trial ${bundle.trial}, built to be ${bundle.expect}): ${why}`)
    }
    return { checked: `${bundles.length} bundles` }
  },
}

async function judge(ctx: ChaosContext, bundles: TrackedBundle[]): Promise<{ bundle: TrackedBundle; why: string }[]> {
  if (bundles.length === 0) return []
  const legs = bundles.flatMap((b) => b.legs)
  const receipts = new Map<string, Receipt>()
  for (const c of ctx.net.chains) {
    const mine = legs.filter((l) => l.chainId === c.chainId)
    const answers = await rpcBatch<Receipt>(c.url, mine.map((l) => ({ method: 'eth_getTransactionReceipt', params: [l.hash] })), { chunk: 1000 })
    answers.forEach((a, i) => receipts.set(mine[i]!.hash, a.ok ? a.result : null))
  }
  const [first] = ctx.net.chains
  const statuses = await rpcBatch<Status>(first!.url, bundles.map((b) => ({ method: 'plexus_getBundle', params: [b.bundleId] })), { chunk: 1000 })
  const genesisSlot = new Map(ctx.net.chains.map((c) => [c.chainId, c.genesisSlot]))
  const out: { bundle: TrackedBundle; why: string }[] = []
  bundles.forEach((bundle, i) => {
    const status = statuses[i]!.ok ? (statuses[i] as { result: Status }).result : null
    if (status) bundle.status = status.status
    const on = bundle.legs.map((l) => ({ leg: l, r: receipts.get(l.hash) ?? null })).filter((x) => x.r)
    const where = on.map((x) => `${x.leg.chainId} block ${BigInt(x.r!.blockNumber)}${x.r!.status === '0x1' ? '' : ' (reverted)'}`).join(', ')
    const said = status ? `plexus_getBundle says ${status.status}` : 'plexus_getBundle says null (unknown)'
    if (on.length > 0 && on.length < bundle.legs.length) {
      out.push({ bundle, why: `split: ${on.length} of ${bundle.legs.length} legs on chain (${where}); ${said}` })
      return
    }
    if (on.length === bundle.legs.length) {
      const slots = new Set(on.map((x) => BigInt(x.r!.blockNumber) + genesisSlot.get(x.leg.chainId)!))
      if (slots.size > 1) out.push({ bundle, why: `split across slots: ${where}` })
      else if (on.some((x) => x.r!.status !== '0x1')) out.push({ bundle, why: `included with a reverted leg: ${where}` })
      else if (status?.status !== 'included') out.push({ bundle, why: `every leg is on chain (${where}) but ${said}` })
      return
    }
    if (status?.status === 'included') out.push({ bundle, why: `${said}, yet no leg is on chain` })
  })
  return out
}
