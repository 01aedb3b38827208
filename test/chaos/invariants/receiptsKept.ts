import type { Hex } from 'viem'
import { rpcBatch } from '../../helpers/jsonRpc.js'
import type { Invariant } from '../context.js'
import { groupBy } from '../group.js'

/**
 * Every receipt returned before the fault is returned afterwards with the same block
 * hash (L1 deposit receipts included: with the embedded L1, a crash must not take back
 * an L1 block either). A lost or moved receipt is reported once, with the block it was in.
 */
export const receiptsKept: Invariant = {
  name: 'receipts kept',
  promise: 'every receipt returned before a fault is returned afterwards, in the same block',
  scope: 'after-fault',
  async check(ctx, fail) {
    const txs = ctx.ledger.withReceipt()
    const byChain = groupBy(txs, (t) => t.chainId)
    let lost = 0
    for (const [chainId, list] of byChain) {
      const url = chainId === ctx.l1ChainId ? ctx.net.l1Url : ctx.net.url(chainId)
      const answers = await rpcBatch<{ blockHash: Hex; blockNumber: Hex } | null>(url, list.map((t) => ({ method: 'eth_getTransactionReceipt', params: [t.hash] })), { chunk: 1000 })
      const missing: string[] = []
      answers.forEach((a, i) => {
        const t = list[i]!
        const was = `${t.kind} ${t.hash} in block ${t.receipt!.blockNumber} ${t.receipt!.blockHash.slice(0, 10)}… (seen after trial ${t.receipt!.trial})`
        if (!a.ok) {
          missing.push(`${was}: ${a.error.message}`)
        } else if (!a.result) {
          missing.push(`${was}: no receipt now`)
        } else if (a.result.blockHash !== t.receipt!.blockHash) {
          missing.push(`${was}: now in block ${BigInt(a.result.blockNumber)} ${a.result.blockHash.slice(0, 10)}…`)
        } else {
          return
        }
        t.broken = `trial ${ctx.trial}`
      })
      if (missing.length > 0) {
        lost += missing.length
        const where = chainId === ctx.l1ChainId ? `the L1 (${chainId})` : `chain ${chainId}`
        fail(`${missing.length} receipt(s) on ${where} lost or moved`, [...missing.slice(0, 5), ...ctx.net.problems(ctx.logMark, 4)])
      }
    }
    return { checked: `${txs.length} receipts`, measured: { receiptsLost: lost } }
  },
}
