import type { Block, BlockHeader } from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import type { Proof } from '@ethereumjs/common'
import type { Account } from '@ethereumjs/util'
import type { VM } from '@ethereumjs/vm'
import type { TxLocation } from '../storage/chainStore.js'
import type { StoredReceipt } from './receipts.js'

export type { TxLocation }

/** Called once per committed block, with its receipts, in block order. */
export type BlockListener = (block: Block, receipts: StoredReceipt[]) => void

/** Called after the head moved back: the new head and the blocks removed, oldest first. */
export type RewindListener = (head: BlockHeader, removed: Block[]) => void

/**
 * The read-only view of one committed chain: everything the RPC methods, settlement
 * (batcher, proposers, audit, bridge reads, the L1 side) and the interop message tracker
 * read of a chain. Readers take this, never `Chain`, so that a chain whose execution and
 * storage run elsewhere (an executor in a worker thread or another process) can be read
 * through a remote implementation of the same interface.
 *
 * Two kinds of method, by how a remote implementation would answer them:
 * - Block data (head, blocks, headers, receipts, the canonical and transaction indexes,
 *   the log index) is synchronous: it only ever grows at the head, every block is
 *   announced through `onBlock`/`onRewind`, and the readers that walk it (block tags,
 *   eth_getLogs and filters, the batcher's backlog, the tracker's catch-up, the
 *   super-root binary search) are synchronous today. A remote reader keeps it current
 *   from those announcements.
 * - State at a state root (accounts, storage, code, proofs, the total balance) is
 *   asynchronous: it is large, only the executor holds it, and a remote reader asks
 *   for it.
 *
 * Everything returned is committed data; nothing here writes. State is asked at the
 * root of a committed header (callers resolve the block first): an unknown root reads
 * as an empty state, it is not refused.
 */
export interface ChainReader {
  readonly chainId: bigint
  /** The chain's ethereumjs configuration (hardforks, EIPs) for decoding and formatting. */
  readonly common: Common

  // ---- the head and its events ------------------------------------------------------

  /** The newest committed block's header. */
  headHeader(): BlockHeader
  /** Base fee of the block after the head. */
  nextBaseFee(): bigint
  /** Base fee of the block after `header`, under the chain's EIP-1559 parameters (0 before London). */
  baseFeeAfter(header: BlockHeader): bigint
  /** Subscribes to newly committed blocks; returns what unsubscribes. */
  onBlock(listener: BlockListener): () => void
  /** Subscribes to rewinds (the head moved back); returns what unsubscribes. */
  onRewind(listener: RewindListener): () => void

  // ---- blocks and their indexes (synchronous) ---------------------------------------

  /** Hash of canonical block `number`, if the chain has one. */
  canonicalHash(number: bigint): Uint8Array | undefined
  getBlockByNumber(number: bigint): Block | undefined
  getBlockByHash(hash: Uint8Array): Block | undefined
  getHeaderByHash(hash: Uint8Array): BlockHeader | undefined
  /** Receipts of the block with `blockHash`, in transaction order. */
  getReceipts(blockHash: Uint8Array): StoredReceipt[] | undefined
  /** Block and position of a committed transaction. */
  txLocation(txHash: Uint8Array): TxLocation | undefined
  /**
   * Canonical blocks in [from, to] whose logs mention `key` (an emitting address or a
   * topic), ascending: the log index eth_getLogs and the bridge reads narrow by.
   */
  blocksMentioning(key: Uint8Array, from: bigint, to: bigint): Iterable<bigint>

  // ---- state at a committed state root (asynchronous) --------------------------------

  accountAt(stateRoot: Uint8Array, address: Uint8Array): Promise<Account | undefined>
  /** A storage slot's value (minimal bytes; empty when unset). */
  storageAt(stateRoot: Uint8Array, address: Uint8Array, slot: Uint8Array): Promise<Uint8Array>
  /** An account's code (empty for none). */
  codeAt(stateRoot: Uint8Array, address: Uint8Array): Promise<Uint8Array>
  /** EIP-1186 account and storage proofs. */
  proofAt(stateRoot: Uint8Array, address: Uint8Array, slots: readonly Uint8Array[]): Promise<Proof>
  /** Sum of every account's balance (a walk of the whole account trie: the money audit). */
  totalBalanceAt(stateRoot: Uint8Array): Promise<bigint>
}

/**
 * What runs calls against committed state (eth_call, eth_estimateGas, tracing): a VM
 * private to one call. Kept apart from `ChainReader` because it hands out an executing
 * VM, not data: only readers that sit with the chain's execution (its RPC) use it; a
 * remote reader would forward the whole call instead.
 */
export interface ChainCaller {
  /** A VM over a read-only copy of the state at `stateRoot`. */
  vmAt(stateRoot: Uint8Array): Promise<VM>
}
