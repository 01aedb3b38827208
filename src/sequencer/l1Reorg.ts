import type { Chain } from '../execution/chain.js'
import { toPooledTx } from '../execution/decodeTx.js'
import { isDepositTransaction } from '../execution/depositTx.js'
import { isDevTransaction } from '../execution/devTx.js'
import type { PooledTx } from '../execution/pooledTx.js'
import type { Logger } from '../primitives/logger.js'

/**
 * Rewinds a sequenced chain to block `target` after an L1 reorg removed the origin of
 * the blocks above it. Returns their signed transactions, oldest first, for the caller to
 * put back where they came from (the pool, or a bundle); their deposits are derived again
 * from the new L1 chain. Dev transactions are not returned: the dev method that made one
 * has answered, and a pool never takes them (a dev change undone by a reorg is lost).
 */
export async function rewindForReorg(chain: Chain, target: bigint, logger: Logger, why = 'L1 reorg removed the origin of recent blocks; rewound'): Promise<PooledTx[]> {
  const from = chain.headHeader().number
  const removed = await chain.rewindTo(target)
  const returned = removed.flatMap((block) => block.transactions.filter((tx) => !isDepositTransaction(tx) && !isDevTransaction(tx)).map((tx) => toPooledTx(tx, tx.serialize())))
  logger.warn({ from: from.toString(), to: target.toString(), returnedTxs: returned.length }, why)
  return returned
}
