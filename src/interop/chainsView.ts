import type { Block } from '@ethereumjs/block'
import type { ChainReader } from '../execution/chainReader.js'
import type { RawLog, StoredReceipt } from '../execution/receipts.js'
import { slotOf, ZERO_SLOT_OFFSETS, type SlotOffsets } from '../execution/slots.js'
import { toData, type Hex } from '../primitives/hex.js'
import { payloadHashOf } from './identifier.js'
import type { InitiatingLog, InteropView } from './validation.js'

const LOG_CACHE_BLOCKS = 512

/** Blocks sealed earlier in the slot being built, by chain: not committed yet, but a later chain may depend on them. */
export type SealedBlocks = ReadonlyMap<bigint, { block: Block; receipts: readonly StoredReceipt[] }>

/**
 * The logs of blocks sealed earlier in the slot that a chain's check may read (the shape of
 * the sequencer's `SealedDigests`): by chain, the block's number, timestamp and logs by
 * block-wide index (sparse: the slot builder hands over the ones its relays execute).
 */
export type SealedLogs = ReadonlyMap<bigint, { number: bigint; timestamp: bigint; logs: readonly (InitiatingLog | undefined)[] }>

interface CachedLogs {
  hash: string
  logs: InitiatingLog[]
}

/**
 * The network's chains as the interop rules read them: committed blocks and their logs.
 * Chains are in the dependency set of each other (every chain of the network, in both
 * directions). Slots: chains are sequenced in lockstep; a block's slot comes from its
 * chain's genesis slot (`execution/slots.ts`).
 */
export class ChainsView implements InteropView {
  private readonly logCache = new Map<string, CachedLogs>()

  constructor(
    private readonly chains: () => ReadonlyMap<bigint, ChainReader>,
    private readonly slotOffsets: SlotOffsets = ZERO_SLOT_OFFSETS,
  ) {}

  inDependencySet(chainId: bigint): boolean {
    return this.chains().has(chainId)
  }

  blockTimestamp(chainId: bigint, blockNumber: bigint): bigint | undefined {
    const chain = this.chains().get(chainId)
    if (!chain || blockNumber > chain.headHeader().number) return undefined
    return chain.getBlockByNumber(blockNumber)?.header.timestamp
  }

  logAt(chainId: bigint, blockNumber: bigint, logIndex: number): InitiatingLog | undefined {
    return this.logsOf(chainId, blockNumber)?.[logIndex]
  }

  slotOf(chainId: bigint, blockNumber: bigint): bigint {
    return slotOf(this.slotOffsets(chainId), blockNumber)
  }

  orderOf(chainId: bigint): number {
    let order = 0
    for (const id of this.chains().keys()) if (id < chainId) order++
    return order
  }

  /**
   * This view plus the blocks sealed so far in the slot being built (each chain's next
   * block), as far as `sealed` gives their logs: what a later chain's block is checked
   * against. A log `sealed` leaves out of a sealed block does not exist for the check.
   */
  withSealed(sealed: SealedLogs): InteropView {
    if (sealed.size === 0) return this
    const at = (chainId: bigint, blockNumber: bigint) => {
      const s = sealed.get(chainId)
      return s && s.number === blockNumber ? s : undefined
    }
    return {
      inDependencySet: (chainId) => this.inDependencySet(chainId),
      blockTimestamp: (chainId, n) => at(chainId, n)?.timestamp ?? this.blockTimestamp(chainId, n),
      logAt: (chainId, n, logIndex) => {
        const s = at(chainId, n)
        return s ? s.logs[logIndex] : this.logAt(chainId, n, logIndex)
      },
      slotOf: (chainId, n) => this.slotOf(chainId, n),
      orderOf: (chainId) => this.orderOf(chainId),
    }
  }

  /** Every log of a canonical block, in block-wide log-index order. */
  private logsOf(chainId: bigint, blockNumber: bigint): InitiatingLog[] | undefined {
    const chain = this.chains().get(chainId)
    if (!chain || blockNumber > chain.headHeader().number) return undefined
    const block = chain.getBlockByNumber(blockNumber)
    if (!block) return undefined
    const key = `${chainId}:${blockNumber}`
    const hash = toData(block.hash())
    const cached = this.logCache.get(key)
    // Keyed by number but checked by hash: a rewind (L1 reorg) may have replaced the block.
    if (cached && cached.hash === hash) return cached.logs
    const receipts = chain.getReceipts(block.hash()) ?? []
    const logs = receipts.flatMap((r) => r.logs.map(initiatingLog))
    this.logCache.set(key, { hash, logs })
    if (this.logCache.size > LOG_CACHE_BLOCKS) this.logCache.delete(this.logCache.keys().next().value!)
    return logs
  }
}

function initiatingLog([address, topics, data]: RawLog): InitiatingLog {
  return { origin: toData(address) as Hex, payloadHash: payloadHashOf(topics.map((t) => toData(t) as Hex), toData(data) as Hex) }
}
