import type { RpcApi } from '../api.js'
import { findBlock, parseBlockRef } from '../blockTag.js'
import { formatBlockReceipts } from '../format.js'

export function getBlockReceipts(api: RpcApi, [block]: unknown[]): Record<string, unknown>[] | null {
  const found = findBlock(api.chain, parseBlockRef(block, api))
  if (!found) return null
  return formatBlockReceipts(found, api.chain.getReceipts(found.hash()) ?? [])
}
