import { concat, keccak256, numberToHex, sliceHex, hexToBigInt, size, type Hex } from 'viem'
import type { ChainReader } from '../execution/chainReader.js'
import { BaseError, NotFoundError } from '../primitives/errors.js'
import { outputAt } from './outputRoot.js'

/**
 * The network's super root (OP Stack interop, version 1): one commitment to the output
 * root of every chain at an L2 timestamp T,
 *
 *   keccak256(0x01 ‖ uint64 T ‖ (uint256 chainId ‖ bytes32 outputRoot)*)
 *
 * with the chains in ascending chain-id order, each chain's output root being that of
 * its newest block whose timestamp is at most T.
 */
export const SUPER_ROOT_VERSION = 1

/** One chain's entry in a super root. */
export interface ChainOutput {
  chainId: bigint
  outputRoot: Hex
}

/** A super root and the bytes it is the hash of. */
export interface EncodedSuperRoot {
  preimage: Hex
  root: Hex
}

/** Inputs that have no (or no unambiguous) super root encoding. */
export class SuperRootError extends BaseError {
  override name = 'SuperRootError'
}

const UINT64_MAX = 2n ** 64n - 1n
const UINT256_MAX = 2n ** 256n - 1n
const HEADER_BYTES = 9
const ENTRY_BYTES = 64

/** The version-1 encoding of `outputs` at `timestamp` (sorted here) and its keccak256. */
export function encodeSuperRoot(timestamp: bigint, outputs: readonly ChainOutput[]): EncodedSuperRoot {
  if (timestamp < 0n || timestamp > UINT64_MAX) throw new SuperRootError(`timestamp ${timestamp} does not fit a uint64`)
  if (outputs.length === 0) throw new SuperRootError('a super root commits to at least one chain')
  const sorted = [...outputs].sort((a, b) => (a.chainId < b.chainId ? -1 : a.chainId > b.chainId ? 1 : 0))
  const parts: Hex[] = [numberToHex(SUPER_ROOT_VERSION, { size: 1 }), numberToHex(timestamp, { size: 8 })]
  for (let i = 0; i < sorted.length; i++) {
    const { chainId, outputRoot } = sorted[i]!
    if (chainId < 0n || chainId > UINT256_MAX) throw new SuperRootError(`chain id ${chainId} does not fit a uint256`)
    if (i > 0 && sorted[i - 1]!.chainId === chainId) throw new SuperRootError(`chain ${chainId} appears twice`)
    if (!/^0x[0-9a-fA-F]{64}$/.test(outputRoot)) throw new SuperRootError(`output root of chain ${chainId} is not 32 bytes: ${outputRoot}`)
    parts.push(numberToHex(chainId, { size: 32 }), outputRoot.toLowerCase() as Hex)
  }
  const preimage = concat(parts)
  return { preimage, root: keccak256(preimage) }
}

/** The timestamp and entries of a version-1 encoding; throws `SuperRootError` on anything else. */
export function decodeSuperRoot(preimage: Hex): { timestamp: bigint; outputs: ChainOutput[] } {
  const length = size(preimage)
  if (length < HEADER_BYTES + ENTRY_BYTES || (length - HEADER_BYTES) % ENTRY_BYTES !== 0) {
    throw new SuperRootError(`a super root preimage of ${length} bytes is not a header and whole entries`)
  }
  const version = Number(hexToBigInt(sliceHex(preimage, 0, 1)))
  if (version !== SUPER_ROOT_VERSION) throw new SuperRootError(`unsupported super root version ${version}`)
  const timestamp = hexToBigInt(sliceHex(preimage, 1, HEADER_BYTES))
  const outputs: ChainOutput[] = []
  for (let offset = HEADER_BYTES; offset < length; offset += ENTRY_BYTES) {
    outputs.push({
      chainId: hexToBigInt(sliceHex(preimage, offset, offset + 32)),
      outputRoot: sliceHex(preimage, offset + 32, offset + ENTRY_BYTES),
    })
  }
  return { timestamp, outputs }
}

/** A chain as the super root sees it. */
export interface SuperRootChainView {
  chainId: bigint
  chain: ChainReader
  /**
   * The newest block of the chain that may be used (the proposer passes the safe head);
   * the chain's head when unset.
   */
  head?: bigint
}

/** A super root computed from the chains, with the block each chain contributed. */
export interface ComputedSuperRoot extends EncodedSuperRoot {
  timestamp: bigint
  /** Sorted by chain id. */
  outputs: ChainOutput[]
  /** `blocks[i]` is the block whose output is `outputs[i]`. */
  blocks: bigint[]
}

/**
 * The super root at L2 timestamp `timestamp`, or undefined while it is not final: some
 * chain has no block (up to its `head`) with a timestamp above `timestamp`, so a block
 * it produces next could still share that timestamp. A chain whose genesis is newer than
 * `timestamp` did not exist then and is left out (undefined if that leaves none).
 */
export async function superRootAt(chains: readonly SuperRootChainView[], timestamp: bigint): Promise<ComputedSuperRoot | undefined> {
  const found: { chainId: bigint; block: bigint; chain: ChainReader }[] = []
  for (const view of chains) {
    const block = newestBlockAtOrBefore(view.chain, view.head ?? view.chain.headHeader().number, timestamp)
    if (block === 'not-final') return undefined
    if (block !== 'none') found.push({ chainId: view.chainId, block, chain: view.chain })
  }
  if (found.length === 0) return undefined
  found.sort((a, b) => (a.chainId < b.chainId ? -1 : a.chainId > b.chainId ? 1 : 0))
  const outputs: ChainOutput[] = []
  for (const f of found) outputs.push({ chainId: f.chainId, outputRoot: (await outputAt(f.chain, f.block)).root })
  return { ...encodeSuperRoot(timestamp, outputs), timestamp, outputs, blocks: found.map((f) => f.block) }
}

/**
 * The newest block ≤ `head` with a timestamp ≤ `timestamp` (timestamps never decrease
 * along a chain, so a binary search), 'not-final' when block `head` itself is not newer
 * than `timestamp`, 'none' when even the genesis is.
 */
export function newestBlockAtOrBefore(chain: ChainReader, head: bigint, timestamp: bigint): bigint | 'not-final' | 'none' {
  if (timestampOf(chain, head) <= timestamp) return 'not-final'
  if (timestampOf(chain, 0n) > timestamp) return 'none'
  // Invariant: timestampOf(lo) <= timestamp < timestampOf(hi).
  let lo = 0n
  let hi = head
  while (hi - lo > 1n) {
    const mid = (lo + hi) / 2n
    if (timestampOf(chain, mid) <= timestamp) lo = mid
    else hi = mid
  }
  return lo
}

/** Timestamp of canonical block `number` of `chain`. */
export function timestampOf(chain: ChainReader, number: bigint): bigint {
  const hash = chain.canonicalHash(number)
  const header = hash ? chain.getHeaderByHash(hash) : undefined
  if (!header) throw new NotFoundError(`block ${number} of chain ${chain.chainId} not found`)
  return header.timestamp
}
