import type { Block } from '@ethereumjs/block'
import type { Hex } from '../../primitives/hex.js'
import type { StoredReceipt } from '../../execution/receipts.js'
import type { RpcApi } from '../api.js'
import { UnsupportedSubscriptionError } from '../errors.js'
import { formatHeader, formatPendingTransaction } from '../format.js'
import { blockLogs, parseLogCriteria } from '../logs.js'
import { parseSubscriptionName } from '../subscriptions.js'
import { networkOf } from '../plexus/network.js'
import type { RpcContext } from '../types.js'

/** eth_subscribe: newHeads, logs (with a filter), newPendingTransactions (hashes, or full txs with `true`), plexus_chains (the network's registry whenever a chain joins). */
export function subscribe(api: RpcApi, params: unknown[], ctx: RpcContext): Hex {
  const kind = parseSubscriptionName(params)
  switch (kind) {
    case 'newHeads':
      return api.subscriptions.add(ctx, (emit) => api.chain.onBlock((block: Block) => emit(formatHeader(block.header))))
    case 'logs': {
      const criteria = parseLogCriteria(params[1])
      return api.subscriptions.add(ctx, (emit) =>
        api.chain.onBlock((block: Block, receipts: StoredReceipt[]) => {
          for (const log of blockLogs(block, receipts, criteria)) emit(log)
        }),
      )
    }
    case 'newPendingTransactions': {
      const full = params[1] === true
      return api.subscriptions.add(ctx, (emit) =>
        api.pool.onPending((ptx) => emit(full ? formatPendingTransaction(ptx) : ptx.hash)),
      )
    }
    case 'plexus_chains': {
      // The network's registry, pushed again whenever a chain joins.
      const network = networkOf(api, 'eth_subscribe("plexus_chains")')
      return api.subscriptions.add(ctx, (emit) => network.onChainsChanged(() => emit(network.chainRegistry())))
    }
    default:
      throw new UnsupportedSubscriptionError('eth', kind)
  }
}
