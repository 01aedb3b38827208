import type { Hex } from 'viem'
import type { ChainReader } from '../execution/chainReader.js'
import { toData, toQuantity } from '../primitives/hex.js'
import type { Lifecycle } from '../primitives/lifecycle.js'
import type { Logger } from '../primitives/logger.js'
import type { BridgeTransfersContext } from './bridgeTransfers.js'
import type { L1Deployment, ChainRegistration } from './l1/deploy.js'
import type { L1Tracker } from './l1/l1Tracker.js'
import type { L1Signer } from './l1/l1Transactions.js'
import { L1OriginSelector } from './l1OriginSelector.js'
import type { SafeHeads } from './networkBatcher.js'
import { Proposer } from './proposer.js'

export interface ChainSettlementOptions {
  chainId: bigint
  l1RpcUrl: string
  deployment: L1Deployment
  registration: ChainRegistration
  tracker: L1Tracker
  /** The network batcher, which posts this chain's blocks with every other chain's. */
  batcher: SafeHeads
  proposerSigner: L1Signer
  confirmations: bigint
  baseFeeScalar: bigint
  blobBaseFeeScalar: bigint
  outputIntervalBlocks: bigint
  /** See `L1OriginSelectorOptions.maxSequencerDrift`. */
  maxSequencerDrift?: bigint
}

/** A head as `plexus_syncStatus` reports it. */
export interface HeadRef {
  number: Hex
  hash: Hex
}

/**
 * The L1 side of a sequencing chain: its origin selection and proposer. Its blocks are
 * batched by the network's `NetworkBatcher` (with every other chain's), which it asks
 * for the chain's safe head.
 */
export class ChainSettlement implements Lifecycle {
  readonly inputs: L1OriginSelector
  readonly proposer: Proposer
  private readonly finalized = new FinalizedHeadCache()

  constructor(
    private readonly chain: ChainReader,
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
      maxSequencerDrift: o.maxSequencerDrift,
      logger,
    })
    this.proposer = new Proposer(
      chain,
      o.tracker,
      () => this.safeHead(),
      o.proposerSigner,
      { chainId: o.chainId, oracle: o.deployment.contracts.OutputOracle, intervalBlocks: o.outputIntervalBlocks },
      logger.child({ module: 'proposer' }),
    )
  }

  async start(): Promise<void> {
    await this.proposer.start()
  }

  async stop(): Promise<void> {
    await this.proposer.stop()
  }

  /** Last block of this chain posted in a canonical L1 block (by the network batcher): the `safe` tag. */
  safeHead(): bigint {
    return this.options.batcher.safeHead(this.options.chainId)
  }

  /**
   * Last block of this chain posted in an L1 block at or below L1's finalized block (as
   * the tracker last read it): the `finalized` tag. From memory, cached per (finalized
   * L1 block, safe head), since the batcher's lookup walks its batches.
   */
  finalizedHead(): bigint {
    return this.finalized.get(this.options.tracker.finalized(), this.safeHead(), (l1) =>
      this.options.batcher.safeHeadAt(this.options.chainId, l1),
    )
  }

  /** `plexus_getL1Addresses`: where this chain's L1 side lives. */
  l1Addresses(): Record<string, unknown> {
    const o = this.options
    return l1AddressesOf(o.deployment.l1ChainId, o.l1RpcUrl, o.deployment.contracts, o.registration)
  }

  /** Where deposits and withdrawals of this chain are read from (plexus_listDeposits …). */
  bridgeTransfers(): BridgeTransfersContext {
    const o = this.options
    return {
      chain: this.chain,
      chainId: o.chainId,
      l1: o.tracker.client,
      portal: o.deployment.contracts.Portal,
      oracle: o.deployment.contracts.OutputOracle,
      registry: o.deployment.contracts.ChainRegistry,
      l1StartBlock: o.registration.registeredAtBlock,
    }
  }

  /**
   * `plexus_syncStatus`: unsafe (produced), safe (batched on L1), finalized (batched in a
   * finalized L1 block). `heads` gives the safe and finalized heads to report (default
   * this side's own): a chain whose RPC runs in an executor reports the heads its
   * executor was told, so its block tags and its sync status agree.
   */
  async syncStatus(heads: { safeHead(): bigint; finalizedHead(): bigint } = this): Promise<Record<string, unknown>> {
    const tracker = this.options.tracker
    const l1Head = tracker.head()
    const unsafe = this.chain.headHeader().number
    const safe = heads.safeHead()
    const latestOutput = this.proposer.latestProposed()
    const interval = this.options.outputIntervalBlocks
    const nextOutput = (latestOutput / interval + 1n) * interval
    return {
      mode: 'sequencer',
      unsafe: headRef(this.chain, unsafe),
      safe: headRef(this.chain, safe),
      finalized: headRef(this.chain, heads.finalizedHead()),
      l1: l1Head ? { number: toQuantity(l1Head.number), hash: l1Head.hash } : null,
      latestOutput: toQuantity(latestOutput),
      outputMismatches: [],
      // What settlement still owes L1: blocks not yet in a batch on L1, and the next output root.
      unbatchedBlocks: toQuantity(unsafe > safe ? unsafe - safe : 0n),
      outputInterval: toQuantity(interval),
      nextOutput: toQuantity(nextOutput),
      outputDue: nextOutput <= safe,
    }
  }
}

/** `plexus_getL1Addresses` of a chain: the L1, its contracts by name, and the chain's roles. */
export function l1AddressesOf(
  l1ChainId: number,
  l1RpcUrl: string,
  contracts: Record<string, Hex>,
  registration: ChainRegistration,
): Record<string, unknown> {
  return {
    l1ChainId,
    l1RpcUrl,
    ...contracts,
    batcher: registration.batcher,
    proposer: registration.proposer,
    registeredAtBlock: toQuantity(registration.registeredAtBlock),
    challengeWindow: toQuantity(registration.challengeWindow),
  }
}

/** A block as `plexus_syncStatus` reports a head, or null if the chain does not have it. */
export function headRef(chain: ChainReader, number: bigint): HeadRef | null {
  const block = chain.getBlockByNumber(number)
  return block ? { number: toQuantity(number), hash: toData(block.hash()) } : null
}

/**
 * A chain's finalized head, recomputed only when L1's finalized block or the chain's safe
 * head moved (a reorg or rewind that drops batches moves the safe head too).
 */
export class FinalizedHeadCache {
  private key: string | undefined
  private value = 0n

  /** `lookup(l1Finalized)`: the newest block batched at or below that L1 block. Genesis (0) while L1 has no finalized block. */
  get(l1Finalized: bigint | undefined, safeHead: bigint, lookup: (l1Finalized: bigint) => bigint): bigint {
    if (l1Finalized === undefined) return 0n
    const key = `${l1Finalized}:${safeHead}`
    if (key !== this.key) {
      this.value = lookup(l1Finalized)
      this.key = key
    }
    return this.value
  }
}
