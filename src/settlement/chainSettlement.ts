import type { Hex } from 'viem'
import type { Chain } from '../execution/chain.js'
import { toData } from '../primitives/hex.js'
import type { Lifecycle } from '../primitives/lifecycle.js'
import type { Logger } from '../primitives/logger.js'
import { Batcher } from './batcher.js'
import type { L1Deployment, ChainRegistration } from './l1/deploy.js'
import type { L1Tracker } from './l1/l1Tracker.js'
import type { L1Signer } from './l1/l1Transactions.js'
import { L1OriginSelector } from './l1OriginSelector.js'
import { Proposer } from './proposer.js'

export interface ChainSettlementOptions {
  chainId: bigint
  l1RpcUrl: string
  deployment: L1Deployment
  registration: ChainRegistration
  tracker: L1Tracker
  batcherSigner: L1Signer
  proposerSigner: L1Signer
  confirmations: bigint
  baseFeeScalar: bigint
  blobBaseFeeScalar: bigint
  outputIntervalBlocks: bigint
  maxBatchBytes: number
}

/** A head as `plexus_syncStatus` reports it. */
export interface HeadRef {
  number: Hex
  hash: Hex
}

/** The L1 side of a sequencing chain: its origin selection, batcher and proposer. */
export class ChainSettlement implements Lifecycle {
  readonly inputs: L1OriginSelector
  readonly batcher: Batcher
  readonly proposer: Proposer

  constructor(
    private readonly chain: Chain,
    private readonly options: ChainSettlementOptions,
    logger: Logger,
  ) {
    const o = options
    this.inputs = new L1OriginSelector(chain, o.tracker, {
      chainId: o.chainId,
      l1StartBlock: o.registration.registeredAtBlock,
      confirmations: o.confirmations,
      baseFeeScalar: o.baseFeeScalar,
      blobBaseFeeScalar: o.blobBaseFeeScalar,
    })
    this.batcher = new Batcher(
      chain,
      o.tracker,
      o.batcherSigner,
      {
        chainId: o.chainId,
        inbox: o.deployment.contracts.BatchInbox,
        l1StartBlock: o.registration.registeredAtBlock,
        maxBatchBytes: o.maxBatchBytes,
        maxBlocksPerRound: 2_000,
      },
      logger.child({ module: 'batcher' }),
    )
    this.proposer = new Proposer(
      chain,
      o.tracker,
      () => this.batcher.safeHead(),
      o.proposerSigner,
      { chainId: o.chainId, oracle: o.deployment.contracts.OutputOracle, intervalBlocks: o.outputIntervalBlocks },
      logger.child({ module: 'proposer' }),
    )
  }

  async start(): Promise<void> {
    await this.batcher.start()
    await this.proposer.start()
  }

  async stop(): Promise<void> {
    await this.proposer.stop()
    await this.batcher.stop()
  }

  /** `plexus_getL1Addresses`: where this chain's L1 side lives. */
  l1Addresses(): Record<string, unknown> {
    const o = this.options
    return {
      l1ChainId: o.deployment.l1ChainId,
      l1RpcUrl: o.l1RpcUrl,
      ...o.deployment.contracts,
      batcher: o.registration.batcher,
      proposer: o.registration.proposer,
      registeredAtBlock: `0x${o.registration.registeredAtBlock.toString(16)}`,
      challengeWindow: `0x${o.registration.challengeWindow.toString(16)}`,
    }
  }

  /** `plexus_syncStatus`: unsafe (produced), safe (batched on L1), finalized (batched in a finalized L1 block). */
  async syncStatus(): Promise<Record<string, unknown>> {
    const tracker = this.options.tracker
    const l1Head = tracker.head()
    let l1Finalized: bigint | undefined
    try {
      l1Finalized = (await tracker.client.getBlock({ blockTag: 'finalized' })).number ?? undefined
    } catch {
      l1Finalized = undefined
    }
    const ref = (n: bigint): HeadRef | null => {
      const block = this.chain.getBlockByNumber(n)
      return block ? { number: `0x${n.toString(16)}`, hash: toData(block.hash()) } : null
    }
    const head = this.chain.headHeader().number
    return {
      unsafe: ref(head),
      safe: ref(this.batcher.safeHead()),
      finalized: ref(l1Finalized === undefined ? 0n : this.batcher.safeHeadAt(l1Finalized)),
      l1: l1Head ? { number: `0x${l1Head.number.toString(16)}`, hash: l1Head.hash } : null,
      latestOutput: `0x${this.proposer.latestProposed().toString(16)}`,
      outputMismatches: [],
    }
  }
}
