import type { Chain } from '../../execution/chain.js'
import { hexToBytes } from '../../primitives/hex.js'
import type { TxPoolOptions } from './options.js'
import { TxPool, type TxPoolDeps } from './txPool.js'

/**
 * A pool for `chain`'s transactions: nonces and balances from its head state, the next
 * block's base fee and gas limit (`gasLimit`, or the head's).
 */
export function chainPool(chain: Chain, deps: { gasLimit?: bigint; logger?: TxPoolDeps['logger']; journal?: TxPoolDeps['journal'] } = {}, options?: Partial<TxPoolOptions>): TxPool {
  return new TxPool(
    {
      chainId: chain.chainId,
      common: chain.common,
      state: {
        getNonce: async (sender) => (await chain.headAccount(hexToBytes(sender)))?.nonce ?? 0n,
        getBalance: async (sender) => (await chain.headAccount(hexToBytes(sender)))?.balance ?? 0n,
      },
      head: () => ({ baseFee: chain.nextBaseFee(), gasLimit: deps.gasLimit ?? chain.headHeader().gasLimit }),
      ...(deps.logger ? { logger: deps.logger } : {}),
      ...(deps.journal ? { journal: deps.journal } : {}),
    },
    options,
  )
}
