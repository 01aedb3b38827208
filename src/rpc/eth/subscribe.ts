import type { Block } from '@ethereumjs/block'
import type { Hex } from '../../primitives/hex.js'
import type { StoredReceipt } from '../../execution/receipts.js'
import type { RpcApi } from '../api.js'
import { UnsupportedSubscriptionError } from '../errors.js'
import { formatHeader, formatPendingTransaction } from '../format.js'
import { blockLogs, parseLogCriteria } from '../logs.js'
import { localNetworkFeeds } from '../networkFeeds.js'
import { networkOf } from '../plexus/network.js'
import { parseSubscriptionName } from '../subscriptions.js'
import type { RpcContext } from '../types.js'

/**
 * eth_subscribe: newHeads, logs (with a filter), newPendingTransactions (hashes, or full
 * txs with `true`), and on a network plexus_chains (the registry whenever a chain joins)
 * and plexus_messages (a message each time one is sent, relayed, fails or is retried).
 */
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
    case 'plexus_messages':
    case 'plexus_chains': {
      // from the network in this process, or from the coordinator of a chain that runs in an executor
      const feeds = api.networkFeeds ?? localNetworkFeeds(networkOf(api, `eth_subscribe("${kind}")`))
      return api.subscriptions.add(ctx, (emit) => feeds.on(kind, emit))
    }
    default:
      throw new UnsupportedSubscriptionError('eth', kind)
  }
}
