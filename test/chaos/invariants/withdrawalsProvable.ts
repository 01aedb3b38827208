import { rpcBatch } from '../../helpers/jsonRpc.js'
import type { Invariant } from '../context.js'
import { settle } from './settle.js'

type Withdrawals = { stage: string }[]

/**
 * Every withdrawal the load started (its L2 transaction included) becomes provable on
 * L1: an output root covering it is proposed (`plexus_getWithdrawal` shows a stage past
 * `initiated`). This needs the safe head and the proposer to keep going through the run.
 */
export const withdrawalsProvable: Invariant = {
  name: 'withdrawals provable',
  promise: 'every withdrawal started on L2 is covered by an output root on L1',
  scope: 'final',
  async check(ctx, fail) {
    const timeoutMs = ctx.options.timeouts.safe
    const total = ctx.ledger.withdrawals.size
    const still = await settle(ctx, {
      open: () => [...ctx.ledger.withdrawals.values()].filter((w) => !w.broken && (w.stage === undefined || w.stage === 'initiated') && !ctx.ledger.tx(w.chainId, w.l2TxHash)?.broken),
      chainOf: (w) => w.chainId,
      timeoutMs,
      pollMs: 1000,
      read: async (url, mine) => {
        const answers = await rpcBatch<Withdrawals>(url, mine.map((w) => ({ method: 'plexus_getWithdrawal', params: [w.l2TxHash] })), { chunk: 200 })
        answers.forEach((a, i) => {
          if (a.ok && a.result[0]) mine[i]!.stage = a.result[0].stage
        })
      },
    })
    if (still.length > 0) {
      fail(`${still.length} of ${total} withdrawal(s) still not covered by an output root after ${Math.round(timeoutMs / 1000)} s`, [
        ...still.slice(0, 3).map((w) => `${w.chainId} ${w.l2TxHash} (trial ${w.trial}): ${w.stage ?? 'unknown'}`),
        ...ctx.net.problems(ctx.logMark, 3),
      ])
    }
    return { checked: `${total} withdrawals` }
  },
}
