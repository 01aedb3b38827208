import { createFeeMarket1559Tx } from '@ethereumjs/tx'
import { Chain } from '../../src/execution/chain.js'
import { toPooledTx } from '../../src/execution/decodeTx.js'
import { devAccounts, type GethAllocAccount } from '../../src/execution/genesis.js'
import type { TxSource } from '../../src/execution/openBlock.js'
import type { PooledTx } from '../../src/execution/pooledTx.js'
import { rollupGenesis } from '../../src/execution/rollupGenesis.js'
import { hexToBytes, type Hex } from '../../src/primitives/hex.js'
import { silentLogger } from '../../src/primitives/logger.js'
import { ChainStore } from '../../src/storage/chainStore.js'
import { openDatabase } from '../../src/storage/database.js'

/** The store under each chain opened here: `Chain` keeps its store private. */
const storeOf = new WeakMap<Chain, ChainStore>()

/**
 * Rollup chains opened on their own stores in `dirs` (one per id; the same dirs reopen
 * the same chains), no L1: what the sequencer's and interop's unit tests build slots on.
 */
export async function openMemoryChains(ids: readonly bigint[], dirs: readonly { dir: string }[], alloc?: Record<string, GethAllocAccount>): Promise<Map<bigint, Chain>> {
  const chains = new Map<bigint, Chain>()
  for (const [i, id] of ids.entries()) {
    const genesis = rollupGenesis({ chainId: Number(id), gasLimit: 30_000_000n, l1Portal: '0x0000000000000000000000000000000000000001', timestamp: 1_000n, alloc })
    const store = new ChainStore(openDatabase(dirs[i]!.dir))
    const chain = await Chain.open(store, genesis, silentLogger())
    storeOf.set(chain, store)
    chains.set(id, chain)
  }
  return chains
}

/** Closes the stores of chains `openMemoryChains` opened (before opening the same dirs again). */
export async function closeMemoryChains(chains: Iterable<Chain>): Promise<void> {
  for (const chain of chains) await storeOf.get(chain)?.close()
}

/** A pool selection offering `txs` in order. */
export function txSource(txs: readonly PooledTx[]): TxSource {
  let i = 0
  return { next: () => (i < txs.length ? { done: false, value: txs[i++]! } : { done: true, value: undefined }), skipSender: () => undefined }
}

/** A signed EIP-1559 transaction on `chain` from dev account `from` (default 0). */
export function signedTx(chain: Chain, nonce: number, fields: { to: Hex; data?: Hex; value?: bigint; gasLimit?: bigint; from?: number }): PooledTx {
  const key = devAccounts(10)[fields.from ?? 0]!.privateKey
  const tx = createFeeMarket1559Tx(
    {
      chainId: chain.chainId,
      nonce,
      to: fields.to,
      value: fields.value ?? 0n,
      data: fields.data ? hexToBytes(fields.data) : undefined,
      gasLimit: fields.gasLimit ?? 21_000n,
      maxFeePerGas: 10n ** 10n,
      maxPriorityFeePerGas: 1n,
    },
    { common: chain.common },
  ).sign(hexToBytes(key))
  return toPooledTx(tx, tx.serialize())
}
