import { toData, toQuantity } from '../../primitives/hex.js'
import type { RpcApi } from '../api.js'
import { suggestedTip } from '../eth/maxPriorityFeePerGas.js'

/** anvil_nodeInfo: anvil's shape (current block, hardfork, environment), from this chain. */
export function nodeInfo(api: RpcApi): Record<string, unknown> {
  const head = api.chain.headHeader()
  const baseFee = api.chain.nextBaseFee()
  return {
    currentBlockNumber: toQuantity(head.number),
    currentBlockTimestamp: Number(head.timestamp),
    currentBlockHash: toData(head.hash()),
    hardFork: api.chain.common.hardfork(),
    transactionOrder: 'fees',
    environment: {
      baseFee: toQuantity(baseFee),
      chainId: toQuantity(api.chain.chainId),
      gasLimit: toQuantity(head.gasLimit),
      gasPrice: toQuantity(baseFee + suggestedTip(api)),
    },
    forkConfig: {},
    network: 'plexus',
  }
}
