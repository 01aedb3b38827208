import type { PublicClient } from 'viem'
import type { Chain } from '../execution/chain.js'
import { toQuantity } from '../primitives/hex.js'
import type { Lifecycle } from '../primitives/lifecycle.js'
import { FinalizedHeadCache, headRef, l1AddressesOf } from './chainSettlement.js'
import type { PublishedChainConfig } from './l1/chainConfig.js'
import type { ChainRegistration } from './l1/deploy.js'
import type { L1Tracker } from './l1/l1Tracker.js'
import type { NetworkReplica } from './networkReplica.js'

export interface ChainReplicaOptions {
  chainId: bigint
  l1RpcUrl: string
  config: PublishedChainConfig
  registration: ChainRegistration
  tracker: L1Tracker
  client: PublicClient
}

/**
 * One chain's L1 side in a network replica: the chain is derived by the `NetworkReplica`
 * (with every other chain of the network, interleaved); this is what the chain's node
 * serves of it (`plexus_getL1Addresses`, `plexus_syncStatus`). Constructing it adds the
 * chain to the network replica.
 */
export class ChainReplica implements Lifecycle {
  private readonly finalized = new FinalizedHeadCache()

  constructor(
    private readonly chain: Chain,
    private readonly network: NetworkReplica,
    private readonly options: ChainReplicaOptions,
  ) {
    network.addChain(chain, { chainId: options.chainId, config: options.config, registration: options.registration })
  }

  /** Derivation runs in the network replica, started once every chain is open. */
  async start(): Promise<void> {}

  async stop(): Promise<void> {}

  /** Last block derived from batches in canonical L1 blocks: the `safe` tag. */
  safeHead(): bigint {
    return this.network.pipeline.derivedHead(this.options.chainId)
  }

  /** Last block derived from batches in L1 blocks at or below L1's finalized block: the `finalized` tag. */
  finalizedHead(): bigint {
    const { chainId, tracker } = this.options
    return this.finalized.get(tracker.finalized(), this.safeHead(), (l1) => this.network.pipeline.derivedHeadAt(chainId, l1))
  }

  l1Addresses(): Record<string, unknown> {
    const o = this.options
    return l1AddressesOf(o.config.l1ChainId, o.l1RpcUrl, o.config.contracts, o.registration)
  }

  /** `plexus_syncStatus` of a replica: everything it serves is derived from L1, so unsafe = safe. */
  async syncStatus(): Promise<Record<string, unknown>> {
    const { chainId, tracker } = this.options
    const l1Head = tracker.head()
    const pipeline = this.network.pipeline
    const outputs = this.network.outputs(chainId)
    return {
      mode: 'replica',
      unsafe: headRef(this.chain, this.chain.headHeader().number),
      safe: headRef(this.chain, this.safeHead()),
      finalized: headRef(this.chain, this.finalizedHead()),
      l1: l1Head ? { number: toQuantity(l1Head.number), hash: l1Head.hash } : null,
      latestOutput: toQuantity(outputs.latestVerified()),
      outputMismatches: outputs.mismatches.map((m) => ({
        outputIndex: toQuantity(m.outputIndex),
        l2Block: toQuantity(m.l2Block),
        l1Block: toQuantity(m.l1Block),
        posted: m.posted,
        computed: m.computed,
      })),
      // The network's super roots, checked against every derived chain: the same on every chain.
      superRoots: this.network.superRoots?.status() ?? null,
      // Network batches: the same list on every chain of the replica.
      skippedBatches: {
        total: pipeline.skippedTotal(),
        recent: pipeline.skipped.map((s) => ({
          l1Block: toQuantity(s.l1Block),
          batchIndex: toQuantity(s.batchIndex),
          txHash: s.txHash,
          reason: s.reason,
        })),
      },
    }
  }
}
