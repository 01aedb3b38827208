import { toQuantity, type Hex } from '../../primitives/hex.js'
import type { RpcApi } from '../api.js'

export function chainId(api: RpcApi): Hex {
  return toQuantity(api.chain.chainId)
}
