import { rpcBatch } from '../../helpers/jsonRpc.js'
import type { Invariant } from '../context.js'
import { settle } from './settle.js'

type Deposits = { status: string; l2TxHash: string }[]

/**
 * Every L1 deposit whose L1 receipt was returned arrives on its L2 (`plexus_listDeposits`
 * by L1 transaction shows it included). A deposit whose L1 transaction was itself lost
 * (an L1 that came back shorter) is not counted here: the receipt invariant reports it.
 */
export const depositsArrive: Invariant = {
  name: 'deposits arrive',
  promise: 'every L1 deposit with an L1 receipt is included on its L2',
  scope: 'after-fault',
  async check(ctx, fail) {
    const timeoutMs = ctx.options.timeouts.delivery
    const still = await settle(ctx, {
      open: () => [...ctx.ledger.deposits.values()].filter((d) => !d.arrived && !d.broken && !ctx.ledger.tx(ctx.l1ChainId, d.l1TxHash)?.broken),
      chainOf: (d) => d.chainId,
      timeoutMs,
      read: async (url, mine) => {
        const answers = await rpcBatch<Deposits>(url, mine.map((d) => ({ method: 'plexus_listDeposits', params: [{ l1TxHash: d.l1TxHash }] })), { chunk: 500 })
        answers.forEach((a, i) => {
          if (a.ok && a.result.some((d) => d.status === 'included')) mine[i]!.arrived = true
        })
      },
    })
    if (still.length > 0) {
      for (const d of still) d.broken = `trial ${ctx.trial}`
      fail(`${still.length} deposit(s) not included on L2 ${Math.round(timeoutMs / 1000)} s after the check began`, [
        ...still.slice(0, 4).map((d) => `L1 tx ${d.l1TxHash} to ${d.chainId}, sent in trial ${d.trial}`),
        ...ctx.net.problems(ctx.logMark, 3),
      ])
    }
    return { checked: `${ctx.ledger.deposits.size} deposits` }
  },
}
