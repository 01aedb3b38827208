import type { Block, BlockHeader } from '@ethereumjs/block'
import { InvalidParamsError, NotFoundError } from '../primitives/errors.js'
import { parseHash, parseQuantity, toData } from '../primitives/hex.js'
import type { ChainReader } from '../execution/chainReader.js'
import type { SettledHeads } from './api.js'

/**
 * What block tags resolve against: the chain (its head is `latest` and `pending`) and,
 * when the chain settles on L1, its settled heads (`safe`, `finalized`). Without them (a
 * standalone `plexus node`, which has no L1) nothing settles the chain: its only
 * authority is its own sequencer, so `safe` and `finalized` are the head, as on a
 * single-node dev chain. `RpcApi` is one.
 */
export interface BlockTagSource {
  readonly chain: ChainReader
  readonly settlement?: SettledHeads
}

/**
 * Block parameters as geth takes them: a tag (`latest`, `pending`, `safe`,
 * `finalized`, `earliest`), a QUANTITY, or an EIP-1898 object
 * `{ blockHash, requireCanonical? }` / `{ blockNumber }`.
 */
const MAX_BLOCK_NUMBER = (1n << 63n) - 1n

export type BlockRef = { kind: 'number'; number: bigint } | { kind: 'hash'; hash: Uint8Array; requireCanonical: boolean }

export function parseBlockRef(value: unknown, src: BlockTagSource, field = 'block'): BlockRef {
  if (value === undefined || value === null) return { kind: 'number', number: src.chain.headHeader().number }
  if (typeof value === 'string') {
    switch (value) {
      case 'latest':
      case 'pending':
        return { kind: 'number', number: src.chain.headHeader().number }
      case 'safe':
      case 'finalized':
        return { kind: 'number', number: settledHead(src, value) }
      case 'earliest':
        return { kind: 'number', number: 0n }
      default: {
        // geth's BlockNumberOrHash also takes a bare 32-byte hash
        if (value.length === 66) return { kind: 'hash', hash: parseHash(value, field), requireCanonical: false }
        const number = parseQuantity(value, field)
        if (number > MAX_BLOCK_NUMBER) throw new InvalidParamsError(`invalid ${field}: block number larger than int64`)
        return { kind: 'number', number }
      }
    }
  }
  if (typeof value === 'object') {
    const o = value as { blockHash?: unknown; blockNumber?: unknown; requireCanonical?: unknown }
    if (o.blockHash !== undefined) {
      if (o.blockNumber !== undefined) throw new InvalidParamsError('cannot specify both BlockHash and BlockNumber, choose one or the other')
      return { kind: 'hash', hash: parseHash(o.blockHash, 'blockHash'), requireCanonical: o.requireCanonical === true }
    }
    if (o.blockNumber !== undefined) return parseBlockRef(o.blockNumber, src, field)
  }
  throw new InvalidParamsError(`invalid ${field}: expected a block number, tag or {blockHash}`)
}

/**
 * The block `safe` or `finalized` names: the settled head, never above the chain's head
 * (an L2 rewind can run ahead of the L1 side's bookkeeping for a moment).
 */
function settledHead(src: BlockTagSource, tag: 'safe' | 'finalized'): bigint {
  const head = src.chain.headHeader().number
  if (src.settlement === undefined) return head
  const settled = tag === 'safe' ? src.settlement.safeHead() : src.settlement.finalizedHead()
  return settled < head ? settled : head
}

/** The block a reference names, or undefined when the node has none (geth answers null). */
export function findBlock(chain: ChainReader, ref: BlockRef): Block | undefined {
  if (ref.kind === 'number') return chain.getBlockByNumber(ref.number)
  const block = chain.getBlockByHash(ref.hash)
  if (block && ref.requireCanonical) {
    const canonical = chain.canonicalHash(block.header.number)
    if (!canonical || toData(canonical) !== toData(block.hash())) return undefined
  }
  return block
}

/** The `fullTransactions` flag of eth_getBlockBy*: a boolean (geth refuses anything else). */
export function parseFullTxFlag(value: unknown): boolean {
  if (value === undefined || value === null) return false
  if (typeof value !== 'boolean') throw new InvalidParamsError('invalid argument 1: expected a boolean for fullTransactions')
  return value
}

/** The header for state access; a missing block is an error, as in geth ("header not found"). */
export function headerForState(src: BlockTagSource, value: unknown, field = 'block'): BlockHeader {
  const ref = parseBlockRef(value, src, field)
  if (ref.kind === 'number' && ref.number > src.chain.headHeader().number) throw new NotFoundError('header not found')
  const block = findBlock(src.chain, ref)
  if (!block) throw new NotFoundError(ref.kind === 'hash' ? `header for hash not found` : 'header not found')
  return block.header
}
