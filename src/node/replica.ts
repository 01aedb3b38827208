import path from 'node:path'
import { createPublicClient, http, type Hex, type PublicClient } from 'viem'
import { genesisBlockHash } from '../execution/chain.js'
import { BaseError } from '../primitives/errors.js'
import { initCrypto } from '../primitives/crypto.js'
import { toData } from '../primitives/hex.js'
import type { Lifecycle } from '../primitives/lifecycle.js'
import type { Logger } from '../primitives/logger.js'
import { ChainReplica } from '../settlement/chainReplica.js'
import { blobSourceFor } from '../settlement/da/index.js'
import { fetchChainConfig } from '../settlement/l1/chainConfig.js'
import { L1Tracker } from '../settlement/l1/l1Tracker.js'
import { chainDir, saveGenesis, storedGenesis } from './datadir.js'
import { PlexusNode } from './node.js'
import { DEFAULT_SLOT_TIME_MS } from './options.js'

export interface ReplicaOptions {
  /** The L1's JSON-RPC URL: the replica's only source. */
  l1RpcUrl: string
  chainId: number
  /** The network's ChainRegistry on L1. */
  registry: Hex
  /** A consensus-layer beacon API, for chains that post blobs (unset: the L1 RPC's anvil blob endpoint). */
  l1BeaconUrl?: string
  datadir: string
  rpc: { host: string; port: number }
  /** How often the L1 is polled for new blocks. */
  pollMs: number
  logger: Logger
}

export const REPLICA_REJECTS_TRANSACTIONS =
  'this node is a replica: it derives the chain from L1 and does not accept transactions; send them to the sequencer'

/**
 * The composition root of a replica: the chain's published config read from the L1
 * registry (genesis, fee parameters, contract addresses), an L1 tracker, and a rollup
 * node that builds no blocks of its own but derives them from L1 (`ChainReplica`), and
 * serves the same JSON-RPC as the sequencer.
 */
export class PlexusReplica implements Lifecycle {
  private tracker: L1Tracker | undefined
  private _node: PlexusNode | undefined
  private _replica: ChainReplica | undefined
  private stopped = false

  constructor(readonly options: ReplicaOptions) {}

  get node(): PlexusNode {
    if (!this._node) throw new Error('replica not started')
    return this._node
  }

  get replica(): ChainReplica {
    if (!this._replica) throw new Error('replica not started')
    return this._replica
  }

  async start(): Promise<void> {
    const o = this.options
    await initCrypto()
    try {
      const client = createPublicClient({ transport: http(o.l1RpcUrl, { retryCount: 3 }) }) as PublicClient
      const chainId = BigInt(o.chainId)
      const { config, registration } = await fetchChainConfig(client, o.registry, chainId)
      const l1ChainId = await client.getChainId()
      if (l1ChainId !== config.l1ChainId) {
        throw new BaseError(`chain ${o.chainId} settles on L1 chain ${config.l1ChainId}, but ${o.l1RpcUrl} is chain ${l1ChainId}`)
      }
      const genesisHash = toData(await genesisBlockHash(config.genesis))
      if (genesisHash !== registration.genesisHash) {
        throw new BaseError(`the published genesis of chain ${o.chainId} hashes to ${genesisHash}, but the registry holds ${registration.genesisHash}`)
      }
      const stored = storedGenesis(o.datadir, o.chainId)
      if (stored && toData(await genesisBlockHash(stored)) !== genesisHash) {
        throw new BaseError(`the datadir ${o.datadir} holds another chain ${o.chainId} than the one registered on this L1`, {
          details: 'use a fresh --datadir for this replica',
        })
      }
      saveGenesis(o.datadir, config.genesis)

      const tracker = (this.tracker = new L1Tracker(
        client,
        { portal: config.contracts.Portal, startBlock: registration.registeredAtBlock, pollMs: o.pollMs },
        o.logger.child({ module: 'l1-tracker' }),
      ))
      await tracker.start()
      this._node = new PlexusNode({
        datadir: path.join(chainDir(o.datadir, o.chainId), 'db'),
        genesis: config.genesis,
        slotTimeMs: DEFAULT_SLOT_TIME_MS,
        feeRecipient: config.feeRecipient,
        rpc: o.rpc,
        produceBlocks: false,
        rejectTransactions: REPLICA_REJECTS_TRANSACTIONS,
        logger: o.logger,
        settlement: (chain, logger) =>
          (this._replica = new ChainReplica(chain, { chainId, l1RpcUrl: o.l1RpcUrl, config, registration, tracker, client, blobSource: blobSourceFor(o.l1RpcUrl, o.l1BeaconUrl, client) }, logger)),
      })
      await this._node.start()
    } catch (err) {
      await this.stop().catch(() => undefined)
      throw err
    }
  }

  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    await this._node?.stop()
    await this.tracker?.stop()
  }
}
