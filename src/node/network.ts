import { setMaxListeners } from 'node:events'
import path from 'node:path'
import { privateKeyToAccount } from 'viem/accounts'
import type { GasToken } from '../execution/gasToken.js'
import { BaseError } from '../primitives/errors.js'
import { initCrypto } from '../primitives/crypto.js'
import { hexToBytes } from '../primitives/hex.js'
import type { Lifecycle } from '../primitives/lifecycle.js'
import { DashboardServer } from '../rpc/dashboardServer.js'
import { auditNetwork, type AuditReport } from '../settlement/audit.js'
import type { EthFlowSettler } from '../settlement/ethFlowSettler.js'
import { bootstrapL1, ensureSuperRootProposer, type L1Network } from '../settlement/l1/bootstrap.js'
import { ensureChainRegistered, fundRelayerByDeposit, resolveChainGasToken, type RegisteredChain, type RegistrationContext } from '../settlement/l1/chainRegistration.js'
import type { L1Deployment } from '../settlement/l1/deploy.js'
import { EmbeddedAnvil } from '../settlement/l1/embeddedAnvil.js'
import type { L1Tracker } from '../settlement/l1/l1Tracker.js'
import type { L1Signer } from '../settlement/l1/l1Transactions.js'
import { NETWORK_ROLE, roleKey } from '../settlement/l1/roleKeys.js'
import type { NetworkBatcher } from '../settlement/networkBatcher.js'
import type { SuperRootProposer } from '../settlement/superRootProposer.js'
import { SlotJournal } from '../storage/slotJournal.js'
import { AdminEndpoint } from './adminEndpoint.js'
import { joinChain } from './chainJoin.js'
import { createChainNode } from './chainNode.js'
import { chainDatabaseDir, forgetGenesis, joinedChains, networkJournalDir, saveGenesis, storedGenesis } from './datadir.js'
import { lockDatadir } from './datadirLock.js'
import { DevClock } from './devClock.js'
import { DevNetwork } from './devNetwork.js'
import { ArmedFaults } from './faults.js'
import { networkAdminHandlers } from './networkAdmin.js'
import { blockDataLimit, checkChainCount, checkMaxBlockData, networkSlotTime } from './networkLimits.js'
import { chainName, type NetworkChainOptions, type NetworkOptions } from './networkOptions.js'
import { buildRegistry, writeRegistry, type NetworkRegistry } from './networkRegistry.js'
import { NetworkSequencing } from './networkSequencing.js'
import { createL1Tracker, createNetworkBatcher, createNetworkProposers } from './networkSettlement.js'
import { InlineChain, type NetworkChain } from './networkChain.js'
import type { PlexusNode } from './node.js'
import { WorkerChain } from './workerChain.js'
import type { NetworkChainData } from '../executor/workerData.js'
import { DEFAULT_FEE_VAULT } from './options.js'
import { allSettledOrThrow, startPhases, stopInOrder } from './startStop.js'

/** A chain's executor was lost: the network builds no more slots (see `PlexusNetwork.onFatal`). */
export class ExecutorLostError extends BaseError {
  override name = 'ExecutorLostError'
  constructor(reason: string) {
    super(`${reason}; the network stopped building slots (a slot needs every chain). Start it again on the same datadir (plexus up): the slot in flight is finished or dropped from the chains' stores`)
  }
}

/** What the running network shares with every chain, kept for chains that join later. */
interface RunningNetwork {
  l1: L1Network
  registration: RegistrationContext
  tracker: L1Tracker
  batcher: NetworkBatcher
  sequencing: NetworkSequencing
  slotTimeMs: number
}

/** A chain registered on L1 with the options it runs with. */
interface PreparedChain extends RegisteredChain {
  opts: NetworkChainOptions
}

/**
 * The composition root of a whole network: the L1 (embedded anvil, or any RPC), the
 * network's L1 contracts (deployed once, reused after), and one rollup node per chain
 * with its L1 side (deposits in, batches and output roots out). Starts in that order
 * (the chains' registrations, and then their nodes, all at once) and stops in reverse.
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
  /** The chains that are part of the network, in chain-id order. */
  private readonly members: NetworkChain[] = []
  /** Chains started but not (yet) part of the network: stopped with it if the start fails. */
  private readonly opening = new Set<NetworkChain>()
  private _l1Url: string | undefined
  /** The network's L1 clients, keys and contracts, once bootstrapped. */
  private l1: L1Network | undefined
  private stopped = false
  /** Releases `<datadir>/plexus.pid` (see lockDatadir). */
  private unlockDatadir: (() => void) | undefined
  private running: RunningNetwork | undefined
  /** The options of every chain, in chain-id order (the started ones and those joined since). */
  private readonly chainOptions = new Map<number, NetworkChainOptions>()
  /** Each gas-token chain's token as resolved on L1 (its address included). */
  private readonly gasTokens = new Map<number, GasToken>()
  private readonly chainListeners = new Set<() => void>()
  private readonly fatalListeners = new Set<(err: BaseError) => void>()
  /** Why the network stopped building slots on its own (a lost executor), once it has. */
  private haltedBy: BaseError | undefined
  /** The chains `start` is opening (see `workerData`). */
  private startingChains: readonly PreparedChain[] = []
  /** Serializes `addChain` calls. */
  private adding: Promise<unknown> = Promise.resolve()

  constructor(readonly options: NetworkOptions) {}

  get l1Url(): string {
    if (!this._l1Url) throw new Error('network not started')
    return this._l1Url
  }

  get deployment(): L1Deployment {
    if (!this.l1) throw new Error('network not started')
    return this.l1.deployment
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

  /** The chains that are part of the network, in chain-id order, wherever their executors run. */
  get networkChains(): readonly NetworkChain[] {
    return this.members
  }

  /** The nodes of the chains whose executors run in this thread (`executors: inline`; none with `thread`). */
  get nodes(): PlexusNode[] {
    return this.members.flatMap((c) => (c.node ? [c.node] : []))
  }

  /** A chain of the network, wherever its executor runs. */
  networkChain(chainId: number): NetworkChain {
    const chain = this.members.find((c) => Number(c.chainId) === chainId)
    if (!chain) throw new BaseError(`chain ${chainId} is not part of this network`)
    return chain
  }

  /** The node of a chain whose executor runs in this thread (`executors: inline`). */
  node(chainId: number): PlexusNode {
    const node = this.networkChain(chainId).node
    if (!node) throw new BaseError(`chain ${chainId} runs in its executor's worker thread (executors: thread): its node is not in this thread`)
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
      l1: { chainId: running.l1.l1ChainId, rpcUrl: this.l1Url, contracts: { ...running.l1.deployment.contracts } },
      slotTimeMs: running.slotTimeMs,
      // The public test mnemonic's keys are funded on the dev network only.
      devAccounts: !this.options.l1.rpcUrl,
      chains: this.members.map((n) => {
        const chainId = Number(n.chainId)
        const gasToken = this.chainOptions.get(chainId)?.gasToken
        return {
          chainId,
          name: chainName(this.chainOptions.get(chainId) ?? { chainId }),
          // The L2 native balance has 18 decimals whatever the gas token's on L1.
          ...(gasToken ? { nativeCurrency: { name: gasToken.name, symbol: gasToken.symbol, decimals: 18 } } : {}),
          httpUrl: n.rpcUrl(),
          genesisSlot: running.sequencing.genesisSlot(n.chainId),
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
      l1: running.l1.publicClient,
      portal: running.l1.deployment.contracts.Portal,
      fromBlock: BigInt(running.l1.deployment.deployedAtBlock),
      chains: this.members.map((n) => {
        const gasToken = this.gasTokens.get(Number(n.chainId))
        return { chainId: n.chainId, chain: n.reader, ...(gasToken ? { gasToken } : {}) }
      }),
    })
  }

  /** Every chain's options, in chain-id order (those joined at run time included). */
  chains(): NetworkChainOptions[] {
    return [...this.chainOptions.values()].sort((a, b) => a.chainId - b.chainId)
  }

  /**
   * Called once if the network stops building slots on its own: a chain's executor was
   * lost (its worker exited, crashed, ran out of memory, or did not answer a step of a
   * slot in time). A slot needs every chain, so none is built after it, and none is split:
   * the slot in flight is finished or dropped from the executors' stores by the next
   * start (`SharedSequencer.recover`). `plexus up` stops and exits with the reason.
   */
  onFatal(listener: (err: BaseError) => void): () => void {
    if (this.haltedBy) listener(this.haltedBy)
    this.fatalListeners.add(listener)
    return () => this.fatalListeners.delete(listener)
  }

  /** The network stops building slots, and says why (see `onFatal`). */
  private halt(err: BaseError): void {
    if (this.haltedBy || this.stopped) return
    this.haltedBy = err
    this.options.logger.error({ err: err.message }, 'the network stopped building slots')
    void this._sequencing?.sequencer.pause()
    for (const listener of this.fatalListeners) listener(err)
  }

  /** Called whenever a chain joins; returns what unsubscribes. */
  onChainsChanged(listener: () => void): () => void {
    this.chainListeners.add(listener)
    return () => this.chainListeners.delete(listener)
  }

  /**
   * Adds a chain to the running network (see `joinChain`): registered on L1, started and
   * sequenced in the shared slots, batched and proposed with the others, and recorded in
   * the datadir. One join at a time. Resolves once the chain has built its first block in
   * a shared slot, so a message to it can be sent right away.
   */
  addChain(opts: NetworkChainOptions): Promise<NetworkChain> {
    const run = this.adding.then(() => {
      const running = this.running
      if (!running || this.stopped) throw new BaseError('the network is not running')
      return joinChain(
        {
          datadir: this.options.datadir,
          l1: this.options.l1,
          slotTimeMs: running.slotTimeMs,
          logger: this.options.logger,
          chains: () => this.chains(),
          nextSlot: () => running.sequencing.nextSlot(),
          register: async (o, genesisTime, genesisSlot) => {
            const gasToken = await resolveChainGasToken(running.registration, o, this.optionPath(o, 'gasToken'))
            return this.prepareChain(running.registration, o, gasToken, genesisTime, genesisSlot)
          },
          start: async (p) => this.attachChain(await this.openChain(p)),
        },
        opts,
      )
    })
    this.adding = run.catch(() => undefined)
    return run
  }

  /** The chain's genesis and L1 registration: read back if it exists, made otherwise. */
  private async prepareChain(ctx: RegistrationContext, opts: NetworkChainOptions, gasToken: GasToken | undefined, genesisTime: bigint, genesisSlot: bigint): Promise<PreparedChain> {
    const spec = { ...opts, feeRecipient: opts.feeRecipient ?? DEFAULT_FEE_VAULT }
    const registered = await ensureChainRegistered(ctx, spec, { gasToken, genesisTime, genesisSlot, optionPath: (field) => this.optionPath(opts, field) })
    if (gasToken) this.gasTokens.set(opts.chainId, gasToken)
    return { ...registered, opts }
  }

  /** Where a chain's option sits in `NetworkOptions` (`chains[1].baseFee`), for errors. */
  private optionPath(opts: NetworkChainOptions, field: string): string {
    const index = this.options.chains.findIndex((c) => c.chainId === opts.chainId)
    return index >= 0 ? `chains[${index}].${field}` : `chain ${opts.chainId}: ${field}`
  }

  /**
   * Starts the chain (its database, pool and RPC server: in this thread, or in its
   * executor's worker thread with `executors: thread`); not yet part of the network.
   */
  private async openChain(p: PreparedChain): Promise<{ p: PreparedChain; chain: NetworkChain }> {
    const { l1, tracker, batcher, sequencing, registration } = this.running!
    const { logger } = this.options
    const relayer = privateKeyToAccount(registration.relayerKey).address
    const ctx = {
      datadir: this.options.datadir,
      l1: this.options.l1,
      l1Url: this.l1Url,
      deployment: l1.deployment,
      tracker,
      batcher,
      sequencing,
      devNetwork: this.devNetwork,
      devMethods: this.options.devMethods !== false,
      logger,
    }
    const chain: NetworkChain =
      this.options.executors === 'thread'
        ? new WorkerChain({ ...ctx, relayer }, p.opts, p, p.genesisSlot, () => this.workerData(p.opts.chainId), (reason) => this.halt(new ExecutorLostError(reason)))
        : new InlineChain(createChainNode(ctx, p.opts, p))
    this.opening.add(chain)
    await chain.start()
    const chainLogger = logger.child({ chain: p.opts.chainId, name: chainName(p.opts) })
    if (this.options.l1.rpcUrl && p.opts.gasToken) {
      chainLogger.warn({ relayer }, 'fund the network relayer on this gas-token chain with a deposit of its gas token (`plexus deposit`): it pays the gas of every relay to the chain')
    } else if (this.options.l1.rpcUrl) {
      const account = () => chain.reader.accountAt(chain.reader.headHeader().stateRoot, hexToBytes(relayer))
      await fundRelayerByDeposit(l1.deployer, l1.deployment.contracts.Portal, chain.chainId, account, relayer, this.options.l1.roleFunding, chainLogger)
    }
    return { p, chain }
  }

  /**
   * The network's chains other than `chainId` as a worker reads them (their stores on this
   * machine): those running, those starting with it (all the chains of a start are known
   * before any opens, so every worker's replica names every other chain from its first
   * payload), and a chain joining.
   */
  private workerData(chainId: number): NetworkChainData[] {
    const all = new Map<number, NetworkChainData>()
    for (const p of this.startingChains) all.set(p.opts.chainId, { datadir: chainDatabaseDir(this.options.datadir, p.opts.chainId), genesis: p.genesis, genesisSlot: p.genesisSlot })
    for (const c of [...this.members, ...this.opening]) if (c instanceof WorkerChain) all.set(Number(c.chainId), c.data())
    all.delete(chainId)
    return [...all.values()]
  }

  /** Makes a started chain part of the sequencing, batching and proposing. */
  private attachChain({ p, chain }: { p: PreparedChain; chain: NetworkChain }): NetworkChain {
    const { batcher, sequencing } = this.running!
    this.opening.delete(chain)
    this.members.push(chain)
    this.members.sort((a, b) => (a.chainId < b.chainId ? -1 : 1))
    if (this.dashboard) void chain.allowRpcOrigin(this.dashboard.url()).catch((err: unknown) => this.options.logger.warn({ err, chainId: p.opts.chainId }, 'could not let the dashboard call the chain'))
    batcher.addChain(BigInt(p.opts.chainId), chain.reader)
    sequencing.addChain(chain.member(), p.genesisSlot)
    this.chainOptions.set(p.opts.chainId, p.opts)
    // A chain that joined: every other worker reads its store from now on (its messages
    // can be executed there from the next slot).
    if (chain instanceof WorkerChain && this.superProposer) {
      for (const other of this.members) if (other !== chain && other instanceof WorkerChain) void other.networkChanged(this.workerData(Number(other.chainId)))
    }
    // Written once the network is up, then again whenever a chain joins.
    if (this.superProposer) writeRegistry(path.join(this.options.datadir, 'registry'), this.registry())
    for (const listener of this.chainListeners) listener()
    return chain
  }

  async start(): Promise<void> {
    const { l1: l1Options, logger } = this.options
    checkMaxBlockData(this.options.maxBlockDataBytes)
    checkChainCount(this.options.chains.length + joinedChains(this.options.datadir).length)
    this.unlockDatadir = lockDatadir(this.options.datadir)
    await initCrypto()
    const slotTimeMs = networkSlotTime(this.options.chains)
    const relayerKey = roleKey(l1Options.deployerKey, 'relayer', NETWORK_ROLE)
    // How long each start-up phase took, logged once the network is up (what to cut next).
    const phases = startPhases()
    // Every chain's L1 calls in flight at once each listen for the network's stop.
    setMaxListeners(0, this.l1Abort.signal)
    try {
      if (!l1Options.rpcUrl) {
        this.anvil = new EmbeddedAnvil({
          ...l1Options.embedded,
          blockTime: l1Options.embedded.blockTimeSeconds,
          stateDir: path.join(this.options.datadir, 'l1', 'anvil'),
          logger: logger.child({ module: 'l1' }),
        })
        await this.anvil.start()
      }
      const anvil = this.anvil
      const l1Url = (this._l1Url = anvil?.url ?? l1Options.rpcUrl!)
      phases.mark('l1')
      // What the datadir records of L1 is recorded only once the embedded L1 has it on disk.
      const persist = anvil && (() => anvil.persist())
      // The embedded L1 mines the bootstrap's transactions at once (see mineEachTransaction);
      // its block time is back before any chain runs (and after a failed start: anvil is
      // stopped with the network and starts again with its block time).
      await anvil?.mineEachTransaction()
      const l1 = (this.l1 = await bootstrapL1({
        url: l1Url,
        deployerKey: l1Options.deployerKey,
        ...(l1Options.guardian ? { guardian: l1Options.guardian } : {}),
        roleFunding: l1Options.roleFunding,
        datadir: this.options.datadir,
        signal: this.l1Abort.signal,
        ...(persist ? { persist } : {}),
        logger: logger.child({ module: 'l1-deploy' }),
      }))
      phases.mark('contracts')

      const registration: RegistrationContext = {
        l1,
        deployerKey: l1Options.deployerKey,
        roleFunding: l1Options.roleFunding,
        embeddedL1: !l1Options.rpcUrl,
        relayerKey,
        datadir: this.options.datadir,
        genesis: {
          stored: (chainId) => storedGenesis(this.options.datadir, chainId),
          save: (genesis) => saveGenesis(this.options.datadir, genesis),
          forget: (chainId) => forgetGenesis(this.options.datadir, chainId),
        },
        persist,
        logger,
      }
      // One genesis timestamp for every new chain: their blocks share timestamps from block 0.
      const genesisTime = BigInt(Math.floor(Date.now() / 1000))
      // Chains added to this network at run time (`plexus chain add`) come back with it.
      const started = this.options.chains
      const joined = joinedChains(this.options.datadir).filter((j) => !started.some((c) => c.chainId === j.options.chainId))
      const chains = [...started.map((options) => ({ options, genesisSlot: 0n })), ...joined]
      // Gas tokens one chain after another (chains may share a dev token, deployed once);
      // then every chain's registration, funding and escrow at once, with the super-root
      // proposer's: the deployer's sends queue, their receipts are awaited together.
      const gasTokens: (GasToken | undefined)[] = []
      for (const c of chains) gasTokens.push(await resolveChainGasToken(registration, c.options, this.optionPath(c.options, 'gasToken')))
      const superRootProposer = ensureSuperRootProposer(l1, l1Options.deployerKey, l1Options.roleFunding, BigInt(Math.max(...this.options.chains.map((c) => c.challengeWindowSeconds))))
      const [superSigner, ...prepared] = await allSettledOrThrow<L1Signer | PreparedChain>([
        superRootProposer,
        ...chains.map((c, i) => this.prepareChain(registration, c.options, gasTokens[i], genesisTime, c.genesisSlot)),
      ]) as [L1Signer, ...PreparedChain[]]
      await anvil?.keepBlockTime()
      phases.mark('registrations')

      const startBlock = prepared.reduce((min, p) => (p.registration.registeredAtBlock < min ? p.registration.registeredAtBlock : min), 2n ** 64n)
      const tracker = (this.tracker = createL1Tracker(l1, startBlock, l1Options.pollMs, anvil, logger))
      await tracker.start()
      phases.mark('tracker')
      const batcher = (this.batcher = createNetworkBatcher(
        l1,
        tracker,
        { l1Url, beaconUrl: l1Options.beaconUrl, startBlock, da: this.options.da, maxBatchBytes: this.options.maxBatchBytes, genesisSlot: (chainId) => this._sequencing?.genesisSlot(chainId) ?? 0n },
        logger,
      ))

      this.journal = SlotJournal.open(networkJournalDir(this.options.datadir))
      const devClock = anvil && this.options.devMethods !== false ? new DevClock() : undefined
      const sequencing = (this._sequencing = new NetworkSequencing({
        slotTimeMs,
        relayerKey,
        journal: this.journal,
        blockDataLimit: (n) => blockDataLimit(this.options.maxBlockDataBytes, n),
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
          l1Url,
          tracker,
          l1State: anvil,
          headTimestamp: () => this.members.reduce((t, n) => (n.reader.headHeader().timestamp > t ? n.reader.headHeader().timestamp : t), 0n),
          ...(this.options.executors === 'thread' ? {} : { pools: () => this.nodes.map((n) => n.pool) }),
          signal: this.l1Abort.signal,
          logger: logger.child({ module: 'dev' }),
        })
      }
      this.running = { l1, registration, tracker, batcher, sequencing, slotTimeMs }
      // Every chain's database, pool and RPC server opened at once; then made part of the
      // network one after another, in chain-id order (the slot order).
      this.startingChains = prepared
      const opened = await allSettledOrThrow(prepared.map((p) => this.openChain(p)))
      for (const o of opened) this.attachChain(o)
      this.startingChains = []
      phases.mark('chains')
      // Reads back what is on L1 before it posts anything new.
      await batcher.start()
      await sequencing.start()
      const proposed = () => this.members.map((n) => ({ chainId: n.chainId, chain: n.reader, eth: !this.chainOptions.get(Number(n.chainId))?.gasToken }))
      ;[this.superProposer, this.flowSettler] = createNetworkProposers(l1, tracker, batcher, superSigner, proposed, logger)
      await this.superProposer.start()
      await this.flowSettler.start()
      writeRegistry(path.join(this.options.datadir, 'registry'), this.registry())
      if (this.options.admin ?? true) {
        this.admin = new AdminEndpoint(this.options.datadir, networkAdminHandlers(this, { faultInjection: this.options.faultInjection ?? false }), logger.child({ module: 'admin' }))
        await this.admin.start()
      }
      if (this.options.dashboard && this.members[0]) {
        this.dashboard = new DashboardServer({
          ...this.options.dashboard,
          rpcUrl: this.members[0].rpcUrl(),
          // Only the embedded L1 is a dev network: its accounts are the test mnemonic's.
          dev: !l1Options.rpcUrl,
          logger: logger.child({ module: 'dashboard' }),
        })
        await this.dashboard.start()
        // The dashboard's own origin may call every chain (on 127.0.0.1 the default
        // local origins already cover it; on another host this is what lets it in).
        for (const n of this.members) await n.allowRpcOrigin(this.dashboard.url())
      }
      logger.info({ ms: phases.done(), chains: this.members.length, executors: this.options.executors ?? 'inline' }, 'network started')
    } catch (err) {
      await this.stop().catch(() => undefined)
      throw err
    }
  }

  /**
   * Stops everything in reverse order, within a bound whatever has already died: L1
   * requests and waits in flight are abandoned first (an L1 that is down, or a
   * transaction that will never be mined, must not hold the stop), and a part that still
   * does not stop in time is reported and left behind (see `stopInOrder`).
   */
  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    this.l1Abort.abort()
    await stopInOrder(
      [
        ['dashboard', this.dashboard],
        ['admin endpoint', this.admin],
        ['super root proposer', this.superProposer],
        ['escrow flow settler', this.flowSettler],
        ['sequencer', this._sequencing],
        ['batcher', this.batcher],
        ...[...this.members, ...this.opening].reverse().map((n) => [`chain ${n.chainId}`, n] as const),
        ['slot journal', this.journal && { start: async () => undefined, stop: () => this.journal!.close() }],
        ['L1 tracker', this.tracker],
        ['embedded L1', this.anvil],
      ],
      this.options.logger,
    )
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
