import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { keccak256, toHex, type Address, type Hex } from 'viem'
import { abis, deploySettlement, eventsOf, registerChain, startL1, type L1 } from './setup.js'

const A = 901n
const B = 902n
const WINDOW = 600
const ZERO: Hex = `0x${'00'.repeat(32)}`
const root = (n: number): Hex => keccak256(toHex(`output ${n}`))

describe('OutputOracle', () => {
  let l1: L1
  let oracle: Address
  const proposer = () => l1.accounts[3]!
  const guardian = () => l1.accounts[1]!
  const propose = (args: readonly unknown[], from = proposer()) =>
    ({ address: oracle, abi: abis.oracle, functionName: 'proposeOutput', args, from })
  const del = (args: readonly unknown[], from = guardian()) =>
    ({ address: oracle, abi: abis.oracle, functionName: 'deleteOutputs', args, from })

  before(async () => {
    l1 = await startL1()
    const s = await deploySettlement(l1)
    oracle = s.oracle
    await registerChain(l1, s.registry, A, BigInt(WINDOW))
    await registerChain(l1, s.registry, B, BigInt(WINDOW))
  })
  after(async () => l1?.stop())

  test('only the proposer proposes; numbers must increase; the root must be non-zero', async (t) => {
    await l1.expectRevert(propose([A, root(10), 10n, ZERO, 0n], l1.accounts[0]!), 'NotProposer')
    await l1.expectRevert(propose([A, ZERO, 10n, ZERO, 0n]), 'EmptyOutputRoot')
    await l1.expectRevert(propose([A, root(0), 0n, ZERO, 0n]), 'BlockNumberNotIncreasing')
    await l1.expectRevert(propose([999n, root(1), 1n, ZERO, 0n]), 'ChainNotRegistered', abis.registry)

    const receipt = await l1.send(propose([A, root(10), 10n, ZERO, 0n]))
    t.diagnostic(`proposeOutput (first for the chain) gas: ${receipt.gasUsed}`)
    const block = await l1.pub.getBlock({ blockNumber: receipt.blockNumber })
    assert.deepEqual(eventsOf(receipt, abis.oracle, 'OutputProposed')[0]!.args, {
      chainId: A,
      outputIndex: 0n,
      outputRoot: root(10),
      l2BlockNumber: 10n,
      l1Timestamp: block.timestamp,
    })
    const second = await l1.send(propose([A, root(20), 20n, ZERO, 0n]))
    t.diagnostic(`proposeOutput (steady state) gas: ${second.gasUsed}`)
    await l1.expectRevert(propose([A, root(20), 20n, ZERO, 0n]), 'BlockNumberNotIncreasing')
    await l1.expectRevert(propose([A, root(15), 15n, ZERO, 0n]), 'BlockNumberNotIncreasing')
    // Chain B is independent: its first output may be any number.
    await l1.send(propose([B, root(5), 5n, ZERO, 0n]))

    assert.equal(await l1.read(oracle, abis.oracle, 'outputCount', [A]), 2n)
    assert.equal(await l1.read(oracle, abis.oracle, 'latestBlockNumber', [A]), 20n)
    assert.equal(await l1.read(oracle, abis.oracle, 'latestBlockNumber', [B]), 5n)
    assert.equal(await l1.read(oracle, abis.oracle, 'latestBlockNumber', [999n]), 0n)
    const out = await l1.read<{ outputRoot: Hex; timestamp: bigint; l2BlockNumber: bigint }>(oracle, abis.oracle, 'getOutput', [A, 0n])
    assert.deepEqual(out, { outputRoot: root(10), timestamp: block.timestamp, l2BlockNumber: 10n })
    await l1.expectRevert({ address: oracle, abi: abis.oracle, functionName: 'getOutput', args: [A, 2n] }, 'OutputNotFound')
  })

  test('a proposal pinned to an L1 block hash lands only while that block is canonical', async () => {
    const head = await l1.pub.getBlock()
    await l1.send(propose([A, root(30), 30n, head.hash, head.number]))
    await l1.expectRevert(propose([A, root(40), 40n, keccak256('0x00'), head.number]), 'L1BlockHashMismatch')
    // blockhash() is zero for the current and future blocks.
    await l1.expectRevert(propose([A, root(40), 40n, head.hash, head.number + 100n]), 'L1BlockHashMismatch')
  })

  test('getOutputIndexFor finds the first output at or after a block (binary search)', async () => {
    for (let n = 40; n <= 100; n += 10) await l1.send(propose([A, root(n), BigInt(n), ZERO, 0n]))
    // Outputs at 10, 20, ..., 100 -> indexes 0..9.
    const indexFor = (n: bigint) => l1.read<bigint>(oracle, abis.oracle, 'getOutputIndexFor', [A, n])
    assert.equal(await indexFor(0n), 0n)
    assert.equal(await indexFor(1n), 0n)
    assert.equal(await indexFor(10n), 0n)
    assert.equal(await indexFor(11n), 1n)
    assert.equal(await indexFor(55n), 5n)
    assert.equal(await indexFor(90n), 8n)
    assert.equal(await indexFor(100n), 9n)
    await l1.expectRevert({ address: oracle, abi: abis.oracle, functionName: 'getOutputIndexFor', args: [A, 101n] }, 'NoOutputForBlock')
    await l1.expectRevert({ address: oracle, abi: abis.oracle, functionName: 'getOutputIndexFor', args: [999n, 1n] }, 'NoOutputForBlock')
  })

  test('the guardian deletes outputs inside the window; later ones go with them', async () => {
    await l1.expectRevert(del([A, 7n], proposer()), 'NotGuardian')
    await l1.expectRevert(del([A, 10n]), 'OutputNotFound')
    const receipt = await l1.send(del([A, 7n]))
    assert.deepEqual(eventsOf(receipt, abis.oracle, 'OutputsDeleted')[0]!.args, { chainId: A, fromIndex: 7n, previousCount: 10n })
    assert.equal(await l1.read(oracle, abis.oracle, 'outputCount', [A]), 7n)
    assert.equal(await l1.read(oracle, abis.oracle, 'latestBlockNumber', [A]), 70n)
    // The proposer continues from the surviving output, possibly with a different root.
    await l1.send(propose([A, root(71), 71n, ZERO, 0n]))
    assert.equal(await l1.read(oracle, abis.oracle, 'getOutputIndexFor', [A, 71n]), 7n)
  })

  test('outputs past their window are final: isFinalized, and the guardian can no longer delete them', async () => {
    assert.equal(await l1.read(oracle, abis.oracle, 'isFinalized', [A, 0n]), false)
    await l1.advance(WINDOW + 1)
    assert.equal(await l1.read(oracle, abis.oracle, 'isFinalized', [A, 0n]), true)
    assert.equal(await l1.read(oracle, abis.oracle, 'isFinalized', [A, 99n]), false)
    await l1.expectRevert(del([A, 0n]), 'OutputFinalized')
    // A fresh output is deletable again.
    await l1.send(propose([A, root(80), 80n, ZERO, 0n]))
    assert.equal(await l1.read(oracle, abis.oracle, 'isFinalized', [A, 8n]), false)
    await l1.send(del([A, 8n]))
    assert.equal(await l1.read(oracle, abis.oracle, 'outputCount', [A]), 8n)
  })
})
