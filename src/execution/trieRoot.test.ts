import { test } from 'node:test'
import assert from 'node:assert/strict'
import { MerklePatriciaTrie } from '@ethereumjs/mpt'
import { RLP } from '@ethereumjs/rlp'
import { initCrypto, keccak256 } from '../primitives/crypto.js'
import { toData } from '../primitives/hex.js'
import { orderedTrieRoot, trieRoot } from './trieRoot.js'

await initCrypto()

async function reference(entries: [Uint8Array, Uint8Array][]): Promise<string> {
  const trie = new MerklePatriciaTrie()
  for (const [k, v] of entries) await trie.put(k, v)
  return toData(trie.root())
}

/** Deterministic pseudo-random bytes. */
function bytes(seed: number, length: number): Uint8Array {
  const out = new Uint8Array(length)
  let h = keccak256(Uint8Array.from([seed & 0xff, (seed >> 8) & 0xff, (seed >> 16) & 0xff]))
  for (let i = 0; i < length; i++) {
    if (i % 32 === 0 && i > 0) h = keccak256(h)
    out[i] = h[i % 32]!
  }
  return out
}

test('ordered (RLP index) roots equal ethereumjs MPT roots at every size that changes the shape', async () => {
  for (const n of [0, 1, 2, 3, 15, 16, 17, 127, 128, 129, 130, 255, 256, 257, 300]) {
    // values of mixed sizes: short ones get embedded, long ones hashed
    const values = Array.from({ length: n }, (_, i) => bytes(i, 1 + ((i * 37) % 90)))
    const expected = await reference(values.map((v, i) => [RLP.encode(i), v]))
    assert.equal(toData(orderedTrieRoot(values)), expected, `n=${n}`)
  }
})

test('arbitrary keys (shared prefixes, keys that are prefixes of others) match too', async () => {
  for (let round = 0; round < 20; round++) {
    const map = new Map<string, [Uint8Array, Uint8Array]>()
    const n = 1 + ((round * 13) % 40)
    for (let i = 0; i < n; i++) {
      const key = bytes(round * 1000 + i, 1 + (i % 4)).map((b) => b & 0x33) // few distinct nibbles: deep sharing
      map.set(toData(key), [key, bytes(round * 7 + i, 1 + (i % 50))])
    }
    const entries = [...map.values()]
    assert.equal(toData(trieRoot(entries)), await reference(entries), `round ${round}`)
  }
})

test('the empty root is keccak(rlp(""))', () => {
  assert.equal(toData(orderedTrieRoot([])), '0x56e81f171bcc55a6ff8345e692c0f86e5b48e01b996cadc001622fb5e363b421')
})
