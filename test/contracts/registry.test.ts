import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { keccak256, toHex, type Address } from 'viem'
import { abis, eventsOf, startL1, type L1 } from './setup.js'

describe('ChainRegistry', () => {
  let l1: L1
  let registry: Address
  const config = toHex(JSON.stringify({ name: 'alpha', blockTime: 2, gasLimit: 60_000_000 }))

  before(async () => {
    l1 = await startL1()
    registry = await l1.deploy('ChainRegistry', [l1.accounts[0]!.address, l1.accounts[1]!.address])
  })
  after(async () => l1?.stop())

  const call = (functionName: string, args: readonly unknown[], from = 0) =>
    ({ address: registry, abi: abis.registry, functionName, args, from: l1.accounts[from]! })

  test('registers a chain; the event carries the config so L1 alone can rebuild it', async () => {
    const [, , batcher, proposer] = l1.accounts
    const genesis = keccak256('0x01')
    const receipt = await l1.send(call('registerChain', [901n, genesis, batcher!.address, proposer!.address, 600n, config]))
    const [event] = eventsOf(receipt, abis.registry, 'ChainRegistered')
    assert.deepEqual(event!.args, {
      chainId: 901n,
      genesisHash: genesis,
      batcher: batcher!.address,
      proposer: proposer!.address,
      challengeWindow: 600n,
      config,
    })
    const info = await l1.read<Record<string, unknown>>(registry, abis.registry, 'getChain', [901n])
    assert.deepEqual(info, {
      configHash: keccak256(config),
      genesisHash: genesis,
      batcher: batcher!.address,
      proposer: proposer!.address,
      challengeWindow: 600n,
      registeredAtBlock: receipt.blockNumber,
      registered: true,
      gasToken: '0x0000000000000000000000000000000000000000',
      gasTokenDecimals: 0,
    })
    assert.equal(await l1.read(registry, abis.registry, 'isRegistered', [901n]), true)
    assert.equal(await l1.read(registry, abis.registry, 'batcher', [901n]), batcher!.address)
    assert.equal(await l1.read(registry, abis.registry, 'proposer', [901n]), proposer!.address)
    assert.equal(await l1.read(registry, abis.registry, 'challengeWindow', [901n]), 600n)
    assert.deepEqual(await l1.read(registry, abis.registry, 'chainIds'), [901n])
  })

  test('rejects a duplicate id, id 0, zero roles and non-owners', async () => {
    const [, , batcher, proposer] = l1.accounts
    const args = (id: bigint, b: Address = batcher!.address) => [id, keccak256('0x02'), b, proposer!.address, 60n, '0x']
    await l1.expectRevert(call('registerChain', args(901n)), 'ChainAlreadyRegistered')
    await l1.expectRevert(call('registerChain', args(0n)), 'InvalidChainId')
    await l1.expectRevert(call('registerChain', args(902n, '0x0000000000000000000000000000000000000000')), 'ZeroAddress')
    await l1.expectRevert(call('registerChain', args(902n), 1), 'NotOwner')
    await l1.send(call('registerChain', args(902n)))
    assert.deepEqual(await l1.read(registry, abis.registry, 'chainIds'), [901n, 902n])
  })

  test('role getters revert for an unknown chain; getChain returns an empty record', async () => {
    await l1.expectRevert(call('batcher', [7n]), 'ChainNotRegistered')
    await l1.expectRevert(call('proposer', [7n]), 'ChainNotRegistered')
    await l1.expectRevert(call('challengeWindow', [7n]), 'ChainNotRegistered')
    assert.equal(await l1.read(registry, abis.registry, 'isRegistered', [7n]), false)
    const info = await l1.read<{ registered: boolean }>(registry, abis.registry, 'getChain', [7n])
    assert.equal(info.registered, false)
  })

  test('the owner rotates batcher, proposer and guardian; others cannot', async () => {
    const next = l1.accounts[4]!.address
    const r1 = await l1.send(call('setBatcher', [901n, next]))
    assert.deepEqual(eventsOf(r1, abis.registry, 'BatcherUpdated')[0]!.args, {
      chainId: 901n,
      previousBatcher: l1.accounts[2]!.address,
      newBatcher: next,
    })
    assert.equal(await l1.read(registry, abis.registry, 'batcher', [901n]), next)
    await l1.send(call('setProposer', [901n, next]))
    assert.equal(await l1.read(registry, abis.registry, 'proposer', [901n]), next)
    await l1.expectRevert(call('setBatcher', [7n, next]), 'ChainNotRegistered')
    await l1.expectRevert(call('setBatcher', [901n, next], 2), 'NotOwner')
    await l1.expectRevert(call('setProposer', [901n, next], 2), 'NotOwner')
    await l1.expectRevert(call('setGuardian', [next], 1), 'NotOwner')
    const r2 = await l1.send(call('setGuardian', [next]))
    assert.deepEqual(eventsOf(r2, abis.registry, 'GuardianUpdated')[0]!.args, {
      previousGuardian: l1.accounts[1]!.address,
      newGuardian: next,
    })
    assert.equal(await l1.read(registry, abis.registry, 'guardian'), next)
  })

  test('the owner sets the network batcher (zero until set, never back to zero); others cannot', async () => {
    const zero = '0x0000000000000000000000000000000000000000'
    assert.equal(await l1.read(registry, abis.registry, 'networkBatcher'), zero)
    const first = l1.accounts[2]!.address
    const r1 = await l1.send(call('setNetworkBatcher', [first]))
    assert.deepEqual(eventsOf(r1, abis.registry, 'NetworkBatcherUpdated')[0]!.args, { previousBatcher: zero, newBatcher: first })
    assert.equal(await l1.read(registry, abis.registry, 'networkBatcher'), first)
    await l1.expectRevert(call('setNetworkBatcher', [zero]), 'ZeroAddress')
    await l1.expectRevert(call('setNetworkBatcher', [l1.accounts[4]!.address], 2), 'NotOwner')
  })

  test('ownership moves to a new owner, never to zero', async () => {
    const next = l1.accounts[4]!.address
    await l1.expectRevert(call('transferOwnership', ['0x0000000000000000000000000000000000000000']), 'ZeroAddress')
    await l1.expectRevert(call('transferOwnership', [next], 1), 'NotOwner')
    const receipt = await l1.send(call('transferOwnership', [next]))
    assert.deepEqual(eventsOf(receipt, abis.registry, 'OwnershipTransferred')[0]!.args, {
      previousOwner: l1.accounts[0]!.address,
      newOwner: next,
    })
    assert.equal(await l1.read(registry, abis.registry, 'owner'), next)
    await l1.expectRevert(call('setGuardian', [next], 0), 'NotOwner')
  })
})
