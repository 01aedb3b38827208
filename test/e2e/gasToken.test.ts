import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import {
  BaseError as ViemBaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  createWalletClient,
  erc20Abi,
  http,
  parseEther,
  type Hex,
  type PublicClient,
} from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { devAccounts } from '../../src/execution/genesis.js'
import { PREDEPLOYS } from '../../src/execution/predeploys.js'
import { ConfigError } from '../../src/primitives/errors.js'
import {
  BridgeError,
  createBridgeContext,
  depositETH,
  depositGasToken,
  finalizeWithdrawal,
  initiateWithdrawal,
  type BridgeContext,
} from '../../src/settlement/actions/bridge.js'
import { abiOf } from '../../src/settlement/l1/abis.js'
import { fetchChainConfig } from '../../src/settlement/l1/chainConfig.js'
import { devGasTokensFile, registeredGasToken } from '../../src/settlement/l1/gasToken.js'
import { loadArtifact } from '../helpers/artifacts.js'
import { assertBacked } from '../helpers/audit.js'
import { proveAndFinalize } from '../helpers/withdraw.js'
import { startTestNetwork, startTestReplica, type TestNetwork, type TestNetworkOptions } from '../helpers/network.js'
import { runCli, waitFor } from '../helpers/node.js'
import { assertSameChain, safeAtLeast } from '../helpers/sync.js'
import { tempDir } from '../helpers/tmp.js'

const USDC = { name: 'USD Coin', symbol: 'USDC', decimals: 6 }
const GAS = { name: 'Gas Token', symbol: 'GAS', decimals: 18 }
const networkOptions = (datadir: string): TestNetworkOptions => ({ chainIds: [901, 902], datadir, keep: true, gasTokens: { 901: USDC, 902: GAS } })
const user = privateKeyToAccount(devAccounts()[1]!.privateKey)

/** Proves `w` once an output covers it and finalizes it after the window; returns the finalize receipt. */
/** The custom error an eth_call reverted with. */
async function revertName(call: Promise<unknown>): Promise<string | undefined> {
  try {
    await call
  } catch (err) {
    const revert = err instanceof ViemBaseError ? (err.walk((e) => e instanceof ContractFunctionRevertedError) as ContractFunctionRevertedError | null) : null
    return revert?.data?.errorName
  }
  assert.fail('the call did not revert')
}

describe('a network whose chains pay gas in L1 ERC-20s: 901 in a 6-decimal USDC, 902 in an 18-decimal token', () => {
  const { dir, cleanup } = tempDir()
  let net: TestNetwork
  let ctx: Record<number, BridgeContext>
  let usdc: Hex
  let gas: Hex
  let l1: PublicClient
  const tokenBalance = (token: Hex, who: Hex) => l1.readContract({ address: token, abi: erc20Abi, functionName: 'balanceOf', args: [who] })
  const escrow = (chainId: number, token: Hex) =>
    l1.readContract({ address: net.network.deployment.contracts.Portal, abi: abiOf('Portal'), functionName: 'erc20Locked', args: [BigInt(chainId), token] }) as Promise<bigint>

  before(async () => {
    net = await startTestNetwork(networkOptions(dir))
    l1 = createPublicClient({ transport: http(net.l1Url) }) as PublicClient
    ctx = {
      901: await createBridgeContext({ l2Url: net.l2Url(901), account: user }),
      902: await createBridgeContext({ l2Url: net.l2Url(902), account: user }),
    }
    const registry = net.network.deployment.contracts.ChainRegistry
    usdc = (await registeredGasToken(l1, registry, 901n))!.address
    gas = (await registeredGasToken(l1, registry, 902n))!.address
  })
  after(async () => {
    await net?.stop()
    cleanup()
  })

  it('deploys the dev tokens on L1 with balances for the dev accounts; every side knows each chain\'s token', async () => {
    assert.equal(await l1.readContract({ address: usdc, abi: erc20Abi, functionName: 'decimals' }), 6)
    assert.equal(await l1.readContract({ address: usdc, abi: erc20Abi, functionName: 'symbol' }), 'USDC')
    assert.equal(await tokenBalance(usdc, user.address), 1_000_000n * 10n ** 6n)
    assert.equal(await tokenBalance(gas, user.address), 1_000_000n * 10n ** 18n)
    // L2: the OP Stack L1Block getters, set at genesis.
    const l1Block = (chainId: number, functionName: string) => ctx[chainId]!.l2.readContract({ address: PREDEPLOYS.L1Block, abi: abiOf('L1Block'), functionName })
    assert.deepEqual(await l1Block(901, 'gasPayingToken'), [usdc, 6])
    assert.equal(await l1Block(901, 'gasPayingTokenName'), 'USD Coin')
    assert.equal(await l1Block(901, 'gasPayingTokenSymbol'), 'USDC')
    assert.equal(await l1Block(901, 'isCustomGasToken'), true)
    assert.deepEqual(await l1Block(902, 'gasPayingToken'), [gas, 18])
    assert.deepEqual(ctx[901]!.nativeAsset, { custom: true, l1Token: usdc, decimals: 6, name: 'USD Coin', symbol: 'USDC' })
    // L1: the config a replica rebuilds the chain from names it too.
    const { config } = await fetchChainConfig(l1, net.network.deployment.contracts.ChainRegistry, 901n)
    assert.deepEqual(config.gasToken, { address: usdc, ...USDC })
    // Wallets: the EIP-3085 parameters name the token, with the L2 balance's 18 decimals.
    const published = net.network.registry().chains.find((c) => c.chainId === 901)
    assert.deepEqual(published?.addEthereumChain.nativeCurrency, { name: 'USD Coin', symbol: 'USDC', decimals: 18 })
  })

  it('6 decimals: deposit, pay gas, transfer, withdraw — proven and finalized on L1 after the window', async (t) => {
    const c = ctx[901]!
    const holder = privateKeyToAccount(generatePrivateKey())
    const friend = privateKeyToAccount(generatePrivateKey()).address
    const l1Recipient = privateKeyToAccount(generatePrivateKey()).address

    // The dev accounts' genesis balances are escrowed at start (in USDC units).
    const genesisEscrow = await escrow(901, usdc)
    assert.ok(genesisEscrow > 0n)
    // Deposit 100 USDC on L1 → exactly 100 × 10^18 wei of native balance on L2.
    const deposit = await depositGasToken(c, { amount: 100_000_000n, to: holder.address })
    t.diagnostic(`L1 gas of depositGasToken (USDC, approve not included): ${deposit.gasUsed}`)
    await waitFor(async () => (await c.l2.getBalance({ address: holder.address })) === parseEther('100'), 30_000, 'the deposit on L2')
    assert.equal(await escrow(901, usdc), genesisEscrow + 100_000_000n)

    // Pay gas: the holder's only funds are the deposit; fees come out of it, to the wei.
    const wallet = createWalletClient({ account: holder, chain: c.l2Wallet.chain, transport: http(net.l2Url(901)) })
    const hash = await wallet.sendTransaction({ to: friend, value: parseEther('10'), chain: c.l2Wallet.chain })
    const receipt = await c.l2.waitForTransactionReceipt({ hash, pollingInterval: 100 })
    const l1Fee = BigInt((receipt as unknown as { l1Fee: Hex | bigint }).l1Fee)
    assert.ok(l1Fee > 0n, 'the L1 data fee is charged in the native asset too')
    const fees = receipt.gasUsed * receipt.effectiveGasPrice + l1Fee
    assert.equal(await c.l2.getBalance({ address: holder.address }), parseEther('90') - fees)
    assert.equal(await c.l2.getBalance({ address: friend }), parseEther('10'))

    // Withdraw 25 USDC: the L2 value is 25 × 10^18 wei; L1 pays out 25 × 10^6 token units.
    const holderCtx = await createBridgeContext({ l2Url: net.l2Url(901), account: holder })
    await assert.rejects(initiateWithdrawal(holderCtx, { amount: parseEther('1') + 1n }), BridgeError)
    const dust = c.l2.simulateContract({
      address: PREDEPLOYS.L2ToL1MessagePasser,
      abi: abiOf('L2ToL1MessagePasser'),
      functionName: 'initiateWithdrawal',
      args: [l1Recipient, 100_000n, '0x'],
      value: parseEther('1') + 1n,
      account: holder,
    })
    assert.equal(await revertName(dust), 'WithdrawalValueNotWholeTokenUnits')
    const w = await initiateWithdrawal(holderCtx, { amount: parseEther('25'), to: l1Recipient })
    const finalized = await proveAndFinalize(c, w)
    t.diagnostic(`L1 gas of finalizeWithdrawal (USDC to an EOA): ${finalized.gasUsed}`)
    assert.equal(await tokenBalance(usdc, l1Recipient), 25_000_000n)
    assert.equal(await escrow(901, usdc), genesisEscrow + 75_000_000n)
    await assert.rejects(finalizeWithdrawal(c, w), BridgeError)
  })

  it('18 decimals: one token unit is one wei, in and out', async () => {
    const c = ctx[902]!
    const l1Recipient = privateKeyToAccount(generatePrivateKey()).address
    const before = await c.l2.getBalance({ address: user.address })
    const escrowBefore = await escrow(902, gas)
    await depositGasToken(c, { amount: 5n * 10n ** 18n + 3n })
    await waitFor(async () => (await c.l2.getBalance({ address: user.address })) === before + 5n * 10n ** 18n + 3n, 30_000, 'the deposit on L2')
    const w = await initiateWithdrawal(c, { amount: 2n * 10n ** 18n + 1n, to: l1Recipient })
    await proveAndFinalize(c, w)
    assert.equal(await tokenBalance(gas, l1Recipient), 2n * 10n ** 18n + 1n)
    assert.equal(await escrow(902, gas), escrowBefore + 3n * 10n ** 18n + 2n)
    // Each gas-token chain's native asset is backed in its token, per chain.
    const report = await assertBacked(net.network)
    assert.deepEqual(report.assets.filter((a) => a.kind === 'gas-token').map((a) => a.l1Token?.toLowerCase()).sort(), [usdc.toLowerCase(), gas.toLowerCase()].sort())
  })

  it('refuses ETH on a gas-token chain: L1 deposits and the interop ETH bridge', async () => {
    const c = ctx[901]!
    await assert.rejects(depositETH(c, { amount: 1n }), BridgeError)
    const viaPortal = l1.simulateContract({
      address: net.network.deployment.contracts.Portal,
      abi: abiOf('Portal'),
      functionName: 'depositETH',
      args: [901n, user.address],
      value: 1n,
      account: user,
    })
    assert.equal(await revertName(viaPortal), 'ChainUsesGasToken')
    const sendETH = c.l2.simulateContract({
      address: PREDEPLOYS.SuperchainETHBridge,
      abi: loadArtifact('SuperchainETHBridge').abi,
      functionName: 'sendETH',
      args: [user.address, 902n],
      value: 1n,
      account: user,
    })
    assert.equal(await revertName(sendETH), 'NotSupportedOnCustomGasToken')
  })

  it('plexus deposit / withdraw take amounts in the gas token\'s decimals', async () => {
    const key = devAccounts()[2]!.privateKey
    const holder = privateKeyToAccount(key)
    const recipient = privateKeyToAccount(generatePrivateKey()).address
    const common = ['--chain', '901', '--l2-rpc', net.l2Url(901), '--key', key, '--json']
    const before = await ctx[901]!.l2.getBalance({ address: holder.address })
    const dep = await runCli(['deposit', ...common, '--amount', '12.345678'])
    assert.equal(dep.code, 0, dep.out)
    const arrived = dep.out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>).find((s) => s.stage === 'arrived')
    assert.equal(arrived?.asset, 'USDC')
    assert.ok((await ctx[901]!.l2.getBalance({ address: holder.address })) - before >= 12_345_678n * 10n ** 12n)

    const tooPrecise = await runCli(['deposit', ...common, '--amount', '1.0000001'])
    assert.equal(tooPrecise.code, 1)
    assert.match(tooPrecise.out, /--amount: "1.0000001" has 7 decimal places; the asset has 6/)

    const wd = await runCli(['withdraw', ...common, '--amount', '2.5', '--to', recipient, '--wait'])
    assert.equal(wd.code, 0, wd.out)
    assert.match(wd.out, /"stage":"finalized"/)
    assert.equal(await tokenBalance(usdc, recipient), 2_500_000n)
  })

  it('a replica rebuilds both chains from L1 alone: same blocks and roots, same native asset', async () => {
    const targets = new Map<number, bigint>()
    for (const id of [901, 902]) targets.set(id, await ctx[id]!.l2.getBlockNumber())
    const { replica, stop } = await startTestReplica(net, { name: 'gas-token' })
    try {
      for (const id of [901, 902]) {
        const url = replica.node(id).rpcUrl()
        await safeAtLeast(url, targets.get(id)!)
        await assertSameChain(net.l2Url(id), url, targets.get(id)!)
      }
      const replicaCtx = await createBridgeContext({ l2Url: replica.node(901).rpcUrl(), l1Url: net.l1Url, account: user })
      assert.deepEqual(replicaCtx.nativeAsset, ctx[901]!.nativeAsset)
    } finally {
      await stop()
    }
  })

  it('a restart reuses the dev tokens and registrations; a changed native asset is refused', async () => {
    const holderBalance = await ctx[901]!.l2.getBalance({ address: user.address })
    await net.stop()
    net = await startTestNetwork(networkOptions(dir))
    l1 = createPublicClient({ transport: http(net.l1Url) }) as PublicClient // a new port
    const registry = net.network.deployment.contracts.ChainRegistry
    assert.equal((await registeredGasToken(l1, registry, 901n))!.address, usdc)
    assert.equal((await registeredGasToken(l1, registry, 902n))!.address, gas)
    const records = JSON.parse(readFileSync(devGasTokensFile(dir), 'utf8')) as { address: Hex }[]
    assert.deepEqual(records.map((r) => r.address), [usdc, gas], 'one dev token per (name, symbol, decimals), deployed once')
    const l2 = createPublicClient({ transport: http(net.l2Url(901)) })
    assert.ok((await l2.getBalance({ address: user.address })) >= holderBalance)
    const c = await createBridgeContext({ l2Url: net.l2Url(901), account: user })
    assert.equal(c.nativeAsset.l1Token, usdc)
    await net.stop()

    // 901 as an ETH chain: its registration on L1 says USDC.
    await assert.rejects(startTestNetwork({ ...networkOptions(dir), gasTokens: { 902: GAS } }), (err) => {
      assert.ok(err instanceof ConfigError, String(err))
      assert.equal(err.path, 'chains[0].gasToken')
      assert.match(err.message, /registered on L1 with the token 0x[0-9a-fA-F]{40} as its native asset, but the config asks for ETH/)
      return true
    })
    // No start after this one: anvil, loading its state file, writes a second block 0 into it,
    // so which genesis the start after next sees is arbitrary (an embedded-L1 issue, not ours).
  })
})
