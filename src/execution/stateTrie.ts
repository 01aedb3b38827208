import { RLP, type Input } from '@ethereumjs/rlp'
import { keccak256 } from '../primitives/crypto.js'
import { hexPrefix, toNibbles } from './trieEncoding.js'
import type { TrieNodeDB } from '../storage/trieNodeDB.js'

/**
 * A Merkle-Patricia trie for the head state that defers hashing: puts and deletes
 * rebuild only in-memory nodes along the path (persistent, immutable nodes), and
 * `root()` hashes each changed node once, writing the new nodes to the node store.
 * ethereumjs' MPT re-encodes and re-hashes the whole path on every put, which dominated
 * block building once blocks touch hundreds of accounts.
 *
 * It implements the part of ethereumjs' MerklePatriciaTrie that MerkleStateManager
 * uses (keys are hashed with keccak, as there), so it slots in as the head state's
 * account trie and its storage tries. Nodes are standard MPT nodes: proofs and history
 * read them with ethereumjs' own trie.
 */

type Nibbles = Uint8Array

interface Leaf {
  t: 0
  path: Nibbles
  value: Uint8Array
}
interface Ext {
  t: 1
  path: Nibbles
  child: Ref
}
interface Branch {
  t: 2
  children: (Ref | null)[]
  value: Uint8Array | null
}
/** A child not loaded yet: the hash of its encoding. */
interface HashRef {
  t: 3
  hash: Uint8Array
}
type Node = Leaf | Ext | Branch
type Ref = Node | HashRef

/** keccak256(rlp('')): the root of an empty trie. */
const EMPTY_ROOT = Uint8Array.from(Buffer.from('56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421', 'hex'))
const NO_CHILDREN = (): (Ref | null)[] => new Array(16).fill(null)

/** Hash of nodes that came from the store unchanged, or were hashed already. */
const knownHash = new WeakMap<Node, Uint8Array>()

/** Decoded nodes by hash: immutable and content-addressed, so shared by every trie. */
const decoded = new Map<string, Node>()
const DECODED_CACHE_ENTRIES = 200_000

export class StateTrie {
  readonly EMPTY_TRIE_ROOT = EMPTY_ROOT
  /** ethereumjs' MerkleStateManager.shallowCopy reads `_opts.cacheSize`. */
  readonly _opts = { cacheSize: 0 }
  private rootNode: Ref | null
  private checkpoints: (Ref | null)[] = []

  constructor(
    private readonly db: TrieNodeDB,
    root: Uint8Array = EMPTY_ROOT,
  ) {
    this.rootNode = refFor(root)
  }

  // ---- the MerklePatriciaTrie surface MerkleStateManager uses -------------------

  async get(key: Uint8Array): Promise<Uint8Array | null> {
    return this.lookup(this.rootNode, toNibbles(keccak256(key)), 0)
  }

  async put(key: Uint8Array, value: Uint8Array): Promise<void> {
    if (value.length === 0) return this.del(key)
    this.rootNode = this.insert(this.rootNode, toNibbles(keccak256(key)), 0, value)
  }

  async del(key: Uint8Array): Promise<void> {
    if (this.rootNode === null) return
    this.rootNode = this.remove(this.rootNode, toNibbles(keccak256(key)), 0)
  }

  /** Without argument: the root hash (hashing what changed). With one: resets to that root. */
  root(value?: Uint8Array | null): Uint8Array {
    if (value !== undefined) {
      this.rootNode = refFor(value ?? EMPTY_ROOT)
      return value ?? EMPTY_ROOT
    }
    if (this.rootNode === null) return EMPTY_ROOT
    if (this.rootNode.t === 3) return this.rootNode.hash
    const hash = this.hashNode(this.rootNode, true) as Uint8Array
    return hash
  }

  async checkRoot(root: Uint8Array): Promise<boolean> {
    return equal(root, EMPTY_ROOT) || this.db.getSync(hex(root)) !== undefined
  }

  checkpoint(): void {
    this.checkpoints.push(this.rootNode)
  }

  async commit(): Promise<void> {
    this.checkpoints.pop()
  }

  async revert(): Promise<void> {
    if (this.checkpoints.length > 0) this.rootNode = this.checkpoints.pop()!
  }

  flushCheckpoints(): void {
    this.checkpoints = []
  }

  hasCheckpoints(): boolean {
    return this.checkpoints.length > 0
  }

  /** Storage tries: same node store, own root. */
  shallowCopy(): StateTrie {
    return new StateTrie(this.db)
  }

  /** Code lives in the node store under ethereumjs' key prefix; it uses this as a DB. */
  database(): { get(key: Uint8Array): Promise<Uint8Array | undefined>; put(key: Uint8Array, value: Uint8Array): Promise<void> } {
    return {
      get: async (key) => this.db.getSync(hex(key)),
      put: async (key, value) => this.db.putSync(hex(key), value),
    }
  }

  // ---- algorithms ---------------------------------------------------------------

  private resolve(ref: Ref): Node {
    if (ref.t !== 3) return ref
    const key = hex(ref.hash)
    let node = decoded.get(key)
    if (node) return node
    const encoded = this.db.getSync(key)
    if (encoded === undefined) throw new Error(`missing trie node ${key}`)
    node = decodeNode(RLP.decode(encoded) as Input[])
    knownHash.set(node, ref.hash)
    if (decoded.size >= DECODED_CACHE_ENTRIES) decoded.clear()
    decoded.set(key, node)
    return node
  }

  private lookup(ref: Ref | null, path: Nibbles, at: number): Uint8Array | null {
    while (ref !== null) {
      const node = this.resolve(ref)
      if (node.t === 0) return equalFrom(node.path, path, at) ? node.value : null
      if (node.t === 1) {
        if (!startsWith(path, at, node.path)) return null
        at += node.path.length
        ref = node.child
      } else {
        if (at === path.length) return node.value
        ref = node.children[path[at]!]!
        at++
      }
    }
    return null
  }

  private insert(ref: Ref | null, path: Nibbles, at: number, value: Uint8Array): Node {
    if (ref === null) return { t: 0, path: path.subarray(at), value }
    const node = this.resolve(ref)
    const rest = path.subarray(at)
    if (node.t === 0) {
      const cp = commonPrefix(node.path, rest)
      if (cp === node.path.length && cp === rest.length) return { t: 0, path: node.path, value }
      const branch: Branch = { t: 2, children: NO_CHILDREN(), value: null }
      placeUnder(branch, node.path.subarray(cp), node.value)
      placeUnder(branch, rest.subarray(cp), value)
      return cp > 0 ? { t: 1, path: rest.subarray(0, cp), child: branch } : branch
    }
    if (node.t === 1) {
      const cp = commonPrefix(node.path, rest)
      if (cp === node.path.length) {
        return { t: 1, path: node.path, child: this.insert(node.child, path, at + cp, value) }
      }
      const branch: Branch = { t: 2, children: NO_CHILDREN(), value: null }
      const tail = node.path.subarray(cp + 1)
      branch.children[node.path[cp]!] = tail.length > 0 ? { t: 1, path: tail, child: node.child } : node.child
      placeUnder(branch, rest.subarray(cp), value)
      return cp > 0 ? { t: 1, path: rest.subarray(0, cp), child: branch } : branch
    }
    const copy: Branch = { t: 2, children: node.children.slice(), value: node.value }
    if (rest.length === 0) copy.value = value
    else copy.children[rest[0]!] = this.insert(node.children[rest[0]!]!, path, at + 1, value)
    return copy
  }

  /** The node without `path`, normalized (no branch with one entry, no ext above ext/leaf). */
  private remove(ref: Ref, path: Nibbles, at: number): Ref | null {
    const node = this.resolve(ref)
    if (node.t === 0) return equalFrom(node.path, path, at) ? null : ref
    if (node.t === 1) {
      if (!startsWith(path, at, node.path)) return ref
      const child = this.remove(node.child, path, at + node.path.length)
      if (child === node.child) return ref
      if (child === null) return null
      return this.joinPath(node.path, child)
    }
    let children = node.children
    let value = node.value
    if (at === path.length) {
      if (value === null) return ref
      value = null
    } else {
      const idx = path[at]!
      const old = children[idx]
      if (!old) return ref
      const child = this.remove(old, path, at + 1)
      if (child === old) return ref
      children = children.slice()
      children[idx] = child
    }
    let count = value !== null ? 1 : 0
    let only = -1
    for (let i = 0; i < 16; i++) {
      if (children[i]) {
        count++
        only = i
      }
    }
    if (count >= 2) return { t: 2, children, value }
    if (count === 0) return null
    if (value !== null) return { t: 0, path: new Uint8Array(0), value }
    return this.joinPath(Uint8Array.of(only), children[only]!)
  }

  /** `prefix` followed by `child`, merged into one node where the child allows. */
  private joinPath(prefix: Nibbles, childRef: Ref): Node {
    const child = this.resolve(childRef)
    if (child.t === 0) return { t: 0, path: concat(prefix, child.path), value: child.value }
    if (child.t === 1) return { t: 1, path: concat(prefix, child.path), child: child.child }
    return { t: 1, path: prefix, child }
  }

  /**
   * The reference to `node` inside its parent: its hash (writing the node to the store)
   * or, under 32 bytes, the node itself embedded. The root is always hashed.
   */
  private hashNode(node: Node, isRoot = false): Uint8Array | Input[] {
    const known = knownHash.get(node)
    if (known) return known
    const raw = this.rawNode(node)
    const encoded = RLP.encode(raw)
    if (encoded.length < 32) {
      if (!isRoot) return raw
      // A small root is still stored by hash, but not remembered: the same node may be
      // embedded (not hashed) when it is a child elsewhere.
      const hash = keccak256(encoded)
      this.db.putSync(hex(hash), encoded)
      return hash
    }
    const hash = keccak256(encoded)
    this.db.putSync(hex(hash), encoded)
    knownHash.set(node, hash)
    return hash
  }

  private rawNode(node: Node): Input[] {
    if (node.t === 0) return [hexPrefix(node.path, true), node.value]
    if (node.t === 1) return [hexPrefix(node.path, false), this.childRef(node.child)]
    const raw: Input[] = node.children.map((c) => (c ? this.childRef(c) : new Uint8Array(0)))
    raw.push(node.value ?? new Uint8Array(0))
    return raw
  }

  private childRef(ref: Ref): Input {
    return ref.t === 3 ? ref.hash : this.hashNode(ref)
  }
}

function refFor(root: Uint8Array): Ref | null {
  return equal(root, EMPTY_ROOT) ? null : { t: 3, hash: root }
}

function placeUnder(branch: Branch, path: Nibbles, value: Uint8Array): void {
  if (path.length === 0) branch.value = value
  else branch.children[path[0]!] = { t: 0, path: path.subarray(1), value }
}

function decodeNode(raw: Input[]): Node {
  if (raw.length === 17) {
    const children = NO_CHILDREN()
    for (let i = 0; i < 16; i++) children[i] = decodeRef(raw[i] as Uint8Array | Input[])
    const v = raw[16] as Uint8Array
    return { t: 2, children, value: v.length > 0 ? v : null }
  }
  if (raw.length !== 2) throw new Error('invalid trie node')
  const encodedPath = raw[0] as Uint8Array
  const flag = encodedPath[0]! >> 4
  const nibbles = toNibbles(encodedPath).subarray(flag & 1 ? 1 : 2)
  if (flag >= 2) return { t: 0, path: nibbles, value: raw[1] as Uint8Array }
  return { t: 1, path: nibbles, child: decodeRef(raw[1] as Uint8Array | Input[])! }
}

function decodeRef(item: Uint8Array | Input[]): Ref | null {
  if (Array.isArray(item)) return decodeNode(item) // embedded (< 32 bytes)
  if (item.length === 0) return null
  return { t: 3, hash: item }
}

function commonPrefix(a: Nibbles, b: Nibbles): number {
  const n = Math.min(a.length, b.length)
  let i = 0
  while (i < n && a[i] === b[i]) i++
  return i
}

function startsWith(path: Nibbles, at: number, prefix: Nibbles): boolean {
  if (path.length - at < prefix.length) return false
  for (let i = 0; i < prefix.length; i++) if (path[at + i] !== prefix[i]) return false
  return true
}

function equalFrom(a: Nibbles, path: Nibbles, at: number): boolean {
  return a.length === path.length - at && startsWith(path, at, a)
}

function concat(a: Nibbles, b: Nibbles): Nibbles {
  const out = new Uint8Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0
}

function hex(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex')
}
