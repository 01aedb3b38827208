import { parseAddress, toQuantity, type Hex } from '../../primitives/hex.js'
import type { RpcApi } from '../api.js'
import { headerForState } from '../blockTag.js'

export async function getBalance(api: RpcApi, [address, block]: unknown[]): Promise<Hex> {
  const addr = parseAddress(address)
  const header = headerForState(api, block)
  return toQuantity((await api.chain.accountAt(header.stateRoot, addr))?.balance ?? 0n)
}
