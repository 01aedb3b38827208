import type { Hex, PublicClient } from 'viem'
import type { Chain } from '../execution/chain.js'
import { hexToBytes } from '../primitives/hex.js'
import type { Lifecycle } from '../primitives/lifecycle.js'
import type { Logger } from '../primitives/logger.js'
import { SingleFlight } from '../primitives/singleFlight.js'
import type { BatchLimits } from './batch/codec.js'
import type { BlobSource } from './da/index.js'
import { L1BatchSource } from './derivation/batchSource.js'
import { DerivedBlockBuilder } from './derivation/blockBuilder.js'
import type { ChannelOptions } from './derivation/channelBank.js'
import { NetworkDerivationPipeline, type CheckTxFor, type DerivedChain } from './derivation/networkDerivationPipeline.js'
import { OutputVerifier } from './derivation/outputVerifier.js'
import { SuperRootVerifier } from './derivation/superRootVerifier.js'
import type { PublishedChainConfig } from './l1/chainConfig.js'
import type { ChainRegistration } from './l1/deploy.js'
import type { L1Tracker } from './l1/l1Tracker.js'
import { reasonOf } from './l1/l1Transactions.js'
import type { SlotOffsets } from '../execution/slots.js'

export interface NetworkReplicaOptions {
  /** The network's BatchInbox. */
  inbox: Hex
  /** Where blob batches are read from (a beacon node, or anvil for a dev L1). */
  blobSource: BlobSource
  limits?: BatchLimits
  /** The channel rules (timeout, sizes); the network batcher's (default theirs). */
  channels?: ChannelOptions
  /** Slot of each chain's blocks (default: offset 0 for every chain). */
  slotOffsets?: SlotOffsets
  /** Extra validity check of each derived block's transactions (cross-chain messages). */
  checkTxFor?: CheckTxFor
  /** The network's SuperRootOracle: every super root proposed there is checked against the derived chains. */
  superRootOracle?: Hex
  /**
   * Opens a chain that joined the network after this replica started (its node calls
   * `addChain`); false if `chainId` is not a registered chain of the network.
   */
  openJoinedChain?: (chainId: bigint) => Promise<boolean>
}

/** What the replica derives for one chain. */
export interface ReplicaChain {
  chainId: bigint
  config: PublishedChainConfig
  registration: ChainRegistration
}

/**
 * The L1 side of a network replica: it rebuilds every chain of the network from L1 alone
 * (deposits and network batches, no sequencer), interleaved slot by slot, checks every
 * posted output root of every chain against its own, and follows L1 reorgs. Derivation
 * runs on each new L1 head, one round at a time. Chains are added (`addChain`) before
 * `start`.
 */
export class NetworkReplica implements Lifecycle {
  private readonly chains: { info: ReplicaChain; chain: Chain; outputs: OutputVerifier }[] = []
  private _pipeline: NetworkDerivationPipeline | undefined
  private _superRoots: SuperRootVerifier | undefined
  private readonly unsubscribe: (() => void)[] = []
  private readonly rounds: SingleFlight

  constructor(
    private readonly tracker: L1Tracker,
    private readonly client: PublicClient,
    private readonly options: NetworkReplicaOptions,
    private readonly logger: Logger,
  ) {
    this.rounds = new SingleFlight(
      () => this.round(),
      (err) => this.logger.warn({ err: reasonOf(err) }, 'derivation round failed; retrying on the next L1 block'),
    )
  }

  get pipeline(): NetworkDerivationPipeline {
    if (!this._pipeline) throw new Error('network replica not started')
    return this._pipeline
  }

  /** Adds a chain: before `start`, or while running for a chain that joined the network (`openJoinedChain`). */
  addChain(chain: Chain, info: ReplicaChain): void {
    if (this.chains.some((c) => c.info.chainId === info.chainId)) throw new Error(`NetworkReplica.addChain: chain ${info.chainId} added twice`)
    const outputs = new OutputVerifier(
      chain,
      this.client,
      { chainId: info.chainId, oracle: info.config.contracts.OutputOracle, l1StartBlock: info.registration.registeredAtBlock },
      this.logger.child({ chain: info.chainId.toString() }),
    )
    this.chains.push({ info, chain, outputs })
  }

  /** The super root verifier (undefined when the network has no SuperRootOracle). */
  get superRoots(): SuperRootVerifier | undefined {
    return this._superRoots
  }

  /** The output verifier of `chainId`. */
  outputs(chainId: bigint): OutputVerifier {
    const c = this.chains.find((x) => x.info.chainId === chainId)
    if (!c) throw new Error(`chain ${chainId} is not replicated here`)
    return c.outputs
  }

  async start(): Promise<void> {
    if (this.chains.length === 0) throw new Error('NetworkReplica: no chains to derive')
    const derived = this.chains.map((c) => this.derivedChain(c))
    const l1StartBlock = derived.reduce((min, c) => (c.l1StartBlock < min ? c.l1StartBlock : min), derived[0]!.l1StartBlock)
    this._pipeline = new NetworkDerivationPipeline(
      derived,
      this.tracker,
      new L1BatchSource(this.client, this.options.inbox, this.options.blobSource),
      {
        l1StartBlock,
        limits: this.options.limits,
        channels: this.options.channels,
        slotOffsets: this.options.slotOffsets,
        checkTxFor: this.options.checkTxFor,
        discoverChain: (chainId) => this.discoverChain(chainId),
      },
      this.logger.child({ module: 'derivation' }),
    )
    this.unsubscribe.push(this.tracker.onHead(() => void this.rounds.run()))
    this.unsubscribe.push(
      this.tracker.onReorg((ancestor) => {
        this.pipeline.noteReorg(ancestor)
        for (const c of this.chains) c.outputs.reset(ancestor)
      }),
    )
    if (this.options.superRootOracle) {
      // Every chain of the network is derived here, so whole roots are compared.
      this._superRoots = new SuperRootVerifier(
        this.tracker,
        {
          oracle: this.options.superRootOracle,
          l1StartBlock,
          chains: () => this.chains.map((c) => ({ chainId: c.info.chainId, chain: c.chain, head: () => this.pipeline.derivedHead(c.info.chainId) })),
        },
        this.logger.child({ module: 'super-roots' }),
      )
      await this._superRoots.start()
    }
    void this.rounds.run()
  }

  private derivedChain({ info, chain }: { info: ReplicaChain; chain: Chain }): DerivedChain {
    return {
      chainId: info.chainId,
      chain,
      l1StartBlock: info.registration.registeredAtBlock,
      builder: new DerivedBlockBuilder(chain, this.tracker, {
        chainId: info.chainId,
        feeRecipient: hexToBytes(info.config.feeRecipient),
        baseFeeScalar: info.config.baseFeeScalar,
        blobBaseFeeScalar: info.config.blobBaseFeeScalar,
      }),
    }
  }

  /** A chain met in a batch that is not derived here: opened if it joined the network since. */
  private async discoverChain(chainId: bigint): Promise<DerivedChain | undefined> {
    if (!this.options.openJoinedChain || !(await this.options.openJoinedChain(chainId))) return undefined
    const entry = this.chains.find((c) => c.info.chainId === chainId)
    return entry ? this.derivedChain(entry) : undefined
  }

  async stop(): Promise<void> {
    for (const u of this.unsubscribe) u()
    await this.rounds.stop()
    await this._superRoots?.stop()
  }

  /** Derives and checks what L1 holds now (also run on every L1 head). */
  sync(): Promise<void> {
    return this.rounds.run()
  }

  private async round(): Promise<void> {
    await this.pipeline.step()
    const l1 = this.tracker.head()
    if (!l1) return
    for (const c of this.chains) await c.outputs.check(l1.number, this.pipeline.derivedHead(c.info.chainId))
    // Proposals waiting for blocks this round derived are checked now, not on the next L1 head.
    await this._superRoots?.kick()
  }
}
