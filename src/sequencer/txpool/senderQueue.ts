import type { PooledTx } from '../../execution/pooledTx.js'
import type { Hex } from '../../primitives/hex.js'
import type { HeapItem } from './heap.js'

/** The most a transaction can take from its sender: gas × max fee + value (geth `tx.Cost()`). */
export function txCost(ptx: PooledTx): bigint {
  return ptx.gasLimit * ptx.maxFeePerGas + ptx.tx.value
}

/** What a state change did to a sender's list. */
export interface SenderQueueChange {
  /** Transactions taken out of the list. */
  readonly dropped: PooledTx[]
  /** Transactions that were queued (or new) and are now pending. */
  readonly promoted: PooledTx[]
}

/**
 * One sender's pooled transactions, ascending by nonce, with the head state they were
 * checked against. The pending ones are the run `txs[0 .. pendingCount)` whose nonces
 * are `stateNonce, stateNonce + 1, …`; everything after the first gap is queued.
 *
 * Lists are short (at most `maxPerSender`), so operations here are O(list) at worst and
 * O(1)/O(log list) on the common paths (append, replace).
 */
export class SenderQueue implements HeapItem {
  /** Slot in the pool's eviction heap, which orders senders by their highest-nonce tx. */
  heapIndex = -1
  readonly txs: PooledTx[] = []
  pendingCount = 0
  /** Sum of `txCost` over the pending run (geth's `list.totalcost`). */
  pendingCost = 0n

  constructor(
    readonly sender: Hex,
    /** The sender's nonce in the head state this list was last checked against. */
    public stateNonce: bigint,
    public balance: bigint,
    /** The pool's head epoch `stateNonce`/`balance` were read at. */
    public stateEpoch: number,
  ) {}

  get size(): number {
    return this.txs.length
  }

  get queuedCount(): number {
    return this.txs.length - this.pendingCount
  }

  /** The nonce the sender's next executable tx must have: state nonce + pending run. */
  get nextNonce(): bigint {
    return this.stateNonce + BigInt(this.pendingCount)
  }

  /** The highest-nonce tx: the only one that can leave without opening a gap. */
  get tail(): PooledTx | undefined {
    return this.txs[this.txs.length - 1]
  }

  /** Whether the highest-nonce tx is queued (i.e. the sender has any queued tx). */
  get tailQueued(): boolean {
    return this.txs.length > this.pendingCount
  }

  /** Index of the tx with `nonce`, or `-(insertion point) - 1` when there is none. */
  find(nonce: bigint): number {
    const txs = this.txs
    let hi = txs.length
    if (hi === 0 || txs[hi - 1]!.nonce < nonce) return -hi - 1 // the usual case: appending
    let lo = 0
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (txs[mid]!.nonce < nonce) lo = mid + 1
      else hi = mid
    }
    return txs[lo]!.nonce === nonce ? lo : -lo - 1
  }

  /**
   * Inserts a tx whose nonce the list does not hold, at index `at` (from `find`).
   * Returns the txs that became pending: none if it lands after a gap, else it and the
   * queued txs it connects.
   */
  insert(ptx: PooledTx, at: number): PooledTx[] {
    if (at === this.txs.length) this.txs.push(ptx)
    else this.txs.splice(at, 0, ptx)
    if (at === this.pendingCount && ptx.nonce === this.nextNonce) return this.extendPending()
    return []
  }

  /** Swaps the tx at `i` for one with the same nonce; returns the old one. */
  replaceAt(i: number, ptx: PooledTx): PooledTx {
    const old = this.txs[i]!
    this.txs[i] = ptx
    if (i < this.pendingCount) this.pendingCost += txCost(ptx) - txCost(old)
    return old
  }

  /** Removes the tx at `i`; pending txs after it lose their predecessor and become queued. */
  removeAt(i: number): PooledTx {
    const removed = this.txs[i]!
    if (i === this.txs.length - 1) this.txs.pop()
    else this.txs.splice(i, 1)
    if (i < this.pendingCount) {
      if (i === this.pendingCount - 1) this.pendingCost -= txCost(removed)
      else this.pendingCost = sumCost(this.txs, i)
      this.pendingCount = i
    }
    return removed
  }

  /**
   * Re-checks the list against a head state: drops txs below `stateNonce` (already
   * mined) and those `keep` refuses, then recomputes the pending run.
   */
  reset(stateNonce: bigint, keep?: (ptx: PooledTx) => boolean): SenderQueueChange {
    const pendingEnd = this.nextNonce
    const dropped: PooledTx[] = []
    let w = 0
    for (let r = 0; r < this.txs.length; r++) {
      const ptx = this.txs[r]!
      if (ptx.nonce < stateNonce || (keep !== undefined && !keep(ptx))) dropped.push(ptx)
      else this.txs[w++] = ptx
    }
    this.txs.length = w
    this.stateNonce = stateNonce
    this.pendingCount = 0
    this.pendingCost = 0n
    const run = this.extendPending()
    const promoted = run.filter((ptx) => ptx.nonce >= pendingEnd)
    return { dropped, promoted }
  }

  pendingTxs(): PooledTx[] {
    return this.txs.slice(0, this.pendingCount)
  }

  queuedTxs(): PooledTx[] {
    return this.txs.slice(this.pendingCount)
  }

  /** Grows the pending run over contiguous nonces; returns the txs it added. */
  private extendPending(): PooledTx[] {
    const added: PooledTx[] = []
    let next = this.nextNonce
    while (this.pendingCount < this.txs.length) {
      const ptx = this.txs[this.pendingCount]!
      if (ptx.nonce !== next) break
      this.pendingCost += txCost(ptx)
      this.pendingCount++
      next++
      added.push(ptx)
    }
    return added
  }
}

function sumCost(txs: readonly PooledTx[], end: number): bigint {
  let sum = 0n
  for (let i = 0; i < end; i++) sum += txCost(txs[i]!)
  return sum
}
