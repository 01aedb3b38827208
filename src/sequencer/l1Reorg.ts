import type { Chain } from '../execution/chain.js'
import { toPooledTx } from '../execution/decodeTx.js'
import { isDepositTransaction } from '../execution/depositTx.js'
import { isDevTransaction } from '../execution/devTx.js'
import type { PooledTx } from '../execution/pooledTx.js'

/**
 * Rewinds a sequenced chain to block `target` (an L1 reorg removed the origin of the
 * blocks above it, or a dev network reverts to a snapshot). Returns their signed
 * transactions, oldest first, for the caller to put back where they came from (the pool,
 * or a bundle); their deposits are derived again from the new L1 chain. Dev transactions
 * are not returned: the dev method that made one has answered, and a pool never takes
 * them (a dev change undone by a reorg is lost). The coordinator logs the rewind: it sees
 * every chain's, whichever thread or process rewinds it.
 */
export async function rewindForReorg(chain: Chain, target: bigint): Promise<PooledTx[]> {
  const removed = await chain.rewindTo(target)
  return removed.flatMap((block) => block.transactions.filter((tx) => !isDepositTransaction(tx) && !isDevTransaction(tx)).map((tx) => toPooledTx(tx, tx.serialize())))
}
