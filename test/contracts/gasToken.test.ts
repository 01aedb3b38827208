import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import {
  encodeFunctionData,
  encodePacked,
  erc20Abi,
  keccak256,
  parseEther,
  toHex,
  zeroAddress,
  type Address,
  type Hex,
  type TransactionReceipt,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { initCrypto } from '../../src/primitives/crypto.js'
import { depositFromLog } from '../../src/settlement/deposits.js'
import {
  abis,
  deploySettlement,
  eventsOf,
  outputRoot,
  registerChain,
  sentMessageSlot,
  startL1,
  withdrawalHash,
  type L1,
  type Withdrawal,
} from './setup.js'
import { passerSlots, storageTrie } from './trie.js'

const ETH_CHAIN = 901n
const USDC_CHAIN = 902n // 6 decimals
const ZERO_DEC_CHAIN = 903n // 0 decimals
const GAS18_CHAIN = 904n // 18 decimals
const WINDOW = 600
const ZERO: Hex = `0x${'00'.repeat(32)}`
const ETHER: Address = '0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE'

describe('custom gas token on L1: registry and portal', () => {
  let l1: L1
  let registry: Address
  let portal: Address
  let oracle: Address
  let caller: Address
  const tokens: Record<string, Address> = {}
  const unitOf: Record<string, bigint> = {}
  const user = () => l1.accounts[0]!
  const recipient = privateKeyToAccount(keccak256(toHex('gas token recipient'))).address
  const portalCall = (functionName: string, args: readonly unknown[], value = 0n) =>
    ({ address: portal, abi: abis.portal, functionName, args, value, from: user() })
  const registryCall = (functionName: string, args: readonly unknown[], from = 0) =>
    ({ address: registry, abi: abis.registry, functionName, args, from: l1.accounts[from]! })
  const registerWithToken = (chainId: bigint, token: Address) =>
    registryCall('registerChainWithGasToken', [chainId, keccak256(toHex(chainId)), l1.accounts[2]!.address, l1.accounts[3]!.address, BigInt(WINDOW), '0x', token])
  const deployToken = (name: string, symbol: string, decimals: number) =>
    l1.deploy('DevGasToken', [name, symbol, decimals, l1.accounts.map((a) => a.address), 10n ** 30n])
  const approve = (token: Address, amount = 2n ** 255n) =>
    l1.send({ address: token, abi: erc20Abi, functionName: 'approve', args: [portal, amount], from: user() })
  const balanceOf = (token: Address, who: Address) => l1.read<bigint>(token, erc20Abi, 'balanceOf', [who])

  before(async () => {
    await initCrypto()
    l1 = await startL1()
    ;({ registry, portal, oracle } = await deploySettlement(l1))
    caller = await l1.deploy('PortalTestCaller', [portal])
    tokens.usdc = await deployToken('USD Coin', 'USDC', 6)
    tokens.zero = await deployToken('Whole Token', 'WHOLE', 0)
    tokens.gas18 = await deployToken('Gas Token', 'GAS', 18)
    Object.assign(unitOf, { usdc: 10n ** 12n, zero: 10n ** 18n, gas18: 1n })
    await registerChain(l1, registry, ETH_CHAIN, BigInt(WINDOW))
    for (const t of Object.values(tokens)) await approve(t)
  })
  after(async () => l1?.stop())

  test('registerChainWithGasToken fixes the token and the decimals it reads from it', async (t) => {
    const receipt = await l1.send(registerWithToken(USDC_CHAIN, tokens.usdc!))
    t.diagnostic(`registerChainWithGasToken gas: ${receipt.gasUsed}`)
    assert.deepEqual(eventsOf(receipt, abis.registry, 'GasPayingTokenSet')[0]!.args, { chainId: USDC_CHAIN, token: tokens.usdc, decimals: 6 })
    await l1.send(registerWithToken(ZERO_DEC_CHAIN, tokens.zero!))
    await l1.send(registerWithToken(GAS18_CHAIN, tokens.gas18!))
    assert.deepEqual(await l1.read(registry, abis.registry, 'gasPayingToken', [USDC_CHAIN]), [tokens.usdc, 6])
    assert.deepEqual(await l1.read(registry, abis.registry, 'gasPayingToken', [ZERO_DEC_CHAIN]), [tokens.zero, 0])
    assert.deepEqual(await l1.read(registry, abis.registry, 'gasPayingToken', [GAS18_CHAIN]), [tokens.gas18, 18])
    // An ETH chain answers as the OP Stack does.
    assert.deepEqual(await l1.read(registry, abis.registry, 'gasPayingToken', [ETH_CHAIN]), [ETHER, 18])
    assert.equal(await l1.read(registry, abis.registry, 'isCustomGasToken', [USDC_CHAIN]), true)
    assert.equal(await l1.read(registry, abis.registry, 'isCustomGasToken', [ETH_CHAIN]), false)
    const info = await l1.read<{ gasToken: Address; gasTokenDecimals: number }>(registry, abis.registry, 'getChain', [USDC_CHAIN])
    assert.deepEqual([info.gasToken, info.gasTokenDecimals], [tokens.usdc, 6])
    await l1.expectRevert(registryCall('gasPayingToken', [999n]), 'ChainNotRegistered')
  })

  test('the registry refuses what cannot be a gas token, and non-owners', async () => {
    const tooPrecise = await deployToken('Too Precise', 'TP', 19)
    const noDecimals = await l1.deploy('TestBytes32Token')
    for (const bad of [tooPrecise, noDecimals, l1.accounts[4]!.address, zeroAddress, ETHER]) {
      assert.deepEqual(await l1.expectRevert(registerWithToken(990n, bad), 'InvalidGasToken'), [bad])
    }
    await l1.expectRevert({ ...registerWithToken(990n, tokens.usdc!), from: l1.accounts[1]! }, 'NotOwner')
    await l1.expectRevert(registerWithToken(USDC_CHAIN, tokens.usdc!), 'ChainAlreadyRegistered')
  })

  test('depositGasToken mints amount × 10^(18 − decimals) on L2, as the node derives it from the log', async (t) => {
    const to = l1.accounts[4]!.address
    const cases: [bigint, string, bigint][] = [
      [USDC_CHAIN, 'usdc', 250_500_000n], // 250.5 USDC
      [ZERO_DEC_CHAIN, 'zero', 7n],
      [GAS18_CHAIN, 'gas18', parseEther('3.25')],
    ]
    for (const [chainId, name, amount] of cases) {
      const token = tokens[name]!
      const before = await balanceOf(token, user().address)
      const receipt = await l1.send(portalCall('depositGasToken', [chainId, to, amount]))
      if (name === 'usdc') t.diagnostic(`depositGasToken (6 decimals, first deposit of the token) gas: ${receipt.gasUsed}`)
      const l2Amount = amount * unitOf[name]!
      const [event] = eventsOf(receipt, abis.portal, 'TransactionDeposited')
      assert.equal(event!.args.opaqueData, encodePacked(['uint256', 'uint256', 'uint64', 'bool', 'bytes'], [l2Amount, l2Amount, 100_000n, false, '0x']))
      const derived = depositFromLog(depositLog(receipt))
      assert.equal(derived.chainId, chainId)
      assert.equal(derived.tx.mint, l2Amount)
      assert.equal(derived.tx.value, l2Amount)
      assert.equal(before - (await balanceOf(token, user().address)), amount)
      assert.equal(await l1.read(portal, abis.portal, 'erc20Locked', [chainId, token]), amount)
      assert.equal(await l1.read(portal, abis.portal, 'isEscrowedToken', [token]), true)
    }
    const again = await l1.send(portalCall('depositGasToken', [USDC_CHAIN, to, 1_000_000n]))
    t.diagnostic(`depositGasToken (6 decimals) gas: ${again.gasUsed}`)
    assert.equal(await l1.read(portal, abis.portal, 'erc20Locked', [USDC_CHAIN, tokens.usdc]), 251_500_000n)
    assert.equal(await l1.read(portal, abis.portal, 'ethLocked', [USDC_CHAIN]), 0n)
    await l1.expectRevert(portalCall('depositGasToken', [USDC_CHAIN, to, 0n]), 'NothingReceived')
  })

  test('depositERC20Transaction: mint in token units, the call as given; mint 0 sends a message only', async () => {
    const data: Hex = '0xabcdef'
    const receipt = await l1.send(portalCall('depositERC20Transaction', [USDC_CHAIN, caller, 3_000_000n, 5n, 200_000n, false, data]))
    const derived = depositFromLog(depositLog(receipt))
    assert.deepEqual(
      { mint: derived.tx.mint, value: derived.tx.value, gasLimit: derived.tx.gasLimit, to: derived.tx.to?.toString().toLowerCase(), data: toHex(derived.tx.data) },
      { mint: 3n * 10n ** 18n, value: 5n, gasLimit: 200_000n, to: caller.toLowerCase(), data },
    )
    const before = await l1.read<bigint>(portal, abis.portal, 'erc20Locked', [USDC_CHAIN, tokens.usdc])
    const message = await l1.send(portalCall('depositERC20Transaction', [USDC_CHAIN, caller, 0n, 1n, 50_000n, false, '0x']))
    assert.equal(depositFromLog(depositLog(message)).tx.mint, 0n)
    assert.equal(await l1.read(portal, abis.portal, 'erc20Locked', [USDC_CHAIN, tokens.usdc]), before)
  })

  test('a gas-token chain refuses ETH; an ETH chain has no gas token; the gas token is not bridged to its own chain', async () => {
    const to = l1.accounts[4]!.address
    assert.deepEqual(await l1.expectRevert(portalCall('depositETH', [USDC_CHAIN, to], 1n), 'ChainUsesGasToken'), [USDC_CHAIN, tokens.usdc])
    await l1.expectRevert(portalCall('depositTransaction', [USDC_CHAIN, to, 0n, 50_000n, false, '0x'], 1n), 'ChainUsesGasToken')
    // A message without ETH is fine (its L2 value comes from the sender's L2 balance).
    await l1.send(portalCall('depositTransaction', [USDC_CHAIN, to, 1n, 50_000n, false, '0x']))
    await l1.expectRevert(portalCall('depositGasToken', [ETH_CHAIN, to, 1n]), 'ChainUsesEth')
    await l1.expectRevert(portalCall('depositERC20Transaction', [ETH_CHAIN, to, 1n, 0n, 50_000n, false, '0x']), 'ChainUsesEth')
    await l1.expectRevert(portalCall('depositGasToken', [999n, to, 1n]), 'ChainNotRegistered')
    await l1.expectRevert(portalCall('depositERC20', [USDC_CHAIN, tokens.usdc, to, 1n]), 'TokenIsGasToken')
    // To an ETH chain the same token is an ordinary bridged ERC-20.
    await l1.send(portalCall('depositERC20', [ETH_CHAIN, tokens.usdc, to, 5_000_000n]))
    assert.equal(await l1.read(portal, abis.portal, 'erc20Locked', [ETH_CHAIN, tokens.usdc]), 5_000_000n)
    // ETH deposits to ETH chains are unchanged.
    await l1.send(portalCall('depositETH', [ETH_CHAIN, to], parseEther('2')))
    assert.equal(await l1.read(portal, abis.portal, 'ethLocked', [ETH_CHAIN]), parseEther('2'))
  })

  describe('withdrawals', () => {
    const l2User = privateKeyToAccount(keccak256(toHex('gas token l2 user'))).address
    const attacker = privateKeyToAccount(keccak256(toHex('attacker'))).address
    const base = { sender: l2User, gasLimit: 100_000n, data: '0x' as Hex }
    const transferAll = (amount: bigint) => encodeFunctionData({ abi: erc20Abi, functionName: 'transfer', args: [attacker, amount] })
    const w: Record<string, Withdrawal & { chainId: bigint }> = {}

    before(async () => {
      const recordCall = encodeFunctionData({ abi: abis.caller, functionName: 'record', args: ['0xbeef'] })
      Object.assign(w, {
        usdc: { ...base, chainId: USDC_CHAIN, nonce: 0n, target: recipient, value: parseEther('2.5') },
        withCall: { ...base, chainId: USDC_CHAIN, nonce: 1n, target: caller, value: parseEther('1'), data: recordCall },
        dust: { ...base, chainId: USDC_CHAIN, nonce: 2n, target: recipient, value: parseEther('1') + 1n },
        stealGasToken: { ...base, chainId: USDC_CHAIN, nonce: 3n, target: tokens.usdc, value: 0n, data: transferAll(251_000_000n) },
        tooMuch: { ...base, chainId: USDC_CHAIN, nonce: 4n, target: recipient, value: parseEther('1000') },
        zero: { ...base, chainId: ZERO_DEC_CHAIN, nonce: 0n, target: recipient, value: parseEther('3') },
        gas18: { ...base, chainId: GAS18_CHAIN, nonce: 0n, target: recipient, value: 7n },
        // Not a gas-token issue: on an ETH chain too, a withdrawal may not call an escrowed token.
        stealBridged: { ...base, chainId: ETH_CHAIN, nonce: 0n, target: tokens.usdc, value: 0n, data: transferAll(5_000_000n) },
      })
      const byChain = new Map<bigint, (Withdrawal & { chainId: bigint })[]>()
      for (const x of Object.values(w)) byChain.set(x.chainId, [...(byChain.get(x.chainId) ?? []), x])
      for (const [chainId, list] of byChain) {
        const trie = await storageTrie(passerSlots(list.map(({ chainId: _, ...wtx }) => withdrawalHash(wtx))))
        const stateRoot = keccak256(toHex(`state ${chainId}`))
        const blockHash = keccak256(toHex(`block ${chainId}`))
        await l1.send({
          address: oracle,
          abi: abis.oracle,
          functionName: 'proposeOutput',
          args: [chainId, outputRoot(stateRoot, trie.root, blockHash), 100n, ZERO, 0n],
          from: l1.accounts[3]!,
        })
        const proof = { version: ZERO, stateRoot, messagePasserStorageRoot: trie.root, latestBlockhash: blockHash }
        for (const x of list) {
          const { chainId: _, ...wtx } = x
          await l1.send(portalCall('proveWithdrawal', [chainId, wtx, 0n, proof, await trie.proof(sentMessageSlot(withdrawalHash(wtx)))]))
        }
      }
      await l1.advance(WINDOW + 1)
    })

    const finalize = (x: Withdrawal & { chainId: bigint }) => {
      const { chainId, ...wtx } = x
      return portalCall('finalizeWithdrawal', [chainId, wtx])
    }

    test('a native withdrawal of v wei releases v / 10^(18 − decimals) tokens from the chain escrow', async (t) => {
      const receipt = await l1.send(finalize(w.usdc!))
      t.diagnostic(`finalizeWithdrawal (6-decimal gas token to an EOA) gas: ${receipt.gasUsed}`)
      assert.equal(await balanceOf(tokens.usdc!, recipient), 2_500_000n)
      assert.equal(await l1.read(portal, abis.portal, 'erc20Locked', [USDC_CHAIN, tokens.usdc]), 252_000_000n)
      assert.equal(eventsOf(receipt, abis.portal, 'WithdrawalFinalized')[0]!.args.success, true)
      await l1.expectRevert(finalize(w.usdc!), 'WithdrawalAlreadyFinalized')

      await l1.send(finalize(w.zero!))
      assert.equal(await balanceOf(tokens.zero!, recipient), 3n)
      assert.equal(await l1.read(portal, abis.portal, 'erc20Locked', [ZERO_DEC_CHAIN, tokens.zero]), 4n)
      await l1.send(finalize(w.gas18!))
      assert.equal(await balanceOf(tokens.gas18!, recipient), 7n)
    })

    test('with data, the tokens go to the target and then it is called without value', async () => {
      await l1.send(finalize(w.withCall!))
      assert.equal(await balanceOf(tokens.usdc!, caller), 1_000_000n)
      assert.equal(await l1.read(caller, abis.caller, 'seenValue'), 0n)
      assert.equal(await l1.read(caller, abis.caller, 'seenL2ChainId'), USDC_CHAIN)
      assert.equal(await l1.read(caller, abis.caller, 'seenL2Sender'), l2User)
      assert.equal(await l1.read(caller, abis.caller, 'seenData'), '0xbeef')
    })

    test('dust, more than the escrow, and calls to an escrowed token are refused', async () => {
      assert.deepEqual(await l1.expectRevert(finalize(w.dust!), 'InexactGasTokenAmount'), [parseEther('1') + 1n, 10n ** 12n])
      await l1.expectRevert(finalize(w.tooMuch!), 'InsufficientLockedTokens')
      assert.deepEqual(await l1.expectRevert(finalize(w.stealGasToken!), 'CallToEscrowedToken'), [tokens.usdc])
      assert.deepEqual(await l1.expectRevert(finalize(w.stealBridged!), 'CallToEscrowedToken'), [tokens.usdc])
      assert.equal(await balanceOf(tokens.usdc!, attacker), 0n)
    })
  })
})

/** The portal's TransactionDeposited log of `receipt`. */
function depositLog(receipt: TransactionReceipt) {
  const topic = keccak256(toHex('TransactionDeposited(uint256,address,address,uint256,bytes)'))
  const log = receipt.logs.find((l) => l.topics[0] === topic)
  assert.ok(log, 'TransactionDeposited emitted')
  return log
}
