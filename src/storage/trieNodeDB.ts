import type { BatchDBOp, DB } from '@ethereumjs/util'
import type { Database } from 'lmdb'

/**
 * The database ethereumjs' MPT sees. Reads fall through a write overlay to LMDB
 * (synchronous, memory-mapped); writes land only in the overlay, which the block
 * commit drains into the block's single LMDB write transaction. Nothing in execution
 * touches disk for writing.
 *
 * The MPT's CheckpointDB hands us unprefixed hex-string keys (KeyEncoding.String).
 */
/** The read side of the node table (an LMDB database, or nothing for in-memory tries). */
export interface NodeReader {
  getBinary(key: Buffer): Uint8Array | undefined | null
}

/** A reader with no nodes: for tries that live only in the overlay. */
export const EMPTY_NODE_READER: NodeReader = { getBinary: () => undefined }

/** Committed nodes kept in memory by hex key, so hot paths skip the LMDB call and key conversion. */
const READ_CACHE_ENTRIES = 250_000

export class TrieNodeDB implements DB<string, Uint8Array> {
  private overlay = new Map<string, Uint8Array | undefined>()
  // Nodes are content-addressed: a cached node can never be stale, only evicted.
  private readCache = new Map<string, Uint8Array>()

  constructor(private readonly table: NodeReader) {}

  async get(key: string): Promise<Uint8Array | undefined> {
    return this.getSync(key)
  }

  getSync(key: string): Uint8Array | undefined {
    const pending = this.overlay.get(key)
    if (pending !== undefined) return pending
    const cached = this.readCache.get(key)
    if (cached !== undefined) return cached
    const node = this.table.getBinary(toKey(key)) // a copy (getBinaryFast would reuse its buffer)
    if (!node) return undefined
    this.remember(key, node)
    return node
  }

  private remember(key: string, node: Uint8Array): void {
    if (this.readCache.size >= READ_CACHE_ENTRIES) this.readCache.clear()
    this.readCache.set(key, node)
  }

  async put(key: string, value: Uint8Array): Promise<void> {
    this.overlay.set(keyString(key), value)
  }

  putSync(key: string, value: Uint8Array): void {
    this.overlay.set(key, value)
  }

  async del(key: string): Promise<void> {
    // Nodes are content-addressed and shared across versions of the state; with
    // pruning off the MPT never deletes, and we keep history, so a delete is ignored.
    void key
  }

  async batch(ops: BatchDBOp<string, Uint8Array>[]): Promise<void> {
    for (const op of ops) {
      if (op.type === 'put') this.overlay.set(keyString(op.key), op.value)
    }
  }

  shallowCopy(): DB<string, Uint8Array> {
    return this
  }

  async open(): Promise<void> {}

  /** Hand the pending writes to the caller and start a fresh overlay. */
  drain(): Map<string, Uint8Array | undefined> {
    const out = this.overlay
    this.overlay = new Map()
    // Freshly written nodes are the next block's hot path.
    for (const [key, node] of out) if (node !== undefined) this.remember(key, node)
    return out
  }

  /** Forget pending writes (a block that failed to build or validate). */
  discard(): void {
    this.overlay = new Map()
  }
}

function keyString(key: string | Uint8Array): string {
  return typeof key === 'string' ? key : Buffer.from(key).toString('hex')
}

function toKey(key: string | Uint8Array): Buffer {
  return typeof key === 'string' ? Buffer.from(key, 'hex') : Buffer.from(key)
}

/** Write drained overlay entries inside an open LMDB write transaction. */
export function writeTrieNodes(table: Database<Buffer, Buffer>, nodes: ReadonlyMap<string, Uint8Array | undefined>): void {
  for (const [key, value] of nodes) {
    if (value !== undefined) table.putSync(Buffer.from(key, 'hex'), Buffer.from(value.buffer, value.byteOffset, value.byteLength))
  }
}
