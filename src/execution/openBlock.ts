import { Block, createBlock, createBlockHeader, type HeaderData } from '@ethereumjs/block'
import type { TypedTransaction } from '@ethereumjs/tx'
import { Bloom, type VM } from '@ethereumjs/vm'
import { BaseError } from '../primitives/errors.js'
import { isDepositTransaction, type DepositTransaction } from './depositTx.js'
import { devBaseFeeOf, devBaseFeeTx } from './devTx.js'
import { executeTx, journalDepth, type ChainTx, type ExecutedTx, type ExecutionContext } from './executeTx.js'
import type { L1FeeParams } from './l1Fee.js'
import type { PooledTx } from './pooledTx.js'
import { encodeBlockReceipts, type ReceiptToEncode, type StoredReceipt } from './receipts.js'
import type { BlockWrite } from '../storage/chainStore.js'
import { orderedTrieRoot } from './trieRoot.js'

/** Where the builder takes transactions from, best first (the pool's selection). */
export interface TxSource {
  next(): IteratorResult<PooledTx, undefined>
  /** The sender's remaining transactions must not be offered for this block. */
  skipSender(sender: `0x${string}`): void
}

/** Seconds spent in each phase of building a block (for metrics and profiling). */
export interface BuildTimings {
  /** System calls and every transaction through runTx. */
  execution: number
  /** Flushing the block's state changes into the trie and hashing it. */
  stateRoot: number
  /** Transactions and receipts tries. */
  tries: number
  /** Encoding and the LMDB write transaction. */
  storage: number
}

export interface BuiltBlock {
  block: Block
  timings: BuildTimings
  receipts: StoredReceipt[]
  included: PooledTx[]
  /** Transactions that failed validation at execution (nonce, balance): drop them. */
  invalid: { ptx: PooledTx; reason: string }[]
  /** Bytes of the signed (non-deposit) transactions in the block: what data availability carries. */
  txDataBytes: number
}

/**
 * A block sealed on the chain's head — roots computed, everything it writes encoded in
 * `write` — but not yet in storage: `commit` writes it (one storage transaction) and
 * makes it the head; `abandon` drops it. Until one of them, nothing else may build on,
 * import into or rewind the chain. The shared sequencer seals every chain's block of a
 * slot, records the slot, and only then commits them (`SlotJournal`).
 */
export interface SealedBlock extends BuiltBlock {
  readonly write: BlockWrite
  commit(): void
  abandon(): Promise<void>
}

/** What a chain does with a sealed block: `OpenBlock`'s hooks into `Chain`. */
export interface BlockSealer {
  /** Drains the block's state changes into a storage write (nothing is written yet). */
  prepare(block: Block, encodedReceipts: Uint8Array[]): Promise<{ write: BlockWrite; receipts: StoredReceipt[] }>
  /** Writes a prepared block and makes it the head. */
  commit(block: Block, write: BlockWrite, receipts: StoredReceipt[]): void
  /** Forgets everything not committed: the chain is back at its head. */
  reset(): Promise<void>
  stateRoot(): Promise<Uint8Array>
}

/** A block that fails validation (import, or a strict build). */
export class InvalidBlockError extends BaseError {
  override name = 'InvalidBlockError'
}

/** What became of a transaction offered to an open block. */
export type AddTxResult =
  | { kind: 'included'; executed: ExecutedTx }
  /** Invalid here (nonce, balance, a failed protocol check): nothing of it is in the block. */
  | { kind: 'invalid'; reason: string }
  /** Its gas limit (or its bytes) does not fit in what is left of the block. */
  | { kind: 'no-room' }

export interface AddTxOptions {
  /** A protocol check the transaction must pass first (see `BuildBlockParams.checkTx`). */
  checkTx?: (tx: TypedTransaction) => string | undefined
}

export interface FillOptions extends AddTxOptions {
  /** Every offered transaction must be included, else `InvalidBlockError` (replicas). */
  strict?: boolean
  /**
   * Most bytes of signed transactions the whole block may hold (what data availability
   * must carry); a transaction that would pass it is skipped like one that does not fit.
   */
  maxTxDataBytes?: number
  /**
   * Gas the fill must leave free in the block (what later transactions of the block are
   * promised: a network block's same-slot relays); a transaction that would eat into it
   * waits like one that does not fit.
   */
  gasReserve?: bigint
}

/** No signed transaction is shorter (a legacy transfer with a one-byte everything is ~85 bytes). */
const MIN_SIGNED_TX_BYTES = 64

interface Mark {
  txs: number
  included: number
  blockGasUsed: bigint
  receiptGasUsed: bigint
  txDataBytes: number
}

/**
 * A block under construction on a chain's head (`Chain.openBlock`): deposits already
 * run, transactions added one by one, each on the state the previous ones left. A
 * checkpoint marks a point to come back to — the EVM journal and the block's lists
 * together — so a caller can try a group of transactions and take them all back.
 * `seal` computes the roots and commits the block in one storage transaction; `abandon`
 * drops everything. Nothing is visible outside until `seal`.
 */
export class OpenBlock {
  private readonly toEncode: ReceiptToEncode[] = []
  private readonly rawTxs: Uint8Array[] = []
  private readonly blockTxs: ChainTx[] = []
  private readonly blooms: Bloom[] = []
  private readonly _included: PooledTx[] = []
  private readonly invalid: BuiltBlock['invalid'] = []
  private readonly marks: Mark[] = []
  private blockGasUsed = 0n
  private receiptGasUsed = 0n
  private _txDataBytes = 0
  private readonly ctx: ExecutionContext
  private readonly started = performance.now()
  private closed = false

  constructor(
    private readonly vm: VM,
    private readonly headerFields: HeaderData & { gasLimit: bigint; number: bigint; timestamp: bigint; baseFeePerGas?: bigint },
    l1Fee: L1FeeParams | undefined,
    /** The header's base fee is a dev transaction's (see `BuildBlockParams.baseFee`), not the parent's EIP-1559 value. */
    private readonly devBaseFee: boolean,
    private readonly sealer: BlockSealer,
  ) {
    this.ctx = { block: createBlock({ header: headerFields }, { common: vm.common, freeze: false }), l1Fee }
  }

  get number(): bigint {
    return this.headerFields.number
  }

  get timestamp(): bigint {
    return this.headerFields.timestamp
  }

  /** Gas still free in the block. */
  gasLeft(): bigint {
    return this.headerFields.gasLimit - this.blockGasUsed
  }

  get gasLimit(): bigint {
    return this.headerFields.gasLimit
  }

  /** The block's base fee (0 before London). */
  get baseFee(): bigint {
    return this.headerFields.baseFeePerGas ?? 0n
  }

  /** Bytes of the signed transactions added so far. */
  get txDataBytes(): number {
    return this._txDataBytes
  }

  async addDeposit(deposit: DepositTransaction): Promise<ExecutedTx> {
    this.assertOpen()
    const raw = deposit.serialize()
    const executed = await executeTx(this.vm, deposit, raw, this.ctx, this.receiptGasUsed)
    this.accept(deposit, raw, executed)
    return executed
  }

  /**
   * Runs a signed transaction on top of the block. Invalid ones (and ones that fail the
   * protocol check) leave no trace; a transaction that reverts is included, as on any
   * chain — the caller reads `executed.receipt.status`.
   */
  async addTx(ptx: PooledTx, opts: AddTxOptions = {}): Promise<AddTxResult> {
    this.assertOpen()
    if (this.gasLeft() < ptx.gasLimit) return { kind: 'no-room' }
    let rejected: string | undefined
    try {
      rejected = opts.checkTx?.(ptx.tx)
    } catch (err) {
      // A check that throws refuses the transaction, never the block.
      rejected = `the protocol check failed: ${(err as Error)?.message ?? String(err)}`
    }
    rejected ??= this.misplacedBaseFee(ptx.tx)
    if (rejected !== undefined) return { kind: 'invalid', reason: rejected }
    const vm = this.vm
    const height = journalDepth(vm)
    let executed: ExecutedTx
    try {
      executed = await executeTx(vm, ptx.tx, ptx.raw, this.ctx, this.receiptGasUsed)
    } catch (err) {
      // Invalid for this block (nonce, balance, …) — or an exception from inside the
      // EVM, after which ethereumjs leaves nested checkpoints open. Unwind the journal
      // to where it stood before the tx so none of its effects (gas purchase, nonce)
      // can reach the block.
      while (journalDepth(vm) > height) await vm.evm.journal.revert()
      return { kind: 'invalid', reason: (err as Error).message }
    }
    this.accept(ptx.tx, ptx.raw, executed)
    this._included.push(ptx)
    return { kind: 'included', executed }
  }

  /**
   * Adds what `source` offers, best first, until it runs dry or not even a transfer
   * fits (geth: a transaction that does not fit is skipped with its sender). Invalid
   * transactions are reported in the sealed block's `invalid` for the pool to drop. In
   * a strict build (replicas) every offered transaction must be included: anything
   * else throws `InvalidBlockError`.
   */
  async fill(source: TxSource, opts: FillOptions = {}): Promise<void> {
    for (let it = source.next(); !it.done; it = source.next()) {
      const ptx = it.value
      if (opts.maxTxDataBytes !== undefined && this._txDataBytes + ptx.raw.length > opts.maxTxDataBytes) {
        if (opts.strict) throw new InvalidBlockError(`transaction ${ptx.hash} passes the block's data limit`)
        // Left in the pool for a later block; smaller transactions may still fit.
        source.skipSender(ptx.sender)
        if (opts.maxTxDataBytes - this._txDataBytes < MIN_SIGNED_TX_BYTES) break
        continue
      }
      const res = opts.gasReserve !== undefined && this.gasLeft() - opts.gasReserve < ptx.gasLimit ? ({ kind: 'no-room' } as const) : await this.addTx(ptx, opts)
      if (res.kind === 'included') continue
      if (res.kind === 'no-room') {
        if (opts.strict) throw new InvalidBlockError(`transaction ${ptx.hash} does not fit in the block's remaining gas`)
        source.skipSender(ptx.sender)
        if (this.gasLeft() - (opts.gasReserve ?? 0n) < 21_000n) break
        continue
      }
      if (opts.strict) throw new InvalidBlockError(`transaction ${ptx.hash} is invalid: ${res.reason}`)
      this.invalid.push({ ptx, reason: res.reason })
      source.skipSender(ptx.sender)
    }
  }

  /** Marks the current point; `revert` comes back to it, `release` keeps what followed. */
  async checkpoint(): Promise<void> {
    this.assertOpen()
    await this.vm.evm.journal.checkpoint()
    this.marks.push({
      txs: this.blockTxs.length,
      included: this._included.length,
      blockGasUsed: this.blockGasUsed,
      receiptGasUsed: this.receiptGasUsed,
      txDataBytes: this._txDataBytes,
    })
  }

  /** Takes back every transaction since the newest checkpoint. */
  async revert(): Promise<void> {
    const mark = this.popMark()
    await this.vm.evm.journal.revert()
    for (const list of [this.toEncode, this.rawTxs, this.blockTxs, this.blooms] as unknown[][]) list.length = mark.txs
    this._included.length = mark.included
    this.blockGasUsed = mark.blockGasUsed
    this.receiptGasUsed = mark.receiptGasUsed
    this._txDataBytes = mark.txDataBytes
  }

  /** Keeps the transactions since the newest checkpoint and forgets the checkpoint. */
  async release(): Promise<void> {
    this.popMark()
    await this.vm.evm.journal.commit()
  }

  /** Computes the roots and commits the block (one storage transaction). */
  async seal(): Promise<BuiltBlock> {
    const sealed = await this.sealPending()
    const t = performance.now()
    sealed.commit()
    sealed.timings.storage += (performance.now() - t) / 1000
    return sealed
  }

  /**
   * Computes the roots and encodes everything the block writes, without writing it: the
   * caller commits or abandons the returned block (see `SealedBlock`).
   */
  async sealPending(): Promise<SealedBlock> {
    this.assertOpen()
    if (this.marks.length > 0) throw new Error('seal with an open checkpoint')
    this.closed = true
    const t1 = performance.now()
    try {
      if (this.devBaseFee && devBaseFeeOf(this.blockTxs) !== this.headerFields.baseFeePerGas) {
        throw new InvalidBlockError(`block ${this.number}: its base fee ${this.headerFields.baseFeePerGas} is a dev transaction's, but its first transaction after the deposits is not that dev transaction`)
      }
      // The outermost commit flushes the block's cached writes into the trie.
      await this.vm.evm.journal.commit()
      const stateRoot = await this.sealer.stateRoot()
      const t2 = performance.now()
      const encodedReceipts = encodeBlockReceipts(this.toEncode)
      const transactionsTrie = orderedTrieRoot(this.rawTxs)
      const receiptTrie = orderedTrieRoot(encodedReceipts)
      const bloom = new Bloom(undefined, this.vm.common)
      for (const b of this.blooms) bloom.or(b)
      const t3 = performance.now()
      const common = this.vm.common
      const header = createBlockHeader(
        { ...this.headerFields, stateRoot, transactionsTrie, receiptTrie, logsBloom: bloom.bitvector, gasUsed: this.blockGasUsed },
        { common },
      )
      // The Block constructor keeps the decoded transactions (createBlock would re-create each).
      const block = new Block(header, this.blockTxs as TypedTransaction[], [], common.isActivatedEIP(4895) ? [] : undefined, { common })
      const { write, receipts } = await this.sealer.prepare(block, encodedReceipts)
      const t4 = performance.now()
      const timings = { execution: (t1 - this.started) / 1000, stateRoot: (t2 - t1) / 1000, tries: (t3 - t2) / 1000, storage: (t4 - t3) / 1000 }
      const sealer = this.sealer
      let settled = false
      const settle = () => {
        if (settled) throw new Error('the sealed block is already committed or abandoned')
        settled = true
      }
      return {
        block,
        timings,
        receipts,
        included: this._included,
        invalid: this.invalid,
        txDataBytes: this._txDataBytes,
        write,
        commit() {
          settle()
          sealer.commit(block, write, receipts)
        },
        async abandon() {
          if (settled) return
          settled = true
          await sealer.reset()
        },
      }
    } catch (err) {
      await this.sealer.reset()
      throw err
    }
  }

  /** Drops the block: the chain is as it was before `openBlock`. */
  async abandon(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.sealer.reset()
  }

  /**
   * Why a base-fee dev transaction may not be here, if it is one: it must be the block's
   * first after the deposits and say exactly the header's base fee, so the header follows
   * from the transactions (a replica opens the block with the same value).
   */
  private misplacedBaseFee(tx: ChainTx): string | undefined {
    const fee = devBaseFeeTx(tx)
    if (fee === undefined) return undefined
    if (this.blockTxs.some((t) => !isDepositTransaction(t))) return 'a base-fee dev transaction must be the block\'s first after its deposits'
    if (fee !== this.headerFields.baseFeePerGas) return `the base-fee dev transaction sets ${fee}, but the block was opened with base fee ${this.headerFields.baseFeePerGas}`
    return undefined
  }

  private accept(tx: ChainTx, raw: Uint8Array, res: ExecutedTx): void {
    if (!isDepositTransaction(tx)) this._txDataBytes += raw.length
    this.blockGasUsed += res.blockGasSpent
    this.receiptGasUsed += res.receiptGasSpent
    this.blooms.push(res.bloom)
    this.toEncode.push({ receipt: res.receipt, type: tx.type, depositNonce: res.depositNonce })
    this.rawTxs.push(raw)
    this.blockTxs.push(tx)
  }

  private popMark(): Mark {
    this.assertOpen()
    const mark = this.marks.pop()
    if (!mark) throw new Error('no open checkpoint')
    return mark
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the block is already sealed or abandoned')
  }
}
