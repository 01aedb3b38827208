import { MAX_BUNDLE_TXS } from '../../sequencer/bundles.js'
import { InvalidParamsError } from '../../primitives/errors.js'
import { parseData, parseQuantity } from '../../primitives/hex.js'
import type { RpcApi } from '../api.js'
import { networkOf } from './network.js'

/**
 * plexus_sendBundle({ txs: [{ chainId, tx }], deadlineSlot? }): signed transactions for
 * several chains, included in one slot all together (every one succeeding) or not at all.
 */
export async function sendBundle(api: RpcApi, params: unknown[]): Promise<{ bundleId: string }> {
  const network = networkOf(api, 'plexus_sendBundle')
  const req = params[0]
  if (typeof req !== 'object' || req === null || !Array.isArray((req as { txs?: unknown }).txs)) {
    throw new InvalidParamsError('bundle must be an object { txs: [{ chainId, tx }], deadlineSlot? }')
  }
  const { txs, deadlineSlot } = req as { txs: unknown[]; deadlineSlot?: unknown }
  // Before decoding anything: each transaction costs a signature recovery.
  if (txs.length > MAX_BUNDLE_TXS) throw new InvalidParamsError(`a bundle holds at most ${MAX_BUNDLE_TXS} transactions, not ${txs.length}`)
  const parsed = txs.map((t, i) => {
    if (typeof t !== 'object' || t === null) throw new InvalidParamsError(`txs[${i}] must be an object { chainId, tx }`)
    const { chainId, tx } = t as { chainId?: unknown; tx?: unknown }
    return { chainId: parseQuantity(chainId, `txs[${i}].chainId`), raw: parseData(tx, `txs[${i}].tx`) }
  })
  const deadline = deadlineSlot === undefined || deadlineSlot === null ? undefined : parseQuantity(deadlineSlot, 'deadlineSlot')
  return { bundleId: await network.sendBundle(parsed, deadline) }
}
