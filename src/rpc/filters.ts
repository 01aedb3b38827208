import { randomBytes } from 'node:crypto'
import type { Block } from '@ethereumjs/block'
import { BaseError, LimitExceededError, RpcErrorCode } from '../primitives/errors.js'
import { toData, type Hex } from '../primitives/hex.js'
import type { ChainReader } from '../execution/chainReader.js'
import type { TxPool } from '../sequencer/txpool/index.js'
import type { RpcLimits, SettledHeads } from './api.js'
import type { BlockTagSource } from './blockTag.js'
import { queryLogs, type LogCriteria } from './logs.js'

export class FilterNotFoundError extends BaseError {
  override name = 'FilterNotFoundError'
  constructor() {
    super('filter not found', { rpcCode: RpcErrorCode.Server })
  }
}

type Filter =
  | { kind: 'logs'; criteria: LogCriteria; next: bigint; lastPoll: number }
  | { kind: 'blocks'; hashes: Hex[]; lastPoll: number }
  | { kind: 'pending'; hashes: Hex[]; lastPoll: number }

/** geth drops filters not polled for 5 minutes. */
const FILTER_TIMEOUT_MS = 5 * 60_000
const MAX_BUFFERED = 10_000

/**
 * eth_newFilter / eth_newBlockFilter / eth_newPendingTransactionFilter and their polls.
 * Block and pending filters buffer hashes as events arrive; log filters remember the
 * next block to scan and query the range on each poll.
 */
export class FilterManager {
  private readonly filters = new Map<Hex, Filter>()
  private readonly unsubscribe: (() => void)[] = []
  private sweeper: NodeJS.Timeout | undefined
  /** What a log filter's `safe`/`finalized` bounds resolve against. */
  private readonly tags: BlockTagSource

  constructor(
    private readonly chain: ChainReader,
    pool: TxPool,
    private readonly limits: RpcLimits,
    settlement?: SettledHeads,
  ) {
    this.tags = { chain, settlement }
    this.unsubscribe.push(chain.onBlock((block: Block) => this.onBlock(block)))
    this.unsubscribe.push(pool.onPending((ptx) => this.push('pending', ptx.hash)))
    this.sweeper = setInterval(() => this.sweep(), 30_000)
    this.sweeper.unref()
  }

  newLogFilter(criteria: LogCriteria): Hex {
    const next = this.chain.headHeader().number + 1n
    return this.add({ kind: 'logs', criteria, next, lastPoll: Date.now() })
  }

  newBlockFilter(): Hex {
    return this.add({ kind: 'blocks', hashes: [], lastPoll: Date.now() })
  }

  newPendingTxFilter(): Hex {
    return this.add({ kind: 'pending', hashes: [], lastPoll: Date.now() })
  }

  changes(id: Hex): unknown[] {
    const f = this.get(id)
    f.lastPoll = Date.now()
    if (f.kind !== 'logs') {
      const out = f.hashes
      f.hashes = []
      return out
    }
    const head = this.chain.headHeader().number
    if (f.next > head) return []
    const criteria = { ...f.criteria, fromBlock: toHexQ(f.next), toBlock: toHexQ(head) }
    const logs = queryLogs(this.tags, criteria, this.limits)
    f.next = head + 1n
    return logs
  }

  logs(id: Hex): unknown[] {
    const f = this.get(id)
    if (f.kind !== 'logs') throw new FilterNotFoundError()
    f.lastPoll = Date.now()
    return queryLogs(this.tags, f.criteria, this.limits)
  }

  uninstall(id: Hex): boolean {
    return this.filters.delete(normalize(id))
  }

  close(): void {
    for (const u of this.unsubscribe) u()
    if (this.sweeper) clearInterval(this.sweeper)
    this.filters.clear()
  }

  private add(f: Filter): Hex {
    // Filters live until polled-out (5 min); without a bound a loop of eth_newFilter
    // grows the node's memory and the work of every block.
    if (this.filters.size >= this.limits.maxFilters) {
      throw new LimitExceededError(`too many filters installed (limit ${this.limits.maxFilters}); uninstall some or let unpolled ones expire`)
    }
    const id = `0x${randomBytes(16).toString('hex').replace(/^0+/, '') || '0'}` as Hex
    this.filters.set(id, f)
    return id
  }

  private get(id: Hex): Filter {
    const f = this.filters.get(normalize(id))
    if (!f) throw new FilterNotFoundError()
    return f
  }

  private onBlock(block: Block): void {
    this.push('blocks', toData(block.hash()))
  }

  private push(kind: 'blocks' | 'pending', hash: Hex): void {
    for (const f of this.filters.values()) {
      if (f.kind === kind && f.hashes.length < MAX_BUFFERED) f.hashes.push(hash)
    }
  }

  private sweep(): void {
    const now = Date.now()
    for (const [id, f] of this.filters) if (now - f.lastPoll > FILTER_TIMEOUT_MS) this.filters.delete(id)
  }
}

function normalize(id: string): Hex {
  return id.toLowerCase() as Hex
}

function toHexQ(n: bigint): Hex {
  return `0x${n.toString(16)}`
}
