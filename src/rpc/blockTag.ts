import type { Block, BlockHeader } from '@ethereumjs/block'
import { InvalidParamsError, NotFoundError } from '../primitives/errors.js'
import { parseHash, parseQuantity, toData } from '../primitives/hex.js'
import type { Chain } from '../execution/chain.js'

/**
 * Block parameters as geth takes them: a tag (`latest`, `pending`, `safe`,
 * `finalized`, `earliest`), a QUANTITY, or an EIP-1898 object
 * `{ blockHash, requireCanonical? }` / `{ blockNumber }`.
 * With one sequencer and no L1 yet, safe and finalized are the head.
 */
const MAX_BLOCK_NUMBER = (1n << 63n) - 1n

export type BlockRef = { kind: 'number'; number: bigint } | { kind: 'hash'; hash: Uint8Array; requireCanonical: boolean }

export function parseBlockRef(value: unknown, chain: Chain, field = 'block'): BlockRef {
  if (value === undefined || value === null) return { kind: 'number', number: chain.headHeader().number }
  if (typeof value === 'string') {
    switch (value) {
      case 'latest':
      case 'pending':
      case 'safe':
      case 'finalized':
        return { kind: 'number', number: chain.headHeader().number }
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
    if (o.blockNumber !== undefined) return parseBlockRef(o.blockNumber, chain, field)
  }
  throw new InvalidParamsError(`invalid ${field}: expected a block number, tag or {blockHash}`)
}

/** The block a reference names, or undefined when the node has none (geth answers null). */
export function findBlock(chain: Chain, ref: BlockRef): Block | undefined {
  if (ref.kind === 'number') return chain.getBlockByNumber(ref.number)
  const block = chain.getBlockByHash(ref.hash)
  if (block && ref.requireCanonical) {
    const canonical = chain.store.canonicalHash(block.header.number)
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
export function headerForState(chain: Chain, value: unknown, field = 'block'): BlockHeader {
  const ref = parseBlockRef(value, chain, field)
  if (ref.kind === 'number' && ref.number > chain.headHeader().number) throw new NotFoundError('header not found')
  const block = findBlock(chain, ref)
  if (!block) throw new NotFoundError(ref.kind === 'hash' ? `header for hash not found` : 'header not found')
  return block.header
}
