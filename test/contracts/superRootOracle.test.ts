import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { concat, encodePacked, keccak256, toHex, type Address, type Hex } from 'viem'
import { encodeSuperRoot } from '../../src/settlement/superRoot.js'
import { loadArtifact } from '../helpers/artifacts.js'
import { abis, deploySettlement, eventsOf, registerChain, startL1, type L1 } from './setup.js'

const A = 901n
const B = 902n
const WINDOW = 600n
const ZERO: Hex = `0x${'00'.repeat(32)}`
const output = (label: string): Hex => keccak256(toHex(label))
const abi = loadArtifact('SuperRootOracle').abi

/** A valid proposal of timestamp `t` over chains A and B. */
function superRoot(t: bigint, label = 'x') {
  return encodeSuperRoot(t, [
    { chainId: A, outputRoot: output(`A ${t} ${label}`) },
    { chainId: B, outputRoot: output(`B ${t} ${label}`) },
  ])
}

describe('SuperRootOracle', () => {
  let l1: L1
  let oracle: Address
  let registry: Address
  const owner = () => l1.accounts[0]!
  const guardian = () => l1.accounts[1]!
  const proposer = () => l1.accounts[3]!
  const call = (functionName: string, args: readonly unknown[], from = proposer()) => ({ address: oracle, abi, functionName, args, from })
  const propose = (t: bigint, root: Hex, preimage: Hex, from = proposer()) => call('proposeSuperRoot', [t, root, preimage, ZERO, 0n], from)
  const read = <T>(functionName: string, args: readonly unknown[] = []) => l1.read<T>(oracle, abi, functionName, args)

  before(async () => {
    l1 = await startL1()
    const s = await deploySettlement(l1)
    registry = s.registry
    oracle = await l1.deploy('SuperRootOracle', [registry])
    await registerChain(l1, registry, A, WINDOW)
    await registerChain(l1, registry, B, WINDOW)
  })
  after(async () => l1?.stop())

  test('the registry owner sets the proposer and the window; no one proposes before', async () => {
    const first = superRoot(10n)
    await l1.expectRevert(propose(10n, first.root, first.preimage), 'NotProposer')
    await l1.expectRevert(call('setProposer', [proposer().address], l1.accounts[4]!), 'NotOwner')
    await l1.expectRevert(call('setChallengeWindow', [WINDOW], proposer()), 'NotOwner')
    await l1.send(call('setProposer', [proposer().address], owner()))
    await l1.send(call('setChallengeWindow', [WINDOW], owner()))
    assert.equal(await read('proposer'), proposer().address)
    assert.equal(await read('challengeWindow'), WINDOW)
  })

  test('checks the preimage: hash, version, timestamp, length, sorted registered chains', async () => {
    const t = 10n
    const good = superRoot(t)
    const entry = (chainId: bigint, label: string) => encodePacked(['uint256', 'bytes32'], [chainId, output(label)])
    const header = (version: number, ts: bigint) => encodePacked(['uint8', 'uint64'], [version, ts])
    const withRoot = (preimage: Hex) => propose(t, keccak256(preimage), preimage)

    await l1.expectRevert(propose(t, output('other'), good.preimage), 'PreimageMismatch')
    await l1.expectRevert(withRoot(concat([header(2, t), entry(A, 'a')])), 'UnsupportedVersion')
    await l1.expectRevert(withRoot(concat([header(1, t + 1n), entry(A, 'a')])), 'PreimageTimestampMismatch')
    await l1.expectRevert(withRoot(header(1, t)), 'InvalidPreimageLength')
    await l1.expectRevert(withRoot(concat([header(1, t), entry(A, 'a'), '0x00'])), 'InvalidPreimageLength')
    await l1.expectRevert(withRoot(concat([header(1, t), entry(B, 'b'), entry(A, 'a')])), 'ChainsNotSorted')
    await l1.expectRevert(withRoot(concat([header(1, t), entry(A, 'a'), entry(A, 'a')])), 'ChainsNotSorted')
    await l1.expectRevert(withRoot(concat([header(1, t), entry(A, 'a'), entry(999n, 'z')])), 'ChainNotRegistered')
    // A chain may be left out (one that did not exist yet at t).
    const onlyA = concat([header(1, t), entry(A, 'a')])
    await l1.send(withRoot(onlyA))
    assert.equal(await read('latestTimestamp'), t)
  })

  test('proposals move forward in timestamp and are recorded with their L1 time and window', async (t) => {
    const next = superRoot(20n)
    await l1.expectRevert(propose(10n, superRoot(10n, 'again').root, superRoot(10n, 'again').preimage), 'TimestampNotIncreasing')
    await l1.expectRevert(propose(20n, next.root, next.preimage, owner()), 'NotProposer')
    const receipt = await l1.send(propose(20n, next.root, next.preimage))
    t.diagnostic(`proposeSuperRoot (2 chains) gas: ${receipt.gasUsed}`)
    const block = await l1.pub.getBlock({ blockNumber: receipt.blockNumber })
    assert.deepEqual(eventsOf(receipt, abi, 'SuperRootProposed')[0]!.args, {
      index: 1n,
      l2Timestamp: 20n,
      superRoot: next.root,
      l1Timestamp: block.timestamp,
    })
    assert.equal(await read('superRootCount'), 2n)
    assert.equal(await read('latestTimestamp'), 20n)
    assert.deepEqual(await read('superRootAt', [1n]), { superRoot: next.root, l2Timestamp: 20n, l1Timestamp: block.timestamp, challengeWindow: WINDOW })
    await l1.expectRevert(call('superRootAt', [2n]), 'SuperRootNotFound')
    await l1.expectRevert(propose(20n, next.root, next.preimage), 'TimestampNotIncreasing')
  })

  test('a proposal pinned to an L1 block hash lands only while that block is canonical', async () => {
    const head = await l1.pub.getBlock()
    const r = superRoot(30n)
    await l1.expectRevert(call('proposeSuperRoot', [30n, r.root, r.preimage, keccak256('0x00'), head.number]), 'L1BlockHashMismatch')
    await l1.send(call('proposeSuperRoot', [30n, r.root, r.preimage, head.hash, head.number]))
  })

  test('the guardian deletes a root and every later one inside the window, not after', async () => {
    const r40 = superRoot(40n)
    await l1.send(propose(40n, r40.root, r40.preimage))
    assert.equal(await read('superRootCount'), 4n)
    await l1.expectRevert(call('deleteSuperRoots', [2n], proposer()), 'NotGuardian')
    await l1.expectRevert(call('deleteSuperRoots', [4n], guardian()), 'SuperRootNotFound')
    const receipt = await l1.send(call('deleteSuperRoots', [2n], guardian()))
    assert.deepEqual(eventsOf(receipt, abi, 'SuperRootsDeleted')[0]!.args, { fromIndex: 2n, previousCount: 4n })
    assert.equal(await read('superRootCount'), 2n)
    assert.equal(await read('latestTimestamp'), 20n)
    // The deleted timestamps can be proposed again.
    await l1.send(propose(30n, superRoot(30n, 'fixed').root, superRoot(30n, 'fixed').preimage))

    // A window change applies to later proposals only.
    await l1.send(call('setChallengeWindow', [10n * WINDOW], owner()))
    assert.equal(await read('isFinalized', [1n]), false)
    await l1.advance(Number(WINDOW) + 1)
    assert.equal(await read('isFinalized', [1n]), true)
    assert.equal(await read('isFinalized', [9n]), false)
    await l1.expectRevert(call('deleteSuperRoots', [1n], guardian()), 'SuperRootFinalized')
    await l1.expectRevert(call('deleteSuperRoots', [2n], guardian()), 'SuperRootFinalized')
    const r50 = superRoot(50n)
    await l1.send(propose(50n, r50.root, r50.preimage))
    await l1.advance(Number(WINDOW) + 1)
    assert.equal(await read('isFinalized', [3n]), false, 'proposed under the longer window')
    await l1.send(call('deleteSuperRoots', [3n], guardian()))
    assert.equal(await read('superRootCount'), 3n)
  })

  test('roles follow the registry: a new registry owner sets the proposer', async () => {
    const newOwner = l1.accounts[4]!
    await l1.send({ address: registry, abi: abis.registry, functionName: 'transferOwnership', args: [newOwner.address] })
    await l1.expectRevert(call('setProposer', [owner().address], owner()), 'NotOwner')
    await l1.send(call('setProposer', [owner().address], newOwner))
    const r = superRoot(60n)
    await l1.expectRevert(propose(60n, r.root, r.preimage), 'NotProposer')
    await l1.send(propose(60n, r.root, r.preimage, owner()))
  })
})
