// Hostile input on the Portal: every refused deposit or withdrawal reverts with its named error
// and moves nothing — no ETH, no token, no escrow counter, no deposit nonce, no proof record.
// Tokens that misbehave (no return value, false, reverting, fee-on-transfer, rebasing, re-entering,
// hostile metadata) and withdrawal targets that re-enter are the attackers here.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { decodeFunctionData, encodeFunctionData, keccak256, maxUint256, parseEther, toHex, zeroAddress, type Abi, type Address, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { loadArtifact } from '../helpers/artifacts.js'
import { impersonate, mustSend, refuse, type Attempt } from './hostile.js'
import { abis, deploySettlement, eventsOf, L2_BRIDGE, outputRoot, registerChain, sentMessageSlot, startL1, withdrawalHash, type L1, type Withdrawal } from './setup.js'
import { passerSlots, storageTrie, type StorageTrie } from './trie.js'

const A = 901n
const B = 902n
const G = 903n // native asset: a token that returns nothing from transfer
const UNKNOWN = 999n
const WINDOW = 600
const ZERO: Hex = `0x${'00'.repeat(32)}`
const art = (name: string) => loadArtifact(name).abi
const tokenAbi: Abi = [...art('RevertingToken'), ...art('FalseReturnToken'), ...art('RebasingToken'), ...art('ReentrantToken'), ...art('MetadataToken')]
const reentererAbi = art('Reenterer')

describe('Portal under hostile input', () => {
  let l1: L1
  let portal: Address
  let registry: Address
  let oracle: Address
  let reenterer: Address
  const tokens: Record<string, Address> = {}
  const user = () => l1.accounts[4]!.address
  const recipient = privateKeyToAccount(keccak256(toHex('hostile recipient'))).address
  const attacker = privateKeyToAccount(keccak256(toHex('attacker'))).address

  const portalCall = (functionName: string, args: readonly unknown[], value?: bigint, from = user()): Attempt =>
    ({ to: portal, abi: abis.portal, functionName, args, value, from })
  const tokenCall = (token: string, functionName: string, args: readonly unknown[], from = user()): Attempt =>
    ({ to: tokens[token]!, abi: tokenAbi, functionName, args, from })
  const balance = (token: string, who: Address) => l1.read<bigint>(tokens[token]!, tokenAbi, 'balanceOf', [who])

  /** Everything a refused call must leave as it was. */
  async function state() {
    const out: Record<string, unknown> = {
      portalEth: await l1.pub.getBalance({ address: portal }),
      userEth: await l1.pub.getBalance({ address: recipient }),
      attackerEth: await l1.pub.getBalance({ address: attacker }),
    }
    for (const c of [A, B, G]) {
      out[`ethLocked ${c}`] = await l1.read(portal, abis.portal, 'ethLocked', [c])
      out[`nonce ${c}`] = await l1.read(portal, abis.portal, 'depositNonce', [c])
      for (const t of Object.keys(tokens)) out[`locked ${c} ${t}`] = await l1.read(portal, abis.portal, 'erc20Locked', [c, tokens[t]])
    }
    for (const t of Object.keys(tokens)) {
      for (const [who, a] of [['portal', portal], ['user', user()], ['recipient', recipient], ['attacker', attacker]] as const) {
        out[`${t} ${who}`] = await balance(t, a)
      }
    }
    return out
  }

  before(async () => {
    l1 = await startL1()
    ;({ portal, registry, oracle } = await deploySettlement(l1))
    await registerChain(l1, registry, A, BigInt(WINDOW))
    await registerChain(l1, registry, B, BigInt(WINDOW))
    for (const name of ['NoReturnToken', 'FalseReturnToken', 'RevertingToken', 'RebasingToken', 'ReentrantToken', 'MetadataToken', 'TestFeeToken']) {
      tokens[name] = await l1.deploy(name, [], l1.accounts[4]!)
      if (name !== 'TestFeeToken') await mustSend(l1, tokenCall(name, 'mint', [user(), parseEther('1000')]))
      await mustSend(l1, tokenCall(name, 'approve', [portal, maxUint256]))
    }
    await l1.send({
      address: registry, abi: abis.registry, functionName: 'registerChainWithGasToken',
      args: [G, keccak256(toHex('G')), l1.accounts[2]!.address, l1.accounts[3]!.address, BigInt(WINDOW), '0x', tokens.NoReturnToken],
    })
    reenterer = await l1.deploy('Reenterer')
  })
  after(async () => l1?.stop())

  test('unknown chain ids (0, unregistered, 2^256-1) are refused on every deposit path', async () => {
    for (const id of [0n, UNKNOWN, maxUint256]) {
      const named = [id]
      await refuse(l1, portalCall('depositETH', [id, user()], 1n), 'ChainNotRegistered', named, state)
      await refuse(l1, portalCall('depositTransaction', [id, user(), 0n, 100_000n, false, '0x'], 0n), 'ChainNotRegistered', named, state)
      await refuse(l1, portalCall('depositTransaction', [id, user(), 0n, 100_000n, false, '0x'], 5n), 'ChainNotRegistered', named, state)
      await refuse(l1, portalCall('depositERC20', [id, tokens.NoReturnToken, user(), 1n]), 'ChainNotRegistered', named, state)
      await refuse(l1, portalCall('depositGasToken', [id, user(), 1n]), 'ChainNotRegistered', named, state)
      await refuse(l1, portalCall('depositERC20Transaction', [id, user(), 1n, 0n, 100_000n, false, '0x']), 'ChainNotRegistered', named, state)
    }
  })

  test('value where none is expected: ETH to a gas-token chain, ETH with a token deposit, bare ETH', async () => {
    const gas = [G, tokens.NoReturnToken]
    await refuse(l1, portalCall('depositETH', [G, user()], 1n), 'ChainUsesGasToken', gas, state)
    await refuse(l1, portalCall('depositTransaction', [G, user(), 0n, 100_000n, false, '0x'], 1n), 'ChainUsesGasToken', gas, state)
    await refuse(l1, portalCall('depositGasToken', [A, user(), 1n]), 'ChainUsesEth', [A], state)
    await refuse(l1, portalCall('depositERC20Transaction', [A, user(), 1n, 0n, 100_000n, false, '0x']), 'ChainUsesEth', [A], state)
    await refuse(l1, portalCall('depositERC20', [G, tokens.NoReturnToken, user(), 1n]), 'TokenIsGasToken', [G, tokens.NoReturnToken], state)
    // Non-payable functions and the portal without a receive(): Solidity's own check, no data.
    await refuse(l1, portalCall('depositERC20', [A, tokens.NoReturnToken, user(), 1n], 1n), 'EmptyRevert', [], state)
    await refuse(l1, portalCall('finalizeWithdrawal', [A, { nonce: 0n, sender: user(), target: user(), value: 0n, gasLimit: 0n, data: '0x' }], 1n), 'EmptyRevert', [], state)
    await refuse(l1, { to: portal, functionName: 'bare ETH', data: '0x', value: 1n, from: user() }, 'EmptyRevert', [], state)
    await refuse(l1, { to: portal, functionName: 'unknown selector', data: '0xdeadbeef', value: 0n, from: user() }, 'EmptyRevert', [], state)
  })

  test('zero addresses and tokens that are not contracts', async () => {
    await refuse(l1, portalCall('depositERC20', [A, tokens.NoReturnToken, zeroAddress, 1n]), 'InvalidRecipient', [], state)
    await refuse(l1, portalCall('depositERC20', [A, zeroAddress, user(), 1n]), 'InvalidToken', [zeroAddress], state)
    await refuse(l1, portalCall('depositERC20', [A, attacker, user(), 1n]), 'InvalidToken', [attacker], state)
    await refuse(l1, portalCall('depositTransaction', [A, user(), 0n, 100_000n, true, '0x'], 0n), 'CreationWithTarget', [], state)
  })

  test('overflow-sized numbers: gas limits, data, amounts', async () => {
    const max64 = 2n ** 64n - 1n
    await refuse(l1, portalCall('depositTransaction', [A, user(), 0n, 0n, false, '0x'], 0n), 'GasLimitTooLow', [0n, 21_000n], state)
    await refuse(l1, portalCall('depositTransaction', [A, user(), maxUint256, max64, false, '0x'], 0n), 'GasLimitTooHigh', [max64, 16_000_000n], state)
    // 400 kB of data needs more gas than any deposit may have.
    const big = `0x${'ab'.repeat(400_000)}` as Hex
    await refuse(l1, { ...portalCall('depositTransaction', [A, user(), 0n, 16_000_000n, false, big], 0n), gas: 30_000_000n }, 'GasLimitTooLow', [16_000_000n, 21_000n + 40n * 400_000n], state)
    // More tokens than the depositor has: the token's own error, bubbled up.
    await refuse(l1, portalCall('depositERC20', [A, tokens.RevertingToken, user(), maxUint256]), 'InsufficientBalance', [user(), parseEther('1000'), maxUint256], state)
    await refuse(l1, portalCall('depositGasToken', [G, user(), 0n]), 'NothingReceived', [], state)
    // Two 16M-gas deposits in one L1 block exceed the chain's 30M deposit gas per block.
    const deposit = encodeFunctionData({ abi: abis.portal, functionName: 'depositTransaction', args: [A, user(), 0n, 16_000_000n, false, '0x'] })
    await refuse(l1, { to: reenterer, abi: reentererAbi, functionName: 'goMany', args: [portal, [deposit, deposit]], from: user() }, 'DepositGasCapReached', [A, 16_000_000n, 16_000_000n], state)
  })

  test('tokens without a return value are accepted; false, reverting and shrinking ones are refused', async () => {
    await mustSend(l1, portalCall('depositERC20', [A, tokens.NoReturnToken, user(), parseEther('10')]))
    await mustSend(l1, portalCall('depositGasToken', [G, user(), parseEther('10')]))
    assert.equal(await l1.read(portal, abis.portal, 'erc20Locked', [A, tokens.NoReturnToken]), parseEther('10'))
    assert.equal(await l1.read(portal, abis.portal, 'erc20Locked', [G, tokens.NoReturnToken]), parseEther('10'))

    await mustSend(l1, tokenCall('FalseReturnToken', 'setFailing', [true]))
    await refuse(l1, portalCall('depositERC20', [A, tokens.FalseReturnToken, user(), 1n]), 'SafeERC20FailedOperation', [tokens.FalseReturnToken], state)
    await mustSend(l1, tokenCall('FalseReturnToken', 'setFailing', [false]))

    await mustSend(l1, tokenCall('RevertingToken', 'setRefusing', [true]))
    await refuse(l1, portalCall('depositERC20', [A, tokens.RevertingToken, user(), 5n]), 'TransferRefused', [user(), portal, 5n], state)
    await mustSend(l1, tokenCall('RevertingToken', 'setRefusing', [false]))

    // The portal already holds some; the token halves every balance during the transfer in.
    await mustSend(l1, portalCall('depositERC20', [A, tokens.RebasingToken, user(), parseEther('100')]))
    await mustSend(l1, tokenCall('RebasingToken', 'setShrinkOnTransferFrom', [parseEther('0.5')]))
    await refuse(l1, portalCall('depositERC20', [A, tokens.RebasingToken, user(), parseEther('10')]), 'NothingReceived', [], state)
    await mustSend(l1, tokenCall('RebasingToken', 'setShrinkOnTransferFrom', [0n]))
  })

  test('fee-on-transfer credits what arrived; the escrow never exceeds the portal balance', async () => {
    await mustSend(l1, portalCall('depositERC20', [A, tokens.TestFeeToken, user(), 1_000_000n]))
    assert.equal(await l1.read(portal, abis.portal, 'erc20Locked', [A, tokens.TestFeeToken]), 990_000n)
    assert.equal(await balance('TestFeeToken', portal), 990_000n)
  })

  test('a token re-entering the portal during a deposit is refused with ReentrantDeposit', async () => {
    const nested = encodeFunctionData({ abi: abis.portal, functionName: 'depositERC20', args: [A, tokens.ReentrantToken, user(), 1n] })
    await mustSend(l1, tokenCall('ReentrantToken', 'setHook', [portal, nested]))
    await refuse(l1, portalCall('depositERC20', [A, tokens.ReentrantToken, user(), 7n]), 'ReentrantDeposit', [], state)
    await mustSend(l1, tokenCall('ReentrantToken', 'setHook', [zeroAddress, '0x']))
    await mustSend(l1, portalCall('depositERC20', [A, tokens.ReentrantToken, user(), parseEther('50')]))
  })

  test('hostile metadata (huge, reverting, gas-burning, malformed, bytes32, out-of-range decimals) falls back and stays bounded', async () => {
    const bridgeAbi = abis.bridge
    for (const [mode, size, name, symbol, decimals] of [
      [1n, 100_000n, 'Bridged Token', 'BRIDGED', 18],
      [1n, 128n, 'N'.repeat(128), 'S'.repeat(128), 18],
      [2n, 0n, 'Bridged Token', 'BRIDGED', 18],
      [3n, 300n, 'Meta', 'Meta', 18],
      [3n, 6n, 'Meta', 'Meta', 6],
      [4n, 0n, 'Bridged Token', 'BRIDGED', 18],
      [5n, 0n, 'Bridged Token', 'BRIDGED', 18],
      [6n, 0n, 'Bridged Token', 'BRIDGED', 18],
    ] as const) {
      await mustSend(l1, tokenCall('MetadataToken', 'setMode', [mode, size]))
      const hash = await l1.wallet.writeContract({
        address: portal, abi: abis.portal, functionName: 'depositERC20', args: [A, tokens.MetadataToken, user(), 1n],
        account: l1.accounts[4]!, chain: l1.chain, gas: 3_000_000n,
      })
      const receipt = await l1.pub.waitForTransactionReceipt({ hash })
      assert.equal(receipt.status, 'success', `metadata mode ${mode}`)
      const opaque = eventsOf(receipt, abis.portal, 'TransactionDeposited')[0]!.args.opaqueData as Hex
      // mint ‖ value ‖ gasLimit (8) ‖ isCreation (1) ‖ data
      const call = decodeFunctionData({ abi: bridgeAbi, data: `0x${opaque.slice(2 + 2 * 73)}` })
      assert.deepEqual(call.args!.slice(4), [name, symbol, decimals], `metadata mode ${mode}`)
      assert.ok(receipt.gasUsed < 1_000_000n, `mode ${mode} used ${receipt.gasUsed} gas`)
    }
  })

  describe('withdrawals', () => {
    let trie: StorageTrie
    let out: { root: Hex; stateRoot: Hex; blockHash: Hex }
    const w: Record<string, Withdrawal> = {}
    const rootProof = () => ({ version: ZERO, stateRoot: out.stateRoot, messagePasserStorageRoot: trie.root, latestBlockhash: out.blockHash })
    const proofOf = (x: Withdrawal) => trie.proof(sentMessageSlot(withdrawalHash(x)))
    const prove = async (x: Withdrawal, chain = A) => mustSend(l1, portalCall('proveWithdrawal', [chain, x, 0n, rootProof(), await proofOf(x)]))
    const release = (token: string, amount: bigint, to = recipient) =>
      encodeFunctionData({ abi: abis.portal, functionName: 'finalizeERC20Withdrawal', args: [tokens[token], user(), to, amount] })

    before(async () => {
      await mustSend(l1, portalCall('depositETH', [A, user()], parseEther('3')))
      await mustSend(l1, portalCall('depositETH', [B, user()], parseEther('3')))
      for (const t of ['FalseReturnToken', 'RevertingToken']) await mustSend(l1, portalCall('depositERC20', [A, tokens[t], user(), parseEther('10')]))
      const base = { sender: user(), value: 0n, gasLimit: 200_000n, data: '0x' as Hex }
      const bridge = { ...base, sender: L2_BRIDGE, target: portal }
      let n = 0n
      const next = () => n++
      w.eth = { ...base, nonce: next(), target: recipient, value: parseEther('1') }
      w.eth2 = { ...base, nonce: next(), target: recipient, value: parseEther('1') }
      w.reenter = {
        ...base, nonce: next(), target: reenterer,
        data: encodeFunctionData({ abi: reentererAbi, functionName: 'go', args: [portal, encodeFunctionData({ abi: abis.portal, functionName: 'finalizeWithdrawal', args: [A, { nonce: 1n, sender: user(), target: recipient, value: parseEther('1'), gasLimit: 200_000n, data: '0x' }] })] }),
      }
      w.escrowed = { ...base, nonce: next(), target: tokens.NoReturnToken!, data: encodeFunctionData({ abi: tokenAbi, functionName: 'transfer', args: [attacker, parseEther('10')] }) }
      w.portalFromUser = { ...base, nonce: next(), target: portal, data: release('NoReturnToken', 1n) }
      w.portalWithValue = { ...bridge, nonce: next(), value: 1n, data: release('NoReturnToken', 1n) }
      w.portalOtherFn = { ...bridge, nonce: next(), data: encodeFunctionData({ abi: abis.portal, functionName: 'depositETH', args: [A, attacker] }) }
      w.tooMuch = { ...base, nonce: next(), target: recipient, value: parseEther('4') }
      w.huge = { ...base, nonce: next(), target: recipient, value: maxUint256 }
      w.hugeGas = { ...base, nonce: next(), target: recipient, gasLimit: maxUint256 }
      w.rebased = { ...bridge, nonce: next(), data: release('RebasingToken', parseEther('100')) }
      w.reentrantToken = { ...bridge, nonce: next(), data: release('ReentrantToken', 1n) }
      w.falseToken = { ...bridge, nonce: next(), data: release('FalseReturnToken', parseEther('10')) }
      w.revertingToken = { ...bridge, nonce: next(), data: release('RevertingToken', parseEther('10')) }
      w.moreTokens = { ...bridge, nonce: next(), data: release('NoReturnToken', parseEther('11')) }
      w.toPortalDirect = { ...base, nonce: next(), target: recipient } // never in the trie
      const inTrie = Object.keys(w).filter((k) => k !== 'toPortalDirect')
      trie = await storageTrie(passerSlots(inTrie.map((k) => withdrawalHash(w[k]!)), 30))
      const stateRoot = keccak256(toHex('hostile state'))
      const blockHash = keccak256(toHex('hostile block'))
      out = { root: outputRoot(stateRoot, trie.root, blockHash), stateRoot, blockHash }
      for (const c of [A, B]) {
        await l1.send({ address: oracle, abi: abis.oracle, functionName: 'proposeOutput', args: [c, out.root, 10n, ZERO, 0n], from: l1.accounts[3]! })
      }
    })

    const proven = (x: Withdrawal, chain = A) => l1.read(portal, abis.portal, 'provenWithdrawals', [chain, withdrawalHash(x)])
    const withProofs = async (keys: string[]) => {
      const s = await state()
      const records: unknown[] = []
      for (const k of keys) records.push(await proven(w[k]!), await l1.read(portal, abis.portal, 'finalizedWithdrawals', [A, withdrawalHash(w[k]!)]))
      return { s, records }
    }

    test('proofs against wrong chains, indexes and output roots are refused', async () => {
      const proof = await proofOf(w.eth!)
      const st = () => withProofs(['eth'])
      await refuse(l1, portalCall('proveWithdrawal', [UNKNOWN, w.eth, 0n, rootProof(), proof]), 'OutputNotFound', [UNKNOWN, 0n], st)
      await refuse(l1, portalCall('proveWithdrawal', [A, w.eth, maxUint256, rootProof(), proof]), 'OutputNotFound', [A, maxUint256], st)
      await refuse(l1, portalCall('proveWithdrawal', [A, w.eth, 0n, { ...rootProof(), version: `0x${'00'.repeat(31)}01` }, proof]), 'UnsupportedOutputVersion', undefined, st)
      await refuse(l1, portalCall('proveWithdrawal', [A, w.eth, 0n, { ...rootProof(), stateRoot: ZERO }, proof]), 'OutputRootMismatch', undefined, st)
      await refuse(l1, portalCall('proveWithdrawal', [A, w.toPortalDirect, 0n, rootProof(), await proofOf(w.toPortalDirect!)]), 'InvalidWithdrawalProof', [], st)
      await refuse(l1, portalCall('finalizeWithdrawal', [UNKNOWN, w.eth]), 'WithdrawalNotProven', [UNKNOWN, withdrawalHash(w.eth!)], st)
    })

    test('withdrawals may target the portal only as the bridge ERC-20 release, without value', async () => {
      for (const k of ['portalFromUser', 'portalWithValue', 'portalOtherFn']) {
        await refuse(l1, portalCall('proveWithdrawal', [A, w[k], 0n, rootProof(), await proofOf(w[k]!)]), 'InvalidPortalCall', [], () => withProofs([k]))
      }
      await refuse(l1, portalCall('finalizeERC20Withdrawal', [tokens.NoReturnToken, user(), attacker, 1n]), 'NotFromL2Bridge', [], state)
    })

    test('replayed and re-proven withdrawals: proven once, finalized once, per chain', async () => {
      await prove(w.eth!)
      const st = () => withProofs(['eth'])
      await refuse(l1, portalCall('proveWithdrawal', [A, w.eth, 0n, rootProof(), await proofOf(w.eth!)]), 'WithdrawalAlreadyProven', [A, withdrawalHash(w.eth!)], st)
      await refuse(l1, portalCall('finalizeWithdrawal', [A, w.eth]), 'ChallengeWindowNotElapsed', undefined, st)
      for (const k of Object.keys(w).filter((k) => !['eth', 'toPortalDirect', 'portalFromUser', 'portalWithValue', 'portalOtherFn'].includes(k))) await prove(w[k]!)
      await l1.advance(WINDOW + 1)
      await mustSend(l1, portalCall('finalizeWithdrawal', [A, w.eth]))
      assert.equal(await l1.pub.getBalance({ address: recipient }), parseEther('1'))
      await refuse(l1, portalCall('finalizeWithdrawal', [A, w.eth]), 'WithdrawalAlreadyFinalized', [A, withdrawalHash(w.eth!)], st)
      await refuse(l1, portalCall('proveWithdrawal', [A, w.eth, 0n, rootProof(), await proofOf(w.eth!)]), 'WithdrawalAlreadyFinalized', [A, withdrawalHash(w.eth!)], st)
      // The same withdrawal is in chain B's output too, but it was not proven there.
      await refuse(l1, portalCall('finalizeWithdrawal', [B, w.eth]), 'WithdrawalNotProven', [B, withdrawalHash(w.eth!)], st)
    })

    test('a withdrawal target re-entering finalizeWithdrawal is refused', async () => {
      await refuse(l1, portalCall('finalizeWithdrawal', [A, w.reenter]), 'ReentrantFinalize', [], () => withProofs(['reenter', 'eth2']))
      // The re-entered withdrawal was untouched and still finalizes on its own.
      await mustSend(l1, portalCall('finalizeWithdrawal', [A, w.eth2]))
    })

    test('a withdrawal may not call a token the portal escrows', async () => {
      await refuse(l1, portalCall('finalizeWithdrawal', [A, w.escrowed]), 'CallToEscrowedToken', [tokens.NoReturnToken], () => withProofs(['escrowed']))
    })

    test('more than the chain escrows, 2^256-1 wei, an unpayable gas limit', async () => {
      const locked = await l1.read<bigint>(portal, abis.portal, 'ethLocked', [A])
      await refuse(l1, portalCall('finalizeWithdrawal', [A, w.tooMuch]), 'InsufficientLockedEth', [A, locked, parseEther('4')], () => withProofs(['tooMuch']))
      await refuse(l1, portalCall('finalizeWithdrawal', [A, w.huge]), 'InsufficientLockedEth', [A, locked, maxUint256], () => withProofs(['huge']))
      await refuse(l1, { ...portalCall('finalizeWithdrawal', [A, w.hugeGas]), gas: 29_000_000n }, 'InsufficientGas', undefined, () => withProofs(['hugeGas']))
      await refuse(l1, portalCall('finalizeWithdrawal', [A, w.moreTokens]), 'InsufficientLockedTokens', [A, tokens.NoReturnToken, parseEther('10'), parseEther('11')], () => withProofs(['moreTokens']))
    })

    test('token releases that fail stay finalizable: false, reverting, re-entering, rebased-away tokens', async () => {
      await mustSend(l1, tokenCall('FalseReturnToken', 'setFailing', [true]))
      await refuse(l1, portalCall('finalizeWithdrawal', [A, w.falseToken]), 'SafeERC20FailedOperation', [tokens.FalseReturnToken], () => withProofs(['falseToken']))
      await mustSend(l1, tokenCall('FalseReturnToken', 'setFailing', [false]))
      await mustSend(l1, portalCall('finalizeWithdrawal', [A, w.falseToken]))
      assert.equal(await balance('FalseReturnToken', recipient), parseEther('10'))

      await mustSend(l1, tokenCall('RevertingToken', 'setRefusing', [true]))
      await refuse(l1, portalCall('finalizeWithdrawal', [A, w.revertingToken]), 'TransferRefused', [portal, recipient, parseEther('10')], () => withProofs(['revertingToken']))
      await mustSend(l1, tokenCall('RevertingToken', 'setRefusing', [false]))

      // The token re-enters with another withdrawal while it is being paid out.
      const nested = encodeFunctionData({ abi: abis.portal, functionName: 'finalizeWithdrawal', args: [A, w.tooMuch] })
      await mustSend(l1, tokenCall('ReentrantToken', 'setHook', [portal, nested]))
      await refuse(l1, portalCall('finalizeWithdrawal', [A, w.reentrantToken]), 'ReentrantFinalize', [], () => withProofs(['reentrantToken', 'tooMuch']))
      // ... or calls the release itself, as the token rather than as the portal.
      const direct = encodeFunctionData({ abi: abis.portal, functionName: 'finalizeERC20Withdrawal', args: [tokens.ReentrantToken, user(), attacker, parseEther('50')] })
      await mustSend(l1, tokenCall('ReentrantToken', 'setHook', [portal, direct]))
      await refuse(l1, portalCall('finalizeWithdrawal', [A, w.reentrantToken]), 'NotFromL2Bridge', [], () => withProofs(['reentrantToken']))
      await mustSend(l1, tokenCall('ReentrantToken', 'setHook', [zeroAddress, '0x']))

      // The portal's balance halves: escrow says 100, the token pays at most 50.
      await mustSend(l1, tokenCall('RebasingToken', 'rebase', [parseEther('0.5')]))
      await refuse(l1, portalCall('finalizeWithdrawal', [A, w.rebased]), 'InsufficientBalance', undefined, () => withProofs(['rebased']))
    })

    test('the escrow still covers every token after the attacks', async () => {
      for (const t of ['NoReturnToken', 'FalseReturnToken', 'RevertingToken', 'ReentrantToken', 'TestFeeToken']) {
        let locked = 0n
        for (const c of [A, B, G]) locked += await l1.read<bigint>(portal, abis.portal, 'erc20Locked', [c, tokens[t]])
        assert.ok((await balance(t, portal)) >= locked, `${t}: portal holds less than it owes`)
      }
      let eth = 0n
      for (const c of [A, B, G]) eth += await l1.read<bigint>(portal, abis.portal, 'ethLocked', [c])
      assert.equal(await l1.pub.getBalance({ address: portal }), eth)
      await impersonate(l1, attacker, 0n)
    })
  })
})
