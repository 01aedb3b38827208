import type { Common } from '@ethereumjs/common'
import { effectiveTip, type PooledTx } from '../../execution/pooledTx.js'
import type { TxEnvelope } from '../../execution/decodeTx.js'
import type { Hex } from '../../primitives/hex.js'
import type { Logger } from '../../primitives/logger.js'
import {
  AccountLimitExceededError,
  AlreadyKnownError,
  FutureReplacePendingError,
  InsufficientFundsError,
  JournalWriteError,
  NonceTooLowError,
  ReplaceUnderpricedError,
  TxPoolOverflowError,
  UnderpricedError,
} from './errors.js'
import { IndexedHeap } from './heap.js'
import type { TxPoolJournal } from './journal.js'
import { resolveTxPoolOptions, txSlotsOf, type TxPoolOptions } from './options.js'
import { BlockTxSelector } from './selection.js'
import { SenderQueue, txCost, type SenderQueueChange } from './senderQueue.js'
import { validateEnvelope, validateTxBasics } from './validation.js'

/** Reads the head state. Both calls must answer for the same head until `onNewHead`. */
export interface TxPoolStateReader {
  getNonce(sender: Hex): Promise<bigint>
  getBalance(sender: Hex): Promise<bigint>
}

/** The head block's values the pool checks against. */
export interface TxPoolHead {
  readonly baseFee: bigint
  readonly gasLimit: bigint
}

export type TxPoolLogger = Pick<Logger, 'debug' | 'warn'>

export interface TxPoolDeps {
  readonly chainId: bigint
  /** Chain spec set to the head's hardfork; decides which rules (EIP-7825, 7623, …) apply. */
  readonly common: Common
  readonly state: TxPoolStateReader
  readonly head: () => TxPoolHead
  readonly logger?: TxPoolLogger
  /**
   * Where accepted transactions are recorded so a restart finds them again (see
   * `journal.ts`). Without one the pool lives in memory only.
   */
  readonly journal?: TxPoolJournal
}

export interface AddOptions {
  /** The tx comes from the journal (a restart's replay): it is recorded there already. */
  readonly journaled?: boolean
}

/** A transaction a new block included. The sender is needed for txs the pool never held. */
export type IncludedTx = Hex | { readonly hash: Hex; readonly sender: Hex; readonly nonce?: bigint }

export interface NewHeadUpdate {
  /** The block's transactions (hashes of pooled ones, or `PooledTx`-like objects). */
  readonly included: readonly IncludedTx[]
  /** Further senders to re-check (e.g. accounts a deposit or a system call debited). */
  readonly touched?: readonly Hex[]
}

export interface TxPoolStatus {
  readonly pending: number
  readonly queued: number
}

/** By sender (lowercase 0x address), then by nonce as a decimal string. */
export interface TxPoolContent {
  readonly pending: Record<Hex, Record<string, PooledTx>>
  readonly queued: Record<Hex, Record<string, PooledTx>>
}

export interface TxPoolContentFrom {
  readonly pending: Record<string, PooledTx>
  readonly queued: Record<string, PooledTx>
}

export type PendingListener = (ptx: PooledTx) => void

/**
 * The transaction pool: validated, signature-recovered transactions waiting for a block,
 * per sender split into pending (nonces contiguous from the head state's nonce, so
 * executable now) and queued (after a nonce gap). Rejections carry go-ethereum's error
 * text (see `errors.ts`).
 *
 * Callers: RPC ingest (`add`, queries, `onPending`), the sequencer
 * (`selectForBlock`, then `onNewHead` after it committed a block).
 *
 * How it differs from geth's legacypool:
 * - Txs with `maxFeePerGas` below the head's base fee are refused (geth keeps them).
 * - A sender may hold at most `maxPerSender` txs, a hard limit (`account limit exceeded`);
 *   geth's per-account slots are soft and trimmed in its background reorg.
 * - Capacity is counted in 32 KiB slots as geth's (`maxPending + maxQueued` slots in
 *   all), but a tx that needs several evicts as many victims as it takes, each under the
 *   rules below, or none: the pool never evicts and then refuses.
 * - No background reorg loop: promotion, demotion and drops happen synchronously in
 *   `add`/`remove`/`onNewHead`, and `onNewHead` re-reads state only for the senders
 *   the block touched. Other senders are re-read lazily, on their next `add` after a new
 *   head, which also drops their stale and unaffordable txs.
 * - When full, each victim is some sender's highest-nonce tx (so no pending gap is
 *   opened) and queued txs go before pending ones: an executable incoming tx evicts the
 *   cheapest queued tail even if that paid more, and a gapped one never evicts a pending
 *   tx (`future transaction tries to replace pending`). Within a class, "cheaper" is the
 *   lower effective tip at the head's base fee, then the lower fee cap; the incoming tx
 *   must be strictly better or it is `transaction underpriced`.
 * - A replacement needs room only for the slots it adds over the tx it replaces.
 * - Every accepted tx is journaled (not only locals), and `add` resolves only once the
 *   journal holds it: an acknowledged tx survives a restart or a kill. The queue
 *   lifetime and blob/7702 authority tracking are absent; blob txs are refused as an
 *   unsupported type.
 */
export class TxPool {
  readonly options: TxPoolOptions
  private readonly deps: TxPoolDeps
  private readonly all = new Map<Hex, PooledTx>()
  private readonly senders = new Map<Hex, SenderQueue>()
  /** Senders by their highest-nonce tx, cheapest to evict first. */
  private readonly evictHeap: IndexedHeap<SenderQueue>
  /** The base fee the eviction heap is ordered by. */
  private evictBaseFee: bigint
  private pendingTotal = 0
  private queuedTotal = 0
  /** 32 KiB slots taken by every pooled tx. */
  private slotsTotal = 0
  /** Txs that left the pool, to be forgotten by the journal at the end of this turn. */
  private readonly unjournaled = new Set<Hex>()
  private unjournalScheduled = false
  /** The newest block's txs: their commit already took them out of the journal. */
  private includedInHead = new Set<Hex>()
  /** Bumped on every new head: state read at an older epoch is stale. */
  private epoch = 0
  private readonly listeners = new Set<PendingListener>()
  /** Txs already announced to `onPending` listeners, so re-promotions stay silent. */
  private readonly announced = new WeakSet<PooledTx>()

  constructor(deps: TxPoolDeps, options: Partial<TxPoolOptions> = {}) {
    this.deps = deps
    this.options = resolveTxPoolOptions(options)
    this.evictBaseFee = deps.head().baseFee
    this.evictHeap = new IndexedHeap<SenderQueue>(
      (a, b) => compareForEviction(a.tailQueued, a.tail!, b.tailQueued, b.tail!, this.evictBaseFee) < 0,
    )
  }

  /** Transactions in the pool, pending and queued. */
  get size(): number {
    return this.all.size
  }

  /** 32 KiB slots the pooled transactions take (at most `maxPending + maxQueued`). */
  get slots(): number {
    return this.slotsTotal
  }

  /** Encoded bytes of the pooled transactions (O(pool): for tests and diagnostics). */
  get bytes(): number {
    let n = 0
    for (const ptx of this.all.values()) n += ptx.raw.length
    return n
  }

  /**
   * Checks a raw transaction's envelope (size, gas cap, chain id) before it is
   * constructed; pass it to `decodeRawTransaction` as its `check`.
   */
  checkEnvelope = (env: TxEnvelope): void => {
    validateEnvelope(env, { chainId: this.deps.chainId, common: this.deps.common, options: this.options })
  }

  /**
   * Validates `ptx` and pools it, or throws a `TxPoolError`. Resolves once the tx is in
   * (pending or queued) and, with a journal, recorded there. Costs O(log senders +
   * maxPerSender) and, unless the sender's state was already read at this head, one
   * nonce and one balance read.
   */
  async add(ptx: PooledTx, options: AddOptions = {}): Promise<void> {
    const write = await this.admit(ptx, options.journaled === true ? undefined : this.deps.journal)
    if (write === undefined) return
    try {
      await write.recorded
    } catch (err) {
      // Refused rather than acknowledged: a restart could lose it.
      if (this.all.get(ptx.hash) === ptx) this.remove(ptx.hash)
      throw new JournalWriteError(err)
    }
  }

  /**
   * Checks and inserts `ptx`; with a journal, starts its record in the same turn as the
   * insertion, so that it is queued before any later removal of the tx from the journal.
   */
  private async admit(ptx: PooledTx, journal: TxPoolJournal | undefined): Promise<JournalWrite | undefined> {
    if (this.all.has(ptx.hash)) throw new AlreadyKnownError(ptx.hash)
    const head = this.deps.head()
    validateTxBasics(ptx, {
      chainId: this.deps.chainId,
      common: this.deps.common,
      options: this.options,
      baseFee: head.baseFee,
      blockGasLimit: head.gasLimit,
    })
    const q = this.senders.get(ptx.sender)
    if (q !== undefined && q.stateEpoch === this.epoch) {
      this.insert(ptx, q.stateNonce, q.balance, q.stateEpoch)
    } else {
      const s = await this.readState(ptx.sender)
      this.insert(ptx, s.nonce, s.balance, s.epoch)
    }
    return journal === undefined ? undefined : { recorded: journal.record(ptx.hash, ptx.raw, ptx.receivedAt) }
  }

  /** Removes a tx (e.g. found invalid while building); the sender's later txs become queued. */
  remove(hash: Hex): boolean {
    const ptx = this.all.get(hash)
    if (ptx === undefined) return false
    const q = this.senders.get(ptx.sender)!
    const pendingBefore = q.pendingCount
    const sizeBefore = q.size
    q.removeAt(q.find(ptx.nonce))
    this.untrack(ptx)
    this.settle(q, pendingBefore, sizeBefore)
    this.trimQueued()
    return true
  }

  /**
   * Brings the pool to a new head: drops the included txs, re-reads nonce and balance of
   * their senders (and `touched`), drops what is now stale or unaffordable or over the
   * block gas limit, and re-derives pending/queued for those senders only.
   */
  async onNewHead(update: NewHeadUpdate): Promise<void> {
    this.epoch++
    this.includedInHead = new Set(update.included.map((item) => (typeof item === 'string' ? item : item.hash)))
    const affected = new Set<Hex>()
    for (const item of update.included) {
      let sender: Hex | undefined
      let nonce: bigint | undefined
      if (typeof item === 'string') {
        const ptx = this.all.get(item)
        sender = ptx?.sender
        nonce = ptx?.nonce
      } else {
        sender = item.sender.toLowerCase() as Hex
        nonce = item.nonce ?? this.all.get(item.hash)?.nonce
      }
      if (sender === undefined) continue
      affected.add(sender)
      const q = this.senders.get(sender)
      if (q === undefined) continue
      if (nonce !== undefined && nonce >= q.stateNonce) {
        // An included nonce n means the state nonce is now > n: advance at once so the
        // sender's later txs stay pending (no demote/re-promote flicker) until the read.
        this.resetSender(q, nonce + 1n)
      } else if (typeof item !== 'string') {
        this.remove(item.hash)
      }
    }
    for (const sender of update.touched ?? []) affected.add(sender.toLowerCase() as Hex)
    this.syncEvictionBaseFee()

    const senders = [...affected].filter((s) => this.senders.has(s))
    if (senders.length === 0) return
    const states = await Promise.all(senders.map((s) => this.readState(s)))
    const { gasLimit } = this.deps.head()
    for (let i = 0; i < senders.length; i++) {
      const q = this.senders.get(senders[i]!)
      if (q !== undefined) this.refresh(q, states[i]!, gasLimit)
    }
  }

  /**
   * The head went back (the chain rewound after an L1 reorg): every sender's state is
   * re-read, then the transactions of the removed blocks, oldest first, are offered
   * again. Those that are no longer valid (or already pooled) are dropped silently:
   * they were in a block the network no longer has, as geth does on a reorg.
   */
  async onRewind(returned: readonly PooledTx[]): Promise<void> {
    this.epoch++
    // The blocks that included them are gone: whatever leaves the pool now is journaled.
    this.includedInHead = new Set()
    this.syncEvictionBaseFee()
    const senders = [...this.senders.keys()]
    const states = await Promise.all(senders.map((s) => this.readState(s)))
    const { gasLimit } = this.deps.head()
    for (let i = 0; i < senders.length; i++) {
      const q = this.senders.get(senders[i]!)
      if (q !== undefined) this.refresh(q, states[i]!, gasLimit)
    }
    for (const ptx of returned) {
      if (this.all.has(ptx.hash)) continue
      try {
        await this.add(ptx)
      } catch (err) {
        this.deps.logger?.debug({ hash: ptx.hash, err: (err as Error).message }, 'txpool: dropped a transaction of a rewound block')
      }
    }
  }

  /**
   * Pending txs for a block at `baseFee`, best effective tip first, each sender in nonce
   * order. Takes a snapshot (O(pending)); the pool may change while it is consumed.
   */
  selectForBlock(baseFee: bigint): BlockTxSelector {
    const lists: PooledTx[][] = []
    for (const q of this.senders.values()) if (q.pendingCount > 0) lists.push(q.pendingTxs())
    return new BlockTxSelector(lists, baseFee)
  }

  get(hash: Hex): PooledTx | undefined {
    return this.all.get(hash)
  }

  has(hash: Hex): boolean {
    return this.all.has(hash)
  }

  /** The hash of every pooled transaction, pending and queued. */
  hashes(): Hex[] {
    return [...this.all.keys()]
  }

  /**
   * The nonce the sender's next tx should use: state nonce plus its contiguous pending
   * txs (`eth_getTransactionCount` at `pending`).
   */
  async pendingNonce(sender: Hex): Promise<bigint> {
    const key = sender.toLowerCase() as Hex
    const cached = this.senders.get(key)
    if (cached !== undefined && cached.stateEpoch === this.epoch) return cached.nextNonce
    const epoch = this.epoch
    const nonce = await this.deps.state.getNonce(key)
    const q = this.senders.get(key)
    if (q === undefined) return nonce
    // Only ever move the nonce forward here; the balance is re-checked on the next read.
    if (nonce > q.stateNonce && epoch >= q.stateEpoch) this.resetSender(q, nonce)
    return q.nextNonce
  }

  status(): TxPoolStatus {
    return { pending: this.pendingTotal, queued: this.queuedTotal }
  }

  /** Everything pooled, for `txpool_content`. */
  content(): TxPoolContent {
    const pending: Record<Hex, Record<string, PooledTx>> = {}
    const queued: Record<Hex, Record<string, PooledTx>> = {}
    for (const [sender, q] of this.senders) {
      const c = splitByNonce(q)
      if (q.pendingCount > 0) pending[sender] = c.pending
      if (q.queuedCount > 0) queued[sender] = c.queued
    }
    return { pending, queued }
  }

  /** One sender's txs, for `txpool_contentFrom`. */
  contentFrom(sender: Hex): TxPoolContentFrom {
    const q = this.senders.get(sender.toLowerCase() as Hex)
    return q === undefined ? { pending: {}, queued: {} } : splitByNonce(q)
  }

  /** All pending txs, grouped by sender in nonce order. */
  pendingTxs(): PooledTx[] {
    const out: PooledTx[] = []
    for (const q of this.senders.values()) {
      for (let i = 0; i < q.pendingCount; i++) out.push(q.txs[i]!)
    }
    return out
  }

  /**
   * Calls `listener` with each tx that becomes pending (added executable, promoted by a
   * filled gap, or replacing a pending one), once per tx. Returns the unsubscribe.
   */
  onPending(listener: PendingListener): () => void {
    this.listeners.add(listener)
    return () => {
      this.listeners.delete(listener)
    }
  }

  /** The synchronous part of `add`: state-dependent checks, room, insertion. */
  private insert(ptx: PooledTx, stateNonce: bigint, balance: bigint, epoch: number): void {
    if (this.all.has(ptx.hash)) throw new AlreadyKnownError(ptx.hash)
    const sender = ptx.sender
    let q = this.senders.get(sender)
    if (q !== undefined && epoch > q.stateEpoch) {
      this.refresh(q, { nonce: stateNonce, balance, epoch }, this.deps.head().gasLimit)
      q = this.senders.get(sender)
    }
    if (q !== undefined) {
      // the list's state is at least as new as ours
      stateNonce = q.stateNonce
      balance = q.balance
      epoch = q.stateEpoch
    }

    if (ptx.nonce < stateNonce) throw new NonceTooLowError(stateNonce, ptx.nonce)
    const cost = txCost(ptx)
    if (balance < cost) throw new InsufficientFundsError('tx', balance, cost, 0n)
    const spent = q?.pendingCost ?? 0n
    const at = q === undefined ? -1 : q.find(ptx.nonce)
    if (q !== undefined && at >= 0) {
      this.replace(q, at, ptx, cost, balance)
      return
    }
    if (balance < spent + cost) throw new InsufficientFundsError('queued', balance, cost, spent)
    if (q !== undefined && q.size >= this.options.maxPerSender) throw new AccountLimitExceededError(q.size)

    const willBePending = ptx.nonce === (q?.nextNonce ?? stateNonce)
    this.makeRoom(ptx, willBePending, txSlotsOf(ptx.raw.length), !willBePending)

    q = this.senders.get(sender) // eviction may have emptied and dropped it
    if (q === undefined) {
      q = new SenderQueue(sender, stateNonce, balance, epoch)
      this.senders.set(sender, q)
    }
    const pendingBefore = q.pendingCount
    const sizeBefore = q.size
    const promoted = q.insert(ptx, -q.find(ptx.nonce) - 1)
    this.track(ptx)
    this.settle(q, pendingBefore, sizeBefore)
    this.announce(promoted)
  }

  /** Same sender and nonce: geth's rule, both fee caps strictly higher and by the bump. */
  private replace(q: SenderQueue, at: number, ptx: PooledTx, cost: bigint, balance: bigint): void {
    const old = q.txs[at]!
    const pending = at < q.pendingCount
    if (pending) {
      const bump = cost - txCost(old)
      if (balance < q.pendingCost + bump) {
        throw new InsufficientFundsError('bumped', balance, bump, q.pendingCost)
      }
    } else if (balance < q.pendingCost + cost) {
      throw new InsufficientFundsError('queued', balance, cost, q.pendingCost)
    }
    if (!outbids(ptx, old, BigInt(this.options.priceBumpPercent))) throw new ReplaceUnderpricedError()
    // A bigger replacement needs room for the slots it adds; eviction takes only tails
    // above its nonce from this sender, so `at` still points at `old`.
    this.makeRoom(ptx, pending, txSlotsOf(ptx.raw.length) - txSlotsOf(old.raw.length), false)
    q.replaceAt(at, ptx)
    this.untrack(old)
    this.track(ptx)
    if (at === q.size - 1) this.evictHeap.update(q)
    if (pending) this.announce([ptx])
  }

  /**
   * Makes room for `ptx`: `slots` more slots within the capacity, and (`queuedPlace`) a
   * place among the queued. Each victim is some sender's highest-nonce tx, queued before
   * pending, cheapest first, and each must be worth less than `ptx` (an executable `ptx`
   * outranks any queued victim); a gapped `ptx` never evicts a pending tx, and no sender
   * loses a nonce below `ptx`'s own. All or nothing: if one victim cannot go, the ones
   * already evicted are put back and the error is thrown.
   */
  private makeRoom(ptx: PooledTx, willBePending: boolean, slots: number, queuedPlace: boolean): void {
    const capacity = this.options.maxPending + this.options.maxQueued
    const slotsFull = () => this.slotsTotal + slots > capacity
    const queuedFull = () => queuedPlace && this.queuedTotal + 1 > this.options.maxQueued
    if (!slotsFull() && !queuedFull()) return
    if (slots > capacity) throw new TxPoolOverflowError()
    this.syncEvictionBaseFee()
    const evicted: { q: SenderQueue; victim: PooledTx; queued: boolean }[] = []
    try {
      while (slotsFull() || queuedFull()) {
        const victims = this.evictHeap.peek()
        const victim = victims?.tail
        if (victims === undefined || victim === undefined) throw new TxPoolOverflowError()
        const victimQueued = victims.tailQueued
        if (queuedFull() && !victimQueued) throw new TxPoolOverflowError()
        if (!willBePending && !victimQueued) {
          throw comparePrice(ptx, victim, this.evictBaseFee) > 0 ? new FutureReplacePendingError() : new UnderpricedError()
        }
        // An executable tx outranks any queued victim; within one class it must pay more.
        const outranks = willBePending && victimQueued
        if (!outranks && comparePrice(ptx, victim, this.evictBaseFee) <= 0) throw new UnderpricedError()
        // Evicting one's own lower nonce (or the tx being replaced) would leave the
        // incoming tx behind a gap it made.
        if (victims.sender === ptx.sender && victim.nonce <= ptx.nonce) throw new TxPoolOverflowError()
        this.dropTail(victims)
        evicted.push({ q: victims, victim, queued: victimQueued })
      }
    } catch (err) {
      for (let i = evicted.length - 1; i >= 0; i--) this.restoreTail(evicted[i]!.q, evicted[i]!.victim)
      throw err
    }
    for (const { victim, queued } of evicted) {
      this.deps.logger?.debug(
        { hash: victim.hash, sender: victim.sender, nonce: victim.nonce, queued, by: ptx.hash },
        'txpool: evicted cheapest tx',
      )
    }
  }

  /** Takes a sender's highest-nonce tx out (an eviction). */
  private dropTail(q: SenderQueue): PooledTx {
    const pendingBefore = q.pendingCount
    const sizeBefore = q.size
    const victim = q.removeAt(q.size - 1)
    this.untrack(victim)
    this.settle(q, pendingBefore, sizeBefore)
    return victim
  }

  /** Undoes `dropTail` (within the same turn, so the journal never saw it leave). */
  private restoreTail(q: SenderQueue, victim: PooledTx): void {
    if (this.senders.get(q.sender) !== q) this.senders.set(q.sender, q) // settle dropped it when it emptied
    const pendingBefore = q.pendingCount
    const sizeBefore = q.size
    q.insert(victim, q.size)
    this.track(victim)
    this.settle(q, pendingBefore, sizeBefore)
  }

  /** Re-checks a sender against state read at `s.epoch` (ignored if older than the list's). */
  private refresh(q: SenderQueue, s: SenderState, gasLimit: bigint): void {
    if (s.epoch < q.stateEpoch) return
    q.balance = s.balance
    q.stateEpoch = s.epoch
    const change = this.resetSender(q, s.nonce, (ptx) => txCost(ptx) <= s.balance && ptx.gasLimit <= gasLimit)
    if (change.dropped.length > 0) {
      this.deps.logger?.debug({ sender: q.sender, dropped: change.dropped.length }, 'txpool: dropped stale or unaffordable txs')
    }
  }

  /**
   * Re-derives a sender's list for state nonce `nonce`, dropping what `keep` refuses,
   * and books the result: lookups, counters, heap, announcements.
   */
  private resetSender(q: SenderQueue, nonce: bigint, keep?: (ptx: PooledTx) => boolean): SenderQueueChange {
    const pendingBefore = q.pendingCount
    const sizeBefore = q.size
    const change = q.reset(nonce, keep)
    for (const ptx of change.dropped) this.untrack(ptx)
    this.settle(q, pendingBefore, sizeBefore)
    this.announce(change.promoted)
    this.trimQueued()
    return change
  }

  /**
   * Demotions (a removed or dropped tx leaves a gap) can push the queued count over
   * `maxQueued` without an add; evict the cheapest queued tails until it fits.
   */
  private trimQueued(): void {
    while (this.queuedTotal > this.options.maxQueued) {
      const q = this.evictHeap.peek()
      if (q === undefined || !q.tailQueued) return
      const victim = this.dropTail(q)
      this.deps.logger?.debug({ hash: victim.hash, sender: victim.sender, nonce: victim.nonce }, 'txpool: evicted queued tx over maxQueued')
    }
  }

  /** Books a tx that entered the pool. */
  private track(ptx: PooledTx): void {
    this.all.set(ptx.hash, ptx)
    this.slotsTotal += txSlotsOf(ptx.raw.length)
    // Left and came back within one turn: the journal must keep it.
    this.unjournaled.delete(ptx.hash)
  }

  /**
   * Books a tx that left the pool (evicted, replaced, dropped, removed, included) and has
   * the journal forget it at the end of this turn — except the newest block's txs, whose
   * commit already did.
   */
  private untrack(ptx: PooledTx): void {
    this.all.delete(ptx.hash)
    this.slotsTotal -= txSlotsOf(ptx.raw.length)
    if (this.deps.journal === undefined || this.includedInHead.has(ptx.hash)) return
    this.unjournaled.add(ptx.hash)
    if (this.unjournalScheduled) return
    this.unjournalScheduled = true
    queueMicrotask(() => this.flushUnjournaled())
  }

  /** One batch of journal removals for everything that left the pool in this turn. */
  private flushUnjournaled(): void {
    this.unjournalScheduled = false
    if (this.unjournaled.size === 0) return
    const hashes = [...this.unjournaled]
    this.unjournaled.clear()
    // A removal that fails leaves an entry the next start-up's replay drops.
    this.deps.journal!.forget(hashes).catch((err: unknown) => {
      this.deps.logger?.warn({ err: (err as Error).message, txs: hashes.length }, 'txpool: journal removal failed')
    })
  }

  /** Adjusts the global counters and the heap after one sender's list changed. */
  private settle(q: SenderQueue, pendingBefore: number, sizeBefore: number): void {
    this.pendingTotal += q.pendingCount - pendingBefore
    this.queuedTotal += q.size - q.pendingCount - (sizeBefore - pendingBefore)
    if (q.size === 0) {
      this.senders.delete(q.sender)
      this.evictHeap.remove(q)
    } else {
      this.evictHeap.update(q)
    }
  }

  private announce(txs: readonly PooledTx[]): void {
    for (const ptx of txs) {
      if (this.announced.has(ptx)) continue
      this.announced.add(ptx)
      for (const listener of this.listeners) {
        try {
          listener(ptx)
        } catch (err) {
          this.deps.logger?.debug({ err, hash: ptx.hash }, 'txpool: pending listener threw')
        }
      }
    }
  }

  private syncEvictionBaseFee(): void {
    const { baseFee } = this.deps.head()
    if (baseFee === this.evictBaseFee) return
    this.evictBaseFee = baseFee
    this.evictHeap.rebuild()
  }

  /** Nonce and balance at one head; re-read if a new head arrived meanwhile (up to 3 tries). */
  private async readState(sender: Hex): Promise<SenderState> {
    for (let attempt = 0; ; attempt++) {
      const epoch = this.epoch
      const [nonce, balance] = await Promise.all([this.deps.state.getNonce(sender), this.deps.state.getBalance(sender)])
      if (epoch === this.epoch || attempt === 2) return { nonce, balance, epoch }
    }
  }
}

/** A journal record in flight (wrapped: an async function would wait for a bare promise). */
interface JournalWrite {
  readonly recorded: Promise<void>
}

interface SenderState {
  readonly nonce: bigint
  readonly balance: bigint
  readonly epoch: number
}

/** geth's `list.Add` rule: strictly higher fee cap and tip, each by at least `bump` percent. */
function outbids(next: PooledTx, old: PooledTx, bump: bigint): boolean {
  if (next.maxFeePerGas <= old.maxFeePerGas || next.maxPriorityFeePerGas <= old.maxPriorityFeePerGas) return false
  const feeCapThreshold = (old.maxFeePerGas * (100n + bump)) / 100n
  const tipThreshold = (old.maxPriorityFeePerGas * (100n + bump)) / 100n
  return next.maxFeePerGas >= feeCapThreshold && next.maxPriorityFeePerGas >= tipThreshold
}

/** Orders by what a tx pays at `baseFee`: effective tip, then fee cap. */
function comparePrice(a: PooledTx, b: PooledTx, baseFee: bigint): number {
  const ta = effectiveTip(a, baseFee)
  const tb = effectiveTip(b, baseFee)
  if (ta !== tb) return ta < tb ? -1 : 1
  if (a.maxFeePerGas !== b.maxFeePerGas) return a.maxFeePerGas < b.maxFeePerGas ? -1 : 1
  return 0
}

/** Negative when `a` should be evicted before `b`: queued first, then cheaper, then newer. */
function compareForEviction(aQueued: boolean, a: PooledTx, bQueued: boolean, b: PooledTx, baseFee: bigint): number {
  if (aQueued !== bQueued) return aQueued ? -1 : 1
  const byPrice = comparePrice(a, b, baseFee)
  if (byPrice !== 0) return byPrice
  if (a.receivedAt !== b.receivedAt) return a.receivedAt > b.receivedAt ? -1 : 1
  return a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0
}

function splitByNonce(q: SenderQueue): TxPoolContentFrom {
  const pending: Record<string, PooledTx> = {}
  const queued: Record<string, PooledTx> = {}
  q.txs.forEach((ptx, i) => {
    ;(i < q.pendingCount ? pending : queued)[ptx.nonce.toString()] = ptx
  })
  return { pending, queued }
}
