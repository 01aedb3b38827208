import type { TypedTransaction } from '@ethereumjs/tx'
import type { Chain } from '../execution/chain.js'
import type { DepositTransaction } from '../execution/depositTx.js'
import type { L1FeeParams } from '../execution/l1Fee.js'
import type { BuiltBlock, OpenBlock, SealedBlock, TxSource } from '../execution/openBlock.js'
import type { PooledTx } from '../execution/pooledTx.js'
import type { Block } from '@ethereumjs/block'
import { isDepositTransaction } from '../execution/depositTx.js'
import { isDevTransaction } from '../execution/devTx.js'
import { BaseError, RpcErrorCode } from '../primitives/errors.js'
import { hexToBytes, toData, type Hex } from '../primitives/hex.js'
import type { ChainExecutor, ExecutorStatus, Rewound, SealedPayload } from './chainExecutor.js'
import type { DevTxQueue } from './devTxQueue.js'
import { rewindForReorg } from './l1Reorg.js'
import { failureOf, relayGasBudget, type RelayOutcome } from './slotBuilder.js'

/**
 * What the coordinator tells an executor to build on its chain's head for a slot: the
 * Engine API's payload attributes, with what a shared slot adds.
 */
export interface PayloadAttributes {
  slot: bigint
  timestamp: bigint
  coinbase: Uint8Array
  gasLimit?: bigint
  /** Forced transactions: the L1-info deposit, then the origin's deposits. */
  deposits?: readonly DepositTransaction[]
  l1Fee?: L1FeeParams
  /** Most bytes of signed transactions in the block (the network's block data limit). */
  maxTxDataBytes?: number
  /** The chain's turn failed in an earlier attempt at this slot: deposits only this time. */
  depositsOnly?: boolean
  /**
   * What the pool leaves free for relays of messages sent earlier in this slot (default
   * `MIN_SAME_SLOT_RESERVE`); never more than the relay budget left, nor a quarter of the data.
   */
  sameSlotReserve?: { gas: bigint; bytes: number }
}

/**
 * The least the pool leaves for same-slot relays: about ten relays' gas, forty relays'
 * bytes. The sequencer raises it for a chain that received more in its last slot.
 */
export const MIN_SAME_SLOT_RESERVE = { gas: 2_000_000n, bytes: 16 * 1024 } as const

/** The block just opened, as the coordinator needs it to sign relays for it. */
export interface OpenedPayload {
  number: bigint
  timestamp: bigint
  baseFee: bigint
  gasLimit: bigint
  /** The network relayer's next nonce on this chain: the first relay of the block takes it. */
  relayerNonce: bigint
}

/** A relay the coordinator signed for this block, with the nonce after the previous one's. */
export interface SignedRelay {
  msgHash: Hex
  ptx: PooledTx
}

/**
 * One leg of a bundle on this chain: included, or why not; `noRoom` when the block's data
 * limit leaves no room for it (the bundle waits for a later slot rather than failing).
 */
export type BundleLegResult = { ok: true } | { ok: false; hash: Hex; reason: string; noRoom?: true }

/**
 * A block sealed earlier in the slot by a chain built before this one, as this chain's
 * checks see it: its number, timestamp and every log's emitter and payload hash, in
 * block-wide log-index order (what an executing message's identifier points at).
 */
export interface SealedDigest {
  number: bigint
  timestamp: bigint
  /** By log index, with holes: only the logs the slot's same-slot relays execute. */
  logs: readonly ({ origin: Hex; payloadHash: Hex } | undefined)[]
}

/** The slot's blocks sealed so far, by chain id. */
export type SealedDigests = ReadonlyMap<bigint, SealedDigest>

/** The protocol check of a block's transactions, given the blocks sealed earlier in the slot. */
export type CheckTxFor = (block: { number: bigint; timestamp: bigint }, sealed: SealedDigests) => (tx: TypedTransaction) => string | undefined

export interface PayloadBuilderDeps {
  chainId: bigint
  chain: Chain
  /** The chain's pool: its best transactions for a block, and told what a committed block did with them. */
  pool: PayloadPool
  /** The network relayer's address (its nonce is reported at open). */
  relayer: Hex
  checkTx: CheckTxFor
  /** A dev network chain's dev transactions: first after the deposits. */
  devTxs?: DevTxQueue
  /** Told of each block committed, with the seconds from its opening to its commit. */
  onProduced?: (built: BuiltBlock, seconds: number) => void
  /**
   * Whether `sealPayload` writes the block as the chain's prepared block before it answers
   * (phase one of the slot's two-phase commit; default true). False only where this
   * chain's commit is the whole slot's, with no decision log (a chain on its own).
   */
  prepare?: boolean
}

/** What the builder needs of the chain's pool (`TxPool`). */
export interface PayloadPool {
  /** The pool's transactions for a block at `baseFee`, best first. */
  selectForBlock(baseFee: bigint): TxSource
  /** Drops a transaction that failed at execution. */
  remove(hash: Hex): void
  onNewHead(change: { included: { hash: Hex; sender: Hex; nonce: bigint }[]; touched?: Hex[] }): Promise<unknown>
  /** After a rewind: every sender's state read again, then `returned` put back (each as if sent again). */
  onRewind(returned: readonly PooledTx[]): Promise<void>
}

/** A payload sealed in this thread: with the block's storage write (what it prepared). */
export interface LocalSealedPayload extends SealedPayload {
  sealed: SealedBlock
}

/** A call out of order (no payload open, a bundle leg while another is unsettled…): a bug of the caller. */
export class PayloadStateError extends BaseError {
  override name = 'PayloadStateError'
  constructor(message: string) {
    super(message, { rpcCode: RpcErrorCode.Server })
  }
}

/**
 * A payload opened while the chain holds a prepared block: the coordinator must commit or
 * drop it first (after a restart, from its hello), never build over it — it may belong to
 * a slot the coordinator decided.
 */
export class PreparedBlockPendingError extends BaseError {
  override name = 'PreparedBlockPendingError'
  constructor(chainId: bigint, slot: bigint, hash: Hex) {
    super(`chain ${chainId} holds block ${hash} prepared for slot ${slot}: the coordinator must commit or drop it (plexus_executorHello, then forkchoiceUpdated) before a new payload`, {
      rpcCode: RpcErrorCode.Server,
    })
  }
}

/** The most of a block's data the pool may be asked to leave for same-slot relays: a quarter. */
export function relayDataReserve(maxTxDataBytes: number, wanted: number = Number.POSITIVE_INFINITY): number {
  return Math.min(Math.floor(maxTxDataBytes / 4), wanted)
}

/**
 * One chain's block of a slot, built in the phases the coordinator drives (see
 * docs/design/executors.md): `open` (deposits, dev transactions), bundle legs under
 * checkpoints kept or taken back by the coordinator, `fill` (relays of messages sent in
 * earlier slots, then the pool, leaving the rest of the relay budget free), `seal` (relays
 * of messages sent earlier in this slot, then roots), then `commit` or `abort`. Nothing
 * is written before `commit`; one payload at a time.
 *
 * The pool fills without waiting for any other chain: only `seal`'s relays depend on the
 * chains before this one in the slot. So the pool leaves room for them
 * (`sameSlotReserve`, within the relay budget and a quarter of the data): a same-slot
 * relay that finds none waits for the next slot's block.
 */
export class PayloadBuilder implements ChainExecutor {
  private open: OpenBlock | undefined
  private attrs: PayloadAttributes | undefined
  private sealed: SealedBlock | undefined
  private legOpen = false
  private openedAt = 0
  private relayGasUsed = 0n

  constructor(private readonly deps: PayloadBuilderDeps) {}

  get chainId(): bigint {
    return this.deps.chainId
  }

  /** Opens the slot's block on the head: system calls, deposits, and the dev transactions. */
  async openPayload(attrs: PayloadAttributes): Promise<OpenedPayload> {
    if (this.open || this.sealed) throw new PayloadStateError(`chain ${this.deps.chainId}: a payload is already open; abort or commit it first`)
    const { chain, devTxs } = this.deps
    if (chain.hasPreparedBlock()) {
      const prepared = chain.preparedBlock()!
      throw new PreparedBlockPendingError(this.deps.chainId, prepared.slot, toData(prepared.write.hash))
    }
    const devBaseFee = attrs.depositsOnly ? undefined : devTxs?.nextBaseFee()
    const open = await chain.openBlock({
      timestamp: attrs.timestamp,
      coinbase: attrs.coinbase,
      gasLimit: attrs.gasLimit,
      deposits: attrs.deposits,
      l1Fee: attrs.l1Fee,
      ...(devBaseFee !== undefined ? { baseFee: devBaseFee } : {}),
    })
    this.open = open
    this.attrs = attrs
    this.openedAt = performance.now()
    this.relayGasUsed = 0n
    if (devTxs && !attrs.depositsOnly) await open.fill(devTxs.source(), { maxTxDataBytes: attrs.maxTxDataBytes })
    const relayer = await chain.headAccount(hexToBytes(this.deps.relayer))
    return { number: open.number, timestamp: open.timestamp, baseFee: open.baseFee, gasLimit: open.gasLimit, relayerNonce: relayer?.nonce ?? 0n }
  }

  /**
   * Runs a bundle's transactions on this chain under a checkpoint; `settleBundle` keeps or
   * takes them back once the coordinator has every leg's result.
   */
  async applyBundleLeg(txs: readonly PooledTx[]): Promise<BundleLegResult> {
    const open = this.openOrThrow()
    if (this.legOpen) throw new PayloadStateError(`chain ${this.deps.chainId}: the previous bundle leg is not settled`)
    // Whatever the leg's fate, it is open until settled: the coordinator settles every leg.
    await open.checkpoint()
    this.legOpen = true
    const first = txs[0]?.hash ?? '0x'
    if (this.attrs!.depositsOnly) return { ok: false, hash: first, reason: `chain ${this.deps.chainId} carries its deposits only in this slot` }
    const bytes = txs.reduce((n, t) => n + t.raw.length, 0)
    const maxBytes = this.attrs!.maxTxDataBytes
    if (maxBytes !== undefined && open.txDataBytes + bytes > maxBytes) return { ok: false, hash: first, reason: "the block's data limit has no room for the bundle", noRoom: true }
    const checkTx = this.deps.checkTx({ number: open.number, timestamp: open.timestamp }, new Map())
    for (const ptx of txs) {
      try {
        const reason = failureOf(await open.addTx(ptx, { checkTx }))
        if (reason !== undefined) return { ok: false, hash: ptx.hash, reason }
      } catch (err) {
        // Not a transaction's failure (those are results): the bundle is refused all the same.
        return { ok: false, hash: ptx.hash, reason: `the bundle could not be executed: ${(err as Error)?.message ?? String(err)}` }
      }
    }
    return { ok: true }
  }

  /** Keeps (`keep`) or takes back the open bundle leg. */
  async settleBundle(keep: boolean): Promise<void> {
    const open = this.openOrThrow()
    if (!this.legOpen) throw new PayloadStateError(`chain ${this.deps.chainId}: no bundle leg to settle`)
    this.legOpen = false
    if (keep) await open.release()
    else await open.revert()
  }

  /**
   * The relays of messages sent in earlier slots (signed with consecutive nonces), then the
   * pool's transactions best first, within what the same-slot relays must still find.
   */
  async fill(relays: readonly SignedRelay[]): Promise<RelayOutcome[]> {
    const open = this.openOrThrow()
    if (this.legOpen) throw new PayloadStateError(`chain ${this.deps.chainId}: a bundle leg is not settled`)
    const attrs = this.attrs!
    if (attrs.depositsOnly) return []
    const at = { number: open.number, timestamp: open.timestamp }
    const checkTx = this.deps.checkTx(at, new Map())
    const outcomes = await this.addRelays(open, relays, checkTx)
    const reserve = attrs.sameSlotReserve ?? MIN_SAME_SLOT_RESERVE
    const budgetLeft = relayGasBudget(open.gasLimit) - this.relayGasUsed
    const gasReserve = reserve.gas < budgetLeft ? reserve.gas : budgetLeft
    const maxTxDataBytes = attrs.maxTxDataBytes === undefined ? undefined : attrs.maxTxDataBytes - relayDataReserve(attrs.maxTxDataBytes, reserve.bytes)
    await open.fill(this.deps.pool.selectForBlock(open.baseFee), { checkTx, maxTxDataBytes, gasReserve })
    return outcomes
  }

  /**
   * The relays of messages sent earlier in this slot (the chains before this one, whose
   * blocks are in `sealedSoFar`), then the roots: the block is sealed, and prepared — its
   * write recorded durably in the chain's store (one transaction) — before this returns,
   * but not committed.
   */
  async sealPayload(relays: readonly SignedRelay[], sealedSoFar: SealedDigests): Promise<LocalSealedPayload> {
    const open = this.openOrThrow()
    if (this.legOpen) throw new PayloadStateError(`chain ${this.deps.chainId}: a bundle leg is not settled`)
    const outcomes = this.attrs!.depositsOnly ? [] : await this.addRelays(open, relays, this.deps.checkTx({ number: open.number, timestamp: open.timestamp }, sealedSoFar))
    this.open = undefined
    const sealed = await open.sealPending()
    if (this.deps.prepare ?? true) {
      const t = performance.now()
      try {
        this.deps.chain.prepareBlock(this.attrs!.slot, sealed.write)
      } catch (err) {
        await sealed.abandon()
        throw err
      }
      sealed.timings.storage += (performance.now() - t) / 1000
    }
    this.sealed = sealed
    return { block: sealed.block, receipts: sealed.receipts, relays: outcomes, sealed }
  }

  /**
   * Makes `head` canonical (see `ChainExecutor.commitPayload`): the sealed block, or the
   * prepared one after a restart, is written (one storage transaction, which clears the
   * prepared record) and becomes the head; then the pool drops what it included (or found
   * invalid) and the dev queue hears of it. `head` already the head: a block prepared on
   * it is dropped.
   */
  async commitPayload(head: Hex): Promise<void> {
    const { chain, chainId } = this.deps
    const sealed = this.sealed
    if (sealed && toData(sealed.block.hash()) === head) {
      this.sealed = undefined
      const t = performance.now()
      sealed.commit()
      sealed.timings.storage += (performance.now() - t) / 1000
      await this.afterCommit(sealed)
      return
    }
    if (toData(chain.headHeader().hash()) === head) {
      await this.abort()
      return
    }
    const prepared = sealed ? undefined : chain.preparedBlock()
    if (prepared && toData(prepared.write.hash) === head) {
      const block = await chain.applyWrite(prepared.write)
      await this.deps.pool.onNewHead({ included: signedTxsOf(block) })
      return
    }
    throw new PayloadStateError(`chain ${chainId}: block ${head} is neither the head nor the prepared block`)
  }

  /** Whether the chain holds a prepared block (durably): one the coordinator must commit or drop before the next payload. */
  holdsPrepared(): boolean {
    return this.deps.chain.hasPreparedBlock()
  }

  /** The head, and the prepared block if any (from the store: it outlives a restart). */
  async hello(): Promise<ExecutorStatus> {
    const { chain, chainId } = this.deps
    const head = chain.headHeader()
    const prepared = chain.preparedBlock()
    return {
      chainId,
      head: { number: head.number, hash: toData(head.hash()) },
      ...(prepared ? { prepared: { slot: prepared.slot, number: prepared.write.number, hash: toData(prepared.write.hash) } } : {}),
    }
  }

  /**
   * Rewinds the chain to `toBlock` (see `ChainExecutor.rewind`): never under a payload in
   * progress (it was built on the head the rewind removes) nor over a prepared block (it
   * may belong to a slot the coordinator decided: commit or drop it first).
   */
  async rewind(toBlock: bigint, dropReason?: string): Promise<Rewound> {
    const { chain, chainId } = this.deps
    if (this.open || this.sealed) throw new PayloadStateError(`chain ${chainId}: a payload is in progress; abort or commit it before a rewind`)
    const prepared = chain.preparedBlock()
    if (prepared) throw new PreparedBlockPendingError(chainId, prepared.slot, toData(prepared.write.hash))
    const removed = await rewindForReorg(chain, toBlock)
    const head = chain.headHeader()
    return { head: { number: head.number, hash: toData(head.hash()) }, removed: dropReason === undefined ? removed : [], removedCount: removed.length }
  }

  /** Puts transactions a rewind removed back into the pool, every sender's state read again first (`ChainExecutor.restoreToPool`). */
  async restoreToPool(txs: readonly PooledTx[]): Promise<void> {
    await this.deps.pool.onRewind(txs)
  }

  private async afterCommit(sealed: SealedBlock): Promise<void> {
    const { pool } = this.deps
    for (const { ptx } of sealed.invalid) pool.remove(ptx.hash)
    await pool.onNewHead({
      included: sealed.included.map((p) => ({ hash: p.hash, sender: p.sender, nonce: p.nonce })),
      touched: sealed.invalid.map((i) => i.ptx.sender),
    })
    this.deps.devTxs?.onBuilt(sealed)
    this.deps.onProduced?.(sealed, (performance.now() - this.openedAt) / 1000)
  }

  /** Drops the payload, open or sealed, and the prepared record: the chain is back at its head. */
  async abort(): Promise<void> {
    const open = this.open
    const sealed = this.sealed
    this.open = undefined
    this.sealed = undefined
    this.legOpen = false
    if (open) await open.abandon()
    if (sealed) await sealed.abandon()
    this.deps.chain.dropPrepared()
  }

  /**
   * Adds relays in order within the block's relay gas budget. They carry consecutive
   * nonces, so the first one that is not included ends the list: the later ones wait for
   * the next slot (signed again then), never behind a nonce gap.
   */
  private async addRelays(open: OpenBlock, relays: readonly SignedRelay[], checkTx: (tx: TypedTransaction) => string | undefined): Promise<RelayOutcome[]> {
    const { chainId } = this.deps
    const maxBytes = this.attrs!.maxTxDataBytes
    const out: RelayOutcome[] = []
    const budget = relayGasBudget(open.gasLimit)
    let stopped = false
    for (const { msgHash, ptx } of relays) {
      if (stopped || this.relayGasUsed + ptx.gasLimit > budget || (maxBytes !== undefined && open.txDataBytes + ptx.raw.length > maxBytes)) {
        stopped = true
        out.push({ chainId, msgHash, ptx, ok: false, kind: 'no-room', included: false })
        continue
      }
      const res = await open.addTx(ptx, { checkTx })
      const reason = failureOf(res)
      if (res.kind === 'included') this.relayGasUsed += ptx.gasLimit
      else stopped = true
      out.push({ chainId, msgHash, ptx, ok: reason === undefined, kind: res.kind, included: res.kind === 'included', ...(reason === undefined ? {} : { reason }) })
    }
    return out
  }

  private openOrThrow(): OpenBlock {
    if (!this.open) throw new PayloadStateError(`chain ${this.deps.chainId}: no payload is open`)
    return this.open
  }
}

/** A block's signed transactions as the pool takes them (a block committed from its prepared record). */
function signedTxsOf(block: Block): { hash: Hex; sender: Hex; nonce: bigint }[] {
  return block.transactions
    .filter((tx) => !isDepositTransaction(tx) && !isDevTransaction(tx))
    .map((tx) => ({ hash: toData(tx.hash()), sender: tx.getSenderAddress().toString() as Hex, nonce: tx.nonce }))
}
