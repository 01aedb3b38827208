import { test } from 'node:test'
import assert from 'node:assert/strict'
import { MerklePatriciaTrie } from '@ethereumjs/mpt'
import { initCrypto, keccak256 } from '../primitives/crypto.js'
import { toData } from '../primitives/hex.js'
import { EMPTY_NODE_READER, TrieNodeDB } from '../storage/trieNodeDB.js'
import { StateTrie } from './stateTrie.js'

await initCrypto()

/** mulberry32: a small seeded PRNG so failures reproduce. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function bytes(next: () => number, length: number): Uint8Array {
  return Uint8Array.from({ length }, () => Math.floor(next() * 256))
}

test('random puts, updates and deletes give ethereumjs MPT roots, across reloads from the node store', async () => {
  for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
    const next = rng(seed)
    const db = new TrieNodeDB(EMPTY_NODE_READER)
    let ours = new StateTrie(db)
    const reference = new MerklePatriciaTrie({ useKeyHashing: true })
    const keys: Uint8Array[] = Array.from({ length: 40 + seed * 20 }, (_, i) => keccak256(Uint8Array.of(seed, i)).subarray(0, 20))
    const live = new Map<string, Uint8Array>()
    for (let step = 0; step < 600; step++) {
      const key = keys[Math.floor(next() * keys.length)]!
      if (next() < 0.3 && live.size > 0) {
        await ours.del(key)
        await reference.del(key)
        live.delete(toData(key))
      } else {
        // short values make small (embedded) nodes; long ones hashed nodes
        const value = bytes(next, next() < 0.5 ? 1 + Math.floor(next() * 3) : 33 + Math.floor(next() * 40))
        await ours.put(key, value)
        await reference.put(key, value)
        live.set(toData(key), value)
      }
      if (step % 50 === 49) {
        assert.equal(toData(ours.root()), toData(reference.root()), `seed ${seed} step ${step}`)
        // a fresh trie over the stored nodes continues from the same root
        ours = new StateTrie(db, ours.root())
        for (const [k, v] of [...live].slice(0, 5)) assert.equal(toData((await ours.get(Buffer.from(k.slice(2), 'hex')))!), toData(v))
      }
    }
    // delete everything: back to the empty root
    for (const k of live.keys()) await ours.del(Buffer.from(k.slice(2), 'hex'))
    assert.equal(toData(ours.root()), toData(new MerklePatriciaTrie().EMPTY_TRIE_ROOT))
  }
})

test('revert to a checkpoint restores the previous root', async () => {
  const db = new TrieNodeDB(EMPTY_NODE_READER)
  const trie = new StateTrie(db)
  await trie.put(Uint8Array.of(1), Uint8Array.of(1))
  const before = toData(trie.root())
  trie.checkpoint()
  await trie.put(Uint8Array.of(2), Uint8Array.of(2))
  await trie.del(Uint8Array.of(1))
  await trie.revert()
  assert.equal(toData(trie.root()), before)
  assert.equal(toData((await trie.get(Uint8Array.of(1)))!), '0x01')
  assert.equal(await trie.get(Uint8Array.of(2)), null)
})
