import { parseHash, toData } from '../../primitives/hex.js'
import { withdrawalsOfTx } from '../../settlement/bridgeTransfers.js'
import type { RpcApi } from '../api.js'
import { formatWithdrawal, transfersOf } from './bridgeTransfers.js'

/**
 * plexus_getWithdrawal(l2TxHash): the withdrawals a transaction started (usually one),
 * each with its stage and, once an output root covers it, `proof`: the arguments
 * Portal.proveWithdrawal takes besides the chain id and the withdrawal. [] if the
 * transaction is unknown or started none.
 */
export async function getWithdrawal(api: RpcApi, params: unknown[]): Promise<Record<string, unknown>[]> {
  const ctx = transfersOf(api, 'plexus_getWithdrawal')
  const records = await withdrawalsOfTx(ctx, toData(parseHash(params[0], 'l2TxHash')))
  return records.map(formatWithdrawal)
}
