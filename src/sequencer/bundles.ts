import { RLP } from '@ethereumjs/rlp'
import type { PooledTx } from '../execution/pooledTx.js'
import { parseWithBigints, stringifyWithBigints } from '../primitives/bigintJson.js'
import { keccak256 } from '../primitives/crypto.js'
import { BaseError, RpcErrorCode } from '../primitives/errors.js'
import { hexToBytes, toData, type Hex } from '../primitives/hex.js'
import type { BundleOutcome, SlotBundle, SlotResult } from './slotBuilder.js'

/** Most transactions in one bundle. */
export const MAX_BUNDLE_TXS = 64
/** Most bundles waiting at once (each may be tried every slot up to its deadline). */
export const MAX_PENDING_BUNDLES = 1_024
/** Most waiting bundles that one sender signs a transaction of. */
export const MAX_PENDING_BUNDLES_PER_SENDER = 16
/** Furthest a deadline may lie past the next slot (60 s at the default 250 ms slots). */
export const MAX_BUNDLE_DEADLINE_SLOTS = 240n
/** Decided bundles remembered for `plexus_getBundle` (oldest forgotten first). */
const MAX_DECIDED_KEPT = 16_384

export type BundleStatus =
  | { status: 'pending'; submittedSlot: bigint; deadlineSlot?: bigint; lastFailure?: BundleFailure }
  | { status: 'included'; slot: bigint; txs: { chainId: bigint; hash: Hex; blockNumber: bigint; blockHash: Hex }[] }
  | { status: 'rejected'; slot: bigint; reason: string; failed?: BundleFailure }

type DecidedStatus = Exclude<BundleStatus, { status: 'pending' }>

export interface BundleFailure {
  chainId: bigint
  hash: Hex
  reason: string
}

/** A bundle request that cannot even be queued (bad shape, unknown chain, past deadline). */
export class InvalidBundleError extends BaseError {
  override name = 'InvalidBundleError'
  constructor(message: string) {
    super(message, { rpcCode: RpcErrorCode.InvalidParams })
  }
}

/** Where bundles are kept across restarts (the network's `SlotJournal`). */
export interface BundleStore {
  putBundles(entries: readonly (readonly [Uint8Array, Uint8Array | undefined])[]): void
  bundles(): Iterable<[Uint8Array, Uint8Array]>
}

/** What a slot decides about its bundles, written with the slot (see `BundleQueue.plan`). */
export interface BundlePlan {
  readonly changes: ReadonlyMap<Hex, Entry | DecidedStatus>
  /** The records to write, and to remove (decided ones forgotten). */
  readonly entries: readonly (readonly [Uint8Array, Uint8Array | undefined])[]
}

interface Entry {
  bundle: SlotBundle
  seq: number
  submittedSlot: bigint
  deadlineSlot?: bigint
  /** The slot it was last tried in (never tried: undefined). */
  triedSlot?: bigint
  lastFailure?: BundleFailure
}

/** A bundle as stored: a pending one keeps its signed transactions, to be tried after a restart. */
type StoredBundle =
  | { seq: number; status: 'pending'; submittedSlot: bigint; deadlineSlot?: bigint; triedSlot?: bigint; lastFailure?: BundleFailure; txs: { chainId: bigint; raw: Hex }[] }
  | ({ seq: number } & Exclude<BundleStatus, { status: 'pending' }>)

/**
 * Atomic cross-chain bundles waiting for a slot, and the fate of decided ones, kept in
 * the network's journal so that an accepted bundle and a decided status survive any
 * restart. A bundle without a deadline is tried once, in the first slot with room for it;
 * one with `deadlineSlot` is tried in every slot up to and including that one, and
 * rejected after (never half included: the slot builder takes a failed bundle back on
 * every chain). Bundles that were tried least recently go first, so a full slot defers
 * the newest attempts, not the same bundles every time.
 */
export class BundleQueue {
  private readonly pending = new Map<Hex, Entry>()
  private readonly decided = new Map<Hex, DecidedStatus & { seq: number }>()
  private readonly bySender = new Map<Hex, number>()
  private seq = 0

  constructor(private readonly store?: BundleStore) {}

  /** The id of a bundle: keccak of its chain ids and transaction hashes, in order. */
  static idOf(txs: readonly { chainId: bigint; ptx: PooledTx }[]): Hex {
    return toData(keccak256(RLP.encode(txs.map((t) => [t.chainId, hexToBytes(t.ptx.hash)]))))
  }

  /**
   * Reads the stored bundles back (start-up). `decode` turns a stored transaction back
   * into a pooled one; a bundle whose transactions no longer decode (its chain is gone) is
   * rejected with the reason.
   */
  load(decode: (chainId: bigint, raw: Uint8Array) => PooledTx): void {
    const records: [Hex, StoredBundle][] = []
    for (const [key, value] of this.store?.bundles() ?? []) records.push([toData(key), parseWithBigints<StoredBundle>(Buffer.from(value).toString('utf8'))])
    records.sort((a, b) => a[1].seq - b[1].seq)
    const fixes: [Uint8Array, Uint8Array | undefined][] = []
    for (const [id, r] of records) {
      this.seq = Math.max(this.seq, r.seq + 1)
      if (r.status !== 'pending') {
        this.decided.set(id, r)
        continue
      }
      try {
        const txs = r.txs.map((t) => ({ chainId: t.chainId, ptx: decode(t.chainId, hexToBytes(t.raw)) }))
        this.addPending(id, {
          bundle: { id, txs },
          seq: r.seq,
          submittedSlot: r.submittedSlot,
          ...(r.deadlineSlot === undefined ? {} : { deadlineSlot: r.deadlineSlot }),
          ...(r.triedSlot === undefined ? {} : { triedSlot: r.triedSlot }),
          ...(r.lastFailure ? { lastFailure: r.lastFailure } : {}),
        })
      } catch (err) {
        const status: DecidedStatus & { seq: number } = { status: 'rejected', slot: r.submittedSlot, reason: `its transactions could not be read back after a restart: ${(err as Error).message}`, seq: r.seq }
        this.decided.set(id, status)
        fixes.push([hexToBytes(id), encodeRecord(status)])
      }
    }
    this.store?.putBundles(fixes)
  }

  /**
   * Queues a bundle for `nextSlot` on, durably: when it returns, the bundle survives a
   * crash. Resubmitting a bundle (same id) returns its id again without queueing it twice.
   */
  submit(txs: readonly { chainId: bigint; ptx: PooledTx }[], nextSlot: bigint, deadlineSlot?: bigint): Hex {
    if (txs.length === 0) throw new InvalidBundleError('a bundle needs at least one transaction')
    if (txs.length > MAX_BUNDLE_TXS) throw new InvalidBundleError(`a bundle holds at most ${MAX_BUNDLE_TXS} transactions, not ${txs.length}`)
    const seen = new Set<Hex>()
    for (const t of txs) {
      if (seen.has(t.ptx.hash)) throw new InvalidBundleError(`transaction ${t.ptx.hash} appears twice in the bundle`)
      seen.add(t.ptx.hash)
    }
    if (deadlineSlot !== undefined && deadlineSlot < nextSlot) {
      throw new InvalidBundleError(`deadlineSlot ${deadlineSlot} has passed: the next slot is ${nextSlot}`)
    }
    if (deadlineSlot !== undefined && deadlineSlot > nextSlot + MAX_BUNDLE_DEADLINE_SLOTS) {
      throw new InvalidBundleError(`deadlineSlot ${deadlineSlot} is too far ahead: at most ${MAX_BUNDLE_DEADLINE_SLOTS} slots past the next slot (${nextSlot + MAX_BUNDLE_DEADLINE_SLOTS})`)
    }
    const id = BundleQueue.idOf(txs)
    if (this.pending.has(id) || this.decided.get(id)?.status === 'included') return id
    if (this.pending.size >= MAX_PENDING_BUNDLES) {
      throw new BaseError(`too many bundles waiting (${MAX_PENDING_BUNDLES}); try again in a few slots`, { rpcCode: RpcErrorCode.LimitExceeded })
    }
    for (const sender of sendersOf(txs)) {
      if ((this.bySender.get(sender) ?? 0) >= MAX_PENDING_BUNDLES_PER_SENDER) {
        throw new BaseError(`${sender} already signs ${MAX_PENDING_BUNDLES_PER_SENDER} waiting bundles; wait for some to be decided`, { rpcCode: RpcErrorCode.LimitExceeded })
      }
    }
    const entry: Entry = { bundle: { id, txs }, seq: this.seq++, submittedSlot: nextSlot, ...(deadlineSlot === undefined ? {} : { deadlineSlot }) }
    this.store?.putBundles([[hexToBytes(id), encodeRecord(storedEntry(entry))]])
    this.decided.delete(id)
    this.addPending(id, entry)
    return id
  }

  /** The bundles to try in the next slot: least recently tried first, then in arrival order. */
  forSlot(): SlotBundle[] {
    return [...this.pending.values()]
      .sort((a, b) => {
        if (a.triedSlot !== b.triedSlot) {
          if (a.triedSlot === undefined) return -1
          if (b.triedSlot === undefined) return 1
          return a.triedSlot < b.triedSlot ? -1 : 1
        }
        return a.seq - b.seq
      })
      .map((e) => e.bundle)
  }

  /**
   * What the built slot decides about its bundles — included, rejected, or tried again
   * later — as records to write with the slot. Nothing changes until `apply`.
   */
  plan(result: SlotResult): BundlePlan {
    const blockOf = new Map(result.blocks.map((b) => [b.chainId, b.payload.block]))
    const changes = new Map<Hex, Entry | DecidedStatus>()
    for (const outcome of result.bundles) {
      const entry = this.pending.get(outcome.id)
      if (!entry) continue
      if (outcome.included) {
        changes.set(outcome.id, {
          status: 'included',
          slot: result.slot,
          txs: outcome.txs.map((t) => {
            const block = blockOf.get(t.chainId)!
            return { chainId: t.chainId, hash: t.hash, blockNumber: block.header.number, blockHash: toData(block.hash()) }
          }),
        })
      } else if ('deferred' in outcome) {
        if (entry.deadlineSlot !== undefined && entry.deadlineSlot <= result.slot) changes.set(outcome.id, deadlinePassed(entry))
      } else if (entry.deadlineSlot === undefined || entry.deadlineSlot <= result.slot) {
        changes.set(outcome.id, rejection(outcome, result.slot))
      } else {
        changes.set(outcome.id, { ...entry, triedSlot: result.slot, lastFailure: outcome.failed })
      }
    }
    return { changes, entries: this.entriesOf(changes) }
  }

  /** Applies a plan once its records are written. */
  apply(plan: BundlePlan): void {
    for (const [id, change] of plan.changes) {
      if ('bundle' in change) this.pending.set(id, change)
      else this.decide(id, change)
    }
  }

  /**
   * Rejects the bundles whose deadline is before `slot` (a slot that was skipped or never
   * came), and those without a deadline that never found room for `MAX_BUNDLE_DEADLINE_SLOTS`;
   * called before each slot is built.
   */
  expire(slot: bigint): void {
    const changes = new Map<Hex, DecidedStatus>()
    for (const [id, entry] of this.pending) {
      const deadline = entry.deadlineSlot ?? entry.submittedSlot + MAX_BUNDLE_DEADLINE_SLOTS
      if (deadline < slot) changes.set(id, deadlinePassed(entry))
    }
    if (changes.size === 0) return
    this.store?.putBundles(this.entriesOf(changes))
    for (const [id, status] of changes) this.decide(id, status)
  }

  /**
   * An L1 reorg took back the blocks of slots above `slot`: bundles included there wait
   * again (their transactions are in `removed`, by hash; a bundle missing one is rejected)
   * with their deadline, or one more slot if it has passed. Returns the hashes of the
   * transactions taken back into bundles: they must not go back to the pools.
   */
  requeueAbove(slot: bigint, nextSlot: bigint, removed: ReadonlyMap<Hex, { chainId: bigint; ptx: PooledTx }>): Set<Hex> {
    const taken = new Set<Hex>()
    const changes = new Map<Hex, Entry | DecidedStatus>()
    for (const [id, status] of this.decided) {
      if (status.status !== 'included' || status.slot <= slot) continue
      const txs = status.txs.map((t) => removed.get(t.hash))
      if (txs.some((t) => t === undefined)) {
        changes.set(id, { status: 'rejected', slot: status.slot, reason: 'an L1 reorg took its blocks back and not all of its transactions could be recovered' })
        continue
      }
      for (const t of status.txs) taken.add(t.hash)
      const deadlineSlot = nextSlot
      changes.set(id, { bundle: { id, txs: txs as { chainId: bigint; ptx: PooledTx }[] }, seq: this.seq++, submittedSlot: nextSlot, deadlineSlot })
    }
    this.store?.putBundles(this.entriesOf(changes))
    for (const [id, change] of changes) {
      if ('bundle' in change) {
        this.decided.delete(id)
        this.addPending(id, change)
      } else this.decide(id, change)
    }
    return taken
  }

  get(id: Hex): BundleStatus | undefined {
    const entry = this.pending.get(id)
    if (entry) return pendingStatus(entry)
    const decided = this.decided.get(id)
    if (!decided) return undefined
    const { seq: _seq, ...status } = decided
    return status as BundleStatus
  }

  /** Transactions of the bundles waiting, by hash (they belong to bundles, not to pools). */
  pendingTxHashes(): Set<Hex> {
    const out = new Set<Hex>()
    for (const e of this.pending.values()) for (const t of e.bundle.txs) out.add(t.ptx.hash)
    return out
  }

  /**
   * Bundles newest first: those still waiting (newest submission first), then decided
   * ones (most recently decided first), optionally only those in `status`.
   */
  list(limit: number, status?: BundleStatus['status']): { id: Hex; status: BundleStatus }[] {
    const out: { id: Hex; status: BundleStatus }[] = []
    if (status === undefined || status === 'pending') {
      for (const id of [...this.pending.keys()].reverse()) {
        if (out.length >= limit) return out
        out.push({ id, status: this.get(id)! })
      }
    }
    for (const id of [...this.decided.keys()].reverse()) {
      if (out.length >= limit) break
      const decided = this.get(id)!
      if (status === undefined || decided.status === status) out.push({ id, status: decided })
    }
    return out
  }

  private addPending(id: Hex, entry: Entry): void {
    this.pending.set(id, entry)
    for (const sender of sendersOf(entry.bundle.txs)) this.bySender.set(sender, (this.bySender.get(sender) ?? 0) + 1)
  }

  private decide(id: Hex, status: DecidedStatus): void {
    const entry = this.pending.get(id)
    if (entry) {
      this.pending.delete(id)
      for (const sender of sendersOf(entry.bundle.txs)) {
        const n = (this.bySender.get(sender) ?? 1) - 1
        if (n > 0) this.bySender.set(sender, n)
        else this.bySender.delete(sender)
      }
    }
    // Re-inserted at the end: the map's order is the order of decision.
    this.decided.delete(id)
    this.decided.set(id, { ...status, seq: entry?.seq ?? this.seq++ })
    if (this.decided.size > MAX_DECIDED_KEPT) this.decided.delete(this.decided.keys().next().value!)
  }

  /** The records for `changes`, and the removal of the decided ones they push out of memory. */
  private entriesOf(changes: ReadonlyMap<Hex, Entry | DecidedStatus>): [Uint8Array, Uint8Array | undefined][] {
    const entries: [Uint8Array, Uint8Array | undefined][] = []
    let decisions = 0
    for (const [id, change] of changes) {
      if ('bundle' in change) entries.push([hexToBytes(id), encodeRecord(storedEntry(change))])
      else {
        decisions++
        entries.push([hexToBytes(id), encodeRecord({ ...change, seq: this.pending.get(id)?.seq ?? this.decided.get(id)?.seq ?? this.seq })])
      }
    }
    const overflow = this.decided.size + decisions - MAX_DECIDED_KEPT
    if (overflow > 0) {
      let n = 0
      for (const id of this.decided.keys()) {
        if (n++ >= overflow) break
        if (!changes.has(id)) entries.push([hexToBytes(id), undefined])
      }
    }
    return entries
  }
}

function sendersOf(txs: readonly { ptx: PooledTx }[]): Set<Hex> {
  return new Set(txs.map((t) => t.ptx.sender))
}

function pendingStatus(entry: Entry): BundleStatus {
  return {
    status: 'pending',
    submittedSlot: entry.submittedSlot,
    ...(entry.deadlineSlot === undefined ? {} : { deadlineSlot: entry.deadlineSlot }),
    ...(entry.lastFailure ? { lastFailure: entry.lastFailure } : {}),
  }
}

function storedEntry(entry: Entry): StoredBundle {
  return {
    seq: entry.seq,
    status: 'pending',
    submittedSlot: entry.submittedSlot,
    ...(entry.deadlineSlot === undefined ? {} : { deadlineSlot: entry.deadlineSlot }),
    ...(entry.triedSlot === undefined ? {} : { triedSlot: entry.triedSlot }),
    ...(entry.lastFailure ? { lastFailure: entry.lastFailure } : {}),
    txs: entry.bundle.txs.map((t) => ({ chainId: t.chainId, raw: toData(t.ptx.raw) })),
  }
}

function encodeRecord(record: StoredBundle): Uint8Array {
  return Buffer.from(stringifyWithBigints(record), 'utf8')
}

function deadlinePassed(entry: Entry): DecidedStatus {
  const slot = entry.deadlineSlot ?? entry.submittedSlot + MAX_BUNDLE_DEADLINE_SLOTS
  return {
    status: 'rejected',
    slot,
    reason: entry.deadlineSlot === undefined ? 'not tried: every slot up to its expiry was full of bundles' : `not included by its deadline slot ${entry.deadlineSlot}`,
    ...(entry.lastFailure ? { failed: entry.lastFailure } : {}),
  }
}

function rejection(outcome: Extract<BundleOutcome, { failed: unknown }>, slot: bigint): DecidedStatus {
  const f = outcome.failed
  return { status: 'rejected', slot, reason: `transaction ${f.hash} on chain ${f.chainId} failed: ${f.reason}`, failed: f }
}
