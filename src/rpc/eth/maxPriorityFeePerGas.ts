import { toQuantity, type Hex } from '../../primitives/hex.js'
import type { RpcApi } from '../api.js'
import { effectiveTip } from '../format.js'
import { txsOf } from '../../execution/executeTx.js'
import { isDepositTransaction } from '../../execution/depositTx.js'

/** Smallest tip a dev chain suggests (geth's oracle ignores tips below 2 wei; 1 gwei is its default). */
const MIN_SUGGESTED_TIP = 1_000_000n
const SAMPLE_BLOCKS = 20n

/**
 * geth's gas price oracle in short: the 60th percentile of the tips paid in recent
 * blocks; with empty blocks, a small floor so wallets still get a usable answer.
 */
export function suggestedTip(api: RpcApi): bigint {
  const head = api.chain.headHeader().number
  const tips: bigint[] = []
  for (let n = head; n >= 0n && n > head - SAMPLE_BLOCKS; n--) {
    const block = api.chain.getBlockByNumber(n)
    const baseFee = block?.header.baseFeePerGas ?? 0n
    for (const tx of block ? txsOf(block) : []) if (!isDepositTransaction(tx)) tips.push(effectiveTip(tx, baseFee))
  }
  if (tips.length === 0) return MIN_SUGGESTED_TIP
  tips.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  const tip = tips[Math.floor((tips.length - 1) * 0.6)]!
  return tip > MIN_SUGGESTED_TIP ? tip : MIN_SUGGESTED_TIP
}

export function maxPriorityFeePerGas(api: RpcApi): Hex {
  return toQuantity(suggestedTip(api))
}
