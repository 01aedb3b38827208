import { open, type Database, type RootDatabase } from 'lmdb'
import { mkdirSync } from 'node:fs'

/**
 * The LMDB environment of one chain and its tables. Every table stores raw bytes under
 * binary keys; encodings live in the modules that own each table (see keys.ts).
 */
export interface Tables {
  /** string key → bytes: head pointer, genesis hash, schema version. */
  readonly meta: Database<Buffer, string>
  /** blockHash → RLP header. */
  readonly headers: Database<Buffer, Buffer>
  /** blockHash → RLP block body: [txs, uncles, withdrawals?]. */
  readonly bodies: Database<Buffer, Buffer>
  /** uint64 BE number → canonical blockHash. */
  readonly canonical: Database<Buffer, Buffer>
  /** blockHash → RLP list of consensus receipts. */
  readonly receipts: Database<Buffer, Buffer>
  /** txHash → blockHash ‖ uint32 BE index. */
  readonly txIndex: Database<Buffer, Buffer>
  /** address(20) or topic(32), ‖ uint64 BE block number → empty: which blocks mention it. */
  readonly logIndex: Database<Buffer, Buffer>
  /** address(20) → RLP [nonce, balance, storageRoot, codeHash] of the head state. */
  readonly accounts: Database<Buffer, Buffer>
  /** address(20) ‖ slot(32) → value (minimal big-endian bytes) of the head state. */
  readonly storage: Database<Buffer, Buffer>
  /** MPT node hash (and code under the 'c' prefix) → bytes; content-addressed, never pruned. */
  readonly trie: Database<Buffer, Buffer>
  /** uint64 BE number → RLP changeset (changeset.ts): what rewinding that canonical block undoes. */
  readonly changesets: Database<Buffer, Buffer>
  /**
   * txHash → journal entry (txJournal.ts): the transactions the pool accepted and not yet
   * saw leave, so a restart (or a kill -9) finds them again. Included ones are removed by
   * the commit of the block that includes them.
   */
  readonly txJournal: Database<Buffer, Buffer>
}

export interface ChainDatabase {
  readonly env: RootDatabase
  readonly tables: Tables
  close(): Promise<void>
}

const TABLE_NAMES = [
  'headers',
  'bodies',
  'canonical',
  'receipts',
  'txIndex',
  'logIndex',
  'accounts',
  'storage',
  'trie',
  'changesets',
  'txJournal',
] as const

export interface OpenDatabaseOptions {
  /** Skip fsync on commit. A process crash (kill -9) loses nothing either way; only an OS crash could. */
  noSync?: boolean
}

export function openDatabase(path: string, options: OpenDatabaseOptions = {}): ChainDatabase {
  mkdirSync(path, { recursive: true })
  const env = open({
    path,
    maxDbs: 16,
    // Sparse on Linux: the file grows as needed, this is only the address-space cap.
    mapSize: 2 ** 40,
    noSync: options.noSync ?? false,
    compression: false,
    encoding: 'binary',
    keyEncoding: 'binary',
  })
  const tables = { meta: env.openDB<Buffer, string>('meta', { encoding: 'binary', keyEncoding: 'ordered-binary' }) } as Record<
    string,
    unknown
  >
  for (const name of TABLE_NAMES) {
    tables[name] = env.openDB<Buffer, Buffer>(name, { encoding: 'binary', keyEncoding: 'binary' })
  }
  let closed = false
  return {
    env,
    tables: tables as unknown as Tables,
    async close() {
      if (closed) return
      closed = true
      await env.close()
    },
  }
}
