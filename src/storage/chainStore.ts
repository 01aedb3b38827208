import { TransactionFlags } from 'lmdb'
import type { ChainDatabase, Tables } from './database.js'
import {
  META_CHAIN_ID,
  META_FLAT_ROOT,
  META_GENESIS,
  META_HEAD,
  META_PREPARED,
  META_SCHEMA,
  SCHEMA_VERSION,
  buf,
  logIndexKey,
  readU64,
  storageKey,
  txLocation,
  u64,
} from './keys.js'
import { writeTrieNodes } from './trieNodeDB.js'
import { applyFlatDiff, applyFlatUndo, flatUndoOf, type FlatStateDiff } from './flatState.js'
import { decodeChangeSet, encodeChangeSet, type ChangeSet } from './changeset.js'
import { BaseError, CorruptionError } from '../primitives/errors.js'
import { TxJournal } from './txJournal.js'
import { decodeBlockWrite, encodeBlockWrite } from './blockWriteCodec.js'
import { RLP } from '@ethereumjs/rlp'
import { bytesToBigInt } from '../primitives/hex.js'

/**
 * Block commits are synchronous (visible and in the OS page cache when commitBlock
 * returns, so a process crash — kill -9 — loses nothing that was acknowledged) but do
 * not wait for the fsync: LMDB flushes in the background and keeps the previous
 * committed state intact until it has (overlapping sync), so an OS crash can lose only
 * the newest blocks, never consistency. The fsync was ~40 ms of main-thread time per block.
 */
const COMMIT_FLAGS = TransactionFlags.ABORTABLE | TransactionFlags.SYNCHRONOUS_COMMIT | TransactionFlags.NO_SYNC_FLUSH

/** Everything one block changes, already encoded: written in one LMDB transaction. */
export interface BlockWrite {
  hash: Uint8Array
  number: bigint
  parentHash: Uint8Array
  stateRoot: Uint8Array
  header: Uint8Array
  body: Uint8Array
  receipts: Uint8Array
  txHashes: readonly Uint8Array[]
  /** Distinct addresses and topics that appear in this block's logs (for eth_getLogs). */
  logKeys: readonly Uint8Array[]
  trieNodes: ReadonlyMap<string, Uint8Array | undefined>
  flat: FlatStateDiff
}

/** A block prepared for a slot (phase one of the slot's commit): durable, not canonical. */
export interface PreparedBlock {
  slot: bigint
  write: BlockWrite
}

export interface TxLocation {
  blockHash: Uint8Array
  index: number
}

/** A rewind named a block that is not on the canonical chain at or below the head. */
export class RewindTargetError extends BaseError {
  override name = 'RewindTargetError'
}

/**
 * A rewind would cross a block committed without a changeset (by a build from before
 * changesets were recorded). Nothing was changed; this datadir cannot follow a reorg
 * that deep and has to be re-synced.
 */
export class MissingChangeSetError extends BaseError {
  override name = 'MissingChangeSetError'
  constructor(
    readonly target: bigint,
    /** The lowest block the chain can still be rewound to. */
    readonly oldestTarget: bigint,
  ) {
    super(`cannot rewind to block ${target}: block ${oldestTarget} has no changeset`, {
      details: `it was committed before this node recorded changesets; the chain can be rewound to block ${oldestTarget} at the lowest`,
    })
  }
}

/**
 * Blocks, receipts, indices and head state of one chain. Reads are synchronous
 * (memory-mapped); every write (`commitBlock`, `rewindTo`, start-up repair) is one
 * atomic transaction.
 */
export class ChainStore {
  readonly tables: Tables
  /** The pool's journal in this environment (`commitBlock` removes what a block includes). */
  readonly txJournal: TxJournal

  constructor(readonly db: ChainDatabase) {
    this.tables = db.tables
    this.txJournal = new TxJournal(db.tables.txJournal)
  }

  // ---- meta ---------------------------------------------------------------------

  headHash(): Uint8Array | undefined {
    return this.tables.meta.getBinary(META_HEAD) ?? undefined
  }

  genesisHash(): Uint8Array | undefined {
    return this.tables.meta.getBinary(META_GENESIS) ?? undefined
  }

  /** The state root the flat tables reflect (they can fall behind only after a repair rewind). */
  flatRoot(): Uint8Array | undefined {
    return this.tables.meta.getBinary(META_FLAT_ROOT) ?? undefined
  }

  storedChainId(): bigint | undefined {
    const v = this.tables.meta.getBinary(META_CHAIN_ID)
    return v ? readU64(v) : undefined
  }

  checkSchema(): void {
    const v = this.tables.meta.getBinary(META_SCHEMA)
    if (v && readU64(v) !== BigInt(SCHEMA_VERSION)) {
      throw new CorruptionError(`datadir has storage schema ${readU64(v)}, this build reads ${SCHEMA_VERSION}`)
    }
  }

  /**
   * Makes this thread's next reads see the newest commit, by any thread or process.
   * lmdb-js keeps one read snapshot per thread and renews it only on a later event turn
   * (a timer) or after this thread's own writes, so a reader told of another thread's
   * commit calls this first. Reads in one synchronous step share one snapshot.
   */
  latestReads(): void {
    this.tables.meta.resetReadTxn()
  }

  // ---- blocks -------------------------------------------------------------------

  getHeaderRlp(hash: Uint8Array): Uint8Array | undefined {
    return this.tables.headers.getBinary(buf(hash)) ?? undefined
  }

  getBodyRlp(hash: Uint8Array): Uint8Array | undefined {
    return this.tables.bodies.getBinary(buf(hash)) ?? undefined
  }

  getReceiptsRlp(hash: Uint8Array): Uint8Array | undefined {
    return this.tables.receipts.getBinary(buf(hash)) ?? undefined
  }

  canonicalHash(number: bigint): Uint8Array | undefined {
    return this.tables.canonical.getBinary(u64(number)) ?? undefined
  }

  getTxLocation(txHash: Uint8Array): TxLocation | undefined {
    const v = this.tables.txIndex.getBinary(buf(txHash))
    if (!v) return undefined
    return { blockHash: Uint8Array.prototype.slice.call(v, 0, 32), index: v.readUInt32BE(32) }
  }

  /** Block numbers in [from, to] whose logs mention `key` (an address or a topic). */
  *blocksMentioning(key: Uint8Array, from: bigint, to: bigint): Generator<bigint> {
    const start = logIndexKey(key, from)
    const end = logIndexKey(key, to + 1n)
    for (const k of this.tables.logIndex.getKeys({ start, end })) {
      yield readU64(k as Buffer, key.length)
    }
  }

  // ---- head state (flat) --------------------------------------------------------

  getAccountRlp(address: Uint8Array): Uint8Array | undefined {
    return this.tables.accounts.getBinary(buf(address)) ?? undefined
  }

  getStorageValue(address: Uint8Array, slot: Uint8Array): Uint8Array | undefined {
    return this.tables.storage.getBinary(storageKey(address, slot)) ?? undefined
  }

  getTrieNode(key: Uint8Array): Uint8Array | undefined {
    return this.tables.trie.getBinary(buf(key)) ?? undefined
  }

  // ---- writes -------------------------------------------------------------------

  /**
   * Write genesis: the block, its state and the chain's identity, atomically. Genesis
   * has no changeset: there is nothing below it to rewind to.
   */
  commitGenesis(write: BlockWrite, chainId: bigint): void {
    this.tables.meta.transactionSync(() => {
      this.writeBlock(write)
      applyFlatDiff(this.tables, write.flat)
      this.tables.meta.putSync(META_GENESIS, buf(write.hash))
      this.tables.meta.putSync(META_CHAIN_ID, u64(chainId))
      this.tables.meta.putSync(META_SCHEMA, u64(SCHEMA_VERSION))
      this.tables.meta.putSync(META_HEAD, buf(write.hash))
      this.tables.meta.putSync(META_FLAT_ROOT, buf(write.stateRoot))
    })
  }

  /**
   * Write one block, everything it changed and its changeset, drop its transactions from
   * the pool's journal, then move the head to it: one transaction.
   */
  commitBlock(write: BlockWrite, flatTracksHead = true): void {
    const t = this.tables
    t.meta.transactionSync(() => {
      this.writeBlock(write)
      // Recorded even while the flat tables are stale: it inverts exactly what the diff
      // writes, whatever the rows held.
      const flat = flatUndoOf(t, write.flat)
      t.changesets.putSync(u64(write.number), buf(encodeChangeSet({ flat, txHashes: write.txHashes, logKeys: write.logKeys })))
      applyFlatDiff(t, write.flat)
      // The pool's journal forgets what this block includes, atomically with it: after a
      // crash an included transaction is never replayed, a pending one never lost.
      for (const txHash of write.txHashes) t.txJournal.removeSync(buf(txHash))
      t.meta.putSync(META_HEAD, buf(write.hash))
      // A prepared block is either this one (its commit) or built on the old head: stale
      // either way once the head moves, so it goes in the same transaction.
      t.meta.removeSync(META_PREPARED)
      // Once the flat tables fell behind (a repair rewind), a block's diff cannot bring
      // them back in line: leave the marker stale so readers keep using the trie.
      if (flatTracksHead) t.meta.putSync(META_FLAT_ROOT, buf(write.stateRoot))
    }, COMMIT_FLAGS)
  }

  private writeBlock(w: BlockWrite): void {
    const t = this.tables
    const hash = buf(w.hash)
    t.headers.putSync(hash, buf(w.header))
    t.bodies.putSync(hash, buf(w.body))
    t.receipts.putSync(hash, buf(w.receipts))
    t.canonical.putSync(u64(w.number), hash)
    w.txHashes.forEach((txHash, i) => t.txIndex.putSync(buf(txHash), txLocation(w.hash, i)))
    const empty = Buffer.alloc(0)
    for (const key of w.logKeys) t.logIndex.putSync(logIndexKey(key, w.number), empty)
    writeTrieNodes(t.trie, w.trieNodes)
  }

  /**
   * Unwind the canonical chain to block `number`, newest block first: each block's
   * changeset restores the flat rows it overwrote and names the tx and log index entries
   * it added; those, its canonical entry and its changeset are deleted. Headers, bodies
   * and receipts stay, reachable only by hash (orphans, like geth's side blocks). One
   * transaction: a crash leaves the old head or the new one. Throws, having changed
   * nothing, if `number` is not canonical or a block above it has no changeset.
   *
   * `stateRoot` is block `number`'s: it becomes the flat tables' root if they tracked the
   * head (`flatTracksHead`, as in `commitBlock`); otherwise the stale marker stays.
   */
  rewindTo(number: bigint, stateRoot: Uint8Array, flatTracksHead = true): void {
    const t = this.tables
    t.meta.transactionSync(() => {
      const target = this.canonicalHash(number)
      if (!target) throw new RewindTargetError(`cannot rewind to block ${number}: it is not a canonical block of this chain`)
      const removed = [...t.canonical.getRange({ start: u64(number + 1n) })].reverse()
      const head = this.headHash()
      if (!head || !buf(removed[0]?.value ?? target).equals(head)) {
        throw new CorruptionError(`the canonical chain above block ${number} does not end at the head`)
      }
      // All checks before the first write; a throw would abort the transaction anyway.
      const missing = removed.find(({ key }) => !t.changesets.doesExist(key))
      if (missing) throw new MissingChangeSetError(number, readU64(missing.key))
      for (const { key, value } of removed) this.unwindBlock(key, value)
      t.meta.putSync(META_HEAD, buf(target))
      t.meta.removeSync(META_PREPARED)
      if (flatTracksHead) t.meta.putSync(META_FLAT_ROOT, buf(stateRoot))
    }, COMMIT_FLAGS)
  }

  /** Undo one canonical block (`key` its u64 number) inside `rewindTo`'s transaction. */
  private unwindBlock(key: Buffer, hash: Buffer): void {
    const t = this.tables
    const number = readU64(key)
    let changeSet: ChangeSet
    try {
      changeSet = decodeChangeSet(t.changesets.getBinary(key)!)
    } catch (cause) {
      throw new CorruptionError(`the changeset of block ${number} is unreadable`, { cause })
    }
    applyFlatUndo(t, changeSet.flat)
    for (const txHash of changeSet.txHashes) {
      // Only while the entry is still this block's: the index keeps one block per
      // transaction, and another block holding it may have been indexed since.
      const location = this.getTxLocation(txHash)
      if (location && hash.equals(location.blockHash)) t.txIndex.removeSync(buf(txHash))
    }
    for (const logKey of changeSet.logKeys) t.logIndex.removeSync(logIndexKey(logKey, number))
    t.canonical.removeSync(key)
    t.changesets.removeSync(key)
  }

  /**
   * Rewind the head to `hash` (a stored ancestor). Used by start-up repair; the caller
   * must rebuild flat state if it no longer matches.
   */
  setHead(hash: Uint8Array, number: bigint, removeAbove: bigint | undefined): void {
    this.tables.meta.transactionSync(() => {
      if (removeAbove !== undefined) {
        for (let n = number + 1n; n <= removeAbove; n++) {
          this.tables.canonical.removeSync(u64(n))
          // A changeset describes a canonical block; it goes with the block.
          this.tables.changesets.removeSync(u64(n))
        }
      }
      this.tables.meta.putSync(META_HEAD, buf(hash))
    })
  }

  // ---- prepared block (two-phase commit of a slot) ---------------------------------

  /**
   * Records `write` as the block prepared for `slot` (one transaction, as durable as a
   * block commit), replacing any earlier one: `commitBlock` of it later writes the block
   * and removes the record in one transaction; `dropPrepared` forgets it.
   */
  prepareBlock(slot: bigint, write: BlockWrite): void {
    const bytes = RLP.encode([slot, encodeBlockWrite(write)])
    this.tables.meta.transactionSync(() => this.tables.meta.putSync(META_PREPARED, buf(bytes)), COMMIT_FLAGS)
  }

  /** The block prepared and neither committed nor dropped, if any. */
  preparedBlock(): PreparedBlock | undefined {
    const bytes = this.tables.meta.getBinary(META_PREPARED)
    if (!bytes) return undefined
    try {
      const [slot, write] = RLP.decode(bytes) as [Uint8Array, Uint8Array]
      return { slot: bytesToBigInt(slot), write: decodeBlockWrite(write) }
    } catch (cause) {
      throw new CorruptionError('the chain store holds an unreadable prepared block', { cause, details: 'the datadir is damaged; restore it from a snapshot or rebuild it with a replica' })
    }
  }

  hasPreparedBlock(): boolean {
    return this.tables.meta.doesExist(META_PREPARED)
  }

  dropPrepared(): void {
    if (!this.hasPreparedBlock()) return
    this.tables.meta.transactionSync(() => this.tables.meta.removeSync(META_PREPARED), COMMIT_FLAGS)
  }

  /** Resolves once every commit so far is on disk (fsync'd). */
  async flushed(): Promise<void> {
    await this.tables.meta.flushed
  }

  /**
   * A consistent copy of the whole database into the directory `dest` (LMDB's hot
   * backup: a read transaction's view, so writes may go on meanwhile).
   */
  async backup(dest: string): Promise<void> {
    await this.db.env.backup(dest, false)
  }

  async close(): Promise<void> {
    // No journal write may be queued once the environment starts closing.
    this.txJournal.close()
    await this.flushed()
    await this.db.close()
  }
}
