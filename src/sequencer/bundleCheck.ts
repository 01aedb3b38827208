import type { ChainReader } from '../execution/chainReader.js'
import type { PooledTx } from '../execution/pooledTx.js'
import { hexToBytes } from '../primitives/hex.js'
import { InvalidBundleError } from './bundles.js'
import { bundleGasBudget } from './slotBuilder.js'
import type { TxPoolOptions } from './txpool/options.js'
import { validateTxBasics } from './txpool/validation.js'

/** What checking a bundle's transactions on one chain needs. */
export interface BundleChainContext {
  chain: Pick<ChainReader, 'common' | 'headHeader' | 'accountAt'>
  txpool: TxPoolOptions
  /** Gas limit of the chain's next block. */
  gasLimit: bigint
  /** Most signed-transaction bytes its block may carry. */
  maxTxDataBytes: number
}

/**
 * Checks a bundle when it arrives, so that one that can never be included is refused at
 * once instead of costing an attempt every slot up to its deadline: each transaction
 * passes the pool's stateless checks (type, size, intrinsic gas, gas caps, chain id,
 * fee fields); a sender's transactions on a chain have consecutive nonces, the first not
 * below the sender's nonce at the head; and the bundle fits one block's bundle gas budget
 * and data share on every chain. Balances are not checked: a deposit earlier in the slot
 * may fund a bundle. Throws `InvalidBundleError` naming the transaction.
 */
export async function checkBundle(txs: readonly { chainId: bigint; ptx: PooledTx }[], contextOf: (chainId: bigint) => BundleChainContext): Promise<void> {
  const perChain = new Map<bigint, { gas: bigint; bytes: number }>()
  const nextNonce = new Map<string, bigint>()
  for (const [i, { chainId, ptx }] of txs.entries()) {
    const ctx = contextOf(chainId)
    try {
      // A fee cap under today's base fee may still be included later: the base fee moves.
      validateTxBasics(ptx, { chainId, common: ctx.chain.common, options: ctx.txpool, baseFee: 0n, blockGasLimit: ctx.gasLimit })
    } catch (err) {
      throw new InvalidBundleError(`txs[${i}] (${ptx.hash}): ${(err as Error).message}`)
    }
    const key = `${chainId}:${ptx.sender}`
    const expected = nextNonce.get(key)
    if (expected === undefined) {
      const headNonce = (await ctx.chain.accountAt(ctx.chain.headHeader().stateRoot, hexToBytes(ptx.sender)))?.nonce ?? 0n
      if (ptx.nonce < headNonce) throw new InvalidBundleError(`txs[${i}] (${ptx.hash}): nonce too low: ${ptx.sender} is at nonce ${headNonce} on chain ${chainId}, the transaction has ${ptx.nonce}`)
    } else if (ptx.nonce !== expected) {
      throw new InvalidBundleError(`txs[${i}] (${ptx.hash}): nonce ${ptx.nonce} does not follow the sender's previous transaction in the bundle on chain ${chainId} (nonce ${expected - 1n})`)
    }
    nextNonce.set(key, ptx.nonce + 1n)
    const sum = perChain.get(chainId) ?? { gas: 0n, bytes: 0 }
    perChain.set(chainId, { gas: sum.gas + ptx.gasLimit, bytes: sum.bytes + ptx.raw.length })
  }
  for (const [chainId, sum] of perChain) {
    const ctx = contextOf(chainId)
    const budget = bundleGasBudget(ctx.gasLimit)
    if (sum.gas > budget) throw new InvalidBundleError(`its transactions on chain ${chainId} ask for ${sum.gas} gas together; bundles may use at most ${budget} gas of a block`)
    if (sum.bytes > ctx.maxTxDataBytes) throw new InvalidBundleError(`its transactions on chain ${chainId} take ${sum.bytes} bytes together; a block of a slot carries at most ${ctx.maxTxDataBytes}`)
  }
}
