import { parseAddress, toData } from '../../primitives/hex.js'
import { listWithdrawals as readWithdrawals } from '../../settlement/bridgeTransfers.js'
import type { RpcApi } from '../api.js'
import { formatWithdrawal, transfersOf } from './bridgeTransfers.js'
import { parseLimit, parseQueryObject } from './listQuery.js'

/**
 * plexus_listWithdrawals({ address?, limit? }): withdrawals from this chain to L1, newest
 * first — all, or those whose sender or target is `address` — each with its stage
 * (initiated, ready-to-prove, proven, finalizable, finalized) and when it can be finalized.
 */
export async function listWithdrawals(api: RpcApi, params: unknown[]): Promise<Record<string, unknown>[]> {
  const ctx = transfersOf(api, 'plexus_listWithdrawals')
  const query = parseQueryObject(params[0], ['address', 'limit'])
  const withdrawals = await readWithdrawals(ctx, {
    limit: parseLimit(query.limit),
    ...(query.address != null ? { address: toData(parseAddress(query.address, 'address')) } : {}),
  })
  return withdrawals.map(formatWithdrawal)
}
