import type { Hex } from 'viem'
import type { ChainReader } from '../execution/chainReader.js'
import type { Lifecycle } from '../primitives/lifecycle.js'
import type { Logger } from '../primitives/logger.js'
import { SingleFlight } from '../primitives/singleFlight.js'
import { abiOf } from './l1/abis.js'
import type { L1Tracker } from './l1/l1Tracker.js'
import { abortable, L1AbortedError, reasonOf, writeAndWait, type L1Signer } from './l1/l1Transactions.js'
import { superRootAt, timestampOf } from './superRoot.js'

/** A chain the super root proposer covers. */
export interface SuperRootProposerChain {
  chainId: bigint
  chain: ChainReader
  /** The chain's safe head (its batch is on L1): only blocks up to it are committed to. */
  safeHead: () => bigint
}

export interface SuperRootProposerOptions {
  /** The SuperRootOracle (`deployment.contracts.SuperRootOracle`). */
  oracle: Hex
  /** Propose the super root of every L2 timestamp that is a multiple of this. */
  intervalSeconds: bigint
  /**
   * The chains of the network, asked on every round (chains may join at run time). A
   * chain whose genesis is newer than a timestamp is not part of that timestamp's root.
   */
  chains: () => readonly SuperRootProposerChain[]
}

/**
 * Posts the network's super roots to the SuperRootOracle: on each L1 head, for the
 * newest timestamp T that is a multiple of `intervalSeconds` and final on every chain's
 * safe chain (each safe head is newer than T, so no block of T can still be added or
 * rewound by the sequencer). Skipped timestamps are not posted: the newest root is the
 * one that matters.
 */
export class SuperRootProposer implements Lifecycle {
  private lastProposed = 0n
  private lastRoot: Hex | undefined
  /** An L1 reorg (or a failed proposal) may have changed the oracle: read it again first. */
  private stale = true
  private readonly rounds = new SingleFlight(
    () => this.proposeNext(),
    (err) => {
      this.stale = true
      if (!(err instanceof L1AbortedError)) this.logger.warn({ err: reasonOf(err) }, 'super root proposal failed; retrying on the next L1 block')
    },
  )
  private unsubscribe: (() => void) | undefined
  private readonly abort = new AbortController()

  /**
   * @param tracker the network's L1 tracker (rounds run on its heads; its reorgs make the
   *        proposer re-read the oracle).
   * @param signer the oracle's proposer (`roleKey(deployer, 'super-proposer', NETWORK_ROLE)`, set by `configureSuperRootOracle`).
   */
  constructor(
    private readonly tracker: L1Tracker,
    private readonly signer: L1Signer,
    private readonly options: SuperRootProposerOptions,
    private readonly logger: Logger,
  ) {
    if (options.intervalSeconds <= 0n) throw new RangeError('intervalSeconds must be positive')
  }

  async start(): Promise<void> {
    await this.readLatest()
    const offHead = this.tracker.onHead(() => void this.kick())
    const offReorg = this.tracker.onReorg(() => (this.stale = true))
    this.unsubscribe = () => {
      offHead()
      offReorg()
    }
  }

  async stop(): Promise<void> {
    this.unsubscribe?.()
    // A proposal waiting on L1 (or on a dead L1) is abandoned, not waited for: the
    // oracle is read again at the next start.
    this.abort.abort()
    await this.rounds.stop()
  }

  /** Aborted by `stop` (or by the signer's owner stopping). */
  private stopSignal(): AbortSignal {
    return this.signer.signal ? AbortSignal.any([this.abort.signal, this.signer.signal]) : this.abort.signal
  }

  /** L2 timestamp of the newest super root this proposer posted (or found on L1); 0 if none. */
  latestProposed(): bigint {
    return this.lastProposed
  }

  /** The newest super root this proposer posted itself (undefined after a restart or reorg). */
  latestRoot(): Hex | undefined {
    return this.lastRoot
  }

  /** Runs a round now (or returns the one in flight). */
  kick(): Promise<void> {
    return this.rounds.run()
  }

  private async readLatest(): Promise<void> {
    this.stale = false
    const latest = (await abortable(
      this.signer.publicClient.readContract({
        address: this.options.oracle,
        abi: abiOf('SuperRootOracle'),
        functionName: 'latestTimestamp',
      }),
      this.stopSignal(),
      'latestTimestamp',
    )) as bigint
    if (latest !== this.lastProposed) this.lastRoot = undefined
    this.lastProposed = BigInt(latest)
  }

  /** The newest timestamp that is a multiple of the interval and older than every safe head; undefined if none. */
  private target(): { timestamp: bigint; chains: { chainId: bigint; chain: ChainReader; head: bigint }[] } | undefined {
    const chains = this.options.chains().map((c) => ({ chainId: c.chainId, chain: c.chain, head: c.safeHead() }))
    if (chains.length === 0) return undefined
    let minSafe: bigint | undefined
    for (const c of chains) {
      const t = timestampOf(c.chain, c.head)
      if (minSafe === undefined || t < minSafe) minSafe = t
    }
    if (minSafe === undefined || minSafe === 0n) return undefined
    const interval = this.options.intervalSeconds
    return { timestamp: ((minSafe - 1n) / interval) * interval, chains }
  }

  private async proposeNext(): Promise<void> {
    if (this.stale) await this.readLatest()
    const target = this.target()
    if (!target || target.timestamp <= this.lastProposed) return
    const computed = await superRootAt(target.chains, target.timestamp)
    if (!computed) return // every chain's genesis is newer (or a safe head moved back meanwhile)
    // Anchor to the L1 head's parent: its BLOCKHASH is readable both when the call is
    // simulated (at the head) and when it executes in a later block.
    const l1 = this.tracker.head()
    const anchored = l1 !== undefined && l1.number > 0n
    await writeAndWait(
      this.signer,
      {
        address: this.options.oracle,
        abi: abiOf('SuperRootOracle'),
        functionName: 'proposeSuperRoot',
        args: [target.timestamp, computed.root, computed.preimage, anchored ? l1.parentHash : `0x${'00'.repeat(32)}`, anchored ? l1.number - 1n : 0n],
      },
      this.stopSignal(),
    )
    this.lastProposed = target.timestamp
    this.lastRoot = computed.root
    this.logger.debug(
      { timestamp: target.timestamp.toString(), root: computed.root, blocks: computed.blocks.map(String) },
      'proposed super root',
    )
  }
}
