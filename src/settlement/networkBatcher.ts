import type { Block } from '@ethereumjs/block'
import type { Hex, TransactionReceipt } from 'viem'
import type { ChainReader } from '../execution/chainReader.js'
import { txsOf } from '../execution/executeTx.js'
import { isDepositTransaction } from '../execution/depositTx.js'
import { BaseError } from '../primitives/errors.js'
import type { Lifecycle } from '../primitives/lifecycle.js'
import { SingleFlight } from '../primitives/singleFlight.js'
import type { Logger } from '../primitives/logger.js'
import { toData } from '../primitives/hex.js'
import { batchBlockOf } from './batch/batchBlock.js'
import { BatchPoster, PostingAbortedError, type DataAvailability } from './batch/batchPoster.js'
import { decodeNetworkBatch, packNetworkBatches, SlotTooLargeError, type BatchBlock, type BatchLimits, type ChainBlocks, type PackedNetworkBatch } from './batch/codec.js'
import { encodeFrame, FRAME_HEADER_BYTES, newChannelId, toFrames } from './batch/frames.js'
import { BatchLedger } from './batchLedger.js'
import { BLOB_TXS_PER_L1_BLOCK, CALLDATA_TXS_PER_L1_BLOCK } from './daCapacity.js'
import type { BatchSource } from './derivation/batchSource.js'
import { DEFAULT_CHANNEL_TIMEOUT, type ChannelOptions } from './derivation/channelBank.js'
import { sameBlock } from './derivation/batchRules.js'
import { channelsIn } from './derivation/channelReader.js'
import type { L1Tracker } from './l1/l1Tracker.js'
import { reasonOf, type L1Signer } from './l1/l1Transactions.js'
import { blockOf, slotOf, ZERO_SLOT_OFFSETS, type SlotOffsets } from '../execution/slots.js'

export type { DataAvailability }
export { batchBlockOf }

interface BatchedChain {
  chainId: bigint
  chain: ChainReader
  posted: BatchLedger
  /** Signed-transaction bytes of this chain's blocks by number, computed once (for `backlogBytes`). */
  txBytes: Map<bigint, number>
}

export interface NetworkBatcherOptions {
  inbox: Hex
  /** Oldest L1 block a batch of these chains can be in (the first registration). */
  l1StartBlock: bigint
  /** Most bytes posted per L1 transaction: one frame, header included (calldata; for blobs, at most 6 blobs' worth). */
  maxBatchBytes: number
  /** Post frames as calldata or as EIP-4844 blobs. */
  da: DataAvailability
  /** Most slots per posting round. */
  maxSlotsPerRound: number
  /** Most signed-transaction bytes per posting round, past its first slot (default 8 MiB). */
  maxBytesPerRound?: number
  /** Slot of each chain's blocks (default: offset 0 for every chain). */
  slotOffsets?: SlotOffsets
  limits?: BatchLimits
  /** The channel rules replicas apply (timeout, sizes); default theirs. */
  channels?: ChannelOptions
  /** L1 transactions in flight at once (default: what one L1 block takes, see `daCapacity.ts`). */
  maxTxsInFlight?: number
}

/** What a chain's settlement asks of the network batcher: how far the chain is batched. */
export interface SafeHeads {
  /** Last L2 block of `chainId` posted in a canonical L1 block. */
  safeHead(chainId: bigint): bigint
  /** Last L2 block of `chainId` posted in an L1 block at or below `l1Number` (the finalized head). */
  safeHeadAt(chainId: bigint, l1Number: bigint): bigint
}

/** A channel whose last frame landed more than the channel timeout after its first: replicas drop it, so it is posted again. */
export class ChannelTimedOutError extends BaseError {
  override name = 'ChannelTimedOutError'
}

/** The round in progress: what a reorg or a rewind during it must stop. */
interface Round {
  /** Newest L1 block holding a frame of this round. */
  newestL1: bigint | undefined
  /** Why the round must stop (an L1 reorg removed a frame of it) and post again from the safe heads. */
  aborted: string | false
  /** The hash of every block the round posts, by chain and number. */
  posted: Map<bigint, Map<bigint, Hex>>
}

/** A round's signed-transaction bytes: a backlog of full slots goes out 8 MiB at a time. */
const DEFAULT_MAX_BYTES_PER_ROUND = 8 * 1024 * 1024

/** How long start-up waits for our own pending transactions to land, in L1 blocks (a channel posted just before a restart then reads back whole). */
const RESTART_PENDING_WAIT_L1_BLOCKS = 3n

/**
 * Posts the blocks of every chain of the network to L1 together, each time the L1 head
 * moves. Each round carries every chain from its safe head + 1 up to the newest slot that
 * every chain has built, packed into network batches at slot boundaries (a replica
 * derives the chains interleaved, slot by slot). Each network batch is a *channel*:
 * compressed once, cut into frames that each fit one L1 transaction (`batch/frames.ts`),
 * and a channel may be as large as the batch limits allow, so no slot is ever too large
 * to post. The frames go out through `BatchPoster`, several L1 transactions in flight
 * with consecutive nonces, so a large channel takes as few L1 blocks as the L1 allows.
 *
 * A block is *safe* once the last frame of its channel sits in a canonical L1 block, no
 * more than the channel timeout after the channel's first frame (replicas drop a later
 * one). A reorg that drops such an L1 block makes its blocks unsafe again; a reorg that
 * drops any frame of the round in progress stops it; either way the blocks are posted
 * again as new channels. After a restart the batcher reads its channels back from L1 as
 * a replica does (`ChannelReader`); a channel left incomplete by the restart is abandoned
 * and its blocks are posted again.
 */
export class NetworkBatcher implements Lifecycle, SafeHeads {
  /** The chains in ascending chain id order: the order they are built in within a slot. */
  private readonly chains: BatchedChain[] = []
  /** Chains added while running, taken in at the start of the next round. */
  private readonly joining: BatchedChain[] = []
  private readonly unsubscribe: (() => void)[] = []
  private started = false
  private round: Round | undefined
  private readonly poster: BatchPoster
  private readonly rounds = new SingleFlight(
    () => this.postNew(),
    (err) => {
      if (err instanceof PostingAbortedError) {
        if (!this.rounds.isStopped) this.logger.info({ why: err.shortMessage }, 'batch posting stopped; posting again from the safe heads')
      } else if (err instanceof SlotTooLargeError) {
        this.logger.error({ err: err.message }, 'a slot exceeds the batch limits; it cannot be posted')
      } else {
        this.logger.warn({ err: reasonOf(err) }, 'batch posting failed; retrying on the next L1 block')
      }
    },
  )

  constructor(
    private readonly tracker: L1Tracker,
    private readonly signer: L1Signer,
    /** Reads back what is already on L1 (the replicas' retrieval stage). */
    private readonly source: BatchSource,
    private readonly options: NetworkBatcherOptions,
    private readonly logger: Logger,
  ) {
    if (!Number.isSafeInteger(options.maxBatchBytes) || options.maxBatchBytes <= FRAME_HEADER_BYTES) {
      throw new Error(`NetworkBatcher: maxBatchBytes must be an integer above the ${FRAME_HEADER_BYTES}-byte frame header`)
    }
    const inFlight = options.maxTxsInFlight ?? (options.da === 'blobs' ? 2 * BLOB_TXS_PER_L1_BLOCK : CALLDATA_TXS_PER_L1_BLOCK)
    this.poster = new BatchPoster(signer, { inbox: options.inbox, da: options.da, maxInFlight: inFlight }, logger)
  }

  /**
   * Adds a chain. Before `start` its batches already on L1 are read back with the
   * others'; after, it is a chain that just joined (nothing of it is on L1 yet) and is
   * batched from the next round on.
   */
  addChain(chainId: bigint, chain: ChainReader): void {
    if (this.chains.some((c) => c.chainId === chainId) || this.joining.some((c) => c.chainId === chainId)) {
      throw new Error(`NetworkBatcher.addChain: chain ${chainId} added twice`)
    }
    const entry = { chainId, chain, posted: new BatchLedger(), txBytes: new Map<bigint, number>() }
    // A round in flight iterates the chain list: a chain added meanwhile waits for the next.
    if (this.started) this.joining.push(entry)
    else this.insert(entry)
  }

  async start(): Promise<void> {
    this.started = true
    await this.recover()
    this.unsubscribe.push(this.tracker.onHead(() => this.kick()))
    this.unsubscribe.push(this.tracker.onReorg((ancestor) => this.onReorg(ancestor)))
    for (const c of this.chains) this.followRewinds(c)
    this.kick()
  }

  private insert(entry: BatchedChain): void {
    this.chains.push(entry)
    this.chains.sort((a, b) => (a.chainId < b.chainId ? -1 : 1))
  }

  private followRewinds(c: BatchedChain): void {
    this.unsubscribe.push(
      c.chain.onRewind((head) => {
        c.posted.truncateTo(head.number)
        for (const n of c.txBytes.keys()) if (n > head.number) c.txBytes.delete(n)
      }),
    )
  }

  async stop(): Promise<void> {
    for (const u of this.unsubscribe) u()
    await this.rounds.stop()
  }

  safeHead(chainId: bigint): bigint {
    return this.ledgerOf(chainId)?.safeHead() ?? 0n
  }

  safeHeadAt(chainId: bigint, l1Number: bigint): bigint {
    return this.ledgerOf(chainId)?.safeHeadAt(l1Number) ?? 0n
  }

  /**
   * Bytes built but not yet safe: the signed transactions (as the sequencer's per-slot
   * data cap counts them) of every chain's blocks above its safe head. The sequencer can
   * throttle on it when L1 falls behind, as op-batcher's throttler does.
   */
  backlogBytes(): number {
    let total = 0
    for (const c of [...this.chains, ...this.joining]) {
      const safe = c.posted.safeHead()
      const head = c.chain.headHeader().number
      for (const n of c.txBytes.keys()) if (n <= safe) c.txBytes.delete(n)
      for (let n = safe + 1n; n <= head; n++) {
        let bytes = c.txBytes.get(n)
        if (bytes === undefined) {
          const block = c.chain.getBlockByNumber(n)
          if (!block) break
          bytes = signedBytesOf(block)
          c.txBytes.set(n, bytes)
        }
        total += bytes
      }
    }
    return total
  }

  /** Posts what is new now (also called on every L1 head). */
  kick(): Promise<void> {
    return this.rounds.run()
  }

  private ledgerOf(chainId: bigint): BatchLedger | undefined {
    return (this.chains.find((c) => c.chainId === chainId) ?? this.joining.find((c) => c.chainId === chainId))?.posted
  }

  private slot(chainId: bigint, number: bigint): bigint {
    return slotOf(this.genesisSlot(chainId), number)
  }

  private genesisSlot(chainId: bigint): bigint {
    return (this.options.slotOffsets ?? ZERO_SLOT_OFFSETS)(chainId)
  }

  /** Bytes of channel data each frame carries. */
  private get frameCapacity(): number {
    return this.options.maxBatchBytes - FRAME_HEADER_BYTES
  }

  private async postNew(): Promise<void> {
    for (const c of this.joining.splice(0)) {
      this.insert(c)
      this.followRewinds(c)
    }
    const unposted = this.unposted()
    if (!unposted || unposted.every((c) => c.blocks.length === 0)) return
    const nonce = await this.poster.firstNonce(this.tracker.head()?.number ?? 0n)
    if (nonce === undefined) {
      this.logger.debug({}, 'earlier batcher transactions are still pending; posting after the next L1 block')
      return
    }
    // Channels of about one frame each, but a slot larger than a frame is a channel of its own.
    const channels = await packNetworkBatches(unposted, this.frameCapacity, this.options.limits)
    if (channels.length === 0) return
    const frames = channels.map((c) => toFrames(newChannelId(), c.data, this.frameCapacity).map(encodeFrame))
    const firstL1: (bigint | undefined)[] = channels.map(() => undefined)
    const posted = new Map(unposted.map((c) => [c.chainId, new Map(c.blocks.map((b) => [b.number, toData(b.hash)]))]))
    const round: Round = (this.round = { newestL1: undefined, aborted: false, posted })
    try {
      await this.poster.post(frames, nonce, {
        aborted: () => (this.rounds.isStopped ? 'the batcher is stopping' : round.aborted),
        onIncluded: (channel, frame, receipt) => {
          if (round.newestL1 === undefined || receipt.blockNumber > round.newestL1) round.newestL1 = receipt.blockNumber
          if (frame === 0) firstL1[channel] = receipt.blockNumber
          if (frame === frames[channel]!.length - 1) this.channelLanded(channels[channel]!, frames[channel]!, firstL1[channel]!, receipt)
        },
      })
    } finally {
      this.round = undefined
    }
  }

  /**
   * Every chain's blocks from its safe head + 1 up to the newest slot every chain has
   * built, slot by slot: at most `maxSlotsPerRound` slots and, past the first slot, at
   * most `maxBytesPerRound` of signed transactions (a backlog is carried over several
   * rounds, not loaded at once); stopping every chain before the first slot where some
   * block's origin left L1. Undefined when there is nothing to post.
   */
  private unposted(): ChainBlocks[] | undefined {
    if (this.chains.length === 0) return undefined
    let end = this.chains.reduce((min, c) => {
      const s = this.slot(c.chainId, c.chain.headHeader().number)
      return s < min ? s : min
    }, 2n ** 256n)
    const start = this.chains.reduce((min, c) => {
      const s = this.slot(c.chainId, c.posted.safeHead() + 1n)
      return s < min ? s : min
    }, 2n ** 256n)
    if (start > end) return undefined
    const cap = start + BigInt(this.options.maxSlotsPerRound) - 1n
    if (end > cap) end = cap
    const budget = this.options.maxBytesPerRound ?? DEFAULT_MAX_BYTES_PER_ROUND

    const runs = this.chains.map((c) => ({ c, chainId: c.chainId, slotOffset: this.genesisSlot(c.chainId), blocks: [] as BatchBlock[] }))
    let bytes = 0
    slots: for (let slot = start; slot <= end; slot++) {
      const inSlot: [BatchBlock[], BatchBlock][] = []
      let slotBytes = 0
      for (const run of runs) {
        const n = blockOf(run.slotOffset, slot)
        if (n === undefined || n <= run.c.posted.safeHead()) continue // before the chain's first slot, or safe already
        const block = run.c.chain.getBlockByNumber(n)
        if (!block) return undefined // rewound under us; next round
        const batchBlock = this.batchBlockOf(run.chainId, block)
        // Its origin left the L1 chain: the producer is about to rewind this block, and
        // nothing of this slot or later is posted on any chain (they stay in step).
        if (!batchBlock) break slots
        inSlot.push([run.blocks, batchBlock])
        slotBytes += batchBlock.txs.reduce((sum, tx) => sum + tx.length, 0)
      }
      if (bytes > 0 && bytes + slotBytes > budget) break
      for (const [blocks, block] of inSlot) blocks.push(block)
      bytes += slotBytes
    }
    return runs.map(({ chainId, slotOffset, blocks }) => ({ chainId, slotOffset, blocks }))
  }

  /** A channel's last frame is in an L1 block: its blocks are safe, if it completed in time. */
  private channelLanded(batch: PackedNetworkBatch, frames: readonly Uint8Array[], firstL1: bigint, last: TransactionReceipt): void {
    const timeout = BigInt(this.options.channels?.timeout ?? DEFAULT_CHANNEL_TIMEOUT)
    if (last.blockNumber - firstL1 > timeout) {
      throw new ChannelTimedOutError(`channel of slots ${batch.firstSlot}…${batch.lastSlot} took L1 blocks ${firstL1}…${last.blockNumber}, over the ${timeout}-block channel timeout`)
    }
    // The chain rewound under the round (an L1 reorg removed an origin): what landed carries
    // blocks that are gone, which must not count as safe; the new ones go in the next round.
    for (const section of batch.sections) {
      const current = this.chains.find((c) => c.chainId === section.chainId)?.chain.getBlockByNumber(section.lastBlock)
      if (!current || toData(current.hash()) !== this.round?.posted.get(section.chainId)?.get(section.lastBlock)) {
        throw new PostingAbortedError(`chain ${section.chainId} rewound below block ${section.lastBlock} while its channel was posted`)
      }
    }
    for (const section of batch.sections) {
      this.ledgerOf(section.chainId)!.record({ l1Number: last.blockNumber, l1Hash: last.blockHash, lastBlock: section.lastBlock })
    }
    this.logger.debug(
      {
        slots: `${batch.firstSlot}…${batch.lastSlot}`,
        chains: batch.sections.map((s) => `${s.chainId}:${s.firstBlock}…${s.lastBlock}`).join(' '),
        bytes: batch.data.length,
        frames: frames.length,
        l1Blocks: `${firstL1}…${last.blockNumber}`,
      },
      'posted network batch',
    )
  }

  /** The block as batched, or undefined if its L1 origin is no longer canonical. */
  private batchBlockOf(chainId: bigint, block: Block): BatchBlock | undefined {
    const batched = batchBlockOf(chainId, block)
    return this.tracker.block(batched.l1OriginNumber)?.hash === toData(batched.l1OriginHash) ? batched : undefined
  }

  private onReorg(ancestor: bigint): void {
    for (const c of this.chains) {
      for (const dropped of c.posted.dropAbove(ancestor)) {
        this.logger.warn(
          { chain: c.chainId.toString(), l1Block: dropped.l1Number.toString(), lastBlock: dropped.lastBlock.toString() },
          'batch left the L1 chain; reposting',
        )
      }
    }
    // Frames of the round in progress left L1: the channels they belong to can no longer
    // complete as posted, and later channels would continue blocks that are not safe.
    if (this.round?.newestL1 !== undefined && this.round.newestL1 > ancestor) this.round.aborted = 'an L1 reorg removed frames of this round'
  }

  /**
   * Where posting resumes after a restart: the channels already on L1, read as replicas
   * read them, each of whose sections continues our chain (it starts at or before the
   * block after the previous batch and ends after it, its parent hash is our block's, and
   * the blocks it shares with the previous batches are ours). A batch that does not, for any of
   * its chains, is not ours to judge here (replicas log why they skip it) and counts for
   * none of them. Our transactions still pending from before the restart are given a few
   * L1 blocks to land first, so a channel posted just before is read back whole.
   */
  private async recover(): Promise<void> {
    const { publicClient } = this.signer
    const waitFrom = await publicClient.getBlockNumber({ cacheTime: 0 })
    while ((await this.poster.pendingCount()) > 0) {
      if ((await publicClient.getBlockNumber({ cacheTime: 0 })) - waitFrom >= RESTART_PENDING_WAIT_L1_BLOCKS) break
      await new Promise((resolve) => setTimeout(resolve, 250))
    }
    const latest = await publicClient.getBlockNumber({ cacheTime: 0 })
    const onL1 = await this.source.batchesIn(this.options.l1StartBlock, latest)
    const next = new Map(this.chains.map((c) => [c.chainId, 1n]))
    for (const { found: posted } of channelsIn(onL1, this.options.channels).channels) {
      let sections
      try {
        sections = decodeNetworkBatch(posted.data, this.options.limits).chains
      } catch {
        continue
      }
      const continues = sections.every((s) => {
        const c = this.chains.find((x) => x.chainId === s.chainId)
        const from = next.get(s.chainId)
        if (!c || from === undefined || s.firstBlock > from || s.firstBlock + BigInt(s.blocks.length) <= from) return false
        const parent = c.chain.getBlockByNumber(s.firstBlock - 1n)
        if (!parent || toData(parent.hash()) !== toData(s.parentHash)) return false
        // A channel that overlaps the ones before it (posted again after one thought lost
        // landed after all) counts only if the blocks they share are ours, as for replicas.
        for (let n = s.firstBlock; n < from; n++) {
          const ours = c.chain.getBlockByNumber(n)
          if (!ours || !sameBlock(batchBlockOf(c.chainId, ours), s.blocks[Number(n - s.firstBlock)]!)) return false
        }
        return true
      })
      if (!continues) continue
      for (const s of sections) {
        const last = s.firstBlock + BigInt(s.blocks.length) - 1n
        next.set(s.chainId, last + 1n)
        this.ledgerOf(s.chainId)!.record({ l1Number: posted.l1Number, l1Hash: posted.l1Hash, lastBlock: last })
      }
    }
    const resumed = this.chains.filter((c) => c.posted.safeHead() > 0n)
    if (resumed.length) {
      this.logger.info(
        { postedUpTo: Object.fromEntries(resumed.map((c) => [c.chainId.toString(), c.posted.safeHead().toString()])) },
        'batcher resumes after the blocks already on L1',
      )
    }
  }
}

/** Bytes of a block's signed (non-deposit) transactions. */
function signedBytesOf(block: Block): number {
  let bytes = 0
  for (const tx of txsOf(block)) if (!isDepositTransaction(tx)) bytes += tx.serialize().length
  return bytes
}
