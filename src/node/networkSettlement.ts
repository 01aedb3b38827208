import type { ChainReader } from '../execution/chainReader.js'
import type { Logger } from '../primitives/logger.js'
import { maxPostedBytes } from '../settlement/daCapacity.js'
import { blobSourceFor } from '../settlement/da/index.js'
import { L1BatchSource } from '../settlement/derivation/batchSource.js'
import { EthFlowSettler } from '../settlement/ethFlowSettler.js'
import type { L1Network } from '../settlement/l1/bootstrap.js'
import type { EmbeddedAnvil } from '../settlement/l1/embeddedAnvil.js'
import { L1Tracker } from '../settlement/l1/l1Tracker.js'
import type { L1Signer } from '../settlement/l1/l1Transactions.js'
import { NetworkBatcher, type DataAvailability } from '../settlement/networkBatcher.js'
import { SuperRootProposer } from '../settlement/superRootProposer.js'

/** L2 seconds between the super roots the network proposes on L1. */
const SUPER_ROOT_INTERVAL_SECONDS = 8n

/**
 * The network's L1 tracker from `startBlock` (the first chain's registration). On the
 * embedded L1 it adopts an origin only once anvil has it on disk, and looks at L1 as soon
 * as a block is written there rather than at the next poll.
 */
export function createL1Tracker(l1: L1Network, startBlock: bigint, pollMs: number, anvil: EmbeddedAnvil | undefined, logger: Logger): L1Tracker {
  const tracker = new L1Tracker(l1.publicClient, { portal: l1.deployment.contracts.Portal, startBlock, pollMs, durable: anvil && (() => anvil.durableBlock()) }, logger.child({ module: 'l1-tracker' }))
  anvil?.onDurable(() => void tracker.refresh().catch(() => undefined))
  return tracker
}

/** The one batcher that posts every chain's blocks together (network batches). */
export function createNetworkBatcher(
  l1: L1Network,
  tracker: L1Tracker,
  p: { l1Url: string; beaconUrl: string | undefined; startBlock: bigint; da: DataAvailability | undefined; maxBatchBytes: number | undefined; genesisSlot: (chainId: bigint) => bigint },
  logger: Logger,
): NetworkBatcher {
  const da = p.da ?? 'calldata'
  return new NetworkBatcher(
    tracker,
    l1.batcher,
    new L1BatchSource(l1.publicClient, l1.deployment.contracts.BatchInbox, blobSourceFor(p.l1Url, p.beaconUrl, l1.publicClient)),
    {
      inbox: l1.deployment.contracts.BatchInbox,
      l1StartBlock: p.startBlock,
      maxBatchBytes: maxPostedBytes(da, p.maxBatchBytes),
      da,
      maxSlotsPerRound: 2_000,
      // Batches are cut at slot boundaries: a chain that joined later has its blocks in later slots.
      slotOffsets: p.genesisSlot,
    },
    logger.child({ module: 'batcher' }),
  )
}

/** What the network-level proposers read of each chain. */
export interface ProposedChain {
  chainId: bigint
  chain: ChainReader
  /** Its native asset is ETH (not a gas token). */
  eth: boolean
}

/**
 * The super-root proposer and, on the same key (one signer: their sends share its
 * queue), the settler that moves escrow behind inter-chain ETH.
 */
export function createNetworkProposers(
  l1: L1Network,
  tracker: L1Tracker,
  batcher: NetworkBatcher,
  signer: L1Signer,
  chains: () => ProposedChain[],
  logger: Logger,
): [SuperRootProposer, EthFlowSettler] {
  const superProposer = new SuperRootProposer(
    tracker,
    signer,
    {
      oracle: l1.deployment.contracts.SuperRootOracle!,
      intervalSeconds: SUPER_ROOT_INTERVAL_SECONDS,
      chains: () => chains().map((c) => ({ chainId: c.chainId, chain: c.chain, safeHead: () => batcher.safeHead(c.chainId) })),
    },
    logger.child({ module: 'super-proposer' }),
  )
  const settler = new EthFlowSettler(
    tracker,
    signer,
    { portal: l1.deployment.contracts.Portal, oracle: l1.deployment.contracts.OutputOracle, chains },
    logger.child({ module: 'escrow' }),
  )
  return [superProposer, settler]
}
