import { RLP } from '@ethereumjs/rlp'
import { keccak256 } from '../primitives/crypto.js'
import { BaseError, RpcErrorCode } from '../primitives/errors.js'
import { hexToBytes, toData, type Hex } from '../primitives/hex.js'
import type { PooledTx } from '../execution/pooledTx.js'
import type { BundleOutcome, SlotBundle, SlotResult } from './slotBuilder.js'

/** Most transactions in one bundle. */
export const MAX_BUNDLE_TXS = 64
/** Most bundles waiting at once (each is retried every slot up to its deadline). */
export const MAX_PENDING_BUNDLES = 1_024
/** Decided bundles remembered for `plexus_getBundle` (oldest forgotten first). */
const MAX_DECIDED_KEPT = 16_384

export type BundleStatus =
  | { status: 'pending'; submittedSlot: bigint; deadlineSlot?: bigint; lastFailure?: BundleFailure }
  | { status: 'included'; slot: bigint; txs: { chainId: bigint; hash: Hex; blockNumber: bigint; blockHash: Hex }[] }
  | { status: 'rejected'; slot: bigint; reason: string; failed?: BundleFailure }

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

interface Entry {
  bundle: SlotBundle
  submittedSlot: bigint
  deadlineSlot?: bigint
  lastFailure?: BundleFailure
}

/**
 * Atomic cross-chain bundles waiting for a slot, and the fate of decided ones. A bundle
 * without a deadline gets one attempt, in the next slot; one with `deadlineSlot` is
 * tried in every slot up to and including that one, and rejected after (never half
 * included: the slot builder takes a failed bundle back on every chain).
 */
export class BundleQueue {
  private readonly pending = new Map<Hex, Entry>()
  private readonly decided = new Map<Hex, BundleStatus>()

  /** The id of a bundle: keccak of its chain ids and transaction hashes, in order. */
  static idOf(txs: readonly { chainId: bigint; ptx: PooledTx }[]): Hex {
    return toData(keccak256(RLP.encode(txs.map((t) => [t.chainId, hexToBytes(t.ptx.hash)]))))
  }

  /**
   * Queues a bundle for `nextSlot` on. Resubmitting a bundle (same id) returns its id
   * again without queueing it twice.
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
    const id = BundleQueue.idOf(txs)
    if (this.pending.has(id) || this.decided.get(id)?.status === 'included') return id
    if (this.pending.size >= MAX_PENDING_BUNDLES) {
      throw new BaseError(`too many bundles waiting (${MAX_PENDING_BUNDLES}); try again in a few slots`, { rpcCode: RpcErrorCode.LimitExceeded })
    }
    this.decided.delete(id)
    this.pending.set(id, { bundle: { id, txs }, submittedSlot: nextSlot, ...(deadlineSlot === undefined ? {} : { deadlineSlot }) })
    return id
  }

  /** The bundles to try in the next slot, in arrival order. */
  forSlot(): SlotBundle[] {
    return [...this.pending.values()].map((e) => e.bundle)
  }

  /** Records what the slot did with its bundles. */
  record(result: SlotResult): void {
    const blockOf = new Map(result.blocks.map((b) => [b.chainId, b.built.block]))
    for (const outcome of result.bundles) {
      const entry = this.pending.get(outcome.id)
      if (!entry) continue
      if (outcome.included) {
        this.decide(outcome.id, {
          status: 'included',
          slot: result.slot,
          txs: outcome.txs.map((t) => {
            const block = blockOf.get(t.chainId)!
            return { chainId: t.chainId, hash: t.hash, blockNumber: block.header.number, blockHash: toData(block.hash()) }
          }),
        })
      } else if (entry.deadlineSlot === undefined || entry.deadlineSlot <= result.slot) {
        this.decide(outcome.id, rejection(outcome, result.slot))
      } else {
        entry.lastFailure = outcome.failed
      }
    }
  }

  /**
   * Rejects the bundles whose deadline is before `slot` (a slot that was skipped or
   * never came); called before each slot is built.
   */
  expire(slot: bigint): void {
    for (const [id, entry] of this.pending) {
      if (entry.deadlineSlot !== undefined && entry.deadlineSlot < slot) {
        this.decide(id, {
          status: 'rejected',
          slot: entry.deadlineSlot,
          reason: `not included by its deadline slot ${entry.deadlineSlot}`,
          ...(entry.lastFailure ? { failed: entry.lastFailure } : {}),
        })
      }
    }
  }

  get(id: Hex): BundleStatus | undefined {
    const entry = this.pending.get(id)
    if (entry) {
      return {
        status: 'pending',
        submittedSlot: entry.submittedSlot,
        ...(entry.deadlineSlot === undefined ? {} : { deadlineSlot: entry.deadlineSlot }),
        ...(entry.lastFailure ? { lastFailure: entry.lastFailure } : {}),
      }
    }
    return this.decided.get(id)
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
    for (const [id, decided] of [...this.decided.entries()].reverse()) {
      if (out.length >= limit) break
      if (status === undefined || decided.status === status) out.push({ id, status: decided })
    }
    return out
  }

  private decide(id: Hex, status: BundleStatus): void {
    this.pending.delete(id)
    this.decided.set(id, status)
    if (this.decided.size > MAX_DECIDED_KEPT) this.decided.delete(this.decided.keys().next().value!)
  }
}

function rejection(outcome: Extract<BundleOutcome, { included: false }>, slot: bigint): BundleStatus {
  const f = outcome.failed
  return { status: 'rejected', slot, reason: `transaction ${f.hash} on chain ${f.chainId} failed: ${f.reason}`, failed: f }
}
