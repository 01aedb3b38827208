import type { AuditReport } from '../settlement/audit.js'
import type { TypedTransaction } from '@ethereumjs/tx'
import { Chain, type BuiltBlock } from '../execution/chain.js'
import { decodeRawTransaction } from '../execution/decodeTx.js'
import type { PooledTx } from '../execution/pooledTx.js'
import { ChainsView } from '../interop/chainsView.js'
import { MessageTracker, type MessageListener, type MessageQuery, type TrackedMessage } from '../interop/messageTracker.js'
import { Relayer } from '../interop/relayer.js'
import { interopAdmissionCheck, interopSlotRules } from '../interop/slotRules.js'
import { BaseError, InvalidParamsError, RpcErrorCode } from '../primitives/errors.js'
import type { Hex } from '../primitives/hex.js'
import type { Lifecycle } from '../primitives/lifecycle.js'
import type { Logger } from '../primitives/logger.js'
import type { NetworkApi } from '../rpc/api.js'
import { MethodNotFoundError } from '../rpc/errors.js'
import { checkBundle } from '../sequencer/bundleCheck.js'
import { BundleQueue, InvalidBundleError, type BundleStatus } from '../sequencer/bundles.js'
import { SharedSequencer, type FollowedChain, type SlotFaults } from '../sequencer/sharedSequencer.js'
import type { BlockInputSource } from '../sequencer/blockInputs.js'
import type { ChainExecutor } from '../sequencer/chainExecutor.js'
import type { DevTxQueue } from '../sequencer/devTxQueue.js'
import type { TxPool, TxPoolOptions } from '../sequencer/txpool/index.js'
import { resolveTxPoolOptions } from '../sequencer/txpool/options.js'
import { validateEnvelope } from '../sequencer/txpool/validation.js'
import type { SlotJournal } from '../storage/slotJournal.js'
import type { NetworkRegistry } from './networkRegistry.js'

export interface NetworkSequencingOptions {
  slotTimeMs: number
  /** Key of the network's relayer: it signs relay transactions on every chain. */
  relayerKey: Hex
  /** The network's registry for wallets and apps, and news of chains joining. */
  registry?: RegistrySource
  /** The decision log of the slots' two-phase commit and the bundles (`<datadir>/network/journal`); unset: nothing survives a crash (tests). */
  journal?: SlotJournal
  /** Most signed-transaction bytes in each chain's block of a slot of `chains` chains (default `DEFAULT_MAX_BLOCK_DATA_BYTES`). */
  blockDataLimit?: (chains: number) => number
  faults?: SlotFaults
  /** The network's time in whole seconds (default the wall clock; a dev network's clock moves it). */
  now?: () => bigint
  /** The network's money audit (plexus_audit); unset: the method answers it is not available. */
  audit?: () => Promise<AuditReport>
  logger: Logger
}

/** A retry of a message whose relay gas is used up (or was never paid). */
export class RelayNotPaidError extends BaseError {
  override name = 'RelayNotPaidError'
  constructor(message: string) {
    super(message, { rpcCode: RpcErrorCode.Server })
  }
}

/**
 * A chain as the network's sequencing takes it: the chain as the coordinator reads it,
 * and what builds its blocks — an executor (a worker thread, another process), or, in
 * this thread, a `PayloadBuilder` over the chain's writer and pool.
 */
export interface NetworkMember {
  /** The chain (its writer in this thread, or a reader the sequencer advances after each commit). */
  chain: FollowedChain
  executor?: ChainExecutor
  pool?: TxPool
  feeRecipient: Uint8Array
  gasLimit?: bigint
  /** The chain's pool options: bundles are checked by the same limits. */
  txpool?: Partial<TxPoolOptions>
  inputs?: BlockInputSource
  devTxs?: DevTxQueue
  onProduced?: (built: BuiltBlock, seconds: number) => void
}

export interface RegistrySource {
  registry(): NetworkRegistry
  onChange(listener: () => void): () => void
}

/**
 * The network-wide half of the sequencer: the shared slot clock over every chain's node,
 * the interop rules it builds by (executing messages checked against the chains
 * themselves), the relayer that delivers every sent message, the message tracker and
 * the bundle queue — and the `plexus_*` methods every chain's RPC answers from them.
 */
export class NetworkSequencing implements Lifecycle, NetworkApi {
  readonly tracker: MessageTracker
  readonly bundles: BundleQueue
  readonly view: ChainsView
  readonly relayer: Relayer
  readonly sequencer: SharedSequencer
  private readonly members = new Map<bigint, NetworkMember>()
  private readonly chains = new Map<bigint, FollowedChain>()
  private readonly unfollow: (() => void)[] = []

  constructor(private readonly options: NetworkSequencingOptions) {
    this.bundles = new BundleQueue(options.journal)
    this.view = new ChainsView(() => this.chains, (chainId) => this.genesisSlot(chainId))
    this.relayer = new Relayer({ key: options.relayerKey })
    this.tracker = new MessageTracker({ relayer: this.relayer.address, slotOf: (chainId, blockNumber) => this.genesisSlot(chainId) + blockNumber })
    const rules = interopSlotRules({ chains: () => this.chains, view: this.view, tracker: this.tracker, relayer: this.relayer })
    this.sequencer = new SharedSequencer(
      {
        slotTimeMs: options.slotTimeMs,
        blockDataLimit: options.blockDataLimit,
        journal: options.journal,
        // The relayer's transactions come back from the tracker, not from a pool.
        isNetworkTx: (ptx) => ptx.sender === this.relayer.address,
        faults: options.faults,
        now: options.now,
        relayer: this.relayer.address,
      },
      rules,
      this.bundles,
      options.logger.child({ module: 'sequencer' }),
    )
    this.sequencer.onSlot((result) => rules.slotCommitted(result))
  }

  /**
   * Adds a started chain: followed for messages, in the dependency set of every other
   * chain, and built in every slot from its first (`genesisSlot` + its head + 1), in this
   * thread or by its executor elsewhere.
   */
  addChain(member: NetworkMember, genesisSlot = 0n): void {
    const { chain } = member
    this.members.set(chain.chainId, member)
    // Insert in chain-id order: the view's iteration order is the slot order.
    const sorted = [...this.chains.entries(), [chain.chainId, chain] as const].sort((a, b) => (a[0] < b[0] ? -1 : 1))
    this.chains.clear()
    for (const [id, c] of sorted) this.chains.set(id, c)
    const common = {
      chainId: chain.chainId,
      feeRecipient: member.feeRecipient,
      gasLimit: member.gasLimit,
      inputs: member.inputs,
      ...(member.onProduced ? { onProduced: member.onProduced } : {}),
      ...(member.devTxs ? { devTxs: member.devTxs } : {}),
      genesisSlot,
    }
    if (member.executor) this.sequencer.addChain({ ...common, chain, executor: member.executor })
    else if (member.pool && isWriter(chain)) this.sequencer.addChain({ ...common, chain, pool: member.pool })
    else throw new Error(`chain ${chain.chainId}: a chain built in this thread needs its writer (Chain) and pool, or an executor`)
    // Followed once the sequencer knows its genesis slot: the tracker places its blocks in slots.
    this.unfollow.push(this.tracker.follow(chain))
  }

  /** The network slot of `chainId`'s block 0. */
  genesisSlot(chainId: bigint): bigint {
    return this.sequencer.genesisSlot(chainId)
  }

  /**
   * The pool's admission check for `chainId`: a transaction's executing messages must
   * be valid for the next slot (its block's timestamp is at least now).
   */
  checkTxFor(chainId: bigint): (tx: TypedTransaction) => string | undefined {
    return (tx) => {
      const chain = this.chains.get(chainId)
      if (!chain) return undefined
      const now = this.options.now?.() ?? BigInt(Math.floor(Date.now() / 1000))
      return interopAdmissionCheck(this.view, chainId, chain.headHeader(), now)(tx)
    }
  }

  /**
   * Finishes a slot a crash cut short, reads the bundles back, then starts the slot clock.
   * Every chain must be added first.
   */
  async start(): Promise<void> {
    await this.sequencer.recover()
    this.bundles.load((chainId, raw) => {
      const member = this.members.get(chainId)
      if (!member) throw new Error(`chain ${chainId} is not part of this network`)
      return decodeRawTransaction(raw, member.chain.common)
    })
    await this.sequencer.start()
  }

  async stop(): Promise<void> {
    await this.sequencer.stop()
    for (const off of this.unfollow) off()
  }

  // ---- NetworkApi ----------------------------------------------------------------

  async sendBundle(txs: { chainId: bigint; raw: Uint8Array }[], deadlineSlot?: bigint): Promise<Hex> {
    const decoded: { chainId: bigint; ptx: PooledTx }[] = txs.map(({ chainId, raw }, i) => {
      const member = this.members.get(chainId)
      if (!member) throw new InvalidBundleError(`txs[${i}]: chain ${chainId} is not part of this network (chains: ${[...this.members.keys()].join(', ')})`)
      const { common } = member.chain
      const options = resolveTxPoolOptions(member.txpool)
      let ptx: PooledTx
      try {
        ptx = decodeRawTransaction(raw, common, (env) => validateEnvelope(env, { chainId, common, options }))
      } catch (err) {
        throw new InvalidBundleError(`txs[${i}]: ${(err as Error).message}`)
      }
      const txChainId = (ptx.tx as { chainId?: bigint }).chainId
      if (txChainId !== undefined && txChainId !== chainId) {
        throw new InvalidBundleError(`txs[${i}] is signed for chain ${txChainId}, but listed for chain ${chainId}`)
      }
      return { chainId, ptx }
    })
    const maxTxDataBytes = this.sequencer.blockDataLimit()
    await checkBundle(decoded, (chainId) => {
      const member = this.members.get(chainId)!
      return {
        chain: member.chain,
        txpool: resolveTxPoolOptions(member.txpool),
        gasLimit: member.gasLimit ?? member.chain.headHeader().gasLimit,
        maxTxDataBytes,
      }
    })
    return this.bundles.submit(decoded, this.sequencer.nextSlot(), deadlineSlot)
  }

  getBundle(id: Hex): BundleStatus | undefined {
    return this.bundles.get(id)
  }

  getMessage(msgHash: Hex): TrackedMessage | undefined {
    return this.tracker.get(msgHash)
  }

  getMessagesByTx(chainId: bigint, txHash: Hex): TrackedMessage[] {
    return this.tracker.sentBy(chainId, txHash)
  }

  listMessages(query: MessageQuery): TrackedMessage[] {
    return this.tracker.list(query)
  }

  messageCount(): number {
    return this.tracker.size
  }

  onMessage(listener: MessageListener): () => void {
    return this.tracker.onChange(listener)
  }

  listBundles(limit: number, status?: BundleStatus['status']): { id: Hex; status: BundleStatus }[] {
    return this.bundles.list(limit, status)
  }

  /**
   * Queues a failed message for another relay by the network. The relay gives the target
   * what is left of the gas its sender paid (`relayGas`), or `gasLimit` if lower: a retry
   * never gets the network to spend more than was paid. A message with nothing left must be
   * topped up (RelayGasPaymaster.payForRelay, which queues it by itself) or relayed by hand.
   */
  retryMessage(msgHash: Hex, gasLimit?: bigint): TrackedMessage | undefined {
    const message = this.tracker.get(msgHash)
    if (!message) return undefined
    if (message.relayGas === 0n) {
      throw new RelayNotPaidError(
        `message ${msgHash} has no relay gas left (paid ${message.paidGas}); pay for more with RelayGasPaymaster.payForRelay on chain ${message.source} (the network then relays it), or relay it yourself (plexus_relayMessageTx)`,
      )
    }
    if (gasLimit !== undefined) {
      if (gasLimit === 0n) throw new InvalidParamsError('gasLimit must be above 0')
      if (gasLimit > message.relayGas) throw new InvalidParamsError(`gasLimit ${gasLimit} is over the ${message.relayGas} gas left of what was paid for this relay; pay for more with RelayGasPaymaster.payForRelay on chain ${message.source}`)
    }
    return this.tracker.retry(msgHash, gasLimit)
  }

  nextSlot(): bigint {
    return this.sequencer.nextSlot()
  }

  chainRegistry(): NetworkRegistry | undefined {
    return this.options.registry?.registry()
  }

  audit(): Promise<AuditReport> {
    if (!this.options.audit) throw new MethodNotFoundError('plexus_audit', { details: 'this network does not audit its escrow' })
    return this.options.audit()
  }

  onChainsChanged(listener: () => void): () => void {
    return this.options.registry?.onChange(listener) ?? (() => undefined)
  }
}

function isWriter(chain: FollowedChain): chain is Chain {
  return chain instanceof Chain
}
