import type { TxSource } from '../execution/openBlock.js'
import type { BuiltBlock } from '../execution/openBlock.js'
import type { PooledTx } from '../execution/pooledTx.js'
import { devBaseFeeTx, pooledDevTx, type DevTransaction } from '../execution/devTx.js'
import { BaseError, LimitExceededError, RpcErrorCode } from '../primitives/errors.js'
import { toData, type Hex } from '../primitives/hex.js'

/** Where a dev transaction landed: the block that carries it is committed. */
export interface DevTxInclusion {
  hash: Hex
  blockNumber: bigint
  blockHash: Hex
}

/** A dev transaction that the block found invalid (an impersonated call with a wrong nonce, too little balance, …). */
export class DevTxRejectedError extends BaseError {
  override name = 'DevTxRejectedError'
  constructor(reason: string) {
    super(reason, { rpcCode: RpcErrorCode.Server })
  }
}

/** The queue stopped (the node is shutting down) before the transaction was in a block. */
export class DevTxAbandonedError extends BaseError {
  override name = 'DevTxAbandonedError'
  constructor() {
    super('the node stopped before the dev change was in a block; it was not applied', { rpcCode: RpcErrorCode.Server })
  }
}

/** Most dev transactions waiting at once: far above any test suite's burst, low enough to bound memory. */
export const MAX_PENDING_DEV_TXS = 10_000

interface Waiting {
  ptx: PooledTx
  resolve(inclusion: DevTxInclusion): void
  reject(err: Error): void
}

/**
 * A dev network chain's dev transactions (anvil's dev methods) waiting for its next block.
 * The shared sequencer puts them first in the block, after deposits, in arrival order
 * (`source`), and tells the queue what the committed block did (`onBuilt`): each caller's
 * promise then resolves with the block, or rejects with the reason it was invalid. A
 * transaction that does not fit (block gas, data limit) waits for the next block, in
 * order with the later ones of its account. Held in memory only: the caller has no answer
 * until the block is committed, so a crash before that loses only unanswered changes.
 */
export class DevTxQueue {
  private readonly waiting: Waiting[] = []
  private closed = false

  /** Queues `tx` for the next block; resolves once the block carrying it is committed. */
  submit(tx: DevTransaction): Promise<DevTxInclusion> {
    if (this.closed) return Promise.reject(new DevTxAbandonedError())
    if (this.waiting.length >= MAX_PENDING_DEV_TXS) {
      return Promise.reject(new LimitExceededError(`${MAX_PENDING_DEV_TXS} dev changes already wait for a block; retry after the next one`))
    }
    return new Promise((resolve, reject) => this.waiting.push({ ptx: pooledDevTx(tx), resolve, reject }))
  }

  /** The nonce after `sender`'s impersonated calls that wait, or undefined if none wait. */
  nextCallNonce(sender: Hex): bigint | undefined {
    let next: bigint | undefined
    for (const { ptx } of this.waiting) {
      const tx = ptx.tx as unknown as DevTransaction
      if (ptx.sender === sender && tx.body.kind === 'call' && (next === undefined || ptx.nonce >= next)) next = ptx.nonce + 1n
    }
    return next
  }

  /**
   * The base fee the next block must open with: the value of the first waiting
   * transaction when it is a base fee (anvil_setNextBlockBaseFeePerGas), else undefined.
   */
  nextBaseFee(): bigint | undefined {
    const first = this.waiting[0]
    return first === undefined ? undefined : devBaseFeeTx(first.ptx.tx)
  }

  /** The base fee of the newest waiting base-fee transaction: what blocks after those waiting now start from. */
  queuedBaseFee(): bigint | undefined {
    for (let i = this.waiting.length - 1; i >= 0; i--) {
      const fee = devBaseFeeTx(this.waiting[i]!.ptx.tx)
      if (fee !== undefined) return fee
    }
    return undefined
  }

  get size(): number {
    return this.waiting.length
  }

  /**
   * What the next block takes first, in arrival order. A transaction skipped (it does not
   * fit) holds back the later ones of its account, so two changes of one account never
   * land out of order. A base fee is valid only first in a block (`nextBaseFee` opens the
   * block with it): one that is not first ends the block's dev transactions, and it and
   * everything after it open the next block, so what was asked after it runs under it and
   * what was asked before it does not.
   */
  source(): TxSource {
    const list = this.waiting.map((w) => w.ptx)
    const end = list.findIndex((p, i) => i > 0 && devBaseFeeTx(p.tx) !== undefined)
    if (end >= 0) list.length = end
    const skipped = new Set<Hex>()
    let i = 0
    return {
      next: () => {
        while (i < list.length) {
          const ptx = list[i++]!
          if (!skipped.has(ptx.sender)) return { done: false, value: ptx }
        }
        return { done: true, value: undefined }
      },
      skipSender: (sender) => void skipped.add(sender.toLowerCase() as Hex),
    }
  }

  /** Settles the waiting transactions the committed block included or found invalid. */
  onBuilt(built: BuiltBlock): void {
    if (this.waiting.length === 0) return
    const included = new Set(built.included.map((p) => p.hash))
    const invalid = new Map(built.invalid.map((x) => [x.ptx.hash, x.reason]))
    const blockNumber = built.block.header.number
    const blockHash = toData(built.block.hash())
    const keep: Waiting[] = []
    for (const w of this.waiting) {
      if (included.has(w.ptx.hash)) w.resolve({ hash: w.ptx.hash, blockNumber, blockHash })
      else if (invalid.has(w.ptx.hash)) w.reject(new DevTxRejectedError(invalid.get(w.ptx.hash)!))
      else keep.push(w)
    }
    this.waiting.length = 0
    this.waiting.push(...keep)
  }

  /** Rejects everything still waiting (the node stops). */
  close(): void {
    this.closed = true
    for (const w of this.waiting.splice(0)) w.reject(new DevTxAbandonedError())
  }
}
