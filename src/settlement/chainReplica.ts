import type { PublicClient } from 'viem'
import type { Chain } from '../execution/chain.js'
import { hexToBytes, toQuantity } from '../primitives/hex.js'
import type { Lifecycle } from '../primitives/lifecycle.js'
import type { Logger } from '../primitives/logger.js'
import { SingleFlight } from '../primitives/singleFlight.js'
import { headRef, l1AddressesOf, l1Finalized } from './chainSettlement.js'
import type { BlobSource } from './da/index.js'
import { L1BatchSource } from './derivation/batchSource.js'
import { DerivedBlockBuilder } from './derivation/blockBuilder.js'
import { DerivationPipeline } from './derivation/derivationPipeline.js'
import { OutputVerifier } from './derivation/outputVerifier.js'
import type { PublishedChainConfig } from './l1/chainConfig.js'
import type { ChainRegistration } from './l1/deploy.js'
import type { L1Tracker } from './l1/l1Tracker.js'
import { reasonOf } from './l1/l1Transactions.js'

export interface ChainReplicaOptions {
  chainId: bigint
  l1RpcUrl: string
  config: PublishedChainConfig
  registration: ChainRegistration
  tracker: L1Tracker
  client: PublicClient
  /** Where blob batches are read from (a beacon node, or anvil for a dev L1). */
  blobSource: BlobSource
}

/**
 * The L1 side of a replica: it rebuilds the chain from L1 alone (deposits and batches,
 * no sequencer), checks every posted output root against its own, and follows L1
 * reorgs. Derivation runs on each new L1 head, one round at a time.
 */
export class ChainReplica implements Lifecycle {
  readonly pipeline: DerivationPipeline
  readonly outputs: OutputVerifier
  private readonly unsubscribe: (() => void)[] = []
  private readonly rounds: SingleFlight

  constructor(
    private readonly chain: Chain,
    private readonly options: ChainReplicaOptions,
    private readonly logger: Logger,
  ) {
    const o = options
    const start = o.registration.registeredAtBlock
    this.pipeline = new DerivationPipeline(
      chain,
      o.tracker,
      new L1BatchSource(o.client, o.config.contracts.BatchInbox, o.chainId, o.blobSource),
      new DerivedBlockBuilder(chain, o.tracker, {
        chainId: o.chainId,
        feeRecipient: hexToBytes(o.config.feeRecipient),
        baseFeeScalar: o.config.baseFeeScalar,
        blobBaseFeeScalar: o.config.blobBaseFeeScalar,
      }),
      { chainId: o.chainId, l1StartBlock: start },
      logger.child({ module: 'derivation' }),
    )
    this.outputs = new OutputVerifier(chain, o.client, { chainId: o.chainId, oracle: o.config.contracts.OutputOracle, l1StartBlock: start }, logger)
    this.rounds = new SingleFlight(
      () => this.round(),
      (err) => this.logger.warn({ err: reasonOf(err) }, 'derivation round failed; retrying on the next L1 block'),
    )
  }

  async start(): Promise<void> {
    this.unsubscribe.push(this.options.tracker.onHead(() => void this.rounds.run()))
    this.unsubscribe.push(
      this.options.tracker.onReorg((ancestor) => {
        this.pipeline.noteReorg(ancestor)
        this.outputs.reset(ancestor)
      }),
    )
    void this.rounds.run()
  }

  async stop(): Promise<void> {
    for (const u of this.unsubscribe) u()
    await this.rounds.stop()
  }

  /** Derives and checks what L1 holds now (also run on every L1 head). */
  sync(): Promise<void> {
    return this.rounds.run()
  }

  private async round(): Promise<void> {
    await this.pipeline.step()
    const l1 = this.options.tracker.head()
    if (l1) await this.outputs.check(l1.number, this.pipeline.derivedHead())
  }

  l1Addresses(): Record<string, unknown> {
    const o = this.options
    return l1AddressesOf(o.config.l1ChainId, o.l1RpcUrl, o.config.contracts, o.registration)
  }

  /** `plexus_syncStatus` of a replica: everything it serves is derived from L1, so unsafe = safe. */
  async syncStatus(): Promise<Record<string, unknown>> {
    const l1Head = this.options.tracker.head()
    const finalized = await l1Finalized(this.options.client)
    const derived = this.pipeline.derivedHead()
    return {
      mode: 'replica',
      unsafe: headRef(this.chain, this.chain.headHeader().number),
      safe: headRef(this.chain, derived),
      finalized: headRef(this.chain, finalized === undefined ? 0n : this.pipeline.derivedHeadAt(finalized)),
      l1: l1Head ? { number: toQuantity(l1Head.number), hash: l1Head.hash } : null,
      latestOutput: toQuantity(this.outputs.latestVerified()),
      outputMismatches: this.outputs.mismatches.map((m) => ({
        outputIndex: toQuantity(m.outputIndex),
        l2Block: toQuantity(m.l2Block),
        l1Block: toQuantity(m.l1Block),
        posted: m.posted,
        computed: m.computed,
      })),
      skippedBatches: {
        total: this.pipeline.skippedTotal(),
        recent: this.pipeline.skipped.map((s) => ({
          l1Block: toQuantity(s.l1Block),
          batchIndex: toQuantity(s.batchIndex),
          txHash: s.txHash,
          reason: s.reason,
        })),
      },
    }
  }
}
