import { decodeFunctionData, keccak256, parseAbiItem, type Hex } from 'viem'
import type { Chain } from '../../execution/chain.js'
import { toQuantity } from '../../primitives/hex.js'
import type { Lifecycle } from '../../primitives/lifecycle.js'
import type { Logger } from '../../primitives/logger.js'
import { SingleFlight } from '../../primitives/singleFlight.js'
import { abiOf } from '../l1/abis.js'
import type { L1Tracker } from '../l1/l1Tracker.js'
import { reasonOf } from '../l1/l1Transactions.js'
import { decodeSuperRoot, encodeSuperRoot, superRootAt, type ChainOutput } from '../superRoot.js'

export const SUPER_ROOT_PROPOSED_EVENT = parseAbiItem(
  'event SuperRootProposed(uint256 indexed index, uint64 indexed l2Timestamp, bytes32 superRoot, uint256 l1Timestamp)',
)

/** A chain this node holds, as the verifier reads it. */
export interface SuperRootVerifierChain {
  chainId: bigint
  chain: Chain
  /** The newest block derived from L1 (default: the chain's head). */
  head?: () => bigint
}

export interface SuperRootVerifierOptions {
  /** The SuperRootOracle. */
  oracle: Hex
  /** First L1 block to read proposals from (the oracle's deployment, or the earliest registration). */
  l1StartBlock: bigint
  /** The chains this node derives, asked on every round (chains may join at run time). */
  chains: () => readonly SuperRootVerifierChain[]
  /**
   * 'network' (default): this node follows every chain of the network and compares whole
   * roots. 'chains': it follows only some, so it checks just their entries in the
   * proposed preimage (read from the proposal's calldata): the root it expects is the
   * proposed preimage with its own chains' output roots put in.
   */
  scope?: 'network' | 'chains'
  /** L1 blocks per getLogs call (default 2,000). */
  maxLogRange?: bigint
}

/** A proposed super root and what this node computed for the same timestamp. */
export interface SuperRootMismatch {
  index: bigint
  timestamp: bigint
  l1Block: bigint
  proposed: Hex
  computed: Hex
  /** The chains whose entries differ, when the proposal's preimage could be read from L1. */
  chains?: { chainId: bigint; proposed?: Hex; computed?: Hex }[]
}

export interface VerifiedSuperRoot {
  index: bigint
  timestamp: bigint
  root: Hex
  l1Block: bigint
}

interface Proposal {
  index: bigint
  timestamp: bigint
  root: Hex
  l1Block: bigint
  tx: Hex
}

/** Verified proposals remembered so that a reorg can fall back to an older one. */
const VERIFIED_KEPT = 64

/**
 * Checks every super root proposed on L1 against the one this node computes from the
 * blocks it derived. A proposal waits until its timestamp is final on every chain here
 * (each has a derived block newer than it); a mismatch is logged as an error and kept for
 * `plexus_syncStatus`. Runs on the tracker's L1 heads; an L1 reorg forgets what it read
 * from the removed blocks (verified roots and mismatches included) and reads again.
 */
export class SuperRootVerifier implements Lifecycle {
  private cursor: bigint
  private pending: Proposal[] = []
  private verified: VerifiedSuperRoot[] = []
  private _mismatches: SuperRootMismatch[] = []
  /** Bumped by every reorg: a round that started before one drops what it read. */
  private epoch = 0
  private readonly rounds = new SingleFlight(
    () => this.check(),
    (err) => this.logger.warn({ err: reasonOf(err) }, 'super root check failed; retrying on the next L1 block'),
  )
  private unsubscribe: (() => void) | undefined

  /** @param tracker an L1 tracker of the network (its client reads the oracle's logs). */
  constructor(
    private readonly tracker: L1Tracker,
    private readonly options: SuperRootVerifierOptions,
    private readonly logger: Logger,
  ) {
    this.cursor = options.l1StartBlock
  }

  async start(): Promise<void> {
    const offHead = this.tracker.onHead(() => void this.kick())
    const offReorg = this.tracker.onReorg((ancestor) => this.reset(ancestor))
    this.unsubscribe = () => {
      offHead()
      offReorg()
    }
    void this.kick()
  }

  async stop(): Promise<void> {
    this.unsubscribe?.()
    await this.rounds.stop()
  }

  /** Reads new proposals up to the tracker's head and checks those now final (or returns the round in flight). */
  kick(): Promise<void> {
    return this.rounds.run()
  }

  /** The newest proposed super root that matched. */
  get latestVerified(): VerifiedSuperRoot | undefined {
    return this.verified[this.verified.length - 1]
  }

  get mismatches(): readonly SuperRootMismatch[] {
    return this._mismatches
  }

  /** Proposals read but not yet checked (their timestamp is not final here yet). */
  get pendingCount(): number {
    return this.pending.length
  }

  /** The verifier's part of `plexus_syncStatus`. */
  status(): { latestVerified: { timestamp: Hex; root: Hex } | null; mismatches: Record<string, unknown>[] } {
    const v = this.latestVerified
    return {
      latestVerified: v ? { timestamp: toQuantity(v.timestamp), root: v.root } : null,
      mismatches: this._mismatches.map((m) => ({
        index: toQuantity(m.index),
        timestamp: toQuantity(m.timestamp),
        l1Block: toQuantity(m.l1Block),
        proposed: m.proposed,
        computed: m.computed,
        ...(m.chains ? { chains: m.chains.map((c) => ({ chainId: toQuantity(c.chainId), proposed: c.proposed ?? null, computed: c.computed ?? null })) } : {}),
      })),
    }
  }

  /** L1 reorged back to `ancestor`: proposals from later blocks are forgotten and read again. */
  reset(ancestor: bigint): void {
    this.epoch++
    if (this.cursor > ancestor + 1n) this.cursor = ancestor + 1n
    this.pending = this.pending.filter((p) => p.l1Block <= ancestor)
    this.verified = this.verified.filter((v) => v.l1Block <= ancestor)
    this._mismatches = this._mismatches.filter((m) => m.l1Block <= ancestor)
  }

  private async check(): Promise<void> {
    const epoch = this.epoch
    const head = this.tracker.head()
    if (!head) return
    const range = this.options.maxLogRange ?? 2_000n
    while (this.cursor <= head.number) {
      const from = this.cursor
      const to = from + range - 1n < head.number ? from + range - 1n : head.number
      const logs = await this.tracker.client.getLogs({ address: this.options.oracle, event: SUPER_ROOT_PROPOSED_EVENT, fromBlock: from, toBlock: to })
      if (epoch !== this.epoch) return
      const read: Proposal[] = []
      for (const log of logs) {
        // Logs from blocks the tracker does not hold as canonical: L1 moved; the next round reads again.
        const known = this.tracker.block(log.blockNumber)
        if (known && known.hash !== log.blockHash) return
        read.push({
          index: log.args.index!,
          timestamp: log.args.l2Timestamp!,
          root: log.args.superRoot!,
          l1Block: log.blockNumber,
          tx: log.transactionHash,
        })
      }
      this.pending.push(...read)
      this.cursor = to + 1n
    }

    const views = this.options.chains().map((c) => ({ chainId: c.chainId, chain: c.chain, head: c.head?.() }))
    if (views.length === 0) return
    for (const p of [...this.pending]) {
      const outcome = await this.verify(p, views)
      // A reorg meanwhile may have removed the proposal: record nothing more this round.
      if (epoch !== this.epoch) return
      if (outcome === 'waiting') continue
      this.pending = this.pending.filter((x) => x !== p)
      if (outcome === 'matched') this.recordMatch(p)
      else if (outcome !== 'unchecked') this.recordMismatch(outcome)
    }
  }

  /** Compares one proposal with what this node computes; records nothing. */
  private async verify(
    p: Proposal,
    views: { chainId: bigint; chain: Chain; head: bigint | undefined }[],
  ): Promise<'waiting' | 'unchecked' | 'matched' | SuperRootMismatch> {
    const computed = await superRootAt(views, p.timestamp)
    if (!computed) {
      // Not final yet, or no chain here existed at that timestamp (then it never will be).
      const anyExisted = views.some((v) => v.chain.getBlockByNumber(0n)!.header.timestamp <= p.timestamp)
      return anyExisted ? 'waiting' : 'unchecked'
    }
    const partial = this.options.scope === 'chains'
    const proposedOutputs = partial || computed.root !== p.root ? await this.proposedPreimage(p) : undefined
    let expected: Hex = computed.root
    if (partial) {
      if (!proposedOutputs) {
        this.logger.warn({ index: p.index.toString(), tx: p.tx }, 'cannot read the preimage of a proposed super root; its entries are not checked')
        return 'unchecked'
      }
      // The proposed entries of the chains not followed here, ours put in.
      const ours = new Set(views.map((v) => v.chainId))
      const merged = [...proposedOutputs.filter((o) => !ours.has(o.chainId)), ...computed.outputs]
      expected = encodeSuperRoot(p.timestamp, merged).root
    }
    if (expected === p.root) return 'matched'
    // The proposal covers a chain this node does not derive yet (one that joined the
    // network; its first batch opens it here): check it once that chain is derived.
    const known = new Set(views.map((v) => v.chainId))
    if (!partial && proposedOutputs?.some((o) => !known.has(o.chainId))) return 'waiting'
    return {
      index: p.index,
      timestamp: p.timestamp,
      l1Block: p.l1Block,
      proposed: p.root,
      computed: expected,
      ...(proposedOutputs ? { chains: differingChains(proposedOutputs, computed.outputs, partial ? new Set(views.map((v) => v.chainId)) : undefined) } : {}),
    }
  }

  private recordMatch(p: Proposal): void {
    this.verified.push({ index: p.index, timestamp: p.timestamp, root: p.root, l1Block: p.l1Block })
    this.verified.sort((a, b) => (a.timestamp < b.timestamp ? -1 : a.timestamp > b.timestamp ? 1 : 0))
    if (this.verified.length > VERIFIED_KEPT) this.verified.shift()
  }

  private recordMismatch(m: SuperRootMismatch): void {
    this._mismatches.push(m)
    this.logger.error(
      { index: m.index.toString(), timestamp: m.timestamp.toString(), proposed: m.proposed, computed: m.computed, chains: m.chains?.map((c) => c.chainId.toString()) },
      'proposed super root does not match the derived chains',
    )
  }

  /** The entries of the proposal's preimage, from its transaction's calldata (undefined if not a direct call). */
  private async proposedPreimage(p: Proposal): Promise<ChainOutput[] | undefined> {
    try {
      const tx = await this.tracker.client.getTransaction({ hash: p.tx })
      const call = decodeFunctionData({ abi: abiOf('SuperRootOracle'), data: tx.input })
      if (call.functionName !== 'proposeSuperRoot') return undefined
      const preimage = (call.args as readonly unknown[])[2] as Hex
      if (keccak256(preimage) !== p.root) return undefined
      return decodeSuperRoot(preimage).outputs
    } catch {
      return undefined
    }
  }
}

/**
 * Entries that differ between what was proposed and what this node computed; with
 * `only`, just those chains (the ones this node follows).
 */
function differingChains(
  proposed: readonly ChainOutput[],
  computed: readonly ChainOutput[],
  only: ReadonlySet<bigint> | undefined,
): { chainId: bigint; proposed?: Hex; computed?: Hex }[] {
  const byId = new Map<bigint, { proposed?: Hex; computed?: Hex }>()
  for (const o of proposed) byId.set(o.chainId, { proposed: o.outputRoot })
  for (const o of computed) byId.set(o.chainId, { ...byId.get(o.chainId), computed: o.outputRoot })
  return [...byId.entries()]
    .filter(([chainId, e]) => e.proposed !== e.computed && (!only || only.has(chainId)))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([chainId, e]) => ({ chainId, ...e }))
}
