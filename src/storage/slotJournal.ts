import { open, TransactionFlags, type Database, type RootDatabase } from 'lmdb'
import { mkdirSync } from 'node:fs'
import { buf } from './keys.js'

/** As block commits: on disk for a process crash (kill -9) when the call returns; fsync'd in the background. */
const COMMIT_FLAGS = TransactionFlags.ABORTABLE | TransactionFlags.SYNCHRONOUS_COMMIT | TransactionFlags.NO_SYNC_FLUSH

const SLOT_KEY = Buffer.from('slot')

/**
 * The network's write-ahead record of slots, and the bundles it has accepted and
 * decided. Every chain keeps its own store, so one slot's blocks are committed one chain
 * after the other; the slot record, written before the first of them, makes the slot
 * the unit of commit: after a crash between two chains' commits, start-up commits the
 * rest from the record (`recoverSlot`), so every chain ends at the same slot. The record
 * is removed once every chain has the slot. Bundles are recorded in the same
 * transaction as the slot that decides them, so a bundle's status is never behind the
 * chains. The contents are opaque bytes here (the sequencer encodes them).
 */
export class SlotJournal {
  private constructor(
    private readonly env: RootDatabase,
    private readonly slots: Database<Buffer, Buffer>,
    private readonly bundleTable: Database<Buffer, Buffer>,
  ) {}

  static open(path: string): SlotJournal {
    mkdirSync(path, { recursive: true })
    const env = open({ path, maxDbs: 4, mapSize: 2 ** 40, compression: false, encoding: 'binary', keyEncoding: 'binary' })
    return new SlotJournal(env, env.openDB('slots', { encoding: 'binary', keyEncoding: 'binary' }), env.openDB('bundles', { encoding: 'binary', keyEncoding: 'binary' }))
  }

  /** The slot recorded but not yet on every chain, if any. */
  pendingSlot(): Uint8Array | undefined {
    return this.slots.getBinary(SLOT_KEY) ?? undefined
  }

  /** Records a slot about to be committed, with the bundle records it changes (undefined removes one): one transaction. */
  recordSlot(slot: Uint8Array, bundles: readonly (readonly [Uint8Array, Uint8Array | undefined])[] = []): void {
    this.env.transactionSync(() => {
      this.slots.putSync(SLOT_KEY, buf(slot))
      this.writeBundles(bundles)
    }, COMMIT_FLAGS)
  }

  /** Every chain has the recorded slot. */
  clearSlot(): void {
    this.env.transactionSync(() => this.slots.removeSync(SLOT_KEY), COMMIT_FLAGS)
  }

  /** Writes bundle records (a bundle accepted, or forgotten) on their own: one transaction. */
  putBundles(bundles: readonly (readonly [Uint8Array, Uint8Array | undefined])[]): void {
    if (bundles.length === 0) return
    this.env.transactionSync(() => this.writeBundles(bundles), COMMIT_FLAGS)
  }

  /** Every bundle record, in key order. */
  *bundles(): Generator<[Uint8Array, Uint8Array]> {
    for (const { key, value } of this.bundleTable.getRange({})) yield [key, value]
  }

  async close(): Promise<void> {
    await this.env.flushed
    await this.env.close()
  }

  private writeBundles(bundles: readonly (readonly [Uint8Array, Uint8Array | undefined])[]): void {
    for (const [key, value] of bundles) {
      if (value === undefined) this.bundleTable.removeSync(buf(key))
      else this.bundleTable.putSync(buf(key), buf(value))
    }
  }
}
