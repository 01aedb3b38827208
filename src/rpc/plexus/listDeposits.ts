import { parseAddress, parseHash, toData } from '../../primitives/hex.js'
import { listDeposits as readDeposits } from '../../settlement/bridgeTransfers.js'
import type { RpcApi } from '../api.js'
import { formatDeposit, transfersOf } from './bridgeTransfers.js'
import { parseLimit, parseQueryObject } from './listQuery.js'

/**
 * plexus_listDeposits({ address?, l1TxHash?, limit? }): deposits from L1 to this chain,
 * newest first — all, those from or to `address`, or those of one L1 transaction — each
 * `pending` (on L1) or `included` (with its L2 transaction and whether its call succeeded).
 */
export async function listDeposits(api: RpcApi, params: unknown[]): Promise<Record<string, unknown>[]> {
  const ctx = transfersOf(api, 'plexus_listDeposits')
  const query = parseQueryObject(params[0], ['address', 'l1TxHash', 'limit'])
  const deposits = await readDeposits(ctx, {
    limit: parseLimit(query.limit),
    ...(query.address != null ? { address: toData(parseAddress(query.address, 'address')) } : {}),
    ...(query.l1TxHash != null ? { l1TxHash: toData(parseHash(query.l1TxHash, 'l1TxHash')) } : {}),
  })
  return deposits.map(formatDeposit)
}
