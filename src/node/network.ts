import { isDevGenesis } from '../execution/devTx.js'
import path from 'node:path'
import { createPublicClient, createWalletClient, defineChain, getContractAddress, http, type Hex, type PublicClient } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { baseFeeSettingsMismatch } from '../execution/baseFee.js'
import { genesisBlockHash } from '../execution/chain.js'
import { rollupGenesis } from '../execution/rollupGenesis.js'
import { genesisSlotFor } from '../execution/slots.js'
import { DEFAULT_BASE_FEE_SCALAR, DEFAULT_BLOB_BASE_FEE_SCALAR } from '../execution/l1Fee.js'
import { devAccounts, type GenesisBaseFeeOptions, type GethAllocAccount, type GethGenesis } from '../execution/genesis.js'
import { BaseError, ConfigError } from '../primitives/errors.js'
import { initCrypto } from '../primitives/crypto.js'
import { hexToBytes, toData, toQuantity } from '../primitives/hex.js'
import type { Lifecycle } from '../primitives/lifecycle.js'
import type { Logger } from '../primitives/logger.js'
import { ChainSettlement } from '../settlement/chainSettlement.js'
import { blobSourceFor } from '../settlement/da/index.js'
import { L1BatchSource } from '../settlement/derivation/batchSource.js'
import { CHAIN_CONFIG_VERSION, encodeChainConfig, fetchChainConfig } from '../settlement/l1/chainConfig.js'
import { EmbeddedAnvil } from '../settlement/l1/embeddedAnvil.js'
import { SuperRootProposer } from '../settlement/superRootProposer.js'
import { EthFlowSettler } from '../settlement/ethFlowSettler.js'
import { auditNetwork, type AuditReport } from '../settlement/audit.js'
import type { GasToken } from '../execution/gasToken.js'
import { configureSuperRootOracle, ensureL1Contracts, readRegistration, registerChain, type ChainRegistration, type L1Deployment, type PersistL1 } from '../settlement/l1/deploy.js'
import { checkRegisteredGasToken, logL1FeePricing, resolveGasToken } from '../settlement/l1/gasToken.js'
import { L1Tracker } from '../settlement/l1/l1Tracker.js'
import { abortable, L1TransactionError, waitForSuccess, writeAndWait, type L1Signer } from '../settlement/l1/l1Transactions.js'
import { abiOf } from '../settlement/l1/abis.js'
import { backGenesis, genesisNativeSupply } from '../settlement/l1/genesisEscrow.js'
import { ensureNetworkBatcher } from '../settlement/l1/networkBatcherRole.js'
import { NETWORK_ROLE, roleKey } from '../settlement/l1/roleKeys.js'
import { maxPostedBytes } from '../settlement/daCapacity.js'
import { NetworkBatcher, type DataAvailability } from '../settlement/networkBatcher.js'
import { DashboardServer } from '../rpc/dashboardServer.js'
import type { RpcOptions } from '../rpc/options.js'
import type { RpcLimits } from '../rpc/api.js'
import { SlotJournal } from '../storage/slotJournal.js'
import { DEFAULT_MAX_BLOCK_DATA_BYTES } from '../sequencer/sharedSequencer.js'
import { maxBlockDataBytesFor } from '../settlement/daCapacity.js'
import { chainDir, forgetGenesis, joinedChains, networkJournalDir, saveGenesis, saveJoinedChain, storedGenesis } from './datadir.js'
import { lockDatadir } from './datadirLock.js'
import { ArmedFaults } from './faults.js'
import { NetworkSequencing } from './networkSequencing.js'
import { AdminEndpoint } from './adminEndpoint.js'
import { networkAdminHandlers } from './networkAdmin.js'
import { buildRegistry, writeRegistry, type NetworkRegistry } from './networkRegistry.js'
import { PlexusNode } from './node.js'
import { DevClock } from './devClock.js'
import { DevNetwork } from './devNetwork.js'
import { DEFAULT_FEE_VAULT, DEFAULT_GAS_LIMIT, DEFAULT_SLOT_TIME_MS } from './options.js'

export interface NetworkL1Options {
  /** An Ethereum JSON-RPC URL; when unset, Plexus starts anvil (`embedded`). */
  rpcUrl?: string
  embedded: { host: string; port: number; chainId: number; blockTimeSeconds: number }
  /** Deploys the contracts and funds the batcher/proposer keys derived from it. */
  deployerKey: Hex
  /** Guardian of the output oracle (can delete roots inside the challenge window). */
  guardian?: Hex
  /** L1 blocks an origin must be buried under before L2 adopts it. */
  confirmations: number
  pollMs: number
  /** ETH sent to each batcher/proposer key when it holds less than half of it. */
  roleFunding: bigint
  /** A consensus-layer beacon API of the L1, for reading blobs back (unset: the L1 RPC's anvil endpoint). */
  beaconUrl?: string
  /**
   * Seconds an L2 block may be newer than its L1 origin without advancing it (OP's max
   * sequencer drift); past it, with no newer L1 block to adopt, block production pauses
   * (default `defaultMaxSequencerDrift(confirmations)`: 120 s + 12 s per confirmation).
   */
  maxSequencerDriftSeconds?: number
}

/**
 * A chain whose native asset is an L1 ERC-20 (OP Stack "custom gas token"). Without
 * `l1Address` (embedded dev L1 only) Plexus deploys a test token with this name, symbol and
 * decimals, mintable by the deployer, with a balance for each dev account.
 */
export interface GasTokenOptions {
  l1Address?: Hex
  name: string
  symbol: string
  /** 0…18; the L2 native balance has 18 either way. */
  decimals: number
}

export interface NetworkChainOptions {
  chainId: number
  /** Shown in logs, to wallets and apps (default `plexus-<chainId>`, see `chainName`). */
  name?: string
  rpcHost: string
  rpcPort: number
  /** The rest of the chain's RPC server settings (origins, exposed methods, WebSocket limits). */
  rpc?: Partial<Omit<RpcOptions, 'host' | 'port'>>
  /** Limits the chain's RPC methods enforce (EVM timeout, filters, subscriptions). */
  rpcLimits?: Partial<RpcLimits>
  slotTimeMs: number
  gasLimit: bigint
  /** Seconds between an output's proposal and when withdrawals may use it. */
  challengeWindowSeconds: number
  outputIntervalBlocks: number
  /** Coinbase of every block: where priority fees go (default the SequencerFeeVault predeploy). */
  feeRecipient?: Hex
  /** EIP-1559 settings, fixed in the genesis (default: Ethereum's, 1 gwei at genesis). */
  baseFee?: GenesisBaseFeeOptions
  /** Fund the test mnemonic's first ten accounts at genesis (default true). */
  devAccounts?: boolean
  /** Extra genesis accounts (geth alloc: prefunded balances, predeploys); not in the 0x4200… namespace. */
  alloc?: Record<string, GethAllocAccount>
  /** An ERC-20 as the chain's gas token (default ETH). */
  gasToken?: GasTokenOptions
}

/** The name a chain is shown under when its options give none. */
export function chainName(opts: Pick<NetworkChainOptions, 'chainId' | 'name'>): string {
  return opts.name ?? `plexus-${opts.chainId}`
}

/** The dev network's conventions (those of the tools people know): L1 900 on 8545, rollups 901… on 9545…. */
export const DEV_NETWORK = {
  l1ChainId: 900,
  l1Port: 8545,
  /** Block time of the embedded L1, in seconds. */
  l1BlockTimeSeconds: 2,
  firstChainId: 901,
  firstPort: 9545,
  /** The deployer is the test mnemonic's last funded account, so account 0 stays the user's. */
  deployerIndex: 9,
} as const

/**
 * Where the dev network's ChainRegistry lives: the deployer's first contract (nonce 0),
 * as `plexus up` deploys it on a fresh embedded L1. Replicas of the dev network find
 * the chain's config there without being told.
 */
export function devRegistryAddress(): Hex {
  return getContractAddress({ from: devAccounts()[DEV_NETWORK.deployerIndex]!.address, nonce: 0n })
}

/** Options of the dev network's `index`-th rollup (chain 901 + index on port 9545 + index). */
export function devChainOptions(index: number, overrides: Partial<NetworkChainOptions> = {}): NetworkChainOptions {
  return {
    chainId: DEV_NETWORK.firstChainId + index,
    rpcHost: '127.0.0.1',
    rpcPort: DEV_NETWORK.firstPort + index,
    slotTimeMs: DEFAULT_SLOT_TIME_MS,
    gasLimit: DEFAULT_GAS_LIMIT,
    challengeWindowSeconds: 12,
    outputIntervalBlocks: 8,
    ...overrides,
  }
}

/** What `devL1Options` may override: any field, and any field of `embedded` alone. */
export type DevL1Overrides = Partial<Omit<NetworkL1Options, 'embedded'>> & { embedded?: Partial<NetworkL1Options['embedded']> }

/**
 * Options of the dev network's L1: embedded anvil (chain 900 on 127.0.0.1:8545, 2 s blocks),
 * contracts deployed by the test mnemonic's deployer account, origins adopted without
 * confirmations, and the batcher and proposer keys funded with 10 ETH.
 */
export function devL1Options(overrides: DevL1Overrides = {}): NetworkL1Options {
  const { embedded, ...rest } = overrides
  return {
    embedded: {
      host: '127.0.0.1',
      port: DEV_NETWORK.l1Port,
      chainId: DEV_NETWORK.l1ChainId,
      blockTimeSeconds: DEV_NETWORK.l1BlockTimeSeconds,
      ...embedded,
    },
    deployerKey: devAccounts()[DEV_NETWORK.deployerIndex]!.privateKey,
    confirmations: 0,
    pollMs: 500,
    roleFunding: 10n ** 19n,
    ...rest,
  }
}

export interface NetworkOptions {
  datadir: string
  l1: NetworkL1Options
  chains: NetworkChainOptions[]
  /** Post network batches as calldata or as EIP-4844 blobs (default calldata). */
  da?: DataAvailability
  /** Most bytes posted per L1 transaction: one frame of a channel (default 120,000 for calldata, 6 blobs' worth for blobs). */
  maxBatchBytes?: number
  /** Serve the web dashboard (static files from dist/web) here; unset: no dashboard. */
  dashboard?: { host: string; port: number; webDir?: string; abiDirs?: string[] }
  /** Serve the local admin endpoint (`<datadir>/admin.json`) that `plexus chain add/chains/status/snapshot` use (default true). */
  admin?: boolean
  /** Most bytes of signed transactions in one chain's block (default 512 KiB; see ARCHITECTURE.md "Slot data cap"). */
  maxBlockDataBytes?: number
  /**
   * Let the admin endpoint arm faults (`admin_injectFault`), for the fault suite: never on a
   * network anyone relies on.
   */
  faultInjection?: boolean
  /**
   * Serve anvil's dev methods (rpc/dev/api.ts) on every chain (default true). Only a network
   * on the embedded L1 is a dev network; false closes them there too (a dev network shared
   * with others, or the fault suite, whose invariants a `setBalance` or a revert would break
   * on purpose).
   */
  devMethods?: boolean
  logger: Logger
}

/**
 * The composition root of a whole network: the L1 (embedded anvil, or any RPC), the
 * network's L1 contracts (deployed once, reused after), and one rollup node per chain
 * with its L1 side (deposits in, batches and output roots out). Starts in that order
 * and stops in reverse.
 */
export class PlexusNetwork implements Lifecycle {
  private anvil: EmbeddedAnvil | undefined
  /** Aborted first thing on stop: every L1 request and wait of the network gives up at once. */
  private readonly l1Abort = new AbortController()
  private tracker: L1Tracker | undefined
  private _sequencing: NetworkSequencing | undefined
  private superProposer: SuperRootProposer | undefined
  private flowSettler: EthFlowSettler | undefined
  private admin: AdminEndpoint | undefined
  private journal: SlotJournal | undefined
  /** Faults armed through the admin endpoint (`faultInjection` only). */
  readonly faults = new ArmedFaults()
  private batcher: NetworkBatcher | undefined
  /** The network-wide dev methods (time, mining, snapshots): a dev network (embedded L1) only. */
  private devNetwork: DevNetwork | undefined
  private dashboard: DashboardServer | undefined
  readonly nodes: PlexusNode[] = []
  private _l1Url: string | undefined
  private _deployment: L1Deployment | undefined
  private stopped = false
  /** Releases `<datadir>/plexus.pid` (see lockDatadir). */
  private unlockDatadir: (() => void) | undefined
  /** What starting a chain needs of the network, kept for chains that join later. */
  private running: RunningNetwork | undefined
  /** The options of every chain, in chain-id order (the started ones and those joined since). */
  private readonly chainOptions = new Map<number, NetworkChainOptions>()
  /** Each gas-token chain's token as resolved on L1 (its address included). */
  private readonly gasTokens = new Map<number, GasToken>()
  private readonly chainListeners = new Set<() => void>()
  /** Serializes `addChain` calls. */
  private adding: Promise<unknown> = Promise.resolve()

  constructor(readonly options: NetworkOptions) {}

  get l1Url(): string {
    if (!this._l1Url) throw new Error('network not started')
    return this._l1Url
  }

  get deployment(): L1Deployment {
    if (!this._deployment) throw new Error('network not started')
    return this._deployment
  }

  /** The network batcher: safe heads, and `backlogBytes()` for throttling the sequencer. */
  get networkBatcher(): NetworkBatcher {
    if (!this.batcher) throw new Error('network not started')
    return this.batcher
  }

  /** The shared sequencer, the interop rules and relayer, bundles and message tracking. */
  get sequencing(): NetworkSequencing {
    if (!this._sequencing) throw new Error('network not started')
    return this._sequencing
  }

  /** The dashboard's URL, when it is served. */
  get dashboardUrl(): string | undefined {
    return this.dashboard?.url()
  }

  node(chainId: number): PlexusNode {
    const node = this.nodes.find((n) => Number(n.chain.chainId) === chainId)
    if (!node) throw new BaseError(`chain ${chainId} is not part of this network`)
    return node
  }

  /**
   * The network as wallets and apps take it (`plexus_getChainRegistry`): EIP-3085
   * parameters, viem chains and contract addresses of every chain, joined ones included.
   */
  registry(): NetworkRegistry {
    const running = this.running
    if (!running) throw new Error('network not started')
    return buildRegistry({
      l1: { chainId: running.ctx.l1ChainId, rpcUrl: this.l1Url, contracts: { ...running.ctx.deployment.contracts } },
      slotTimeMs: running.slotTimeMs,
      // The public test mnemonic's accounts are funded on the dev network only.
      devAccounts: !this.options.l1.rpcUrl,
      chains: this.nodes.map((n) => {
        const chainId = Number(n.chain.chainId)
        const gasToken = this.chainOptions.get(chainId)?.gasToken
        return {
          chainId,
          name: chainName(this.chainOptions.get(chainId) ?? { chainId }),
          // The L2 native balance has 18 decimals whatever the gas token's on L1.
          ...(gasToken ? { nativeCurrency: { name: gasToken.name, symbol: gasToken.symbol, decimals: 18 } } : {}),
          httpUrl: n.rpcUrl(),
          genesisSlot: running.sequencing.genesisSlot(n.chain.chainId),
        }
      }),
    })
  }

  /**
   * The money audit: every asset's L2 supply against its L1 escrow, per chain and for the
   * network (see settlement/audit.ts). Reads every chain's whole state: seconds on a
   * large chain.
   */
  audit(): Promise<AuditReport> {
    const running = this.running
    if (!running) throw new BaseError('the network is not running')
    return auditNetwork({
      l1: running.ctx.deployer.publicClient,
      portal: running.ctx.deployment.contracts.Portal,
      fromBlock: BigInt(running.ctx.deployment.deployedAtBlock),
      chains: this.nodes.map((n) => {
        const gasToken = this.gasTokens.get(Number(n.chain.chainId))
        return { chainId: n.chain.chainId, chain: n.chain, ...(gasToken ? { gasToken } : {}) }
      }),
    })
  }

  /** Every chain's options, in chain-id order (those joined at run time included). */
  chains(): NetworkChainOptions[] {
    return [...this.chainOptions.values()].sort((a, b) => a.chainId - b.chainId)
  }

  /** Called whenever a chain joins; returns what unsubscribes. */
  onChainsChanged(listener: () => void): () => void {
    this.chainListeners.add(listener)
    return () => this.chainListeners.delete(listener)
  }

  /**
   * Adds a chain to the running network: registered on L1 with the network slot its
   * block 0 sits in, then started and sequenced in the shared slot from that slot on,
   * in the interop dependency set of every chain in both directions, batched and
   * proposed with the others. Resolves once the chain has built its first block in a
   * shared slot, so a message to it can be sent right away. Recorded in the datadir:
   * the next start brings it back.
   */
  addChain(opts: NetworkChainOptions): Promise<PlexusNode> {
    const run = this.adding.then(() => this.joinChain(opts))
    this.adding = run.catch(() => undefined)
    return run
  }

  private async joinChain(opts: NetworkChainOptions): Promise<PlexusNode> {
    const running = this.running
    if (!running || this.stopped) throw new BaseError('the network is not running')
    checkJoiningChain(this.chains(), opts, running.slotTimeMs)
    checkChainCount(this.chains().length + 1)
    // The chain's first block goes in a slot far enough ahead to register it on L1 first
    // (if registering takes longer, the sequencer catches the chain up to the others).
    const lead = BigInt(Math.ceil(JOIN_LEAD_MS(this.options.l1) / running.slotTimeMs))
    const genesisSlot = genesisSlotFor(running.sequencing.nextSlot() + lead)
    const prepared = await this.prepareChain(running.ctx, opts, BigInt(Math.floor(Date.now() / 1000)), genesisSlot)
    saveJoinedChain(this.options.datadir, { options: opts, genesisSlot: prepared.genesisSlot })
    const node = await this.startChain(prepared)
    const joined = await waitUntil(() => node.chain.headHeader().number >= 1n, JOIN_TIMEOUT_MS(running.slotTimeMs, lead))
    if (!joined) throw new BaseError(`chain ${opts.chainId} was added but has not built a block yet; check the logs`)
    this.options.logger.info({ chainId: opts.chainId, genesisSlot: prepared.genesisSlot.toString(), rpc: node.rpcUrl() }, 'chain joined the network')
    return node
  }

  /** The chain's genesis and L1 registration: read back if it exists, made otherwise. */
  private async prepareChain(ctx: ChainContext, opts: NetworkChainOptions, genesisTime: bigint, genesisSlot: bigint): Promise<PreparedChain> {
    const { l1, logger } = this.options
    const { deployer, deployment } = ctx
    const chainId = BigInt(opts.chainId)
    const feeRecipient = opts.feeRecipient ?? DEFAULT_FEE_VAULT
    const gasTokenPath = this.optionPath(opts, 'gasToken')
    const gasToken = opts.gasToken && (await resolveGasToken(deployer, this.options.datadir, opts.gasToken, {
      path: gasTokenPath,
      embeddedL1: !l1.rpcUrl,
      holders: devAccounts().map((a) => a.address),
      logger: logger.child({ module: 'l1-deploy' }),
      persist: ctx.persist,
    }))
    const proposer = ctx.signer(roleKey(l1.deployerKey, 'proposer', chainId))
    await fund(deployer, [proposer.account.address], l1.roleFunding)
    const stored = storedGenesis(this.options.datadir, opts.chainId)
    const changed = stored && baseFeeSettingsMismatch(stored, opts.baseFee)
    if (changed) {
      throw new ConfigError(this.optionPath(opts, 'baseFee'), `${changed}; base-fee settings are fixed when a chain is created (replicas read them from its genesis), so set them back or start a new network with a fresh datadir`)
    }
    const embeddedL1 = !l1.rpcUrl
    const fresh = rollupGenesis({
      chainId: opts.chainId,
      gasLimit: opts.gasLimit,
      l1Portal: deployment.contracts.Portal,
      timestamp: genesisTime,
      // The public test mnemonic's keys are anyone's: funded on the dev L1 only.
      devAccounts: opts.devAccounts ?? embeddedL1,
      // anvil's dev methods, as dev transactions its replicas replay: on the dev network only.
      devTransactions: embeddedL1,
      alloc: opts.alloc,
      baseFee: opts.baseFee,
      gasToken,
    })
    // On the dev L1 the relayer starts funded (backed like every genesis balance below); on
    // any other L1 it is funded by a deposit once the chain is registered.
    const genesis = stored ?? (embeddedL1 ? withRelayer(fresh, ctx.relayerKey) : fresh)
    if (embeddedL1 && !isDevGenesis(genesis)) {
      logger.warn({ chainId: opts.chainId }, "the chain's genesis predates dev transactions: anvil's dev methods (anvil_setBalance, eth_sendTransaction, …) are off on it; start the network with a fresh datadir to have them")
    }
    const supply = genesisNativeSupply(genesis)
    if (!embeddedL1 && supply > 0n) {
      const field = opts.devAccounts ? 'devAccounts' : stored ? 'genesis' : 'alloc'
      throw new ConfigError(this.optionPath(opts, field), `the genesis would hold ${supply} wei that no one deposited on L1, and on a real L1 every wei on L2 must be backed by L1 escrow (or it could be withdrawn against others' deposits); ${field === 'genesis' ? 'start the chain with a fresh datadir' : 'remove the genesis balances and fund accounts with `plexus deposit` once the network is up'}`)
    }
    const genesisHash = toData(await genesisBlockHash(genesis))
    // Kept before it is registered: a crash right after the registration then finds on L1
    // the genesis it restarts with (its hash is what the registry holds), not a new one
    // with a later timestamp that the registry would refuse.
    saveGenesis(this.options.datadir, genesis)
    let registration = await readRegistration(deployer, deployment.contracts.ChainRegistry, chainId)
    if (!registration) {
      logger.info({ chainId: opts.chainId }, 'registering the chain on L1')
      registration = await registerChain(deployer, deployment.contracts.ChainRegistry, {
        chainId,
        genesisHash,
        batcher: ctx.batcherAddress, // the chain's batcher of record
        proposer: proposer.account.address,
        challengeWindow: BigInt(opts.challengeWindowSeconds),
        config: encodeChainConfig({
          version: CHAIN_CONFIG_VERSION,
          l1ChainId: ctx.l1ChainId,
          genesis,
          feeRecipient,
          baseFeeScalar: DEFAULT_BASE_FEE_SCALAR,
          blobBaseFeeScalar: DEFAULT_BLOB_BASE_FEE_SCALAR,
          ...(genesisSlot > 0n ? { genesisSlot } : {}),
          contracts: deployment.contracts,
          gasToken,
        }),
        gasToken: gasToken?.address,
      }).catch((err: unknown) => {
        // Refused or reverted (not abandoned: a transaction sent may still land): the new
        // genesis was never registered, so a later attempt makes a fresh one.
        if (!stored && err instanceof L1TransactionError) forgetGenesis(this.options.datadir, opts.chainId)
        throw err
      })
      logger.info({ chainId: opts.chainId, l1Block: registration.registeredAtBlock.toString() }, 'chain registered on L1')
    } else if (registration.genesisHash !== genesisHash) {
      throw new BaseError(`chain ${opts.chainId} is registered on L1 with genesis ${registration.genesisHash}, not ${genesisHash}`, {
        details: 'the datadir does not belong to this L1 deployment; use a fresh --datadir',
      })
    } else {
      // Registered before (a restart, or a join cut short): the slot on L1 is the chain's.
      const published = (await fetchChainConfig(deployer.publicClient, deployment.contracts.ChainRegistry, chainId)).config
      genesisSlot = published.genesisSlot ?? 0n
      // Replicas build every block with the registered coinbase: it cannot change.
      if (published.feeRecipient.toLowerCase() !== feeRecipient.toLowerCase()) {
        throw new ConfigError(this.optionPath(opts, 'feeRecipient'), `chain ${opts.chainId} was registered on L1 with fee recipient ${published.feeRecipient}, not ${feeRecipient}; it is fixed at registration (replicas build blocks with it), so set it back or start a new network with a fresh datadir`)
      }
      await checkRegisteredGasToken(deployer.publicClient, deployment.contracts.ChainRegistry, chainId, gasToken, gasTokenPath)
    }
    if (gasToken) this.gasTokens.set(opts.chainId, gasToken)
    if (embeddedL1) {
      await backGenesis(deployer, {
        portal: deployment.contracts.Portal,
        chainId,
        supply,
        gasToken,
        devGasToken: opts.gasToken?.l1Address === undefined,
        logger: logger.child({ module: 'l1-deploy' }),
      })
    }
    if (gasToken) {
      logL1FeePricing(logger.child({ chain: opts.chainId }), opts.chainId, gasToken, {
        baseFeeScalar: DEFAULT_BASE_FEE_SCALAR,
        blobBaseFeeScalar: DEFAULT_BLOB_BASE_FEE_SCALAR,
      })
    }
    return { opts, genesis, registration, proposer, genesisSlot, feeRecipient }
  }

  /** Where a chain's option sits in `NetworkOptions` (`chains[1].baseFee`), for errors. */
  private optionPath(opts: NetworkChainOptions, field: string): string {
    const index = this.options.chains.findIndex((c) => c.chainId === opts.chainId)
    return index >= 0 ? `chains[${index}].${field}` : `chain ${opts.chainId}: ${field}`
  }

  /** Starts the chain's node and makes it part of the sequencing, batching and proposing. */
  private async startChain(p: PreparedChain): Promise<PlexusNode> {
    const { ctx, tracker, batcher, sequencing } = this.running!
    const { l1, logger } = this.options
    const chainLogger = logger.child({ chain: p.opts.chainId, name: chainName(p.opts) })
    const node = new PlexusNode({
      datadir: path.join(chainDir(this.options.datadir, p.opts.chainId), 'db'),
      genesis: p.genesis,
      slotTimeMs: p.opts.slotTimeMs,
      feeRecipient: p.feeRecipient,
      gasLimit: p.opts.gasLimit,
      rpc: { ...p.opts.rpc, host: p.opts.rpcHost, port: p.opts.rpcPort },
      ...(p.opts.rpcLimits ? { rpcLimits: p.opts.rpcLimits } : {}),
      // The network's shared sequencer builds every chain's blocks, slot by slot.
      produceBlocks: false,
      network: sequencing,
      ...(this.devNetwork ? { devNetwork: this.devNetwork } : {}),
      ...(this.options.devMethods === false ? { devMethods: false } : {}),
      checkTransaction: sequencing.checkTxFor(BigInt(p.opts.chainId)),
      logger: chainLogger,
      settlement: (chain, nodeLogger) =>
        new ChainSettlement(
          chain,
          {
            chainId: BigInt(p.opts.chainId),
            l1RpcUrl: this.l1Url,
            deployment: ctx.deployment,
            registration: p.registration,
            tracker,
            batcher,
            proposerSigner: p.proposer,
            confirmations: BigInt(l1.confirmations),
            baseFeeScalar: DEFAULT_BASE_FEE_SCALAR,
            blobBaseFeeScalar: DEFAULT_BLOB_BASE_FEE_SCALAR,
            outputIntervalBlocks: BigInt(p.opts.outputIntervalBlocks),
            maxSequencerDrift: l1.maxSequencerDriftSeconds === undefined ? undefined : BigInt(l1.maxSequencerDriftSeconds),
          },
          nodeLogger,
        ),
    })
    this.nodes.push(node)
    if (this.dashboard) node.allowRpcOrigin(this.dashboard.url())
    await node.start()
    if (l1.rpcUrl && p.opts.gasToken) {
      chainLogger.warn({ relayer: privateKeyToAccount(ctx.relayerKey).address }, 'fund the network relayer on this gas-token chain with a deposit of its gas token (`plexus deposit`): it pays the gas of every relay to the chain')
    } else if (l1.rpcUrl) await fundRelayerByDeposit(ctx.deployer, ctx.deployment.contracts.Portal, node, privateKeyToAccount(ctx.relayerKey).address, l1.roleFunding, chainLogger)
    this.nodes.sort((a, b) => (a.chain.chainId < b.chain.chainId ? -1 : 1))
    batcher.addChain(BigInt(p.opts.chainId), node.chain)
    sequencing.addNode(node, p.genesisSlot)
    this.chainOptions.set(p.opts.chainId, p.opts)
    // Written once the network is up, then again whenever a chain joins.
    if (this.superProposer) writeRegistry(path.join(this.options.datadir, 'registry'), this.registry())
    for (const listener of this.chainListeners) listener()
    return node
  }

  async start(): Promise<void> {
    const { l1, logger } = this.options
    const maxBlockData = this.options.maxBlockDataBytes
    if (maxBlockData !== undefined && (!Number.isSafeInteger(maxBlockData) || maxBlockData < MIN_BLOCK_DATA_BYTES)) {
      throw new ConfigError('maxBlockDataBytes', `${maxBlockData} is too small: a block must hold the largest transaction the pool accepts, so give at least ${MIN_BLOCK_DATA_BYTES}`)
    }
    checkChainCount(this.options.chains.length + joinedChains(this.options.datadir).length)
    this.unlockDatadir = lockDatadir(this.options.datadir)
    await initCrypto()
    const slotTimeMs = networkSlotTime(this.options.chains)
    const relayerKey = roleKey(l1.deployerKey, 'relayer', NETWORK_ROLE)
    // How long each start-up phase took, logged once the network is up (what to cut next).
    const phases = startPhases()
    try {
      if (l1.rpcUrl) {
        this._l1Url = l1.rpcUrl
      } else {
        this.anvil = new EmbeddedAnvil({
          ...l1.embedded,
          blockTime: l1.embedded.blockTimeSeconds,
          stateDir: path.join(this.options.datadir, 'l1', 'anvil'),
          logger: logger.child({ module: 'l1' }),
        })
        await this.anvil.start()
        this._l1Url = this.anvil.url
      }
      phases.mark('l1')
      const anvil = this.anvil
      // What the datadir records of L1 is recorded only once the embedded L1 has it on disk.
      const persist = anvil && (() => anvil.persist())
      const fetchOptions = { signal: this.l1Abort.signal }
      const publicClient = createPublicClient({ transport: http(this._l1Url, { retryCount: 3, fetchOptions }) }) as PublicClient
      const l1ChainId = await publicClient.getChainId()
      const viemChain = defineChain({
        id: l1ChainId,
        name: `L1 ${l1ChainId}`,
        nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
        rpcUrls: { default: { http: [this._l1Url] } },
      })
      const signer = (key: Hex): L1Signer => {
        const account = privateKeyToAccount(key)
        return {
          account,
          chain: viemChain,
          publicClient,
          wallet: createWalletClient({ account, chain: viemChain, transport: http(this._l1Url, { fetchOptions }) }),
          signal: this.l1Abort.signal,
        }
      }
      const deployer = signer(l1.deployerKey)
      // The embedded L1 mines the bootstrap's transactions at once (see mineEachTransaction);
      // its block time is back before any chain runs (and after a failed start: anvil is
      // stopped with the network and starts again with its block time).
      await anvil?.mineEachTransaction()
      const deployment = (this._deployment = await ensureL1Contracts(
        deployer,
        this.options.datadir,
        l1.guardian ?? deployer.account.address,
        logger.child({ module: 'l1-deploy' }),
        persist,
      ))

      phases.mark('contracts')
      // One batcher posts every chain's blocks, together (network batches).
      const batcherSigner = signer(roleKey(l1.deployerKey, 'network-batcher', NETWORK_ROLE))
      await fund(deployer, [batcherSigner.account.address], l1.roleFunding)
      await ensureNetworkBatcher(deployer, deployment.contracts.ChainRegistry, batcherSigner.account.address)

      // One genesis timestamp for every new chain: their blocks share timestamps from block 0.
      const genesisTime = BigInt(Math.floor(Date.now() / 1000))
      const ctx: ChainContext = { deployer, signer, batcherAddress: batcherSigner.account.address, deployment, l1ChainId, relayerKey, persist }
      // Chains added to this network at run time (`plexus chain add`) come back with it.
      const started = this.options.chains
      const joined = joinedChains(this.options.datadir).filter((j) => !started.some((c) => c.chainId === j.options.chainId))
      const chains = [...started.map((options) => ({ options, genesisSlot: 0n })), ...joined]
      const prepared: PreparedChain[] = []
      for (const opts of chains) prepared.push(await this.prepareChain(ctx, opts.options, genesisTime, opts.genesisSlot))
      const superSigner = signer(roleKey(l1.deployerKey, 'super-proposer', NETWORK_ROLE))
      await fund(deployer, [superSigner.account.address], l1.roleFunding)
      await configureSuperRootOracle(deployer, deployment.contracts.SuperRootOracle!, {
        proposer: superSigner.account.address,
        challengeWindow: BigInt(Math.max(...this.options.chains.map((c) => c.challengeWindowSeconds))),
      })
      await anvil?.keepBlockTime()
      phases.mark('registrations')

      const startBlock = prepared.reduce((min, p) => (p.registration.registeredAtBlock < min ? p.registration.registeredAtBlock : min), 2n ** 64n)
      const tracker = (this.tracker = new L1Tracker(
        publicClient,
        // L2 adopts an embedded-L1 origin only once anvil has it on disk (see EmbeddedAnvil).
        { portal: deployment.contracts.Portal, startBlock, pollMs: l1.pollMs, durable: anvil && (() => anvil.durableBlock()) },
        logger.child({ module: 'l1-tracker' }),
      ))
      await tracker.start()
      phases.mark('tracker')
      // A block just written to disk can be an origin at once: look at L1 now rather than
      // at the next poll (this more than makes up for waiting on the write).
      anvil?.onDurable(() => void tracker.refresh().catch(() => undefined))
      const da = this.options.da ?? 'calldata'
      const batcher = (this.batcher = new NetworkBatcher(
        tracker,
        batcherSigner,
        new L1BatchSource(publicClient, deployment.contracts.BatchInbox, blobSourceFor(this.l1Url, l1.beaconUrl, publicClient)),
        {
          inbox: deployment.contracts.BatchInbox,
          l1StartBlock: startBlock,
          maxBatchBytes: maxPostedBytes(da, this.options.maxBatchBytes),
          da,
          maxSlotsPerRound: 2_000,
          // Batches are cut at slot boundaries: a chain that joined later has its blocks in later slots.
          slotOffsets: (chainId) => this._sequencing?.genesisSlot(chainId) ?? 0n,
        },
        logger.child({ module: 'batcher' }),
      ))

      this.journal = SlotJournal.open(networkJournalDir(this.options.datadir))
      const devClock = anvil && this.options.devMethods !== false ? new DevClock() : undefined
      const sequencing = (this._sequencing = new NetworkSequencing({
        slotTimeMs,
        relayerKey,
        journal: this.journal,
        blockDataLimit: (chains) => blockDataLimit(this.options.maxBlockDataBytes, chains),
        ...(this.options.faultInjection ? { faults: this.faults.slotFaults() } : {}),
        registry: { registry: () => this.registry(), onChange: (listener) => this.onChainsChanged(listener) },
        audit: () => this.audit(),
        ...(devClock ? { now: () => devClock.now() } : {}),
        // The root logger: NetworkSequencing names its parts itself (a second `module` key
        // in one line would be a duplicated JSON key).
        logger,
      }))
      if (anvil && devClock) {
        this.devNetwork = new DevNetwork({
          clock: devClock,
          sequencer: sequencing.sequencer,
          l1Url: this.l1Url,
          tracker,
          l1State: anvil,
          headTimestamp: () => this.nodes.reduce((t, n) => (n.chain.headHeader().timestamp > t ? n.chain.headHeader().timestamp : t), 0n),
          pools: () => this.nodes.map((n) => n.pool),
          signal: this.l1Abort.signal,
          logger: logger.child({ module: 'dev' }),
        })
      }
      this.running = { ctx, tracker, batcher, sequencing, slotTimeMs }
      for (const p of prepared) await this.startChain(p)
      phases.mark('chains')
      // Reads back what is on L1 before it posts anything new.
      await batcher.start()
      await sequencing.start()
      this.superProposer = new SuperRootProposer(
        tracker,
        superSigner,
        {
          oracle: deployment.contracts.SuperRootOracle!,
          intervalSeconds: SUPER_ROOT_INTERVAL_SECONDS,
          chains: () => this.nodes.map((n) => ({ chainId: n.chain.chainId, chain: n.chain, safeHead: () => batcher.safeHead(n.chain.chainId) })),
        },
        logger.child({ module: 'super-proposer' }),
      )
      await this.superProposer.start()
      // The super proposer's key also pays for moving escrow behind inter-chain ETH.
      this.flowSettler = new EthFlowSettler(
        tracker,
        superSigner,
        {
          portal: deployment.contracts.Portal,
          oracle: deployment.contracts.OutputOracle,
          chains: () => this.nodes.map((n) => ({ chainId: n.chain.chainId, chain: n.chain, eth: !this.chainOptions.get(Number(n.chain.chainId))?.gasToken })),
        },
        logger.child({ module: 'escrow' }),
      )
      await this.flowSettler.start()
      writeRegistry(path.join(this.options.datadir, 'registry'), this.registry())
      if (this.options.admin ?? true) {
        this.admin = new AdminEndpoint(this.options.datadir, networkAdminHandlers(this, { faultInjection: this.options.faultInjection ?? false }), logger.child({ module: 'admin' }))
        await this.admin.start()
      }
      if (this.options.dashboard && this.nodes[0]) {
        this.dashboard = new DashboardServer({
          ...this.options.dashboard,
          rpcUrl: this.nodes[0].rpcUrl(),
          // Only the embedded L1 is a dev network: its accounts are the test mnemonic's.
          dev: !l1.rpcUrl,
          logger: logger.child({ module: 'dashboard' }),
        })
        await this.dashboard.start()
        // The dashboard's own origin may call every chain (on 127.0.0.1 the default
        // local origins already cover it; on another host this is what lets it in).
        for (const n of this.nodes) n.allowRpcOrigin(this.dashboard.url())
      }
      logger.info({ ms: phases.done() }, 'network started')
    } catch (err) {
      await this.stop().catch(() => undefined)
      throw err
    }
  }

  /**
   * Stops everything in reverse order, within a bound whatever has already died: L1
   * requests and waits in flight are abandoned first (an L1 that is down, or a
   * transaction that will never be mined, must not hold the stop), and a part that still
   * does not stop within STOP_PART_TIMEOUT_MS is reported and left behind.
   */
  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    this.l1Abort.abort()
    const { logger } = this.options
    const parts: [string, Lifecycle | undefined][] = [
      ['dashboard', this.dashboard],
      ['admin endpoint', this.admin],
      ['super root proposer', this.superProposer],
      ['escrow flow settler', this.flowSettler],
      ['sequencer', this._sequencing],
      ['batcher', this.batcher],
      ...[...this.nodes].reverse().map((n): [string, Lifecycle] => [`chain ${n.chain.chainId}`, n]),
      ['slot journal', this.journal && { start: async () => undefined, stop: () => this.journal!.close() }],
      ['L1 tracker', this.tracker],
      ['embedded L1', this.anvil],
    ]
    for (const [name, part] of parts) if (part) await stopWithin(part, name, STOP_PART_TIMEOUT_MS, logger)
    this.unlockDatadir?.()
  }

  /**
   * Ends what would outlive this process at once (the embedded anvil, SIGKILL),
   * synchronously: for a forced exit that cannot wait for `stop`. Nothing is lost that
   * a crash would not lose (the L2 chains only ever build on L1 blocks already on disk).
   */
  kill(): void {
    this.anvil?.kill()
  }
}

/**
 * Milliseconds spent in each start-up phase, named by where it ended (`mark`), and in
 * total; `process` is what the process spent before the network's start (Node loading the
 * modules, the config), as `performance.now()` counts from the process' start.
 */
function startPhases(): { mark(phase: string): void; done(): Record<string, number> } {
  const started = performance.now()
  let last = started
  const ms: Record<string, number> = { process: Math.round(started) }
  return {
    mark(phase) {
      const now = performance.now()
      ms[phase] = Math.round(now - last)
      last = now
    },
    done() {
      ms.rest = Math.round(performance.now() - last)
      ms.total = Math.round(performance.now() - started)
      return ms
    },
  }
}

/** How long stopping one part of the network may take before it is left behind. */
const STOP_PART_TIMEOUT_MS = 15_000

async function stopWithin(part: Lifecycle, name: string, timeoutMs: number, logger: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), timeoutMs)))
  try {
    const result = await Promise.race([part.stop().then(() => 'stopped' as const), late])
    if (result === 'late') logger.error({ part: name, timeoutMs }, 'a part of the network did not stop in time; going on without it')
  } catch (err) {
    logger.error({ part: name, err: (err as Error).message }, 'error while stopping a part of the network')
  } finally {
    clearTimeout(timer)
  }
}

async function fund(from: L1Signer, addresses: Hex[], amount: bigint): Promise<void> {
  for (const address of addresses) {
    const balance = await from.publicClient.getBalance({ address })
    if (balance >= amount / 2n) continue
    const hash = await abortable(from.wallet.sendTransaction({ to: address, value: amount, account: from.account, chain: from.chain }), from.signal, 'fund')
    await waitForSuccess(from.publicClient, hash, 'fund', from.signal)
  }
}

/** The largest transaction the pool accepts (128 KiB): every block must be able to hold one. */
const MIN_BLOCK_DATA_BYTES = 128 * 1024

/**
 * What each chain's block may carry in a slot of `chains` chains: the configured limit,
 * lowered so that a slot of full blocks still fits one network batch (the batcher can
 * always carry it; see `maxBlockDataBytesFor`).
 */
function blockDataLimit(configured: number | undefined, chains: number): number {
  return Math.min(configured ?? DEFAULT_MAX_BLOCK_DATA_BYTES, maxBlockDataBytesFor(chains))
}

/** A network must not have more chains than the batch limits carry in one slot, a full largest transaction each. */
function checkChainCount(chains: number): void {
  if (maxBlockDataBytesFor(chains) < MIN_BLOCK_DATA_BYTES) {
    let most = chains
    while (most > 1 && maxBlockDataBytesFor(most) < MIN_BLOCK_DATA_BYTES) most--
    throw new ConfigError('chains', `${chains} chains are more than one network batch carries in a slot (at most ${most} chains, each block able to hold a 128 KiB transaction); run fewer chains, or split them into several networks`)
  }
}

/** L2 seconds between the super roots the network proposes on L1. */
const SUPER_ROOT_INTERVAL_SECONDS = 8n

/** The network's slot time: every chain's must be the same (one slot clock builds them all). */
function networkSlotTime(chains: readonly NetworkChainOptions[]): number {
  const slotTimeMs = chains[0]?.slotTimeMs ?? DEFAULT_SLOT_TIME_MS
  chains.forEach((c, i) => {
    if (c.slotTimeMs !== slotTimeMs) {
      throw new ConfigError(`chains[${i}].slotTimeMs`, `${c.slotTimeMs} differs from chains[0]'s ${slotTimeMs}; every chain of a network shares one slot clock, so give them all the same slot time`)
    }
  })
  return slotTimeMs
}

/** A fresh genesis with the network relayer funded: it pays the gas of every relay it sends. */
function withRelayer(genesis: GethGenesis, relayerKey: Hex): GethGenesis {
  genesis.alloc[privateKeyToAccount(relayerKey).address.toLowerCase()] = { balance: toQuantity(RELAYER_GENESIS_BALANCE) }
  return genesis
}

/** 1,000 ETH on the dev L1 (backed there like every genesis balance): relays cost the base fee and the L1 data fee only. */
const RELAYER_GENESIS_BALANCE = 1_000n * 10n ** 18n

/**
 * Funds the network relayer on a chain just registered on a real L1 with a deposit from
 * the deployer: on such an L1 no L2 wei exists that was not deposited. Its relays wait
 * (and are retried) until the deposit is on L2.
 */
async function fundRelayerByDeposit(deployer: L1Signer, portal: Hex, node: PlexusNode, relayer: Hex, amount: bigint, logger: Logger): Promise<void> {
  // An account that never sent and holds nothing was never funded (or its deposit is not on
  // L2 yet, after a crash right after it: then it is funded twice, which loses nothing).
  const account = await node.chain.headAccount(hexToBytes(relayer))
  if (amount === 0n || (account && (account.nonce > 0n || account.balance > 0n))) return
  await writeAndWait(deployer, { address: portal, abi: abiOf('Portal'), functionName: 'depositETH', args: [node.chain.chainId, relayer], value: amount })
  logger.info({ relayer, amount: amount.toString() }, 'relayer funded by an L1 deposit')
}

/** What starting a chain needs of the network's L1 side. */
interface ChainContext {
  deployer: L1Signer
  signer: (key: Hex) => L1Signer
  batcherAddress: Hex
  deployment: L1Deployment
  l1ChainId: number
  relayerKey: Hex
  /** Makes the embedded L1 durable up to its head; undefined for an external L1. */
  persist: PersistL1 | undefined
}

interface RunningNetwork {
  ctx: ChainContext
  tracker: L1Tracker
  batcher: NetworkBatcher
  sequencing: NetworkSequencing
  slotTimeMs: number
}

interface PreparedChain {
  opts: NetworkChainOptions
  genesis: GethGenesis
  registration: ChainRegistration
  proposer: L1Signer
  /** The network slot of the chain's block 0. */
  genesisSlot: bigint
  /** Coinbase of its blocks, as registered on L1. */
  feeRecipient: Hex
}

/**
 * How far ahead a joining chain's first slot is put: long enough to fund its proposer
 * and register it on L1 (a few L1 blocks).
 */
const JOIN_LEAD_MS = (l1: NetworkL1Options): number => (l1.rpcUrl ? 12_000 : l1.embedded.blockTimeSeconds * 1000) * (5 + l1.confirmations) + 2_000

/** How long `addChain` waits for the joined chain's first block. */
const JOIN_TIMEOUT_MS = (slotTimeMs: number, lead: bigint): number => 60_000 + Number(lead) * slotTimeMs

/** A joining chain must not clash with a chain of the network, and shares its slot clock. */
function checkJoiningChain(chains: readonly NetworkChainOptions[], opts: NetworkChainOptions, slotTimeMs: number): void {
  if (chains.some((c) => c.chainId === opts.chainId)) throw new ConfigError('chainId', `chain ${opts.chainId} is already part of this network; pick another chain id`)
  const port = chains.find((c) => opts.rpcPort !== 0 && c.rpcPort === opts.rpcPort && c.rpcHost === opts.rpcHost)
  if (port) throw new ConfigError('rpc.port', `port ${opts.rpcPort} is chain ${port.chainId}'s; pick another port`)
  if (opts.slotTimeMs !== slotTimeMs) throw new ConfigError('slotTimeMs', `${opts.slotTimeMs} differs from the network's ${slotTimeMs}; every chain of a network shares one slot clock`)
}

async function waitUntil(done: () => boolean, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs
  while (!done()) {
    if (Date.now() > until) return false
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return true
}
