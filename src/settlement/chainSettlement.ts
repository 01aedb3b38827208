import type { Hex, PublicClient } from 'viem'
import type { Chain } from '../execution/chain.js'
import { toData, toQuantity } from '../primitives/hex.js'
import type { Lifecycle } from '../primitives/lifecycle.js'
import type { Logger } from '../primitives/logger.js'
import { Batcher, type DataAvailability } from './batcher.js'
import { MAX_BLOB_BATCH_BYTES, type BlobSource } from './da/index.js'
import { L1BatchSource } from './derivation/batchSource.js'
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
  /** Batches as calldata or blobs. */
  da: DataAvailability
  /** Where blobs are read back from (the batcher's restart recovery). */
  blobSource: BlobSource
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
      new L1BatchSource(o.tracker.client, o.deployment.contracts.BatchInbox, o.chainId, o.blobSource),
      {
        chainId: o.chainId,
        inbox: o.deployment.contracts.BatchInbox,
        l1StartBlock: o.registration.registeredAtBlock,
        // A blob transaction carries at most MAX_BLOB_BATCH_BYTES.
        maxBatchBytes: o.da === 'blobs' && o.maxBatchBytes > MAX_BLOB_BATCH_BYTES ? MAX_BLOB_BATCH_BYTES : o.maxBatchBytes,
        da: o.da,
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
    return l1AddressesOf(o.deployment.l1ChainId, o.l1RpcUrl, o.deployment.contracts, o.registration)
  }

  /** `plexus_syncStatus`: unsafe (produced), safe (batched on L1), finalized (batched in a finalized L1 block). */
  async syncStatus(): Promise<Record<string, unknown>> {
    const tracker = this.options.tracker
    const l1Head = tracker.head()
    const finalized = await l1Finalized(tracker.client)
    return {
      mode: 'sequencer',
      unsafe: headRef(this.chain, this.chain.headHeader().number),
      safe: headRef(this.chain, this.batcher.safeHead()),
      finalized: headRef(this.chain, finalized === undefined ? 0n : this.batcher.safeHeadAt(finalized)),
      l1: l1Head ? { number: toQuantity(l1Head.number), hash: l1Head.hash } : null,
      latestOutput: toQuantity(this.proposer.latestProposed()),
      outputMismatches: [],
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
export function headRef(chain: Chain, number: bigint): HeadRef | null {
  const block = chain.getBlockByNumber(number)
  return block ? { number: toQuantity(number), hash: toData(block.hash()) } : null
}

/** The L1's finalized block number, or undefined if the L1 does not say (or is unreachable). */
export async function l1Finalized(client: PublicClient): Promise<bigint | undefined> {
  try {
    return (await client.getBlock({ blockTag: 'finalized' })).number ?? undefined
  } catch {
    return undefined
  }
}
