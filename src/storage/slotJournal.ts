import { open, TransactionFlags, type Database, type RootDatabase } from 'lmdb'
import { mkdirSync } from 'node:fs'
import { buf } from './keys.js'

/** As block commits: on disk for a process crash (kill -9) when the call returns; fsync'd in the background. */
const COMMIT_FLAGS = TransactionFlags.ABORTABLE | TransactionFlags.SYNCHRONOUS_COMMIT | TransactionFlags.NO_SYNC_FLUSH

/** A different key from the slot records of earlier builds (whole block writes), so one is never read as the other. */
const DECISION_KEY = Buffer.from('decision')
/** Where builds before the two-phase commit recorded a slot being committed (every chain's whole block write). */
const LEGACY_SLOT_KEY = Buffer.from('slot')

/**
 * The network's decision log for the two-phase commit of slots, and the bundles it has
 * accepted and decided. Every chain keeps its own store (an executor's, possibly in
 * another process), so one slot's blocks are committed one chain after the other: each
 * executor first *prepares* its block in its own store, then the coordinator writes the
 * slot's *decision* here (the slot and each chain's block hash, no block data), then
 * tells every executor to commit. After a crash, start-up asks every executor what it has
 * prepared and commits it if this journal decided it, drops it otherwise (see
 * `sequencer/slotDecision.ts`); the decision is removed once every chain has the slot.
 * Bundles are recorded in the same transaction as the decision of the slot that decides
 * them, so a bundle's status is never behind the chains. The contents are opaque bytes
 * here (the sequencer encodes them).
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

  /** The slot decided but not yet committed on every chain, if any. */
  decidedSlot(): Uint8Array | undefined {
    return this.slots.getBinary(DECISION_KEY) ?? undefined
  }

  /**
   * Whether an earlier build (before the two-phase commit) stopped while committing a
   * slot: its record holds blocks some chains may not have, which this build cannot read.
   */
  hasLegacySlotRecord(): boolean {
    return this.slots.getBinary(LEGACY_SLOT_KEY) !== undefined
  }

  /** Records a slot's decision (every chain has prepared it), with the bundle records it changes (undefined removes one): one transaction. */
  decideSlot(decision: Uint8Array, bundles: readonly (readonly [Uint8Array, Uint8Array | undefined])[] = []): void {
    this.env.transactionSync(() => {
      this.slots.putSync(DECISION_KEY, buf(decision))
      this.writeBundles(bundles)
    }, COMMIT_FLAGS)
  }

  /** Every chain has the decided slot. */
  clearDecision(): void {
    this.env.transactionSync(() => this.slots.removeSync(DECISION_KEY), COMMIT_FLAGS)
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
