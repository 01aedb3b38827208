import { parseAddress, toData, type Hex } from '../../primitives/hex.js'
import type { RpcApi } from '../api.js'
import { headerForState } from '../blockTag.js'

export async function getCode(api: RpcApi, [address, block]: unknown[]): Promise<Hex> {
  const addr = parseAddress(address)
  return toData(await api.chain.codeAt(headerForState(api, block).stateRoot, addr))
}
