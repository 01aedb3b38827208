import type { Hex } from 'viem'
import { rpcBatch } from '../../helpers/jsonRpc.js'
import type { Invariant } from '../context.js'
import { groupBy } from '../group.js'

/**
 * Every transaction whose hash `eth_sendRawTransaction` returned is included or still
 * pending after the fault (the pool is geth's promise: a journal of what it accepted).
 * A transaction that vanished is reported once. An L1 transaction without a receipt when
 * a fault killed the L1 may go with the L1's pool: counted, not failed.
 */
export const acceptedKept: Invariant = {
  name: 'accepted txs kept',
  promise: 'every transaction eth_sendRawTransaction accepted is included or still pending',
  scope: 'after-fault',
  async check(ctx, fail) {
    const waiting = ctx.ledger.awaitingReceipt().filter((t) => t.kind !== 'bundle-leg')
    let vanished = 0
    let lostWithL1 = 0
    for (const [chainId, list] of groupBy(waiting, (t) => t.chainId)) {
      const url = chainId === ctx.l1ChainId ? ctx.net.l1Url : ctx.net.url(chainId)
      // receipt first (it may have been included since the poller last looked), then the pool
      const receipts = await rpcBatch<{ blockHash: Hex; blockNumber: Hex; status: Hex } | null>(url, list.map((t) => ({ method: 'eth_getTransactionReceipt', params: [t.hash] })), { chunk: 1000 })
      const open = list.filter((t, i) => {
        const r = receipts[i]!
        if (r.ok && r.result) {
          t.receipt = { blockHash: r.result.blockHash, blockNumber: BigInt(r.result.blockNumber), success: r.result.status === '0x1', trial: ctx.trial }
          return false
        }
        return true
      })
      const pooled = await rpcBatch<unknown>(url, open.map((t) => ({ method: 'eth_getTransactionByHash', params: [t.hash] })), { chunk: 1000 })
      const missing = open.filter((_, i) => !(pooled[i]!.ok && pooled[i]!.result))
      // an L1 transaction the killed L1's pool held is the L1's loss, not a broken promise of Plexus (see TrackedTx.l1Killed)
      const withL1 = missing.filter((t) => t.l1Killed !== undefined)
      for (const t of withL1) t.broken = `lost with the L1's pool in trial ${t.l1Killed}`
      lostWithL1 += withL1.length
      const gone = missing.filter((t) => t.l1Killed === undefined)
      for (const t of gone) t.broken = `trial ${ctx.trial}`
      if (gone.length > 0) {
        vanished += gone.length
        const kinds = [...groupBy(gone, (t) => t.kind)].map(([k, l]) => `${l.length} ${k}`).join(', ')
        const where = chainId === ctx.l1ChainId ? `the L1 (${chainId})` : `chain ${chainId}`
        fail(`${gone.length} accepted transaction(s) on ${where} neither included nor pending (${kinds})`, [
          ...gone.slice(0, 4).map((t) => `${t.kind} ${t.hash} from ${t.from} nonce ${t.nonce}, accepted in trial ${t.trial}`),
          ...ctx.net.problems(ctx.logMark, 3),
        ])
      }
    }
    return { checked: `${waiting.length} unconfirmed txs`, measured: { txsVanished: vanished, l1PoolLost: lostWithL1 } }
  },
}
