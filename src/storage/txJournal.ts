import type { Database } from 'lmdb'
import { hexToBytes, toData, type Hex } from '../primitives/hex.js'
import { BaseError } from '../primitives/errors.js'
import { buf } from './keys.js'

/** A journal write after the chain's storage began to close (a late eviction during shutdown). */
export class JournalClosedError extends BaseError {
  override name = 'JournalClosedError'
  constructor() {
    super('the transaction journal is closed')
  }
}

/** Entry layout version (the first byte of every value). */
const ENTRY_VERSION = 1
/** version(1) ‖ seq(8) ‖ receivedAt ms(8), then the raw transaction. */
const HEADER_BYTES = 17

/** A transaction as the journal holds it: enough to decode and pool it again. */
export interface JournalEntry {
  /** The key it was recorded under: the pool's hash of the transaction. */
  readonly hash: Hex
  /** The canonical encoding as received. */
  readonly raw: Uint8Array
  /** When the pool first saw it (ms), so ordering ties break as before the restart. */
  readonly receivedAt: number
}

export interface JournalScan {
  /** Readable entries in the order they were recorded. */
  readonly entries: JournalEntry[]
  /** Keys of entries that cannot be read (wrong length, unknown layout): skip and forget them. */
  readonly unreadable: Hex[]
}

/**
 * The pool's journal: one row per accepted transaction in the chain's own LMDB
 * environment (table `txJournal`), keyed by hash, so that the commit of a block removes
 * what it includes in the same write transaction (`ChainStore.commitBlock`).
 *
 * Writes go through lmdb-js' asynchronous batches: the puts and removes issued in one
 * event-loop turn are committed together on LMDB's writer thread, in the order issued,
 * and `record` resolves once its batch is committed — visible and in the OS page cache,
 * which a process kill (`kill -9`) cannot take back; the fsync follows in the background
 * as for blocks. A synchronous transaction per transaction costs ~110 µs of main-thread
 * time on this environment (it is opened with syncing on); the batched write ~3 µs.
 *
 * LMDB commits a batch whole or not at all, so a kill never leaves half an entry; an
 * entry that is unreadable anyway (damaged storage, an older layout) is reported by
 * `scan` for the caller to skip and forget, never thrown.
 */
export class TxJournal {
  /** Sequence number of the next entry; read from the table on first use. */
  private nextSeq: bigint | undefined
  private closed = false

  constructor(private readonly table: Database<Buffer, Buffer>) {}

  /** Entries held (readable or not). */
  get size(): number {
    return this.table.getCount()
  }

  /**
   * Records a transaction. Resolves once the entry is committed (it then survives a
   * process kill); rejects if LMDB could not write it.
   */
  async record(hash: Hex, raw: Uint8Array, receivedAt: number): Promise<void> {
    this.checkOpen()
    const seq = this.takeSeq()
    const value = Buffer.allocUnsafe(HEADER_BYTES + raw.length)
    value.writeUInt8(ENTRY_VERSION, 0)
    value.writeBigUInt64BE(seq, 1)
    value.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(receivedAt))), 9)
    value.set(raw, HEADER_BYTES)
    await this.table.put(buf(hexToBytes(hash)), value)
  }

  /**
   * Forgets transactions that left the pool. Queued behind every earlier `record`, so a
   * transaction recorded again later stays. Callers need not wait: an entry left behind
   * by a crash only costs a decode at the next start-up, where it is dropped.
   */
  async forget(hashes: Iterable<Hex>): Promise<void> {
    this.checkOpen()
    const done: Promise<boolean>[] = []
    try {
      for (const hash of hashes) done.push(this.table.remove(buf(hexToBytes(hash))))
    } finally {
      // Even when queueing threw (a closed environment), what was queued is awaited,
      // so no rejection goes unhandled.
      await Promise.all(done)
    }
  }

  /**
   * Refuses writes from now on (the environment is about to close: lmdb-js would fail a
   * write queued after that outside any promise, i.e. crash the process).
   */
  close(): void {
    this.closed = true
  }

  /** Every entry, oldest first (by the order recorded). */
  scan(): JournalScan {
    const found: StoredEntry[] = []
    const unreadable: Hex[] = []
    for (const { key, value } of this.table.getRange({})) {
      const stored = readEntry(key, value)
      if (stored === undefined) unreadable.push(toData(key))
      else found.push(stored)
    }
    found.sort((a, b) => (a.seq < b.seq ? -1 : a.seq > b.seq ? 1 : 0))
    const newest = found[found.length - 1]?.seq ?? -1n
    if (this.nextSeq === undefined || this.nextSeq <= newest) this.nextSeq = newest + 1n
    return { entries: found.map((f) => f.entry), unreadable }
  }

  private checkOpen(): void {
    if (this.closed) throw new JournalClosedError()
  }

  private takeSeq(): bigint {
    if (this.nextSeq === undefined) {
      let newest = -1n
      for (const { key, value } of this.table.getRange({})) {
        const seq = readEntry(key, value)?.seq
        if (seq !== undefined && seq > newest) newest = seq
      }
      this.nextSeq = newest + 1n
    }
    return this.nextSeq++
  }
}

interface StoredEntry {
  readonly seq: bigint
  readonly entry: JournalEntry
}

/** Decodes one row, or undefined if it is not a journal entry this build can read. */
function readEntry(key: Buffer, value: Buffer): StoredEntry | undefined {
  if (key.length !== 32 || value.length <= HEADER_BYTES || value[0] !== ENTRY_VERSION) return undefined
  return {
    seq: value.readBigUInt64BE(1),
    entry: {
      hash: toData(key),
      // Copied out: LMDB's buffers are only valid until the read transaction moves on.
      raw: new Uint8Array(value.subarray(HEADER_BYTES)),
      receivedAt: Number(value.readBigUInt64BE(9)),
    },
  }
}
