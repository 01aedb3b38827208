import { toQuantity, type Hex } from '../../primitives/hex.js'
import type { RpcApi } from '../api.js'

export function blockNumber(api: RpcApi): Hex {
  return toQuantity(api.chain.headHeader().number)
}
