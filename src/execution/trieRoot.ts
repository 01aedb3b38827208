import { RLP, type Input } from '@ethereumjs/rlp'
import { keccak256 } from '../primitives/crypto.js'
import { hexPrefix, toNibbles } from './trieEncoding.js'

/**
 * Merkle-Patricia root of a whole key/value set built in one pass, synchronously: the
 * transactions and receipts roots of a block (keys RLP(index)). ethereumjs' MPT inserts
 * one key at a time through async node reads and writes; building the trie from the
 * sorted keys at once is the same root for a fraction of the cost (geth's StackTrie does
 * the same for these "derivable list" roots).
 */
export function trieRoot(entries: readonly (readonly [key: Uint8Array, value: Uint8Array])[]): Uint8Array {
  if (entries.length === 0) return keccak256(RLP.encode(new Uint8Array(0)))
  const items = entries
    .map(([key, value]) => ({ nibbles: toNibbles(key), value }))
    .sort((a, b) => compareNibbles(a.nibbles, b.nibbles))
  for (let i = 1; i < items.length; i++) {
    if (compareNibbles(items[i - 1]!.nibbles, items[i]!.nibbles) === 0) throw new Error('trieRoot: duplicate key')
  }
  return keccak256(RLP.encode(build(items, 0, items.length, 0)))
}

/** Root of the trie keyed by RLP(index): a block's transactions or receipts root. */
export function orderedTrieRoot(values: readonly Uint8Array[]): Uint8Array {
  return trieRoot(values.map((v, i) => [RLP.encode(i), v] as const))
}

interface Item {
  nibbles: Uint8Array
  value: Uint8Array
}

type Node = Input[]

/** The node for items[from, to), which all share their first `depth` nibbles. */
function build(items: Item[], from: number, to: number, depth: number): Node {
  if (to - from === 1) {
    const it = items[from]!
    return [hexPrefix(it.nibbles.subarray(depth), true), it.value]
  }
  // Common prefix of the (sorted) range = prefix shared by its first and last key.
  const first = items[from]!.nibbles
  const last = items[to - 1]!.nibbles
  let shared = 0
  while (depth + shared < first.length && depth + shared < last.length && first[depth + shared] === last[depth + shared]) shared++
  if (shared > 0) {
    return [hexPrefix(first.subarray(depth, depth + shared), false), reference(build(items, from, to, depth + shared))]
  }
  const branch: Input[] = new Array(17).fill(new Uint8Array(0))
  let i = from
  if (items[i]!.nibbles.length === depth) {
    branch[16] = items[i]!.value // a key that ends here
    i++
  }
  while (i < to) {
    const nibble = items[i]!.nibbles[depth]!
    let j = i + 1
    while (j < to && items[j]!.nibbles[depth] === nibble) j++
    branch[nibble] = reference(build(items, i, j, depth + 1))
    i = j
  }
  return branch
}

/** A child is embedded when its encoding is shorter than 32 bytes, else referenced by hash. */
function reference(node: Node): Input {
  const encoded = RLP.encode(node)
  return encoded.length < 32 ? node : keccak256(encoded)
}

function compareNibbles(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i]! - b[i]!
  return a.length - b.length
}
