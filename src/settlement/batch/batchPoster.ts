import { encodeFunctionData, type Hex, type TransactionReceipt } from 'viem'
import { BaseError } from '../../primitives/errors.js'
import { toData } from '../../primitives/hex.js'
import type { Logger } from '../../primitives/logger.js'
import { blobTxFees, estimateBlobBatchGas, prepareBlobBatch, sendBlobBatch, sidecarVersionOf, type BlobSidecarVersion, type BlobTxFees, type PreparedBlobBatch } from '../da/index.js'
import { abiOf } from '../l1/abis.js'
import { L1TransactionError, reasonOf, type L1Signer } from '../l1/l1Transactions.js'

/** How network batches reach L1: as calldata of `submitNetworkBatch`, or in EIP-4844 blobs. */
export type DataAvailability = 'calldata' | 'blobs'

export interface BatchPosterOptions {
  inbox: Hex
  da: DataAvailability
  /** Transactions sent and not yet in a block, at most. */
  maxInFlight: number
  /** How often receipts are polled. Default 250 ms. */
  pollMs?: number
}

/** Posting stopped on purpose (the batcher is stopping, or an L1 reorg removed what this round had posted). */
export class PostingAbortedError extends BaseError {
  override name = 'PostingAbortedError'
}

export interface PostHooks {
  /** Frame `frame` of channel `channel` is in an L1 block. Called in nonce order; a throw stops posting. */
  onIncluded(channel: number, frame: number, receipt: TransactionReceipt): void
  /** Checked between steps: a reason stops posting with `PostingAbortedError`. */
  aborted(): string | false
}

interface Fees {
  maxFeePerGas: bigint
  maxPriorityFeePerGas: bigint
  maxFeePerBlobGas?: bigint
}

/** One prepared L1 transaction payload: calldata, or blobs with their KZG work done. */
type Prepared = { kind: 'calldata'; frame: Hex } | { kind: 'blobs'; blobs: PreparedBlobBatch }

interface InFlight {
  channel: number
  frame: number
  nonce: number
  hash: Hex
  /** Consecutive polls that found the transaction nowhere. */
  missing: number
}

/** Polls without a pending transaction anywhere before it counts as dropped. */
const DROPPED_AFTER_POLLS = 8
/** L1 blocks our earlier transactions may stay pending before they count as stuck and are replaced. */
const STUCK_AFTER_L1_BLOCKS = 3n
/** Replacing a transaction of the same nonce: at least +10% on both fees (geth, anvil); 25% leaves margin. */
const REPLACEMENT_BUMP_PERCENT = 125n
/** Tries to send one transaction, the later ones with doubled fees (over a stuck one of ours at that nonce). */
const SEND_ATTEMPTS = 3
/** Gas over the estimate: the estimate is exact for the state it ran on, and earlier frames in flight only make the call cheaper. */
const GAS_HEADROOM_PERCENT = 110n

/**
 * Sends the network batcher's frames to the BatchInbox, several at once: consecutive
 * nonces, up to `maxInFlight` transactions sent and not yet in a block, so a channel of
 * many frames is carried in as few L1 blocks as the L1 allows rather than one
 * transaction per L1 block. Receipts are awaited in nonce order (the L1 includes a
 * sender's transactions in that order). A transaction that reverts or that the L1 drops
 * stops the posting with L1TransactionError.
 *
 * Nonces: each round starts at the account's mined nonce. When earlier transactions of
 * ours are still pending, the round waits for the next L1 block (they usually land
 * there); if they stay pending for `STUCK_AFTER_L1_BLOCKS` L1 blocks they are stuck (fees
 * too low for the L1 now), and the new transactions replace them, with fees bumped over
 * what was sent at each nonce (twice the current fees where this process did not send
 * it: a previous run). Transactions behind a nonce gap (an L1 reorg removed an earlier
 * one) are not shown as pending at all (geth, anvil); when the L1 refuses a new
 * transaction because one of those holds its nonce, it is sent again with doubled fees.
 */
export class BatchPoster {
  /** Fees last sent at each nonce not yet mined, to outbid them when replacing. */
  private readonly sentFees = new Map<number, Fees>()
  /** Nonces pending from before this process (unknown fees) when replacement started. */
  private foreignPendingBelow = 0
  /** L1 head at which our pending transactions were first seen (undefined: none). */
  private pendingSince: bigint | undefined
  private sidecarVersion: Promise<BlobSidecarVersion> | undefined

  constructor(
    private readonly signer: L1Signer,
    private readonly options: BatchPosterOptions,
    private readonly logger: Logger,
  ) {
    if (!Number.isSafeInteger(options.maxInFlight) || options.maxInFlight < 1) throw new Error('BatchPoster: maxInFlight must be a positive integer')
  }

  /** Transactions of our account that the L1 has not mined yet (pending in its pool). */
  async pendingCount(): Promise<number> {
    const { publicClient, account } = this.signer
    const [mined, pending] = await Promise.all([
      publicClient.getTransactionCount({ address: account.address, blockTag: 'latest' }),
      publicClient.getTransactionCount({ address: account.address, blockTag: 'pending' }),
    ])
    return pending - mined
  }

  /**
   * The nonce the next posting starts at, or undefined when our earlier transactions are
   * still pending and deserve another L1 block (`l1Head`: the current one).
   */
  async firstNonce(l1Head: bigint): Promise<number | undefined> {
    const { publicClient, account } = this.signer
    const [mined, pending] = await Promise.all([
      publicClient.getTransactionCount({ address: account.address, blockTag: 'latest' }),
      publicClient.getTransactionCount({ address: account.address, blockTag: 'pending' }),
    ])
    for (const nonce of this.sentFees.keys()) if (nonce < mined) this.sentFees.delete(nonce)
    if (pending <= mined) {
      this.pendingSince = undefined
      return mined
    }
    this.pendingSince ??= l1Head
    if (l1Head - this.pendingSince < STUCK_AFTER_L1_BLOCKS) return undefined
    this.logger.warn({ mined, pending }, 'batcher transactions stuck in the L1 pool; replacing them')
    this.pendingSince = undefined
    this.foreignPendingBelow = pending
    return mined
  }

  /**
   * Posts `channels` (each a list of frames' posted bytes) from nonce `nonce`: a
   * channel's transactions are all prepared (blobs: KZG) before its first is sent, so
   * its frames reach L1 back to back. Resolves when every one is in a block.
   */
  async post(channels: readonly (readonly Uint8Array[])[], nonce: number, hooks: PostHooks): Promise<void> {
    const fees = await this.currentFees()
    const inFlight: InFlight[] = []
    let channel = 0
    let frame = 0
    let current: Prepared[] | undefined
    let next: Promise<Prepared[]> | undefined = channels.length > 0 ? this.prepare(channels[0]!) : undefined
    const abortIfAsked = () => {
      const why = hooks.aborted()
      if (why) throw new PostingAbortedError(why)
    }
    try {
      for (;;) {
        abortIfAsked()
        while (inFlight.length < this.options.maxInFlight && channel < channels.length) {
          if (!current) {
            current = await next!
            next = channel + 1 < channels.length ? this.prepare(channels[channel + 1]!) : undefined
            abortIfAsked()
          }
          const hash = await this.send(current[frame]!, nonce, fees)
          inFlight.push({ channel, frame, nonce, hash, missing: 0 })
          nonce++
          if (++frame === current.length) {
            channel++
            frame = 0
            current = undefined
          }
        }
        const oldest = inFlight[0]
        if (!oldest) return
        const receipt = await this.receiptOf(oldest)
        if (!receipt) {
          await new Promise((resolve) => setTimeout(resolve, this.options.pollMs ?? 250))
          continue
        }
        inFlight.shift()
        if (receipt.status !== 'success') {
          throw new L1TransactionError(`L1 call ${this.functionName} reverted in block ${receipt.blockNumber} (tx ${oldest.hash})`)
        }
        hooks.onIncluded(oldest.channel, oldest.frame, receipt)
      }
    } finally {
      // A preparation nobody will wait for must not surface as an unhandled rejection.
      next?.catch(() => undefined)
    }
  }

  private get functionName(): string {
    return this.options.da === 'blobs' ? 'submitNetworkBlobBatch' : 'submitNetworkBatch'
  }

  private async prepare(frames: readonly Uint8Array[]): Promise<Prepared[]> {
    if (this.options.da === 'calldata') return frames.map((data) => ({ kind: 'calldata', frame: toData(data) }))
    const sidecarVersion = await (this.sidecarVersion ??= sidecarVersionOf(this.signer.publicClient).catch((err: unknown) => {
      this.sidecarVersion = undefined // ask again next time
      throw new L1TransactionError(`L1 call submitNetworkBlobBatch failed: ${reasonOf(err)}`, { cause: err })
    }))
    const out: Prepared[] = []
    for (const data of frames) out.push({ kind: 'blobs', blobs: await prepareBlobBatch(this.signer, data, { sidecarVersion }) })
    return out
  }

  private async currentFees(): Promise<Fees> {
    if (this.options.da === 'blobs') return blobTxFees(this.signer)
    const fees = await this.signer.publicClient.estimateFeesPerGas({ chain: this.signer.chain })
    return { maxFeePerGas: fees.maxFeePerGas, maxPriorityFeePerGas: fees.maxPriorityFeePerGas }
  }

  /**
   * The fees for `nonce`: the current ones, raised above whatever may still be pending at
   * that nonce (ours: +25%; a previous run's, whose fees are unknown: twice the current).
   */
  private feesFor(nonce: number, current: Fees): Fees {
    const earlier = this.sentFees.get(nonce)
    const [floor, percent] = earlier ? [earlier, REPLACEMENT_BUMP_PERCENT] : nonce < this.foreignPendingBelow ? [current, 200n] : [undefined, 0n]
    if (!floor) return current
    const raise = (now: bigint, before: bigint) => {
      const bumped = (before * percent) / 100n + 1n
      return bumped > now ? bumped : now
    }
    return {
      maxFeePerGas: raise(current.maxFeePerGas, floor.maxFeePerGas),
      maxPriorityFeePerGas: raise(current.maxPriorityFeePerGas, floor.maxPriorityFeePerGas),
      ...(current.maxFeePerBlobGas !== undefined ? { maxFeePerBlobGas: raise(current.maxFeePerBlobGas, floor.maxFeePerBlobGas ?? 0n) } : {}),
    }
  }

  /**
   * Simulates (a revert such as NotBatcher surfaces here, decoded, and is final) and sends
   * one transaction at `nonce`. The L1 may refuse the transaction because one of ours that
   * it does not show as pending (stuck behind a nonce gap) holds that nonce: it is then
   * sent again with doubled fees, up to `SEND_ATTEMPTS` times in all.
   */
  private async send(prepared: Prepared, nonce: number, current: Fees): Promise<Hex> {
    let fees = this.feesFor(nonce, current)
    const { publicClient, wallet, account, chain } = this.signer
    const submit = { address: this.options.inbox, abi: abiOf('BatchInbox'), functionName: 'submitNetworkBatch' } as const
    const gas =
      prepared.kind === 'blobs'
        ? await estimateBlobBatchGas(this.signer, this.options.inbox, prepared.blobs, fees as BlobTxFees)
        : await publicClient.estimateContractGas({ ...submit, args: [prepared.frame], account }).catch((err: unknown) => {
            throw new L1TransactionError(`L1 call submitNetworkBatch failed: ${reasonOf(err)}`, { cause: err })
          })
    for (let attempt = 1; ; attempt++) {
      try {
        const hash =
          prepared.kind === 'blobs'
            ? await sendBlobBatch(this.signer, this.options.inbox, prepared.blobs, { nonce, fees: fees as BlobTxFees, gas })
            : await wallet.sendTransaction({
                account,
                chain,
                to: this.options.inbox,
                data: encodeFunctionData({ ...submit, args: [prepared.frame] }),
                gas: (gas * GAS_HEADROOM_PERCENT) / 100n,
                nonce,
                maxFeePerGas: fees.maxFeePerGas,
                maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
              })
        this.sentFees.set(nonce, fees)
        return hash
      } catch (err) {
        if (attempt >= SEND_ATTEMPTS) {
          throw err instanceof L1TransactionError ? err : new L1TransactionError(`L1 call ${this.functionName} failed: ${reasonOf(err)}`, { cause: err })
        }
        this.logger.debug({ nonce, attempt, err: reasonOf(err) }, 'the L1 refused a batcher transaction; sending it again with higher fees')
        fees = doubled(fees)
      }
    }
  }

  /** The transaction's receipt, undefined while it is pending; throws once the L1 has dropped it. */
  private async receiptOf(tx: InFlight): Promise<TransactionReceipt | undefined> {
    const { publicClient } = this.signer
    const receipt = await publicClient.getTransactionReceipt({ hash: tx.hash }).catch(() => undefined)
    if (receipt) return receipt
    const known = await publicClient.getTransaction({ hash: tx.hash }).catch(() => undefined)
    tx.missing = known ? 0 : tx.missing + 1
    if (tx.missing >= DROPPED_AFTER_POLLS) {
      throw new L1TransactionError(`L1 call ${this.functionName} (tx ${tx.hash}, nonce ${tx.nonce}) was dropped by the L1 before inclusion`)
    }
    return undefined
  }
}

function doubled(fees: Fees): Fees {
  return {
    maxFeePerGas: fees.maxFeePerGas * 2n,
    maxPriorityFeePerGas: fees.maxPriorityFeePerGas * 2n,
    ...(fees.maxFeePerBlobGas !== undefined ? { maxFeePerBlobGas: fees.maxFeePerBlobGas * 2n } : {}),
  }
}
