import type { Chain } from '../execution/chain.js'
import { toPooledTx } from '../execution/decodeTx.js'
import { isDepositTransaction } from '../execution/depositTx.js'
import type { Logger } from '../primitives/logger.js'
import type { TxPool } from './txpool/index.js'

/**
 * Rewinds a sequenced chain to block `target` after an L1 reorg removed the origin of
 * the blocks above it: their transactions go back to the pool (their deposits are
 * derived again from the new L1 chain).
 */
export async function rewindChain(chain: Chain, pool: TxPool, target: bigint, logger: Logger): Promise<void> {
  const from = chain.headHeader().number
  const removed = await chain.rewindTo(target)
  const returned = removed.flatMap((block) => block.transactions.filter((tx) => !isDepositTransaction(tx)).map((tx) => toPooledTx(tx, tx.serialize())))
  await pool.onRewind(returned)
  logger.warn({ from: from.toString(), to: target.toString(), returnedTxs: returned.length }, 'L1 reorg removed the origin of recent blocks; rewound')
}
