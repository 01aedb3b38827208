import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createMerkleProof, createMPT, type MerklePatriciaTrie } from '@ethereumjs/mpt'
import { bytesToHex, hexToBytes } from '@ethereumjs/util'
import { keccak256, toHex, type Address, type Hex } from 'viem'
import { pseudoRandom } from '../helpers/random.js'
import { abis, startL1, type L1 } from './setup.js'

/** A stream of deterministic pseudo-random byte strings (failures reproduce). */
function rng(seed: number) {
  let n = 0
  return (len: number) => pseudoRandom(len, seed * 7919 + ++n)
}

const hex = (b: Uint8Array) => bytesToHex(b) as Hex

describe('MerkleTrie (against ethereumjs tries)', () => {
  let l1: L1
  let harness: Address
  let small: MerklePatriciaTrie
  const smallEntries: [string, string][] = [
    ['do', 'verb'],
    ['dog', 'puppy'],
    ['doge', 'coin'],
    ['horse', 'stallion'],
    ['horsefly', 'x'],
    ['ab', '1'],
    ['ac', '2'],
  ]

  const get = (key: Hex, proof: Hex[], root: Hex) =>
    l1.read<[boolean, Hex]>(harness, abis.trie, 'get', [key, proof, root])
  const revertOf = (key: Hex, proof: Hex[], root: Hex, error: string) =>
    l1.expectRevert({ address: harness, abi: abis.trie, functionName: 'get', args: [key, proof, root] }, error)
  const proofOf = async (trie: MerklePatriciaTrie, key: Hex) => (await createMerkleProof(trie, hexToBytes(key))).map(hex)

  before(async () => {
    l1 = await startL1()
    harness = await l1.deploy('TestMerkleTrie')
    small = await createMPT()
    for (const [k, v] of smallEntries) await small.put(hexToBytes(toHex(k)), hexToBytes(toHex(v)))
  })
  after(async () => l1?.stop())

  test('branch values, extensions and embedded (<32 byte) nodes, with and without embedded copies', async () => {
    const root = hex(small.root())
    let sawEmbedded = false
    for (const [k, v] of smallEntries) {
      const proof = await proofOf(small, toHex(k))
      assert.deepEqual(await get(toHex(k), proof, root), [true, toHex(v)], `key ${k}`)
      // geth omits embedded nodes from proofs; ethereumjs lists them. Both must verify.
      const gethStyle = proof.filter((n, i) => i === 0 || (n.length - 2) / 2 >= 32)
      if (gethStyle.length !== proof.length) sawEmbedded = true
      assert.deepEqual(await get(toHex(k), gethStyle, root), [true, toHex(v)], `key ${k} (geth-style)`)
      assert.equal(await l1.read(harness, abis.trie, 'verify', [toHex(k), toHex(v), proof, root]), true)
      assert.equal(await l1.read(harness, abis.trie, 'verify', [toHex(k), toHex(`${v}!`), proof, root]), false)
    }
    assert.ok(sawEmbedded, 'the small trie should contain embedded nodes')
  })

  test('absent keys are reported absent (never as some other key value)', async () => {
    const root = hex(small.root())
    for (const k of ['d', 'dogs', 'doe', 'horses', 'hors', 'cat', 'a', 'abc', 'zz']) {
      const proof = await proofOf(small, toHex(k))
      assert.deepEqual(await get(toHex(k), proof, root), [false, '0x'], `key ${k}`)
      assert.equal(await l1.read(harness, abis.trie, 'verify', [toHex(k), '0x', proof, root]), false)
    }
    // A present key's proof does not prove a sibling key.
    assert.deepEqual(await get(toHex('dogs'), await proofOf(small, toHex('dog')), root), [false, '0x'])
  })

  test('a large secure trie: inclusion and exclusion for random keys', async () => {
    const rand = rng(42)
    const trie = await createMPT({ useKeyHashing: true })
    const entries: [Hex, Hex][] = []
    for (let i = 0; i < 400; i++) {
      const key = hex(rand(32))
      const value = hex(rand(1 + (rand(1)[0]! % 40)))
      entries.push([key, value])
      await trie.put(hexToBytes(key), hexToBytes(value))
    }
    const root = hex(trie.root())
    for (const [key, value] of entries.slice(0, 25)) {
      const proof = await proofOf(trie, key)
      assert.equal(await l1.read(harness, abis.trie, 'verifySecure', [key, value, proof, root]), true)
      assert.equal(await l1.read(harness, abis.trie, 'verifySecure', [key, `${value}00`, proof, root]), false)
    }
    for (let i = 0; i < 10; i++) {
      const key = hex(rand(32))
      const proof = await proofOf(trie, key)
      assert.deepEqual(await get(keccak256(key), proof, root), [false, '0x'])
    }
  })

  test('malformed or mismatched proofs revert with a reason', async () => {
    const root = hex(small.root())
    const key = toHex('horse')
    const proof = await proofOf(small, key)
    await revertOf(key, [], root, 'EmptyProof')
    await revertOf(key, proof, keccak256('0x'), 'InvalidRootHash')
    await revertOf(key, [...proof, proof[proof.length - 1]!], root, 'UnusedProofNodes')
    const flipped = [...proof]
    flipped[1] = `${flipped[1]!.slice(0, 10)}${flipped[1]!.slice(10, 12) === 'ff' ? '00' : 'ff'}${flipped[1]!.slice(12)}` as Hex
    await revertOf(key, flipped, root, 'InvalidNodeHash')

    // Nodes that hash correctly (so they are the "root") but are not valid trie nodes.
    const check = (node: Hex, error: string) => revertOf(key, [node], keccak256(node), error)
    await check('0xc3010203', 'InvalidNode') // a 3-item list
    await check('0x83010203', 'RLPNotAList') // a string
    await check('0xc3830102', 'RLPOutOfBounds') // an item claims more bytes than its list holds
    await check('0xc5820102', 'RLPOutOfBounds') // the list claims more bytes than there are
    await check('0xc3820102ff', 'RLPTrailingBytes')
    await check('0xc4810181aa', 'RLPNonCanonical') // 0x81 0x01 must be written 0x01
    await check('0xf8020102', 'RLPNonCanonical') // a long-form header for a 2-byte list
    await check('0xc24101', 'InvalidNode') // hex-prefix flag 4
    await check('0xc22101', 'InvalidNode') // even path with a non-zero padding nibble
    await check('0xc28001', 'InvalidNode') // empty path
    await check('0xc20080', 'InvalidNode') // extension with an empty path
    // A branch whose child on the key's path ('h' = nibble 6) is a 2-byte string.
    const badChild = `0xd3${'80'.repeat(6)}820102${'80'.repeat(10)}` as Hex
    await check(badChild, 'InvalidChildReference')
    // The same branch referencing a child by hash, but the proof ends there.
    const hashChild = `0xf1${'80'.repeat(6)}a0${'11'.repeat(32)}${'80'.repeat(10)}` as Hex
    await check(hashChild, 'MissingProofNode')
  })
})
