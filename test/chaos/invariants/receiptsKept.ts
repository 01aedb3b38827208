import type { Hex } from 'viem'
import { rpcBatch } from '../../helpers/jsonRpc.js'
import type { Invariant } from '../context.js'
import { groupBy } from '../group.js'
import type { TrackedTx } from '../ledger.js'

/** Older receipts re-read one by one after each fault (all of them at the end of the run). */
const SAMPLE = 200

/**
 * Every receipt returned before the fault is returned afterwards with the same block
 * hash (L1 deposit receipts included: a crash of the network must not take back an L1
 * block either; only a kill of the embedded L1 itself may lose its newest blocks, those
 * not yet written to disk, which the ledger sets aside when the L1 is killed:
 * `Ledger.l1Killed`). Every block that holds a returned receipt is checked to be still
 * canonical (a block hash commits to its transactions and receipts); the receipts
 * themselves are re-read for those blocks that changed, for every receipt seen since the
 * last check and a sample of the older ones, and for all at the end of the run. A lost or
 * moved receipt is reported once, with the block it was in.
 */
export const receiptsKept: Invariant = {
  name: 'receipts kept',
  promise: 'every receipt returned before a fault is returned afterwards, in the same block',
  scope: 'after-fault',
  async check(ctx, fail) {
    const txs = ctx.ledger.withReceipt()
    const since = (ctx.memo.get('receiptsKept.trial') as number | undefined) ?? 0
    const rng = ctx.rng.fork(`receipts-${ctx.trial}`)
    let lost = 0
    let reread = 0
    let blocks = 0
    for (const [chainId, list] of groupBy(txs, (t) => t.chainId)) {
      const url = chainId === ctx.l1ChainId ? ctx.net.l1Url : ctx.net.url(chainId)
      // 1. the blocks: still canonical, with the same hash?
      const byNumber = groupBy(list, (t) => t.receipt!.blockNumber)
      const numbers = [...byNumber.keys()]
      blocks += numbers.length
      const canonical = await rpcBatch<{ hash: Hex } | null>(url, numbers.map((n) => ({ method: 'eth_getBlockByNumber', params: [`0x${n.toString(16)}`, false] })), { chunk: 1000 })
      const changed = new Set(numbers.filter((n, i) => {
        const a = canonical[i]!
        return !(a.ok && a.result && byNumber.get(n)!.every((t) => t.receipt!.blockHash === a.result!.hash))
      }))
      // 2. the receipts: of changed blocks, the new ones, a sample of the rest (all at the end)
      const older = list.filter((t) => !changed.has(t.receipt!.blockNumber) && t.receipt!.trial < since)
      const sample = ctx.fault === 'end of run' ? older : rng.shuffle(older).slice(0, SAMPLE)
      const toRead = [...list.filter((t) => changed.has(t.receipt!.blockNumber) || t.receipt!.trial >= since), ...sample]
      reread += toRead.length
      const missing = await rereadReceipts(url, toRead)
      for (const { t } of missing) t.broken = `trial ${ctx.trial}`
      if (missing.length > 0) {
        lost += missing.length
        const where = chainId === ctx.l1ChainId ? `the L1 (${chainId})` : `chain ${chainId}`
        fail(`${missing.length} receipt(s) on ${where} lost or moved (${changed.size} block(s) holding returned receipts replaced)`, [
          ...missing.slice(0, 5).map((m) => m.why),
          ...ctx.net.problems(ctx.logMark, 4),
        ])
      }
    }
    ctx.memo.set('receiptsKept.trial', ctx.trial)
    return { checked: `${txs.length} receipts in ${blocks} blocks (${reread} re-read)`, measured: { receiptsLost: lost } }
  },
}

async function rereadReceipts(url: string, txs: TrackedTx[]): Promise<{ t: TrackedTx; why: string }[]> {
  const answers = await rpcBatch<{ blockHash: Hex; blockNumber: Hex } | null>(url, txs.map((t) => ({ method: 'eth_getTransactionReceipt', params: [t.hash] })), { chunk: 1000 })
  const out: { t: TrackedTx; why: string }[] = []
  answers.forEach((a, i) => {
    const t = txs[i]!
    const was = `${t.kind} ${t.hash} in block ${t.receipt!.blockNumber} ${t.receipt!.blockHash.slice(0, 10)}… (seen in trial ${t.receipt!.trial})`
    if (!a.ok) out.push({ t, why: `${was}: ${a.error.message}` })
    else if (!a.result) out.push({ t, why: `${was}: no receipt now` })
    else if (a.result.blockHash !== t.receipt!.blockHash) out.push({ t, why: `${was}: now in block ${BigInt(a.result.blockNumber)} ${a.result.blockHash.slice(0, 10)}…` })
  })
  return out
}
