import type { Hex } from 'viem'
import type { Chain } from '../execution/chain.js'
import { txsOf } from '../execution/executeTx.js'
import { isDepositTransaction } from '../execution/depositTx.js'
import { l1InfoOf } from '../execution/l1Info.js'
import type { Lifecycle } from '../primitives/lifecycle.js'
import { SingleFlight } from '../primitives/singleFlight.js'
import type { Logger } from '../primitives/logger.js'
import { toData } from '../primitives/hex.js'
import { decodeBatch, packBatches, type BatchBlock } from './batch/codec.js'
import { postBlobBatch } from './da/index.js'
import type { BatchSource } from './derivation/derivationPipeline.js'
import { abiOf } from './l1/abis.js'
import { BatchLedger } from './batchLedger.js'
import type { L1Tracker } from './l1/l1Tracker.js'
import { reasonOf, writeAndWait, type L1Signer } from './l1/l1Transactions.js'

export type DataAvailability = 'calldata' | 'blobs'

export interface BatcherOptions {
  chainId: bigint
  inbox: Hex
  /** L1 block the chain was registered in (where its batches start). */
  l1StartBlock: bigint
  /** Largest batch, compressed, per L1 transaction. */
  maxBatchBytes: number
  /** Post batches as calldata or as EIP-4844 blobs. */
  da: DataAvailability
  /** Most L2 blocks per posting round. */
  maxBlocksPerRound: number
}

/**
 * Posts the chain's blocks to L1 (compressed, as calldata to the BatchInbox), in order,
 * one L1 transaction at a time, each time the L1 head moves. A block is *safe* once the
 * batch carrying it sits in a canonical L1 block; a reorg that drops such an L1 block
 * makes its blocks unsafe again and they are posted again.
 */
export class Batcher implements Lifecycle {
  private readonly posted = new BatchLedger()
  private unsubscribe: (() => void)[] = []
  private readonly rounds = new SingleFlight(
    () => this.postNew(),
    (err) => this.logger.warn({ err: reasonOf(err) }, 'batch posting failed; retrying on the next L1 block'),
  )

  constructor(
    private readonly chain: Chain,
    private readonly tracker: L1Tracker,
    private readonly signer: L1Signer,
    /** Reads back what is already on L1 (the replicas' retrieval stage). */
    private readonly source: BatchSource,
    private readonly options: BatcherOptions,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    await this.recover()
    this.unsubscribe.push(this.tracker.onHead(() => this.kick()))
    this.unsubscribe.push(this.tracker.onReorg((ancestor) => this.onReorg(ancestor)))
    this.unsubscribe.push(this.chain.onRewind((head) => this.posted.truncateTo(head.number)))
    this.kick()
  }

  async stop(): Promise<void> {
    for (const u of this.unsubscribe) u()
    await this.rounds.stop()
  }

  /** Last L2 block posted in a canonical L1 block. */
  safeHead(): bigint {
    return this.posted.safeHead()
  }

  /** Last L2 block posted in an L1 block at or below `l1Number` (for the finalized head). */
  safeHeadAt(l1Number: bigint): bigint {
    return this.posted.safeHeadAt(l1Number)
  }

  /** Posts what is new now (also called on every L1 head). */
  kick(): Promise<void> {
    return this.rounds.run()
  }

  private async postNew(): Promise<void> {
    const head = this.chain.headHeader().number
    const from = this.safeHead() + 1n
    if (from > head) return
    const to = head - from + 1n > BigInt(this.options.maxBlocksPerRound) ? from + BigInt(this.options.maxBlocksPerRound) - 1n : head
    const blocks: BatchBlock[] = []
    for (let n = from; n <= to; n++) {
      const block = this.chain.getBlockByNumber(n)
      if (!block) return // rewound under us; next round
      const txs = txsOf(block)
      const info = l1InfoOf(txs[0])
      if (!info) throw new Error(`block ${n} has no L1 info deposit; cannot batch it`)
      // Its origin left the L1 chain: the producer is about to rewind this block.
      if (this.tracker.block(info.number)?.hash !== toData(info.hash)) break
      blocks.push({
        number: n,
        hash: block.hash(),
        parentHash: block.header.parentHash,
        timestamp: block.header.timestamp,
        l1OriginNumber: info.number,
        l1OriginHash: info.hash,
        txs: txs.filter((t) => !isDepositTransaction(t)).map((t) => t.serialize()),
      })
    }
    if (blocks.length === 0) return
    for (const batch of packBatches(this.options.chainId, blocks, this.options.maxBatchBytes)) {
      if (this.rounds.isStopped) return
      const receipt =
        this.options.da === 'blobs'
          ? await postBlobBatch(this.signer, this.options.inbox, this.options.chainId, batch.data)
          : await writeAndWait(this.signer, {
              address: this.options.inbox,
              abi: abiOf('BatchInbox'),
              functionName: 'submitBatch',
              args: [this.options.chainId, toData(batch.data)],
            })
      this.posted.record({ l1Number: receipt.blockNumber, l1Hash: receipt.blockHash, lastBlock: batch.lastBlock })
      this.logger.debug(
        { first: batch.firstBlock.toString(), last: batch.lastBlock.toString(), bytes: batch.data.length, l1Block: receipt.blockNumber.toString() },
        'posted batch',
      )
    }
  }

  private onReorg(ancestor: bigint): void {
    for (const dropped of this.posted.dropAbove(ancestor)) {
      this.logger.warn({ l1Block: dropped.l1Number.toString(), lastBlock: dropped.lastBlock.toString() }, 'batch left the L1 chain; reposting')
    }
  }

  /**
   * Where posting resumes after a restart: the batches already on L1 that continue our
   * chain (first block follows the previous batch and its parent hash is our block's).
   */
  private async recover(): Promise<void> {
    const latest = await this.signer.publicClient.getBlockNumber({ cacheTime: 0 })
    const onL1 = await this.source.batchesIn(this.options.l1StartBlock, latest)
    let next = 1n
    for (const posted of onL1) {
      if (!posted.data) continue
      try {
        const batch = decodeBatch(posted.data)
        const parent = this.chain.getBlockByNumber(batch.firstBlock - 1n)
        if (batch.firstBlock !== next || !parent || toData(parent.hash()) !== toData(batch.parentHash)) continue
        next = batch.firstBlock + BigInt(batch.blocks.length)
        this.posted.record({ l1Number: posted.l1Number, l1Hash: posted.l1Hash, lastBlock: next - 1n })
      } catch {
        continue // not ours to judge here; replicas log why a batch is skipped
      }
    }
    if (next > 1n) this.logger.info({ postedUpTo: (next - 1n).toString() }, 'batcher resumes after the blocks already on L1')
  }
}
