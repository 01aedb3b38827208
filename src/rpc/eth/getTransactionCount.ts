import { parseAddress, toData, toQuantity, type Hex } from '../../primitives/hex.js'
import type { RpcApi } from '../api.js'
import { headerForState } from '../blockTag.js'

/** With `pending`, counts the sender's executable pooled transactions too (as geth). */
export async function getTransactionCount(api: RpcApi, [address, block]: unknown[]): Promise<Hex> {
  const addr = parseAddress(address)
  if (block === 'pending') return toQuantity(await api.pool.pendingNonce(toData(addr)))
  const header = headerForState(api, block)
  return toQuantity((await api.chain.accountAt(header.stateRoot, addr))?.nonce ?? 0n)
}
