import type { DevApi } from '../dev/api.js'
import { parseUint } from '../params.js'

/**
 * anvil_setNextBlockBaseFeePerGas / hardhat_setNextBlockBaseFeePerGas(baseFee): the chain's
 * next block has exactly this base fee, later blocks follow EIP-1559 from it. It is a
 * base-fee dev transaction, first in that block, so replicas derive the same header from
 * the batch; answers null once the block is committed (its base fee is then the latest's).
 */
export async function setNextBlockBaseFeePerGas(dev: DevApi, [fee]: unknown[]): Promise<null> {
  await dev.applyDevTx({ kind: 'baseFee', baseFeePerGas: parseUint(fee, 'baseFeePerGas', 256) })
  return null
}
