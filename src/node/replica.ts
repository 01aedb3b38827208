import path from 'node:path'
import { createPublicClient, http, type Hex, type PublicClient } from 'viem'
import { genesisBlockHash, type Chain } from '../execution/chain.js'
import { BaseError } from '../primitives/errors.js'
import { initCrypto } from '../primitives/crypto.js'
import { toData } from '../primitives/hex.js'
import type { Lifecycle } from '../primitives/lifecycle.js'
import type { Logger } from '../primitives/logger.js'
import { ChainReplica } from '../settlement/chainReplica.js'
import { blobSourceFor } from '../settlement/da/index.js'
import type { CheckTxFor } from '../settlement/derivation/networkDerivationPipeline.js'
import { fetchChainConfig, registeredChainIds, type PublishedChainConfig } from '../settlement/l1/chainConfig.js'
import type { ChainRegistration } from '../settlement/l1/deploy.js'
import { L1Tracker } from '../settlement/l1/l1Tracker.js'
import { NetworkReplica } from '../settlement/networkReplica.js'
import type { SlotOffsets } from '../execution/slots.js'
import { chainDir, saveGenesis, storedGenesis } from './datadir.js'
import { ChainsView } from '../interop/chainsView.js'
import { executingMessageCheck } from '../interop/validation.js'
import type { ChannelOptions } from '../settlement/derivation/channelBank.js'
import { PlexusNode } from './node.js'
import { DEFAULT_SLOT_TIME_MS } from './options.js'

export interface ReplicaOptions {
  /** The L1's JSON-RPC URL: the replica's only source. */
  l1RpcUrl: string
  /** The network's ChainRegistry on L1: every chain registered there is derived. */
  registry: Hex
  /** A consensus-layer beacon API, for networks that post blobs (unset: the L1 RPC's anvil blob endpoint). */
  l1BeaconUrl?: string
  datadir: string
  /**
   * Each chain's JSON-RPC: the i-th chain in ascending chain id order listens on
   * `port + i` (port 0: each on a free port).
   */
  rpc: { host: string; port: number }
  /** How often the L1 is polled for new blocks. */
  pollMs: number
  /** Slot of each chain's blocks (default: each chain's registered genesis slot); the batcher's. */
  slotOffsets?: SlotOffsets
  /** Extra validity check of each derived block's transactions (cross-chain messages). */
  checkTxFor?: CheckTxFor
  /** The channel rules (timeout, sizes); default the network batcher's. */
  channels?: ChannelOptions
  logger: Logger
}

interface RegisteredChain {
  chainId: bigint
  config: PublishedChainConfig
  registration: ChainRegistration
}

export const REPLICA_REJECTS_TRANSACTIONS =
  'this node is a replica: it derives the chain from L1 and does not accept transactions; send them to the sequencer'

/**
 * The composition root of a network replica: every chain registered on L1, each with its
 * published config (genesis, fee parameters, contract addresses), one L1 tracker, and per
 * chain a rollup node that builds no blocks of its own and serves the same JSON-RPC as
 * the sequencer; the chains are derived together from the network batches on L1
 * (`NetworkReplica`), interleaved slot by slot, since a block may execute a message of
 * another chain.
 */
export class PlexusReplica implements Lifecycle {
  private tracker: L1Tracker | undefined
  private _network: NetworkReplica | undefined
  readonly nodes: PlexusNode[] = []
  /** The derived chains by id, in chain-id order (the interop rules read them). */
  private readonly chains = new Map<bigint, Chain>()

  /**
   * The interop rules a derived block's transactions must pass, checked against the
   * chains this replica derives (the same rules the sequencer builds by): a batch whose
   * block executes a forged message is invalid.
   */
  private interopRules(slotOffsets: SlotOffsets): CheckTxFor {
    const view = new ChainsView(() => this.chains, slotOffsets)
    return (chainId, block) => executingMessageCheck(view, chainId, block)
  }
  private stopped = false
  /** The network slot of each chain's block 0, as registered on L1 (chains join while running). */
  private readonly genesisSlots = new Map<bigint, bigint>()
  /** What opening a chain needs, once the replica has started. */
  private opening: { client: PublicClient; l1ChainId: number; tracker: L1Tracker; network: NetworkReplica; first: RegisteredChain } | undefined

  constructor(readonly options: ReplicaOptions) {}

  /** The node serving `chainId`. */
  node(chainId: number): PlexusNode {
    const node = this.nodes.find((n) => Number(n.chain.chainId) === chainId)
    if (!node) throw new BaseError(`chain ${chainId} is not part of this replica`)
    return node
  }

  get network(): NetworkReplica {
    if (!this._network) throw new Error('replica not started')
    return this._network
  }

  async start(): Promise<void> {
    const o = this.options
    await initCrypto()
    try {
      const client = createPublicClient({ transport: http(o.l1RpcUrl, { retryCount: 3 }) }) as PublicClient
      const l1ChainId = await client.getChainId()
      const chainIds = await registeredChainIds(client, o.registry)
      if (chainIds.length === 0) throw new BaseError(`no chain is registered in the registry at ${o.registry}`)
      const chains: RegisteredChain[] = []
      for (const chainId of chainIds) chains.push(await this.registeredChain(client, l1ChainId, chainId, chains[0]))
      for (const c of chains) saveGenesis(o.datadir, c.config.genesis)

      const contracts = chains[0]!.config.contracts
      // Where each chain's blocks sit among the network's slots, as registered on L1.
      const genesisSlots = this.genesisSlots
      for (const c of chains) genesisSlots.set(c.chainId, c.config.genesisSlot ?? 0n)
      const slotOffsets: SlotOffsets = o.slotOffsets ?? ((chainId) => genesisSlots.get(chainId) ?? 0n)
      const startBlock = chains.reduce((min, c) => (c.registration.registeredAtBlock < min ? c.registration.registeredAtBlock : min), chains[0]!.registration.registeredAtBlock)
      const tracker = (this.tracker = new L1Tracker(client, { portal: contracts.Portal, startBlock, pollMs: o.pollMs }, o.logger.child({ module: 'l1-tracker' })))
      await tracker.start()
      const network = (this._network = new NetworkReplica(
        tracker,
        client,
        {
          inbox: contracts.BatchInbox,
          blobSource: blobSourceFor(o.l1RpcUrl, o.l1BeaconUrl, client),
          slotOffsets,
          channels: o.channels,
          checkTxFor: o.checkTxFor ?? this.interopRules(slotOffsets),
          superRootOracle: contracts.SuperRootOracle,
          openJoinedChain: (chainId) => this.openJoinedChain(chainId),
        },
        o.logger,
      ))
      this.opening = { client, l1ChainId, tracker, network, first: chains[0]! }
      for (const c of chains) await this.openChain(c)
      // Every chain is open: derive them together.
      await network.start()
    } catch (err) {
      await this.stop().catch(() => undefined)
      throw err
    }
  }

  /** A chain as registered on L1, checked: its genesis hashes as registered, and it settles where the others do. */
  private async registeredChain(client: PublicClient, l1ChainId: number, chainId: bigint, first: RegisteredChain | undefined): Promise<RegisteredChain> {
    const o = this.options
    const { config, registration } = await fetchChainConfig(client, o.registry, chainId)
    if (l1ChainId !== config.l1ChainId) {
      throw new BaseError(`chain ${chainId} settles on L1 chain ${config.l1ChainId}, but ${o.l1RpcUrl} is chain ${l1ChainId}`)
    }
    const genesisHash = toData(await genesisBlockHash(config.genesis))
    if (genesisHash !== registration.genesisHash) {
      throw new BaseError(`the published genesis of chain ${chainId} hashes to ${genesisHash}, but the registry holds ${registration.genesisHash}`)
    }
    const stored = storedGenesis(o.datadir, Number(chainId))
    if (stored && toData(await genesisBlockHash(stored)) !== genesisHash) {
      throw new BaseError(`the datadir ${o.datadir} holds another chain ${chainId} than the one registered on this L1`, {
        details: 'use a fresh --datadir for this replica',
      })
    }
    if (first && (first.config.contracts.BatchInbox !== config.contracts.BatchInbox || first.config.contracts.Portal !== config.contracts.Portal)) {
      throw new BaseError(`chain ${chainId} publishes other L1 contracts than chain ${first.chainId}; a network shares one inbox and portal`)
    }
    return { chainId, config, registration }
  }

  /** Opens the chain's node (the i-th chain serves on port + i); its ChainReplica adds it to the network replica. */
  private async openChain(c: RegisteredChain): Promise<void> {
    const o = this.options
    const { client, tracker, network } = this.opening!
    saveGenesis(o.datadir, c.config.genesis)
    const node = new PlexusNode({
      datadir: path.join(chainDir(o.datadir, Number(c.chainId)), 'db'),
      genesis: c.config.genesis,
      slotTimeMs: DEFAULT_SLOT_TIME_MS,
      feeRecipient: c.config.feeRecipient,
      rpc: { host: o.rpc.host, port: o.rpc.port === 0 ? 0 : o.rpc.port + this.nodes.length },
      produceBlocks: false,
      rejectTransactions: REPLICA_REJECTS_TRANSACTIONS,
      logger: o.logger.child({ chain: Number(c.chainId) }),
      settlement: (chain) =>
        new ChainReplica(chain, network, { chainId: c.chainId, l1RpcUrl: o.l1RpcUrl, config: c.config, registration: c.registration, tracker, client }),
    })
    this.nodes.push(node)
    await node.start()
    this.chains.set(c.chainId, node.chain)
  }

  /**
   * A batch carries a chain this replica does not derive: if it is registered now (it
   * joined the network after the replica started), open it with its registered genesis
   * slot, serving on the next port.
   */
  private async openJoinedChain(chainId: bigint): Promise<boolean> {
    const opening = this.opening
    if (!opening || this.stopped) return false
    const registered = await registeredChainIds(opening.client, this.options.registry)
    if (!registered.includes(chainId)) return false
    const c = await this.registeredChain(opening.client, opening.l1ChainId, chainId, opening.first)
    this.genesisSlots.set(c.chainId, c.config.genesisSlot ?? 0n)
    await this.openChain(c)
    this.options.logger.info({ chain: Number(chainId), rpc: this.node(Number(chainId)).rpcUrl() }, 'replica opened a chain that joined the network')
    return true
  }

  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    await this._network?.stop()
    for (const node of [...this.nodes].reverse()) await node.stop()
    await this.tracker?.stop()
  }
}
