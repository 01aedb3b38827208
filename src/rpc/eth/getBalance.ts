import { parseAddress, toQuantity, type Hex } from '../../primitives/hex.js'
import type { RpcApi } from '../api.js'
import { headerForState } from '../blockTag.js'
import { accountAt } from '../state.js'

export async function getBalance(api: RpcApi, [address, block]: unknown[]): Promise<Hex> {
  const addr = parseAddress(address)
  const header = headerForState(api, block)
  return toQuantity((await accountAt(api.chain, header, addr))?.balance ?? 0n)
}
