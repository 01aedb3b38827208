import { createFeeMarket1559Tx, type AccessList, type AccessListBytes } from '@ethereumjs/tx'
import { Chain } from '../../src/execution/chain.js'
import { toPooledTx } from '../../src/execution/decodeTx.js'
import { devAccounts, type GethAllocAccount, type GethGenesis } from '../../src/execution/genesis.js'
import type { TxSource } from '../../src/execution/openBlock.js'
import type { PooledTx } from '../../src/execution/pooledTx.js'
import { rollupGenesis } from '../../src/execution/rollupGenesis.js'
import { hexToBytes, toData, type Hex } from '../../src/primitives/hex.js'
import { silentLogger } from '../../src/primitives/logger.js'
import { ChainStore } from '../../src/storage/chainStore.js'
import type { SealedBlock } from '../../src/execution/openBlock.js'
import { PayloadBuilder } from '../../src/sequencer/payloadBuilder.js'
import { buildSlot, type SlotBundle, type SlotResult, type SlotRules } from '../../src/sequencer/slotBuilder.js'
import { openDatabase } from '../../src/storage/database.js'

/** The store under each chain opened here: `Chain` keeps its store private. */
const storeOf = new WeakMap<Chain, ChainStore>()

/**
 * Rollup chains opened on their own stores in `dirs` (one per id; the same dirs reopen
 * the same chains), no L1: what the sequencer's and interop's unit tests build slots on.
 */
/** The genesis of test chain `id` that `openMemoryChains` opens (and an executor worker of the same chain, in tests). */
export function memoryGenesis(id: bigint, alloc?: Record<string, GethAllocAccount>): GethGenesis {
  return rollupGenesis({ chainId: Number(id), gasLimit: 30_000_000n, l1Portal: '0x0000000000000000000000000000000000000001', timestamp: 1_000n, ...(alloc ? { alloc } : {}) })
}

export async function openMemoryChains(ids: readonly bigint[], dirs: readonly { dir: string }[], alloc?: Record<string, GethAllocAccount>): Promise<Map<bigint, Chain>> {
  const chains = new Map<bigint, Chain>()
  for (const [i, id] of ids.entries()) {
    const genesis = memoryGenesis(id, alloc)
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

/**
 * A signed EIP-1559 transaction on `chain` (any reader of it: only its id and rules are
 * used) from dev account `from` (default 0); without `to`, a contract creation.
 */
export function signedTx(
  chain: Pick<Chain, 'chainId' | 'common'>,
  nonce: number,
  fields: { to?: Hex; data?: Hex; value?: bigint; gasLimit?: bigint; from?: number; accessList?: AccessListBytes | AccessList },
): PooledTx {
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
      accessList: fields.accessList ?? [],
    },
    { common: chain.common },
  ).sign(hexToBytes(key))
  return toPooledTx(tx, tx.serialize())
}

/** A pool that offers `txs()` to every block and ignores what blocks did with them (the payload builder's tests). */
export function fixedPool(txs: () => readonly PooledTx[]): { selectForBlock(): TxSource; remove(): void; onNewHead(): Promise<void>; onRewind(): Promise<void> } {
  return { selectForBlock: () => txSource(txs()), remove: () => undefined, onNewHead: async () => undefined, onRewind: async () => undefined }
}

/** One chain's part of a slot built in memory: its pool (a list, or a source), and its attributes. */
export interface MemorySlotChain {
  chainId: bigint
  txs?: readonly PooledTx[] | TxSource
  depositsOnly?: boolean
  maxTxDataBytes?: number
}

/** A slot built on memory chains by local executors: each block with its sealed write, to commit or abort. */
export type MemorySlot = Omit<SlotResult, 'blocks'> & {
  blocks: (SlotResult['blocks'][number] & { sealed: SealedBlock })[]
  commit(): Promise<void>
  abort(): Promise<void>
}

/**
 * Builds a slot on `chains` with `buildSlot`, each chain's block by a `PayloadBuilder` in
 * this thread whose pool offers the given transactions (what the sequencer and interop
 * unit tests drive); nothing is committed until `commit`.
 */
export async function buildMemorySlot(
  chains: ReadonlyMap<bigint, Chain>,
  rules: SlotRules,
  input: { slot: bigint; timestamp: bigint; chains: readonly MemorySlotChain[]; bundles?: readonly SlotBundle[]; relayer?: Hex },
): Promise<MemorySlot> {
  const executors = new Map(
    input.chains.map((c) => {
      const chain = chains.get(c.chainId)!
      const txs = c.txs ?? []
      const pool = { selectForBlock: () => ('next' in txs ? txs : txSource(txs)), remove: () => undefined, onNewHead: async () => undefined, onRewind: async () => undefined }
      return [c.chainId, new PayloadBuilder({ chainId: c.chainId, chain, pool, relayer: input.relayer ?? '0x0000000000000000000000000000000000000000', checkTx: (block, sealed) => rules.checkTx(c.chainId, block, sealed) })] as const
    }),
  )
  const res = await buildSlot(
    {
      slot: input.slot,
      timestamp: input.timestamp,
      chains: input.chains.map((c) => ({
        chainId: c.chainId,
        executor: executors.get(c.chainId)!,
        attrs: { coinbase: new Uint8Array(20), ...(c.depositsOnly ? { depositsOnly: true } : {}), ...(c.maxTxDataBytes !== undefined ? { maxTxDataBytes: c.maxTxDataBytes } : {}) },
      })),
      bundles: input.bundles ?? [],
    },
    rules,
  )
  return {
    ...res,
    blocks: res.blocks.map((b) => ({ ...b, sealed: (b.payload as unknown as { sealed: SealedBlock }).sealed })),
    commit: async () => {
      for (const b of res.blocks) await executors.get(b.chainId)!.commitPayload(toData(b.payload.block.hash()))
    },
    abort: async () => {
      for (const e of executors.values()) await e.abort()
    },
  }
}
