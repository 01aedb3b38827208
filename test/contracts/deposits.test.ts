import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import {
  decodeFunctionData,
  encodePacked,
  hexToBigInt,
  parseEther,
  sliceHex,
  type Address,
  type Hex,
} from 'viem'
import { abis, alias, deploySettlement, eventsOf, L2_BRIDGE, registerChain, startL1, type L1 } from './setup.js'

const A = 901n
const B = 902n

/** Splits opaqueData = mint ‖ value ‖ gasLimit(8) ‖ isCreation(1) ‖ data. */
function decodeOpaque(opaque: Hex) {
  return {
    mint: hexToBigInt(sliceHex(opaque, 0, 32)),
    value: hexToBigInt(sliceHex(opaque, 32, 64)),
    gasLimit: hexToBigInt(sliceHex(opaque, 64, 72)),
    isCreation: sliceHex(opaque, 72, 73) === '0x01',
    data: opaque.length > 2 + 73 * 2 ? sliceHex(opaque, 73) : '0x',
  }
}

describe('Portal deposits', () => {
  let l1: L1
  let portal: Address
  let caller: Address
  const depositCall = (functionName: string, args: readonly unknown[], value = 0n, from = 0) =>
    ({ address: portal, abi: abis.portal, functionName, args, value, from: l1.accounts[from]! })

  before(async () => {
    l1 = await startL1()
    const s = await deploySettlement(l1)
    portal = s.portal
    await registerChain(l1, s.registry, A, 600n)
    await registerChain(l1, s.registry, B, 600n)
    caller = await l1.deploy('PortalTestCaller', [portal])
  })
  after(async () => l1?.stop())

  test('an ETH deposit from an EOA emits the exact packed opaqueData', async (t) => {
    const to = l1.accounts[4]!.address
    const value = parseEther('1.5')
    const receipt = await l1.send(depositCall('depositETH', [A, to], value))
    t.diagnostic(`depositETH gas: ${receipt.gasUsed}`)
    const [event] = eventsOf(receipt, abis.portal, 'TransactionDeposited')
    assert.deepEqual(event!.args, {
      chainId: A,
      from: l1.accounts[0]!.address,
      to,
      depositNonce: 0n,
      opaqueData: encodePacked(['uint256', 'uint256', 'uint64', 'bool', 'bytes'], [value, value, 100_000n, false, '0x']),
    })
    assert.equal(await l1.read(portal, abis.portal, 'ethLocked', [A]), value)
    assert.equal(await l1.read(portal, abis.portal, 'ethLocked', [B]), 0n)
    assert.equal(await l1.read(portal, abis.portal, 'depositNonce', [A]), 1n)
    assert.equal(await l1.read(portal, abis.portal, 'depositNonce', [B]), 0n)
    const again = await l1.send(depositCall('depositETH', [A, to], 1n))
    t.diagnostic(`depositETH gas (chain already has deposits): ${again.gasUsed}`)
    assert.equal(eventsOf(again, abis.portal, 'TransactionDeposited')[0]!.args.depositNonce, 1n)
  })

  test('depositTransaction packs mint, value, gas, creation flag and data; nonces count per chain', async (t) => {
    const data: Hex = '0x6080604052'
    const receipt = await l1.send(depositCall('depositTransaction', [A, '0x0000000000000000000000000000000000000000', 7n, 500_000n, true, data], 3n))
    t.diagnostic(`depositTransaction (5-byte creation) gas: ${receipt.gasUsed}`)
    const [event] = eventsOf(receipt, abis.portal, 'TransactionDeposited')
    assert.equal(event!.args.depositNonce, 2n)
    assert.deepEqual(decodeOpaque(event!.args.opaqueData as Hex), { mint: 3n, value: 7n, gasLimit: 500_000n, isCreation: true, data })
    const onB = await l1.send(depositCall('depositTransaction', [B, l1.accounts[4]!.address, 0n, 21_000n, false, '0x'], 0n))
    assert.equal(eventsOf(onB, abis.portal, 'TransactionDeposited')[0]!.args.depositNonce, 0n)
  })

  test('a contract depositor appears on L2 under its alias', async () => {
    const to = l1.accounts[4]!.address
    const receipt = await l1.send({ address: caller, abi: abis.caller, functionName: 'depositETH', args: [A, to], value: 5n })
    const [event] = eventsOf(receipt, abis.portal, 'TransactionDeposited')
    assert.equal(event!.args.from, alias(caller))
    assert.equal(await l1.read(portal, abis.portal, 'applyL1ToL2Alias', [caller]), alias(caller))
    // The alias wraps around 2^160.
    const top: Address = '0xffffffffffffffffffffffffffffffffffffffff'
    assert.equal(await l1.read(portal, abis.portal, 'applyL1ToL2Alias', [top]), '0x1111000000000000000000000000000000001110')
  })

  test('gas limits are bounded: 21000 + 40/byte at least, 16M at most', async () => {
    const to = l1.accounts[4]!.address
    const data: Hex = `0x${'ab'.repeat(100)}`
    await l1.expectRevert(depositCall('depositTransaction', [A, to, 0n, 20_999n, false, '0x']), 'GasLimitTooLow')
    await l1.expectRevert(depositCall('depositTransaction', [A, to, 0n, 24_999n, false, data]), 'GasLimitTooLow')
    await l1.send(depositCall('depositTransaction', [A, to, 0n, 25_000n, false, data]))
    await l1.expectRevert(depositCall('depositTransaction', [A, to, 0n, 16_000_001n, false, '0x']), 'GasLimitTooHigh')
    await l1.expectRevert(depositCall('depositTransaction', [A, to, 0n, 100_000n, true, '0x']), 'CreationWithTarget')
    await l1.expectRevert(depositCall('depositETH', [999n, to], 1n), 'ChainNotRegistered')
  })

  test('at most 30M deposit gas per chain per L1 block', async () => {
    const to = l1.accounts[4]!.address
    await l1.testClient.setAutomine(false)
    try {
      const sendRaw = async (chainId: bigint, gasLimit: bigint) =>
        l1.wallet.writeContract({
          address: portal,
          abi: abis.portal,
          functionName: 'depositTransaction',
          args: [chainId, to, 0n, gasLimit, false, '0x'],
          account: l1.accounts[0]!,
          chain: l1.chain,
          gas: 300_000n,
        })
      const hashes = [
        await sendRaw(A, 16_000_000n),
        await sendRaw(A, 14_000_000n),
        await sendRaw(A, 21_000n), // over the cap
        await sendRaw(B, 16_000_000n), // another chain has its own budget
      ]
      await l1.testClient.mine({ blocks: 1 })
      const statuses = await Promise.all(hashes.map(async (hash) => (await l1.pub.getTransactionReceipt({ hash })).status))
      assert.deepEqual(statuses, ['success', 'success', 'reverted', 'success'])
    } finally {
      await l1.testClient.setAutomine(true)
    }
    // The next block starts a fresh budget.
    await l1.send(depositCall('depositTransaction', [A, to, 0n, 16_000_000n, false, '0x']))
  })

  test('an ERC-20 deposit locks the tokens per chain and asks the L2 bridge to finalizeDeposit', async (t) => {
    const token = await l1.deploy('DevToken', ['Dev Token', 'DEV'])
    const amount = parseEther('100')
    const to = l1.accounts[4]!.address
    await l1.send({ address: token, abi: abis.devToken, functionName: 'approve', args: [portal, amount * 2n] })
    const receipt = await l1.send(depositCall('depositERC20', [A, token, to, amount]))
    t.diagnostic(`depositERC20 gas: ${receipt.gasUsed}`)

    assert.equal(await l1.read(portal, abis.portal, 'erc20Locked', [A, token]), amount)
    assert.equal(await l1.read(portal, abis.portal, 'erc20Locked', [B, token]), 0n)
    assert.equal(await l1.read(token, abis.devToken, 'balanceOf', [portal]), amount)

    const [deposit] = eventsOf(receipt, abis.portal, 'TransactionDeposited')
    assert.equal(deposit!.args.from, alias(portal))
    assert.equal(deposit!.args.to, L2_BRIDGE)
    const opaque = decodeOpaque(deposit!.args.opaqueData as Hex)
    assert.deepEqual({ ...opaque, data: undefined }, { mint: 0n, value: 0n, gasLimit: 3_000_000n, isCreation: false, data: undefined })
    const call = decodeFunctionData({ abi: abis.bridge, data: opaque.data })
    assert.equal(call.functionName, 'finalizeDeposit')
    assert.deepEqual(call.args, [token, l1.accounts[0]!.address, to, amount, 'Dev Token', 'DEV', 18])

    const [initiated] = eventsOf(receipt, abis.portal, 'ERC20DepositInitiated')
    assert.deepEqual(initiated!.args, { chainId: A, l1Token: token, from: l1.accounts[0]!.address, to, amount })

    await l1.expectRevert(depositCall('depositERC20', [A, token, '0x0000000000000000000000000000000000000000', 1n]), 'InvalidRecipient')
    await l1.expectRevert(depositCall('depositERC20', [999n, token, to, 1n]), 'ChainNotRegistered')
    await l1.expectRevert(depositCall('depositERC20', [A, token, to, 0n]), 'NothingReceived')
  })

  test('a fee-on-transfer token is credited with what actually arrived', async () => {
    const token = await l1.deploy('TestFeeToken')
    await l1.send({ address: token, abi: abis.devToken, functionName: 'approve', args: [portal, 1000n] })
    const receipt = await l1.send(depositCall('depositERC20', [B, token, l1.accounts[4]!.address, 1000n]))
    assert.equal(await l1.read(portal, abis.portal, 'erc20Locked', [B, token]), 990n)
    const opaque = decodeOpaque(eventsOf(receipt, abis.portal, 'TransactionDeposited')[0]!.args.opaqueData as Hex)
    const call = decodeFunctionData({ abi: abis.bridge, data: opaque.data })
    assert.deepEqual(call.args, [token, l1.accounts[0]!.address, l1.accounts[4]!.address, 990n, 'Fee Token', 'FEE', 6])
  })

  test('a token with bytes32 metadata and no decimals() gets the fallbacks', async () => {
    const token = await l1.deploy('TestBytes32Token')
    const receipt = await l1.send(depositCall('depositERC20', [A, token, l1.accounts[4]!.address, 5n]))
    const opaque = decodeOpaque(eventsOf(receipt, abis.portal, 'TransactionDeposited')[0]!.args.opaqueData as Hex)
    const call = decodeFunctionData({ abi: abis.bridge, data: opaque.data })
    assert.deepEqual(call.args!.slice(4), ['Bridged Token', 'BRIDGED', 18])
  })
})
