import type { Block } from '@ethereumjs/block'
import { InvalidParamsError, LimitExceededError } from '../primitives/errors.js'
import { parseAddress, parseHash } from '../primitives/hex.js'
import type { ChainReader } from '../execution/chainReader.js'
import type { StoredReceipt } from '../execution/receipts.js'
import { parseBlockRef, type BlockTagSource } from './blockTag.js'
import { formatLog } from './format.js'
import type { RpcLimits } from './api.js'

/** A parsed log filter: addresses (any of), topics per position (any of; null = any). */
export interface LogCriteria {
  addresses: Uint8Array[]
  topics: (Uint8Array[] | null)[]
  fromBlock?: unknown
  toBlock?: unknown
  blockHash?: Uint8Array
}

const MAX_TOPICS = 4

export function parseLogCriteria(value: unknown): LogCriteria {
  if (value === undefined || value === null) return { addresses: [], topics: [] }
  if (typeof value !== 'object' || Array.isArray(value)) throw new InvalidParamsError('invalid filter: expected an object')
  const o = value as Record<string, unknown>
  const criteria: LogCriteria = { addresses: [], topics: [], fromBlock: o.fromBlock, toBlock: o.toBlock }
  if (o.blockHash != null) {
    if (o.fromBlock != null || o.toBlock != null) {
      throw new InvalidParamsError('cannot specify both BlockHash and FromBlock/ToBlock, choose one or the other')
    }
    criteria.blockHash = parseHash(o.blockHash, 'blockHash')
  }
  if (o.address != null) {
    const list = Array.isArray(o.address) ? o.address : [o.address]
    criteria.addresses = list.map((a, i) => parseAddress(a, `address[${i}]`))
  }
  if (o.topics != null) {
    if (!Array.isArray(o.topics)) throw new InvalidParamsError('invalid topics: expected an array')
    if (o.topics.length > MAX_TOPICS) throw new InvalidParamsError('exceed max topics')
    criteria.topics = o.topics.map((t, i) => {
      if (t === null) return null
      const list = Array.isArray(t) ? t : [t]
      if (list.length === 0) return null
      return list.map((x, j) => parseHash(x, `topics[${i}][${j}]`))
    })
  }
  return criteria
}

export function logMatches(criteria: LogCriteria, address: Uint8Array, topics: Uint8Array[]): boolean {
  if (criteria.addresses.length > 0 && !criteria.addresses.some((a) => Buffer.compare(a, address) === 0)) return false
  if (criteria.topics.length > topics.length) return false
  for (let i = 0; i < criteria.topics.length; i++) {
    const wanted = criteria.topics[i]
    if (!wanted) continue
    if (!wanted.some((t) => Buffer.compare(t, topics[i]!) === 0)) return false
  }
  return true
}

/** The logs of one block that match, formatted. */
export function blockLogs(block: Block, receipts: readonly StoredReceipt[], criteria: LogCriteria, removed = false): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = []
  let logIndex = 0
  receipts.forEach((r, txIndex) => {
    for (const log of r.logs) {
      if (logMatches(criteria, log[0], log[1])) out.push(formatLog(log, block, txIndex, logIndex, removed))
      logIndex++
    }
  })
  return out
}

/** Resolves the criteria's range against the head (and the settled heads, for `safe`/`finalized`): [from, to], checked against the limits. */
export function resolveRange(src: BlockTagSource, criteria: LogCriteria, limits: RpcLimits): { from: bigint; to: bigint } {
  const head = src.chain.headHeader().number
  const num = (v: unknown, dflt: bigint) => {
    if (v === undefined || v === null) return dflt
    const ref = parseBlockRef(v, src)
    if (ref.kind !== 'number') throw new InvalidParamsError('fromBlock/toBlock must be a number or tag')
    return ref.number
  }
  const from = num(criteria.fromBlock, head)
  const to = num(criteria.toBlock, head)
  if (from > to) throw new InvalidParamsError('invalid block range params')
  if (to > head) throw new InvalidParamsError('block range extends beyond current head block')
  if (to - from + 1n > limits.maxLogBlockRange) {
    throw new LimitExceededError(`query exceeds max block range ${limits.maxLogBlockRange}`)
  }
  return { from, to }
}

/** eth_getLogs over [from, to], using the address/topic index to skip blocks. */
export function queryLogs(src: BlockTagSource, criteria: LogCriteria, limits: RpcLimits): Record<string, unknown>[] {
  const chain = src.chain
  if (criteria.blockHash) {
    const block = chain.getBlockByHash(criteria.blockHash)
    if (!block) throw new InvalidParamsError('unknown block')
    return blockLogs(block, chain.getReceipts(block.hash()) ?? [], criteria)
  }
  const { from, to } = resolveRange(src, criteria, limits)
  if (from > to) return []
  const out: Record<string, unknown>[] = []
  for (const n of candidateBlocks(chain, criteria, from, to)) {
    const block = chain.getBlockByNumber(n)
    if (!block) continue
    const logs = blockLogs(block, chain.getReceipts(block.hash()) ?? [], criteria)
    for (const l of logs) out.push(l)
    if (out.length > limits.maxLogResults) {
      throw new LimitExceededError(`query returned more than ${limits.maxLogResults} results`)
    }
  }
  return out
}

/** Blocks that can hold a match: the intersection of the index sets of each constraint. */
function candidateBlocks(chain: ChainReader, c: LogCriteria, from: bigint, to: bigint): bigint[] {
  const sets: Set<bigint>[] = []
  const union = (keys: Uint8Array[]) => {
    const s = new Set<bigint>()
    for (const k of keys) for (const n of chain.blocksMentioning(k, from, to)) s.add(n)
    return s
  }
  if (c.addresses.length > 0) sets.push(union(c.addresses))
  for (const t of c.topics) if (t) sets.push(union(t))
  if (sets.length === 0) {
    // No constraint: every block in range; skip those whose header bloom is empty.
    const all: bigint[] = []
    for (let n = from; n <= to; n++) {
      const hash = chain.canonicalHash(n)
      const header = hash ? chain.getHeaderByHash(hash) : undefined
      if (header && header.logsBloom.some((b) => b !== 0)) all.push(n)
    }
    return all
  }
  sets.sort((a, b) => a.size - b.size)
  const [first, ...rest] = sets
  return [...first!].filter((n) => rest.every((s) => s.has(n))).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
}
