import { parseAbiItem, type Hex, type PublicClient } from 'viem'
import type { DepositTransaction } from '../../execution/depositTx.js'
import type { Lifecycle } from '../../primitives/lifecycle.js'
import type { Logger } from '../../primitives/logger.js'
import { hexToBytes } from '../../primitives/hex.js'
import { depositFromLog, TRANSACTION_DEPOSITED_EVENT } from '../deposits.js'

/** What L2 needs of an L1 block header. */
export interface L1BlockRef {
  number: bigint
  hash: Hex
  parentHash: Hex
  timestamp: bigint
  baseFee: bigint
  /** Blob base fee derived from the header's excess blob gas (0 before EIP-4844). */
  blobBaseFee: bigint
}

export interface L1TrackerOptions {
  portal: Hex
  /** First L1 block of interest (the earliest chain registration). */
  startBlock: bigint
  pollMs: number
  /** Headers fetched per poll at most (catch-up after downtime). */
  maxBlocksPerPoll?: number
  /**
   * The newest L1 block that survives a crash of the L1 (the embedded anvil writes its
   * state to disk after each block); L2 adopts no origin above it. Unset: every block
   * the L1 serves counts (an external L1 keeps its own blocks).
   */
  durable?: () => bigint | undefined
}

const DEPOSIT_EVENT = parseAbiItem(TRANSACTION_DEPOSITED_EVENT)

/**
 * Follows the L1 chain from `startBlock`: keeps the canonical headers and each block's
 * portal deposits (per L2 chain), detects reorgs by parent-hash linkage and tells
 * listeners the newest block both chains share. One tracker serves every L2 chain of
 * the network. Reads are synchronous from memory, so block production never waits on L1.
 */
export class L1Tracker implements Lifecycle {
  private readonly headers = new Map<bigint, L1BlockRef>()
  private readonly deposits = new Map<Hex, Map<bigint, DepositTransaction[]>>()
  private headNumber = -1n
  /** L1's finalized block number as of the newest head (undefined until L1 answers). */
  private finalizedNumber: bigint | undefined
  private timer: NodeJS.Timeout | undefined
  private running = false
  /** Set by `stop`: a poll still in flight then changes nothing anyone hears of. */
  private stopped = false
  private polling: Promise<void> = Promise.resolve()
  private readonly headListeners = new Set<(head: L1BlockRef) => void>()
  private readonly reorgListeners = new Set<(ancestor: bigint) => void>()
  /** When polls started failing (0: the last poll worked). */
  private failingSince = 0

  constructor(
    readonly client: PublicClient,
    private readonly options: L1TrackerOptions,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    this.running = true
    await this.poll()
    this.schedule()
  }

  /**
   * Stops polling. A poll in flight is not waited for (on a dead or hung L1 it would
   * take as long as the RPC's timeouts): whatever it brings back is dropped.
   */
  async stop(): Promise<void> {
    this.running = false
    this.stopped = true
    if (this.timer) clearTimeout(this.timer)
  }

  /** Newest L1 block seen (undefined before the first poll). */
  head(): L1BlockRef | undefined {
    return this.headers.get(this.headNumber)
  }

  /**
   * L1's finalized block number, read once per new L1 head (so the `finalized` block
   * tag of every chain costs no L1 round trip); undefined while L1 has not answered.
   */
  finalized(): bigint | undefined {
    return this.finalizedNumber
  }

  /**
   * Newest L1 block L2 may take as an origin: the head, or the newest durable block if
   * the L1 says which blocks survive its crash (`durable`). Undefined before the first poll.
   */
  durableHead(): bigint | undefined {
    const head = this.head()?.number
    const durable = this.options.durable?.()
    return head === undefined || durable === undefined || durable >= head ? head : durable
  }

  /** Whether the last poll reached the L1. */
  reachable(): boolean {
    return this.failingSince === 0
  }

  /** Canonical header at `number`, if tracked. */
  block(number: bigint): L1BlockRef | undefined {
    return this.headers.get(number)
  }

  /** Deposits to `chainId` in the canonical L1 block `hash`, in log order; undefined if untracked. */
  depositsIn(hash: Hex, chainId: bigint): DepositTransaction[] | undefined {
    const perChain = this.deposits.get(hash)
    if (!perChain) return undefined
    return perChain.get(chainId) ?? []
  }

  onHead(listener: (head: L1BlockRef) => void): () => void {
    this.headListeners.add(listener)
    return () => this.headListeners.delete(listener)
  }

  /** Called with the newest block number still canonical after a reorg. */
  onReorg(listener: (ancestor: bigint) => void): () => void {
    this.reorgListeners.add(listener)
    return () => this.reorgListeners.delete(listener)
  }

  /** Polls now (tests and tools that step L1). */
  refresh(): Promise<void> {
    this.polling = this.polling.catch(() => undefined).then(() => this.poll())
    return this.polling
  }

  private schedule(): void {
    if (!this.running) return
    this.timer = setTimeout(() => {
      this.refresh()
        .then(() => this.pollWorked(), (err) => this.pollFailed(err))
        .finally(() => this.schedule())
    }, this.options.pollMs)
  }

  /** An unreachable L1 is reported once when it goes and once when it comes back, not on every poll. */
  private pollFailed(err: unknown): void {
    if (this.stopped || this.failingSince !== 0) return
    this.failingSince = Date.now()
    const head = this.head()
    this.logger.error(
      { err: shortReason(err), l1Head: head?.number.toString(), pollMs: this.options.pollMs },
      'L1 unreachable; retrying quietly (the chains keep building on the newest L1 origin they have, up to the max sequencer drift)',
    )
  }

  private pollWorked(): void {
    if (this.failingSince === 0) return
    const seconds = Math.round((Date.now() - this.failingSince) / 1000)
    this.failingSince = 0
    this.logger.info({ downSeconds: seconds, l1Head: this.head()?.number.toString() }, 'L1 reachable again')
  }

  private async poll(): Promise<void> {
    const latest = await this.fetchHeader('latest')
    if (!latest) return
    const known = this.headers.get(latest.number)
    if (known?.hash === latest.hash) return
    // Find where our view and L1 agree, walking back from the newest block we both have.
    let ancestor = latest.number < this.headNumber ? latest.number : this.headNumber
    while (ancestor >= this.options.startBlock) {
      const ours = this.headers.get(ancestor)
      if (!ours) break
      const theirs = ancestor === latest.number ? latest : await this.fetchHeader(ancestor)
      if (theirs?.hash === ours.hash) break
      ancestor--
    }
    if (ancestor < this.headNumber) {
      for (let n = ancestor + 1n; n <= this.headNumber; n++) {
        const dropped = this.headers.get(n)
        if (dropped) this.deposits.delete(dropped.hash)
        this.headers.delete(n)
      }
      this.logger.warn({ ancestor: ancestor.toString(), previousHead: this.headNumber.toString() }, 'L1 reorg')
      this.headNumber = ancestor
      if (!this.stopped) for (const listener of this.reorgListeners) listener(ancestor)
    }
    const from = this.headNumber < this.options.startBlock ? this.options.startBlock : this.headNumber + 1n
    const max = BigInt(this.options.maxBlocksPerPoll ?? 500)
    const to = latest.number - from + 1n > max ? from + max - 1n : latest.number
    if (to < from) return
    const refs: L1BlockRef[] = []
    for (let n = from; n <= to; n++) {
      const ref = n === latest.number ? latest : await this.fetchHeader(n)
      if (!ref) return
      const parent = refs[refs.length - 1] ?? this.headers.get(n - 1n)
      // L1 moved under us mid-fetch: the next poll sorts it out.
      if (parent && parent.hash !== ref.parentHash) return
      refs.push(ref)
    }
    const logs = await this.client.getLogs({ address: this.options.portal, event: DEPOSIT_EVENT, fromBlock: from, toBlock: to })
    const byBlock = new Map<Hex, Map<bigint, DepositTransaction[]>>(refs.map((r) => [r.hash, new Map()]))
    for (const log of logs) {
      const perChain = byBlock.get(log.blockHash)
      if (!perChain) return // the logs come from blocks we did not fetch: reorg in between
      const { chainId, tx } = depositFromLog(log)
      const list = perChain.get(chainId) ?? []
      list.push(tx)
      perChain.set(chainId, list)
    }
    for (const ref of refs) {
      this.headers.set(ref.number, ref)
      this.deposits.set(ref.hash, byBlock.get(ref.hash)!)
      this.headNumber = ref.number
    }
    await this.refreshFinalized()
    const head = this.head()!
    if (this.stopped) return
    for (const listener of this.headListeners) listener(head)
  }

  /** An L1 that does not serve the tag (or fails now) keeps the last answer. */
  private async refreshFinalized(): Promise<void> {
    try {
      const block = await this.client.getBlock({ blockTag: 'finalized' })
      if (block.number !== null) this.finalizedNumber = block.number
    } catch (err) {
      this.logger.debug({ err: (err as Error).message }, 'L1 finalized block unavailable')
    }
  }

  private async fetchHeader(tag: bigint | 'latest'): Promise<L1BlockRef | undefined> {
    const block = await this.client.getBlock(tag === 'latest' ? { blockTag: 'latest' } : { blockNumber: tag })
    if (!block || block.number === null || block.hash === null) return undefined
    return {
      number: block.number,
      hash: block.hash,
      parentHash: block.parentHash,
      timestamp: block.timestamp,
      baseFee: block.baseFeePerGas ?? 0n,
      blobBaseFee: blobBaseFee(block.excessBlobGas ?? 0n),
    }
  }
}

/** The first line of an error (viem's carry pages of details). */
function shortReason(err: unknown): string {
  const e = err as { shortMessage?: string; message?: string }
  return (e.shortMessage ?? e.message ?? String(err)).split('\n')[0]!
}

/** Prague's blob base fee update fraction (EIP-7691); L2 fees only need it to be deterministic. */
const BLOB_BASE_FEE_UPDATE_FRACTION = 5_007_716n

/** EIP-4844's fake_exponential(1, excess, fraction): the blob base fee of a header. */
export function blobBaseFee(excessBlobGas: bigint): bigint {
  let i = 1n
  let output = 0n
  let accum = BLOB_BASE_FEE_UPDATE_FRACTION
  while (accum > 0n) {
    output += accum
    accum = (accum * excessBlobGas) / (BLOB_BASE_FEE_UPDATE_FRACTION * i)
    i++
  }
  return output / BLOB_BASE_FEE_UPDATE_FRACTION
}

export function refHashBytes(ref: L1BlockRef): Uint8Array {
  return hexToBytes(ref.hash)
}
