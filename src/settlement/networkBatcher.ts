import type { Block } from '@ethereumjs/block'
import type { Hex } from 'viem'
import type { Chain } from '../execution/chain.js'
import { txsOf } from '../execution/executeTx.js'
import { isDepositTransaction } from '../execution/depositTx.js'
import { l1InfoOf } from '../execution/l1Info.js'
import type { Lifecycle } from '../primitives/lifecycle.js'
import { SingleFlight } from '../primitives/singleFlight.js'
import type { Logger } from '../primitives/logger.js'
import { toData } from '../primitives/hex.js'
import { decodeNetworkBatch, packNetworkBatches, type BatchBlock, type BatchLimits, type ChainBlocks } from './batch/codec.js'
import { BatchLedger } from './batchLedger.js'
import { postBlobBatch } from './da/index.js'
import type { BatchSource } from './derivation/batchSource.js'
import { abiOf } from './l1/abis.js'
import type { L1Tracker } from './l1/l1Tracker.js'
import { reasonOf, writeAndWait, type L1Signer } from './l1/l1Transactions.js'
import { ZERO_SLOT_OFFSETS, slotOf, type SlotOffsets } from './slots.js'

export type DataAvailability = 'calldata' | 'blobs'

interface BatchedChain {
  chainId: bigint
  chain: Chain
  posted: BatchLedger
}

export interface NetworkBatcherOptions {
  inbox: Hex
  /** Oldest L1 block a batch of these chains can be in (the first registration). */
  l1StartBlock: bigint
  /** Largest network batch, compressed, per L1 transaction. */
  maxBatchBytes: number
  /** Post batches as calldata or as EIP-4844 blobs. */
  da: DataAvailability
  /** Most slots per posting round. */
  maxSlotsPerRound: number
  /** Slot of each chain's blocks (default: offset 0 for every chain). */
  slotOffsets?: SlotOffsets
  limits?: BatchLimits
}

/** What a chain's settlement asks of the network batcher: how far the chain is batched. */
export interface SafeHeads {
  /** Last L2 block of `chainId` posted in a canonical L1 block. */
  safeHead(chainId: bigint): bigint
  /** Last L2 block of `chainId` posted in an L1 block at or below `l1Number` (the finalized head). */
  safeHeadAt(chainId: bigint, l1Number: bigint): bigint
}

/**
 * Posts the blocks of every chain of the network to L1 together, one network batch per
 * L1 transaction (calldata to `BatchInbox.submitNetworkBatch`, or blobs), in order, one
 * transaction at a time, each time the L1 head moves. Each round carries every chain
 * from its safe head + 1 up to the newest slot that every chain has built, cut into
 * batches at slot boundaries, so a replica can derive the chains interleaved, slot by
 * slot. A block is *safe* once the batch carrying it sits in a canonical L1 block; a
 * reorg that drops such an L1 block makes its blocks unsafe again and they are posted
 * again.
 */
export class NetworkBatcher implements Lifecycle, SafeHeads {
  /** The chains in ascending chain id order: the order they are built in within a slot. */
  private readonly chains: BatchedChain[] = []
  /** Chains added while running, taken in at the start of the next round. */
  private readonly joining: BatchedChain[] = []
  private readonly unsubscribe: (() => void)[] = []
  private started = false
  private readonly rounds = new SingleFlight(
    () => this.postNew(),
    (err) => this.logger.warn({ err: reasonOf(err) }, 'batch posting failed; retrying on the next L1 block'),
  )

  constructor(
    private readonly tracker: L1Tracker,
    private readonly signer: L1Signer,
    /** Reads back what is already on L1 (the replicas' retrieval stage). */
    private readonly source: BatchSource,
    private readonly options: NetworkBatcherOptions,
    private readonly logger: Logger,
  ) {}

  /**
   * Adds a chain. Before `start` its batches already on L1 are read back with the
   * others'; after, it is a chain that just joined (nothing of it is on L1 yet) and is
   * batched from the next round on.
   */
  addChain(chainId: bigint, chain: Chain): void {
    if (this.chains.some((c) => c.chainId === chainId) || this.joining.some((c) => c.chainId === chainId)) {
      throw new Error(`NetworkBatcher.addChain: chain ${chainId} added twice`)
    }
    const entry = { chainId, chain, posted: new BatchLedger() }
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
    this.unsubscribe.push(c.chain.onRewind((head) => c.posted.truncateTo(head.number)))
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

  /** Posts what is new now (also called on every L1 head). */
  kick(): Promise<void> {
    return this.rounds.run()
  }

  private ledgerOf(chainId: bigint): BatchLedger | undefined {
    return (this.chains.find((c) => c.chainId === chainId) ?? this.joining.find((c) => c.chainId === chainId))?.posted
  }

  private slot(chainId: bigint, number: bigint): bigint {
    return slotOf(this.options.slotOffsets ?? ZERO_SLOT_OFFSETS, chainId, number)
  }

  private async postNew(): Promise<void> {
    for (const c of this.joining.splice(0)) {
      this.insert(c)
      this.followRewinds(c)
    }
    if (this.chains.length === 0) return
    // The newest slot every chain has built, and at most maxSlotsPerRound past the oldest unposted one.
    let end = this.chains.reduce((min, c) => {
      const s = this.slot(c.chainId, c.chain.headHeader().number)
      return s < min ? s : min
    }, 2n ** 256n)
    const start = this.chains.reduce((min, c) => {
      const s = this.slot(c.chainId, c.posted.safeHead() + 1n)
      return s < min ? s : min
    }, 2n ** 256n)
    if (start > end) return
    const cap = start + BigInt(this.options.maxSlotsPerRound) - 1n
    if (end > cap) end = cap

    const runs: { chainId: bigint; blocks: BatchBlock[]; slotOffset: bigint }[] = []
    for (const c of this.chains) {
      const offset = this.slot(c.chainId, 0n)
      const blocks: BatchBlock[] = []
      for (let n = c.posted.safeHead() + 1n; n + offset <= end; n++) {
        const block = c.chain.getBlockByNumber(n)
        if (!block) return // rewound under us; next round
        const batchBlock = this.batchBlockOf(c.chainId, block)
        // Its origin left the L1 chain: the producer is about to rewind this block, and
        // nothing of this slot or later is posted on any chain (they stay in step).
        if (!batchBlock) {
          end = n + offset - 1n
          break
        }
        blocks.push(batchBlock)
      }
      runs.push({ chainId: c.chainId, blocks, slotOffset: offset })
    }
    const inStep: ChainBlocks[] = runs.map((r) => ({ ...r, blocks: r.blocks.filter((b) => b.number + r.slotOffset <= end) }))
    for (const batch of packNetworkBatches(inStep, this.options.maxBatchBytes, this.options.limits)) {
      if (this.rounds.isStopped) return
      const receipt =
        this.options.da === 'blobs'
          ? await postBlobBatch(this.signer, this.options.inbox, batch.data)
          : await writeAndWait(this.signer, {
              address: this.options.inbox,
              abi: abiOf('BatchInbox'),
              functionName: 'submitNetworkBatch',
              args: [toData(batch.data)],
            })
      for (const section of batch.sections) {
        this.ledgerOf(section.chainId)!.record({ l1Number: receipt.blockNumber, l1Hash: receipt.blockHash, lastBlock: section.lastBlock })
      }
      this.logger.debug(
        {
          slots: `${batch.firstSlot}…${batch.lastSlot}`,
          chains: batch.sections.map((s) => `${s.chainId}:${s.firstBlock}…${s.lastBlock}`).join(' '),
          bytes: batch.data.length,
          l1Block: receipt.blockNumber.toString(),
        },
        'posted network batch',
      )
    }
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
  }

  /**
   * Where posting resumes after a restart: the network batches already on L1 each of whose
   * sections continues our chain (first block follows the previous batch and its parent
   * hash is our block's). A batch that does not, for any of its chains, is not ours to
   * judge here (replicas log why they skip it) and counts for none of them.
   */
  private async recover(): Promise<void> {
    const latest = await this.signer.publicClient.getBlockNumber({ cacheTime: 0 })
    const onL1 = await this.source.batchesIn(this.options.l1StartBlock, latest)
    const next = new Map(this.chains.map((c) => [c.chainId, 1n]))
    for (const posted of onL1) {
      if (!posted.data) continue
      let sections
      try {
        sections = decodeNetworkBatch(posted.data, this.options.limits).chains
      } catch {
        continue
      }
      const continues = sections.every((s) => {
        const c = this.chains.find((x) => x.chainId === s.chainId)
        const parent = c?.chain.getBlockByNumber(s.firstBlock - 1n)
        return c && s.firstBlock === next.get(s.chainId) && parent && toData(parent.hash()) === toData(s.parentHash)
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

/** A block as a network batch carries it: its L1 origin (from the L1-info deposit) and its signed transactions. */
export function batchBlockOf(chainId: bigint, block: Block): BatchBlock {
  const txs = txsOf(block)
  const info = l1InfoOf(txs[0])
  if (!info) throw new Error(`chain ${chainId} block ${block.header.number} has no L1 info deposit; cannot batch it`)
  return {
    number: block.header.number,
    hash: block.hash(),
    parentHash: block.header.parentHash,
    timestamp: block.header.timestamp,
    l1OriginNumber: info.number,
    l1OriginHash: info.hash,
    txs: txs.filter((t) => !isDepositTransaction(t)).map((t) => t.serialize()),
  }
}
