import { DEFAULT_BASE_FEE_SCALAR, DEFAULT_BLOB_BASE_FEE_SCALAR } from '../execution/l1Fee.js'
import type { ChainReader } from '../execution/chainReader.js'
import type { Logger } from '../primitives/logger.js'
import { ChainSettlement } from '../settlement/chainSettlement.js'
import type { RegisteredChain } from '../settlement/l1/chainRegistration.js'
import type { L1Deployment } from '../settlement/l1/deploy.js'
import type { L1Tracker } from '../settlement/l1/l1Tracker.js'
import type { NetworkBatcher } from '../settlement/networkBatcher.js'
import { chainDatabaseDir } from './datadir.js'
import type { DevNetwork } from './devNetwork.js'
import { chainName, type NetworkChainOptions, type NetworkL1Options } from './networkOptions.js'
import type { NetworkSequencing } from './networkSequencing.js'
import { PlexusNode } from './node.js'

/** What a chain's node shares with the rest of its network. */
export interface ChainNodeContext {
  datadir: string
  l1: NetworkL1Options
  l1Url: string
  deployment: L1Deployment
  tracker: L1Tracker
  batcher: NetworkBatcher
  sequencing: NetworkSequencing
  devNetwork: DevNetwork | undefined
  devMethods: boolean
  logger: Logger
}

/**
 * A network chain's node, not started: its blocks built by the network's shared sequencer
 * (not its own producer), its L1 side (deposits in, output roots out) on the network's
 * tracker and batcher.
 */
export function createChainNode(ctx: ChainNodeContext, opts: NetworkChainOptions, registered: RegisteredChain): PlexusNode {
  const { sequencing } = ctx
  return new PlexusNode({
    datadir: chainDatabaseDir(ctx.datadir, opts.chainId),
    genesis: registered.genesis,
    slotTimeMs: opts.slotTimeMs,
    feeRecipient: registered.feeRecipient,
    gasLimit: opts.gasLimit,
    rpc: { ...opts.rpc, host: opts.rpcHost, port: opts.rpcPort },
    ...(opts.rpcLimits ? { rpcLimits: opts.rpcLimits } : {}),
    // The network's shared sequencer builds every chain's blocks, slot by slot.
    produceBlocks: false,
    network: sequencing,
    ...(ctx.devNetwork ? { devNetwork: ctx.devNetwork } : {}),
    ...(ctx.devMethods ? {} : { devMethods: false }),
    checkTransaction: sequencing.checkTxFor(BigInt(opts.chainId)),
    logger: ctx.logger.child({ chain: opts.chainId, name: chainName(opts) }),
    settlement: (chain, nodeLogger) => chainSettlement(ctx, opts, registered, chain, nodeLogger),
  })
}

/** A network chain's L1 side over `chain` (the chain itself, or the coordinator's reader of it): deposits in, output roots out, on the network's tracker and batcher. */
export function chainSettlement(ctx: ChainNodeContext, opts: NetworkChainOptions, registered: RegisteredChain, chain: ChainReader, logger: Logger): ChainSettlement {
  const { l1 } = ctx
  return new ChainSettlement(
    chain,
    {
      chainId: BigInt(opts.chainId),
      l1RpcUrl: ctx.l1Url,
      deployment: ctx.deployment,
      registration: registered.registration,
      tracker: ctx.tracker,
      batcher: ctx.batcher,
      proposerSigner: registered.proposer,
      confirmations: BigInt(l1.confirmations),
      baseFeeScalar: DEFAULT_BASE_FEE_SCALAR,
      blobBaseFeeScalar: DEFAULT_BLOB_BASE_FEE_SCALAR,
      outputIntervalBlocks: BigInt(opts.outputIntervalBlocks),
      maxSequencerDrift: l1.maxSequencerDriftSeconds === undefined ? undefined : BigInt(l1.maxSequencerDriftSeconds),
    },
    logger,
  )
}
