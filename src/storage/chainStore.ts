import { TransactionFlags, type Database } from 'lmdb'
import type { ChainDatabase, Tables } from './database.js'
import {
  META_CHAIN_ID,
  META_FLAT_ROOT,
  META_GENESIS,
  META_HEAD,
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
import { CorruptionError } from '../primitives/errors.js'

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
  /** Addresses and topics that appear in this block's logs (for eth_getLogs). */
  logKeys: Iterable<Uint8Array>
  trieNodes: ReadonlyMap<string, Uint8Array | undefined>
  flat: FlatStateDiff
}

/** Head-state changes of one block, keyed by raw bytes. `undefined` deletes. */
export interface FlatStateDiff {
  /** Accounts whose whole storage was wiped before `storage` is applied. */
  clearedStorage: readonly Uint8Array[]
  accounts: ReadonlyMap<string, { address: Uint8Array; rlp: Uint8Array | undefined }>
  storage: readonly { address: Uint8Array; slot: Uint8Array; value: Uint8Array | undefined }[]
}

export interface TxLocation {
  blockHash: Uint8Array
  index: number
}

/**
 * Blocks, receipts, indices and head state of one chain. Reads are synchronous
 * (memory-mapped); `commitBlock` is the only writer and is atomic.
 */
export class ChainStore {
  readonly tables: Tables

  constructor(readonly db: ChainDatabase) {
    this.tables = db.tables
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

  /** Write genesis: the block, its state and the chain's identity, atomically. */
  commitGenesis(write: BlockWrite, chainId: bigint): void {
    this.tables.meta.transactionSync(() => {
      this.writeBlock(write)
      this.tables.meta.putSync(META_GENESIS, buf(write.hash))
      this.tables.meta.putSync(META_CHAIN_ID, u64(chainId))
      this.tables.meta.putSync(META_SCHEMA, u64(SCHEMA_VERSION))
      this.tables.meta.putSync(META_HEAD, buf(write.hash))
      this.tables.meta.putSync(META_FLAT_ROOT, buf(write.stateRoot))
    })
  }

  /** Write one block and everything it changed, then move the head to it: one transaction. */
  commitBlock(write: BlockWrite, flatTracksHead = true): void {
    this.tables.meta.transactionSync(() => {
      this.writeBlock(write)
      this.tables.meta.putSync(META_HEAD, buf(write.hash))
      // Once the flat tables fell behind (a repair rewind), a block's diff cannot bring
      // them back in line: leave the marker stale so readers keep using the trie.
      if (flatTracksHead) this.tables.meta.putSync(META_FLAT_ROOT, buf(write.stateRoot))
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
    applyFlatDiff(t.accounts, t.storage, w.flat)
  }

  /**
   * Rewind the head to `hash` (a stored ancestor). Used by start-up repair; the caller
   * must rebuild flat state if it no longer matches.
   */
  setHead(hash: Uint8Array, number: bigint, removeAbove: bigint | undefined): void {
    this.tables.meta.transactionSync(() => {
      if (removeAbove !== undefined) {
        for (let n = number + 1n; n <= removeAbove; n++) this.tables.canonical.removeSync(u64(n))
      }
      this.tables.meta.putSync(META_HEAD, buf(hash))
    })
  }

  /** Resolves once every commit so far is on disk (fsync'd). */
  async flushed(): Promise<void> {
    await this.tables.meta.flushed
  }

  async close(): Promise<void> {
    await this.flushed()
    await this.db.close()
  }
}

function applyFlatDiff(accounts: Database<Buffer, Buffer>, storage: Database<Buffer, Buffer>, diff: FlatStateDiff): void {
  for (const address of diff.clearedStorage) {
    const start = storageKey(address, new Uint8Array(32))
    const end = storageKey(address, new Uint8Array(32).fill(0xff))
    for (const key of storage.getKeys({ start, end, snapshot: false })) storage.removeSync(key as Buffer)
    storage.removeSync(end)
  }
  for (const { address, rlp } of diff.accounts.values()) {
    if (rlp === undefined) accounts.removeSync(buf(address))
    else accounts.putSync(buf(address), buf(rlp))
  }
  for (const { address, slot, value } of diff.storage) {
    const key = storageKey(address, slot)
    if (value === undefined || value.length === 0) storage.removeSync(key)
    else storage.putSync(key, buf(value))
  }
}
