import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { getAddress, parseEther, zeroAddress, type Abi, type Address } from 'viem'
import { GAS_PAYING_TOKEN_SLOTS, gasTokenStorage, type GasToken } from '../../src/execution/gasToken.js'
import { PREDEPLOYS } from '../../src/execution/predeploys.js'
import { readNativeAsset } from '../../src/settlement/actions/bridge.js'
import { loadArtifact } from '../helpers/artifacts.js'
import { abis, L1_BLOCK, MESSAGE_PASSER, startL1, type L1 } from './setup.js'

const ETHER: Address = '0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE'
const ethBridge = PREDEPLOYS.SuperchainETHBridge as Address
const liquidity = PREDEPLOYS.ETHLiquidity as Address
const messenger = PREDEPLOYS.L2ToL2CrossDomainMessenger as Address
const ethBridgeAbi = loadArtifact('SuperchainETHBridge').abi
const liquidityAbi = loadArtifact('ETHLiquidity').abi
const USDC: GasToken = { address: getAddress('0x00000000000000000000000000000000000Ab1e0'), decimals: 6, name: 'USD Coin', symbol: 'USDC' }

describe('custom gas token on L2: L1Block getters, the message passer, the interop ETH path', () => {
  let l1: L1 // an anvil standing in for an L2: the predeploys' runtime code at their addresses

  /** Writes the genesis storage rollupGenesis gives L1Block for `token` (or clears it: ETH). */
  async function setNativeAsset(token: GasToken | undefined): Promise<void> {
    const storage = token ? gasTokenStorage(token) : undefined
    for (const slot of Object.values(GAS_PAYING_TOKEN_SLOTS)) {
      await l1.testClient.setStorageAt({ address: L1_BLOCK, index: slot, value: (storage?.[slot] ?? `0x${'00'.repeat(32)}`) as `0x${string}` })
    }
  }
  const l1Block = <T>(functionName: string) => l1.read<T>(L1_BLOCK, abis.l1Block, functionName)
  const withdraw = (value: bigint) =>
    ({ address: MESSAGE_PASSER, abi: abis.passer, functionName: 'initiateWithdrawal', args: [l1.accounts[0]!.address, 100_000n, '0x'], value, from: l1.accounts[0]! })

  before(async () => {
    l1 = await startL1()
    for (const [address, name] of [
      [L1_BLOCK, 'L1Block'],
      [MESSAGE_PASSER, 'L2ToL1MessagePasser'],
      [ethBridge, 'SuperchainETHBridge'],
      [liquidity, 'ETHLiquidity'],
    ] as const) {
      await l1.testClient.setCode({ address, bytecode: loadArtifact(name).deployedBytecode })
    }
    await l1.testClient.setBalance({ address: liquidity, value: parseEther('1000') })
    for (const who of [ethBridge, messenger]) {
      await l1.testClient.impersonateAccount({ address: who })
      await l1.testClient.setBalance({ address: who, value: parseEther('10') })
    }
  })
  after(async () => l1?.stop())

  test('the slots rollupGenesis writes are the OP Stack ones L1Block reads', async () => {
    assert.equal(await l1Block('GAS_PAYING_TOKEN_SLOT'), GAS_PAYING_TOKEN_SLOTS.token)
    assert.equal(await l1Block('GAS_PAYING_TOKEN_NAME_SLOT'), GAS_PAYING_TOKEN_SLOTS.name)
    assert.equal(await l1Block('GAS_PAYING_TOKEN_SYMBOL_SLOT'), GAS_PAYING_TOKEN_SLOTS.symbol)
  })

  test('an ETH chain reports ether, as the OP Stack does, and takes any withdrawal value', async () => {
    await setNativeAsset(undefined)
    assert.deepEqual(await l1Block('gasPayingToken'), [ETHER, 18])
    assert.equal(await l1Block('gasPayingTokenName'), 'Ether')
    assert.equal(await l1Block('gasPayingTokenSymbol'), 'ETH')
    assert.equal(await l1Block('isCustomGasToken'), false)
    await l1.send(withdraw(parseEther('1') + 1n))
  })

  test('a gas-token chain reports its token; a 32-byte name round-trips', async () => {
    await setNativeAsset(USDC)
    assert.deepEqual(await l1Block('gasPayingToken'), [USDC.address, 6])
    assert.equal(await l1Block('gasPayingTokenName'), 'USD Coin')
    assert.equal(await l1Block('gasPayingTokenSymbol'), 'USDC')
    assert.equal(await l1Block('isCustomGasToken'), true)
    const long = { ...USDC, name: 'A'.repeat(30) + 'é' } // 32 bytes of UTF-8
    await setNativeAsset(long)
    assert.equal(await l1Block('gasPayingTokenName'), long.name)
  })

  test('the bridge actions read the native asset from L1Block; an L1Block without the getters means ETH', async () => {
    await setNativeAsset(USDC)
    assert.deepEqual(await readNativeAsset(l1.pub as never), { custom: true, l1Token: USDC.address, decimals: 6, name: 'USD Coin', symbol: 'USDC' })
    // A genesis made before the getters existed: no such function, the call reverts.
    await l1.testClient.setCode({ address: L1_BLOCK, bytecode: loadArtifact('ETHLiquidity').deployedBytecode })
    try {
      assert.deepEqual(await readNativeAsset(l1.pub as never), { custom: false, l1Token: ETHER, decimals: 18, name: 'Ether', symbol: 'ETH' })
    } finally {
      await l1.testClient.setCode({ address: L1_BLOCK, bytecode: loadArtifact('L1Block').deployedBytecode })
    }
  })

  test('withdrawals must be whole token units: 10^12 wei for 6 decimals, 10^18 for 0, anything for 18', async () => {
    const cases: [number, bigint, bigint][] = [
      [6, 10n ** 12n, parseEther('2.5')],
      [0, 10n ** 18n, parseEther('3')],
    ]
    for (const [decimals, unit, whole] of cases) {
      await setNativeAsset({ ...USDC, decimals })
      await l1.send(withdraw(whole))
      assert.deepEqual(await l1.expectRevert(withdraw(whole + unit / 2n), 'WithdrawalValueNotWholeTokenUnits'), [whole + unit / 2n, unit])
      assert.deepEqual(await l1.expectRevert(withdraw(1n), 'WithdrawalValueNotWholeTokenUnits'), [1n, unit])
      // A message without value is not a payout: always fine.
      await l1.send(withdraw(0n))
    }
    // Plain value sent to the passer is checked the same way.
    await setNativeAsset(USDC)
    await assert.rejects(l1.wallet.sendTransaction({ to: MESSAGE_PASSER, value: 1n, account: l1.accounts[0]!, chain: l1.chain }))
    await setNativeAsset({ ...USDC, decimals: 18 })
    await l1.send(withdraw(1n))
  })

  test('the SuperchainETHBridge and ETHLiquidity refuse on a gas-token chain, and work on an ETH chain', async () => {
    await setNativeAsset(USDC)
    const refused = 'NotSupportedOnCustomGasToken'
    const to = l1.accounts[4]!.address
    const call = (address: Address, abi: Abi, functionName: string, args: unknown[], from: Address, value = 0n) =>
      ({ address, abi, functionName, args, from, value })
    await l1.expectRevert(call(ethBridge, ethBridgeAbi, 'sendETH', [to, 902n], l1.accounts[0]!.address, 1n), refused)
    await l1.expectRevert(call(ethBridge, ethBridgeAbi, 'relayETH', [to, to, 1n], messenger), refused)
    await l1.expectRevert(call(liquidity, liquidityAbi, 'burn', [], ethBridge, 1n), refused)
    await l1.expectRevert(call(liquidity, liquidityAbi, 'mint', [1n], ethBridge), refused)
    // Still only the bridge may use the liquidity, whatever the asset.
    await l1.expectRevert(call(liquidity, liquidityAbi, 'mint', [1n], zeroAddress), 'Unauthorized')
    await setNativeAsset(undefined)
    await l1.send(call(liquidity, liquidityAbi, 'burn', [], ethBridge, 1n))
    await l1.send(call(liquidity, liquidityAbi, 'mint', [1n], ethBridge))
  })
})
