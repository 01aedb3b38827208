import type { MessageStatus } from '../../interop/messageTracker.js'
import { parseAddress, parseQuantity, toData } from '../../primitives/hex.js'
import type { RpcApi } from '../api.js'
import { parseCount, parseEnum, parseLimit, parseQueryObject } from './listQuery.js'
import { formatMessage, networkOf } from './network.js'

const STATUSES: readonly MessageStatus[] = ['sent', 'relayed', 'failed']
const FIELDS = ['status', 'address', 'chainId', 'fromIndex', 'limit', 'order'] as const

/**
 * plexus_listMessages({ status?, address?, chainId?, fromIndex?, limit?, order? }): the
 * network's cross-chain messages, newest first by default. `index` orders them (the order
 * the network saw them sent); pass the returned `next` as `fromIndex` for the next page.
 */
export function listMessages(api: RpcApi, params: unknown[]): Record<string, unknown> {
  const network = networkOf(api, 'plexus_listMessages')
  const q = parseQueryObject(params[0], FIELDS)
  const status = parseEnum(q.status, 'status', STATUSES)
  const descending = parseEnum(q.order, 'order', ['asc', 'desc'] as const) !== 'asc'
  const limit = parseLimit(q.limit)
  const messages = network.listMessages({
    limit: limit + 1,
    descending,
    ...(status ? { status } : {}),
    ...(q.address != null ? { address: toData(parseAddress(q.address, 'address')) } : {}),
    ...(q.chainId != null ? { chainId: parseQuantity(q.chainId, 'chainId') } : {}),
    ...(q.fromIndex != null ? { fromIndex: parseCount(q.fromIndex, 'fromIndex') } : {}),
  })
  const more = messages.length > limit
  const page = more ? messages.slice(0, limit) : messages
  return {
    messages: page.map(formatMessage),
    total: network.messageCount(),
    next: more ? messages[limit]!.index : null,
  }
}
