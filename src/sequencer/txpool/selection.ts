import { effectiveTip, type PooledTx } from '../../execution/pooledTx.js'
import type { Hex } from '../../primitives/hex.js'
import { IndexedHeap, type HeapItem } from './heap.js'

interface SenderCursor extends HeapItem {
  readonly sender: Hex
  readonly txs: readonly PooledTx[]
  /** Index of the sender's lowest nonce not yet yielded. */
  i: number
  /** Effective tip of `txs[i]` at the selector's base fee. */
  tip: bigint
}

/**
 * The pending transactions in the order a block should take them: highest effective
 * tip first (ties: earliest received), and within one sender strictly by nonce, since
 * only a sender's lowest remaining nonce is eligible. A heap over senders keeps each
 * step O(log senders). A sender whose next tx cannot pay the base fee is done: its
 * later nonces cannot run without it.
 *
 * It works on a snapshot taken when the block starts, so the pool may keep changing
 * while the block is built. Use as an iterator (`for (const ptx of selector)`); call
 * `skipSender` when a yielded tx failed or did not fit, so the rest of that sender's
 * txs (which depend on it) are not offered for this block.
 */
export class BlockTxSelector implements Iterator<PooledTx, undefined>, Iterable<PooledTx> {
  private readonly heap = new IndexedHeap<SenderCursor>(byTipThenArrival)
  private readonly cursors = new Map<Hex, SenderCursor>()

  /** `pendingBySender`: each sender's pending txs in nonce order, starting at its state nonce. */
  constructor(
    pendingBySender: Iterable<readonly PooledTx[]>,
    readonly baseFee: bigint,
  ) {
    for (const txs of pendingBySender) {
      const first = txs[0]
      if (first === undefined) continue
      const cursor: SenderCursor = { sender: first.sender, txs, i: 0, tip: 0n, heapIndex: -1 }
      this.cursors.set(first.sender, cursor)
      if (this.load(cursor)) this.heap.push(cursor)
    }
  }

  /** Senders that still have eligible txs. */
  get remainingSenders(): number {
    return this.heap.size
  }

  next(): IteratorResult<PooledTx, undefined> {
    const cursor = this.heap.peek()
    if (cursor === undefined) return { done: true, value: undefined }
    const ptx = cursor.txs[cursor.i]!
    cursor.i++
    if (this.load(cursor)) this.heap.update(cursor)
    else this.heap.remove(cursor)
    return { done: false, value: ptx }
  }

  /** Offers none of `sender`'s remaining txs in this block. */
  skipSender(sender: Hex): void {
    const cursor = this.cursors.get(sender.toLowerCase() as Hex)
    if (cursor !== undefined) this.heap.remove(cursor)
  }

  [Symbol.iterator](): this {
    return this
  }

  /** Points the cursor's tip at its next tx; false when the sender has nothing payable left. */
  private load(cursor: SenderCursor): boolean {
    const ptx = cursor.txs[cursor.i]
    if (ptx === undefined) return false
    const tip = effectiveTip(ptx, this.baseFee)
    if (tip < 0n) return false
    cursor.tip = tip
    return true
  }
}

function byTipThenArrival(a: SenderCursor, b: SenderCursor): boolean {
  if (a.tip !== b.tip) return a.tip > b.tip
  const ta = a.txs[a.i]!
  const tb = b.txs[b.i]!
  if (ta.receivedAt !== tb.receivedAt) return ta.receivedAt < tb.receivedAt
  return ta.hash < tb.hash // any fixed order, so a block is reproducible
}
