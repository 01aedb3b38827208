import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { encodePacked, keccak256, type Hex } from 'viem'
import { Chain } from '../execution/chain.js'
import { devGenesis } from '../execution/genesis.js'
import { initCrypto } from '../primitives/crypto.js'
import { silentLogger } from '../primitives/logger.js'
import { ChainStore } from '../storage/chainStore.js'
import { openDatabase } from '../storage/database.js'
import { tempDir } from '../../test/helpers/tmp.js'
import { outputAt } from './outputRoot.js'
import { decodeSuperRoot, encodeSuperRoot, newestBlockAtOrBefore, superRootAt, SuperRootError } from './superRoot.js'

await initCrypto()

const root = (byte: string): Hex => `0x${byte.repeat(32)}`

/** The spec's encoding, written out with encodePacked: version, timestamp, then each (chainId, outputRoot). */
function packed(timestamp: bigint, entries: [bigint, Hex][]): Hex {
  const types: string[] = ['uint8', 'uint64']
  const values: unknown[] = [1, timestamp]
  for (const [chainId, output] of entries) {
    types.push('uint256', 'bytes32')
    values.push(chainId, output)
  }
  return encodePacked(types, values)
}

describe('encodeSuperRoot', () => {
  it('matches the version-1 encoding computed independently', () => {
    const { preimage, root: r } = encodeSuperRoot(1_700_000_000n, [
      { chainId: 901n, outputRoot: root('aa') },
      { chainId: 902n, outputRoot: root('bb') },
    ])
    const expected = packed(1_700_000_000n, [
      [901n, root('aa')],
      [902n, root('bb')],
    ])
    assert.equal(preimage, expected)
    assert.equal(r, keccak256(expected))
    assert.equal((preimage.length - 2) / 2, 1 + 8 + 2 * 64)
    assert.equal(preimage.slice(0, 4), '0x01', 'version byte 1 first')
  })

  it('sorts the chains by chain id (numerically, not as strings)', () => {
    const a = { chainId: 10n, outputRoot: root('01') }
    const b = { chainId: 9n, outputRoot: root('02') }
    const c = { chainId: 2n ** 200n, outputRoot: root('03') }
    const unsorted = encodeSuperRoot(5n, [c, a, b])
    assert.equal(unsorted.preimage, packed(5n, [[9n, root('02')], [10n, root('01')], [2n ** 200n, root('03')]]))
    assert.equal(encodeSuperRoot(5n, [b, a, c]).root, unsorted.root)
    // The entries are bound to their chain: swapping the roots changes the super root.
    assert.notEqual(encodeSuperRoot(5n, [{ ...a, outputRoot: b.outputRoot }, { ...b, outputRoot: a.outputRoot }, c]).root, unsorted.root)
    // And to the timestamp.
    assert.notEqual(encodeSuperRoot(6n, [a, b, c]).root, unsorted.root)
  })

  it('rejects duplicate chain ids, no chains, and values that do not fit', () => {
    assert.throws(() => encodeSuperRoot(1n, [{ chainId: 901n, outputRoot: root('aa') }, { chainId: 901n, outputRoot: root('aa') }]), SuperRootError)
    assert.throws(() => encodeSuperRoot(1n, [{ chainId: 902n, outputRoot: root('aa') }, { chainId: 1n, outputRoot: root('bb') }, { chainId: 902n, outputRoot: root('cc') }]), SuperRootError)
    assert.throws(() => encodeSuperRoot(1n, []), SuperRootError)
    assert.throws(() => encodeSuperRoot(2n ** 64n, [{ chainId: 1n, outputRoot: root('aa') }]), SuperRootError)
    assert.throws(() => encodeSuperRoot(1n, [{ chainId: -1n, outputRoot: root('aa') }]), SuperRootError)
    assert.throws(() => encodeSuperRoot(1n, [{ chainId: 1n, outputRoot: '0xaa' }]), SuperRootError)
  })

  it('decodes what it encodes and refuses other versions and lengths', () => {
    const { preimage } = encodeSuperRoot(77n, [{ chainId: 902n, outputRoot: root('bb') }, { chainId: 901n, outputRoot: root('aa') }])
    assert.deepEqual(decodeSuperRoot(preimage), {
      timestamp: 77n,
      outputs: [
        { chainId: 901n, outputRoot: root('aa') },
        { chainId: 902n, outputRoot: root('bb') },
      ],
    })
    assert.throws(() => decodeSuperRoot(`0x02${preimage.slice(4)}`), SuperRootError)
    assert.throws(() => decodeSuperRoot(`${preimage}00`), SuperRootError)
    assert.throws(() => decodeSuperRoot(preimage.slice(0, 20) as Hex), SuperRootError)
  })
})

describe('superRootAt over real chains', () => {
  const GENESIS_TIME = 1_000n
  // Slots shorter than a second: several consecutive blocks share a timestamp.
  const TIMES_A = [1001n, 1001n, 1002n, 1002n, 1002n, 1003n, 1005n, 1005n, 1006n]
  const TIMES_B = [1001n, 1002n, 1002n, 1003n, 1004n, 1004n, 1006n, 1007n]
  const dirs: { cleanup(): void }[] = []
  const stores: ChainStore[] = []
  let a: Chain
  let b: Chain
  let late: Chain

  async function openChain(chainId: number, timestamp: bigint, times: bigint[]): Promise<Chain> {
    const dir = tempDir()
    dirs.push(dir)
    const store = new ChainStore(openDatabase(dir.dir))
    stores.push(store)
    const chain = await Chain.open(store, devGenesis({ chainId, gasLimit: 30_000_000n, timestamp }), silentLogger())
    for (const t of times) await chain.buildBlock({ timestamp: t, coinbase: new Uint8Array(20) })
    return chain
  }

  before(async () => {
    a = await openChain(901, GENESIS_TIME, TIMES_A)
    b = await openChain(902, GENESIS_TIME, TIMES_B)
    // A chain that joined the network later: its genesis is at 1004.
    late = await openChain(903, 1004n, [1005n, 1006n])
  })
  after(async () => {
    for (const s of stores) await s.close()
    for (const d of dirs) d.cleanup()
  })

  /** The newest block with timestamp ≤ t, by walking the list (the reference for the binary search). */
  function linear(genesis: bigint, times: bigint[], t: bigint): bigint | 'none' {
    let found: bigint | 'none' = genesis <= t ? 0n : 'none'
    times.forEach((ts, i) => {
      if (ts <= t) found = BigInt(i + 1)
    })
    return found
  }

  it('finds the newest block at or before a timestamp, shared timestamps included', () => {
    const head = BigInt(TIMES_A.length)
    for (let t = 999n; t < 1006n; t++) assert.equal(newestBlockAtOrBefore(a, head, t), linear(GENESIS_TIME, TIMES_A, t), `t = ${t}`)
    assert.equal(newestBlockAtOrBefore(a, head, 1002n), 5n, 'the last of the three blocks at 1002')
    assert.equal(newestBlockAtOrBefore(a, head, 1004n), 6n, 'no block at 1004: the one at 1003')
    assert.equal(newestBlockAtOrBefore(a, head, 1006n), 'not-final', 'the head is at 1006: another block could share it')
    assert.equal(newestBlockAtOrBefore(a, 6n, 1003n), 'not-final', 'bounded by a head at 1003')
    assert.equal(newestBlockAtOrBefore(a, 7n, 1003n), 6n)
  })

  it('commits to each chain’s newest block at or before T, sorted by chain id', async () => {
    const result = await superRootAt([{ chainId: 902n, chain: b }, { chainId: 901n, chain: a }], 1002n)
    assert.ok(result)
    assert.deepEqual(result.blocks, [5n, 3n])
    const expected = [
      { chainId: 901n, outputRoot: (await outputAt(a, 5n)).root },
      { chainId: 902n, outputRoot: (await outputAt(b, 3n)).root },
    ]
    assert.deepEqual(result.outputs, expected)
    assert.equal(result.preimage, packed(1002n, expected.map((o) => [o.chainId, o.outputRoot])))
    assert.equal(result.root, keccak256(result.preimage))
    assert.equal(result.timestamp, 1002n)
    // T = 1004 falls in a gap on chain A and on two shared blocks on chain B.
    const gap = await superRootAt([{ chainId: 901n, chain: a }, { chainId: 902n, chain: b }], 1004n)
    assert.deepEqual(gap?.blocks, [6n, 6n])
  })

  it('is undefined until every chain has a block newer than T', async () => {
    // B's head is at 1007 and A's at 1006: 1006 is not final on A.
    assert.equal(await superRootAt([{ chainId: 901n, chain: a }, { chainId: 902n, chain: b }], 1006n), undefined)
    assert.ok(await superRootAt([{ chainId: 901n, chain: a }, { chainId: 902n, chain: b }], 1005n))
    // With A bounded at its safe head 7 (timestamp 1005), 1005 is not final either.
    assert.equal(await superRootAt([{ chainId: 901n, chain: a, head: 7n }, { chainId: 902n, chain: b }], 1005n), undefined)
    const bounded = await superRootAt([{ chainId: 901n, chain: a, head: 7n }, { chainId: 902n, chain: b }], 1003n)
    assert.deepEqual(bounded?.blocks, [6n, 4n])
  })

  it('leaves out a chain whose genesis is newer than T', async () => {
    const chains = [
      { chainId: 901n, chain: a },
      { chainId: 902n, chain: b },
      { chainId: 903n, chain: late },
    ]
    const before = await superRootAt(chains, 1003n)
    assert.deepEqual(before?.outputs.map((o) => o.chainId), [901n, 902n])
    const after = await superRootAt(chains, 1005n)
    assert.deepEqual(after?.outputs.map((o) => o.chainId), [901n, 902n, 903n])
    assert.deepEqual(after?.blocks, [8n, 6n, 1n])
    assert.equal(await superRootAt([{ chainId: 903n, chain: late }], 1003n), undefined, 'no chain existed')
  })
})
