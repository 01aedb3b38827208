import { toQuantity, type Hex } from '../../primitives/hex.js'
import type { RpcApi } from '../api.js'
import { suggestedTip } from './maxPriorityFeePerGas.js'

/** Next block's base fee plus the suggested tip (geth's legacy gas price oracle answer). */
export function gasPrice(api: RpcApi): Hex {
  return toQuantity(api.chain.nextBaseFee() + suggestedTip(api))
}
