import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { encodeFunctionData, keccak256, parseEther, toHex, type Address, type Hex } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import {
  abis,
  DEFAULT_L2_SENDER,
  deploySettlement,
  eventsOf,
  L2_BRIDGE,
  outputRoot,
  registerChain,
  sentMessageSlot,
  startL1,
  withdrawalHash,
  type L1,
  type Withdrawal,
} from './setup.js'
import { passerSlots, storageTrie, type StorageTrie } from './trie.js'

const A = 901n
const B = 902n
const WINDOW = 600
const ZERO: Hex = `0x${'00'.repeat(32)}`

/** An output: the storage trie plus the other two committed roots. */
type Output = { trie: StorageTrie; stateRoot: Hex; blockHash: Hex; root: Hex }

function output(trie: StorageTrie, tag: string): Output {
  const stateRoot = keccak256(toHex(`state ${tag}`))
  const blockHash = keccak256(toHex(`block ${tag}`))
  return { trie, stateRoot, blockHash, root: outputRoot(stateRoot, trie.root, blockHash) }
}

function rootProof(o: Output) {
  return { version: ZERO, stateRoot: o.stateRoot, messagePasserStorageRoot: o.trie.root, latestBlockhash: o.blockHash }
}

/** Deploys the settlement contracts with chains A and B (window 600 s). */
async function setUp(l1: L1) {
  const s = await deploySettlement(l1)
  await registerChain(l1, s.registry, A, BigInt(WINDOW))
  await registerChain(l1, s.registry, B, BigInt(WINDOW))
  return s
}

describe('Portal withdrawals with real Merkle proofs', () => {
  let l1: L1
  let portal: Address
  let oracle: Address
  let caller: Address
  let token: Address
  // Fixed addresses, so the trie (and the gas figures) are the same on every run.
  const recipient = privateKeyToAccount(keccak256(toHex('recipient'))).address
  const l2User = privateKeyToAccount(keccak256(toHex('l2 user'))).address
  const w: Record<string, Withdrawal> = {}
  let out0: Output // chain A, output 0
  let out1: Output // chain A, output 1 (deleted by the guardian)

  const portalCall = (functionName: string, args: readonly unknown[], gas?: bigint) =>
    ({ address: portal, abi: abis.portal, functionName, args, from: l1.accounts[4]!, gas })
  const prove = async (chainId: bigint, wtx: Withdrawal, index: bigint, o: Output, proof?: Hex[]) =>
    l1.send(portalCall('proveWithdrawal', [chainId, wtx, index, rootProof(o), proof ?? (await o.trie.proof(sentMessageSlot(withdrawalHash(wtx))))]))
  const proposer = () => l1.accounts[3]!

  before(async () => {
    l1 = await startL1()
    const s = await setUp(l1)
    ;({ portal, oracle } = s)
    caller = await l1.deploy('PortalTestCaller', [portal])
    token = await l1.deploy('DevToken', ['Dev Token', 'DEV'])
    await l1.send({ address: token, abi: abis.devToken, functionName: 'approve', args: [portal, parseEther('100')] })
    await l1.send({ address: portal, abi: abis.portal, functionName: 'depositERC20', args: [A, token, l2User, parseEther('100')] })
    await l1.send({ address: portal, abi: abis.portal, functionName: 'depositETH', args: [A, l2User], value: parseEther('5') })
    await l1.send({ address: portal, abi: abis.portal, functionName: 'depositETH', args: [B, l2User], value: parseEther('10') })

    const base = { sender: l2User, value: 0n, gasLimit: 200_000n, data: '0x' as Hex }
    const callerData = (functionName: string, args: readonly unknown[]) => encodeFunctionData({ abi: abis.caller, functionName, args })
    const erc20Release = (amount: bigint) =>
      encodeFunctionData({ abi: abis.portal, functionName: 'finalizeERC20Withdrawal', args: [token, l2User, recipient, amount] })
    w.eth = { ...base, nonce: 0n, target: recipient, value: parseEther('1'), gasLimit: 100_000n }
    w.record = { ...base, nonce: 1n, target: caller, value: parseEther('0.25'), data: callerData('record', ['0xbeef']) }
    w.refuse = { ...base, nonce: 2n, target: caller, data: callerData('refuse', [42n]) }
    w.reenter = { ...base, nonce: 3n, target: caller, data: callerData('reenter', [A, w.eth]) }
    w.big = { ...base, nonce: 4n, target: recipient, value: parseEther('6') }
    w.erc20 = { ...base, nonce: 5n, sender: L2_BRIDGE, target: portal, data: erc20Release(parseEther('40')) }
    w.erc20TooMuch = { ...base, nonce: 6n, sender: L2_BRIDGE, target: portal, data: erc20Release(parseEther('1000')) }
    w.gas = { ...base, nonce: 7n, target: caller, gasLimit: 1_000_000n, data: callerData('burnGas', [900_000n]) }
    w.wrongValue = { ...base, nonce: 8n, target: recipient }
    w.absent = { ...base, nonce: 9n, target: recipient }
    w.deleted = { ...base, nonce: 10n, target: recipient, value: parseEther('0.5') }
    w.fromUser = { ...base, nonce: 11n, target: portal, data: erc20Release(1n) }
    w.spare = { ...base, nonce: 12n, target: recipient } // in output 0, never proven

    const inOutput0 = ['eth', 'record', 'refuse', 'reenter', 'big', 'erc20', 'erc20TooMuch', 'gas', 'fromUser', 'spare']
    const slots0 = passerSlots(inOutput0.map((k) => withdrawalHash(w[k]!)))
    slots0.set(sentMessageSlot(withdrawalHash(w.wrongValue)), 2n) // a slot holding 2, not true
    out0 = output(await storageTrie(slots0), '0')
    const slots1 = new Map(slots0)
    slots1.set(sentMessageSlot(withdrawalHash(w.deleted)), 1n)
    out1 = output(await storageTrie(slots1), '1')

    const propose = (o: Output, n: bigint) =>
      l1.send({ address: oracle, abi: abis.oracle, functionName: 'proposeOutput', args: [A, o.root, n, ZERO, 0n], from: proposer() })
    await propose(out0, 100n)
    await propose(out1, 200n)
  })
  after(async () => l1?.stop())

  test('proves a withdrawal with a storage proof against the proposed output', async (t) => {
    const proof = await out0.trie.proof(sentMessageSlot(withdrawalHash(w.eth!)))
    t.diagnostic(`proof: ${proof.length} nodes, ${proof.reduce((n, p) => n + (p.length - 2) / 2, 0)} bytes`)
    const receipt = await prove(A, w.eth!, 0n, out0, proof)
    t.diagnostic(`proveWithdrawal gas: ${receipt.gasUsed}`)
    const hash = withdrawalHash(w.eth!)
    assert.equal(await l1.read(portal, abis.portal, 'hashWithdrawal', [w.eth]), hash)
    assert.deepEqual(eventsOf(receipt, abis.portal, 'WithdrawalProven')[0]!.args, { chainId: A, withdrawalHash: hash, from: l2User, to: recipient })
    const block = await l1.pub.getBlock({ blockNumber: receipt.blockNumber })
    assert.deepEqual(await l1.read(portal, abis.portal, 'provenWithdrawals', [A, hash]), [out0.root, block.timestamp, 0n])
    // Proven against an output that is still there: no second proof.
    await l1.expectRevert(portalCall('proveWithdrawal', [A, w.eth, 0n, rootProof(out0), proof]), 'WithdrawalAlreadyProven')

    for (const k of ['record', 'refuse', 'reenter', 'big', 'erc20', 'erc20TooMuch', 'gas']) await prove(A, w[k]!, 0n, out0)
  })

  test('rejects proofs that do not show the withdrawal in the proposed output', async () => {
    const wtx = w.record!
    const hash = withdrawalHash(w.absent!)
    const proofFor = (o: Output, x: Withdrawal) => o.trie.proof(sentMessageSlot(withdrawalHash(x)))
    const attempt = (x: Withdrawal, index: bigint, rp: ReturnType<typeof rootProof>, proof: Hex[]) =>
      portalCall('proveWithdrawal', [A, x, index, rp, proof])

    // The output root proof must open the proposed root.
    await l1.expectRevert(attempt(w.absent!, 0n, { ...rootProof(out0), stateRoot: ZERO }, await proofFor(out0, wtx)), 'OutputRootMismatch')
    await l1.expectRevert(attempt(w.absent!, 0n, { ...rootProof(out0), version: keccak256('0x') }, []), 'UnsupportedOutputVersion')
    await l1.expectRevert(attempt(w.absent!, 9n, rootProof(out0), []), 'OutputNotFound', abis.oracle)
    // A key that is not in the trie: the exclusion proof is valid, the inclusion is not.
    await l1.expectRevert(attempt(w.absent!, 0n, rootProof(out0), await proofFor(out0, w.absent!)), 'InvalidWithdrawalProof')
    // The slot exists but holds 2, not true.
    await l1.expectRevert(attempt(w.wrongValue!, 0n, rootProof(out0), await proofFor(out0, w.wrongValue!)), 'InvalidWithdrawalProof')
    // Nodes of another trie: the first one does not hash to the committed storage root.
    await l1.expectRevert(attempt(w.deleted!, 0n, rootProof(out0), await proofFor(out1, w.deleted!)), 'InvalidRootHash')
    // Truncated, extended and tampered proofs.
    const good = await proofFor(out0, w.spare!)
    await l1.expectRevert(attempt(w.spare!, 0n, rootProof(out0), good.slice(0, -1)), 'MissingProofNode')
    await l1.expectRevert(attempt(w.spare!, 0n, rootProof(out0), [...good, good[good.length - 1]!]), 'UnusedProofNodes')
    await l1.expectRevert(attempt(w.spare!, 0n, rootProof(out0), []), 'EmptyProof')
    const tampered = [...good]
    const last = tampered[tampered.length - 1]!
    tampered[tampered.length - 1] = `${last.slice(0, -2)}02` as Hex // the leaf's value 0x01 -> 0x02
    await l1.expectRevert(attempt(w.spare!, 0n, rootProof(out0), tampered), 'InvalidNodeHash')
    // The untampered proof is accepted.
    await l1.send(attempt(w.spare!, 0n, rootProof(out0), good))
    // Only the L2 bridge may target the portal.
    await l1.expectRevert(attempt(w.fromUser!, 0n, rootProof(out0), await proofFor(out0, w.fromUser!)), 'InvalidPortalCall')
    assert.deepEqual(await l1.read(portal, abis.portal, 'provenWithdrawals', [A, hash]), [ZERO, 0n, 0n])
  })

  test('finalizing waits for the challenge window', async () => {
    await l1.expectRevert(portalCall('finalizeWithdrawal', [A, w.eth]), 'ChallengeWindowNotElapsed')
    await l1.expectRevert(portalCall('finalizeWithdrawal', [A, w.absent]), 'WithdrawalNotProven')
  })

  test('the guardian deleting an output invalidates withdrawals proven against it', async () => {
    await prove(A, w.deleted!, 1n, out1)
    await l1.send({ address: oracle, abi: abis.oracle, functionName: 'deleteOutputs', args: [A, 1n], from: l1.accounts[1]! })
    await l1.advance(WINDOW + 1)
    await l1.expectRevert(portalCall('finalizeWithdrawal', [A, w.deleted]), 'ProvenOutputInvalidated')
    // A new output (another root at the same index) lets it be proven again, which restarts the window.
    const slots = passerSlots([], 3, 99)
    for (const k of ['eth', 'deleted']) slots.set(sentMessageSlot(withdrawalHash(w[k]!)), 1n)
    const replacement = output(await storageTrie(slots), 'replacement')
    await l1.send({ address: oracle, abi: abis.oracle, functionName: 'proposeOutput', args: [A, replacement.root, 200n, ZERO, 0n], from: proposer() })
    await prove(A, w.deleted!, 1n, replacement)
    await l1.expectRevert(portalCall('finalizeWithdrawal', [A, w.deleted]), 'ChallengeWindowNotElapsed')
  })

  test('after the window the withdrawal executes exactly once and the ETH arrives', async (t) => {
    const hash = withdrawalHash(w.eth!)
    const receipt = await l1.send(portalCall('finalizeWithdrawal', [A, w.eth]))
    t.diagnostic(`finalizeWithdrawal (ETH to an EOA) gas: ${receipt.gasUsed}`)
    assert.equal(await l1.pub.getBalance({ address: recipient }), parseEther('1'))
    assert.deepEqual(eventsOf(receipt, abis.portal, 'WithdrawalFinalized')[0]!.args, { chainId: A, withdrawalHash: hash, success: true })
    assert.equal(await l1.read(portal, abis.portal, 'finalizedWithdrawals', [A, hash]), true)
    assert.equal(await l1.read(portal, abis.portal, 'ethLocked', [A]), parseEther('4'))
    assert.equal(await l1.read(portal, abis.portal, 'l2Sender'), DEFAULT_L2_SENDER)
    await l1.expectRevert(portalCall('finalizeWithdrawal', [A, w.eth]), 'WithdrawalAlreadyFinalized')
    await l1.expectRevert(
      portalCall('proveWithdrawal', [A, w.eth, 0n, rootProof(out0), await out0.trie.proof(sentMessageSlot(hash))]),
      'WithdrawalAlreadyFinalized',
    )
  })

  test('the target sees l2Sender and l2ChainId during the call, and the default after', async () => {
    await l1.send(portalCall('finalizeWithdrawal', [A, w.record]))
    assert.equal(await l1.read(caller, abis.caller, 'seenL2Sender'), l2User)
    assert.equal(await l1.read(caller, abis.caller, 'seenL2ChainId'), A)
    assert.equal(await l1.read(caller, abis.caller, 'seenValue'), parseEther('0.25'))
    assert.equal(await l1.read(caller, abis.caller, 'seenData'), '0xbeef')
    assert.equal(await l1.read(portal, abis.portal, 'l2Sender'), DEFAULT_L2_SENDER)
    assert.equal(await l1.read(portal, abis.portal, 'l2ChainId'), 0n)
  })

  test('a failing call reverts the finalization with its reason, so it can be retried', async () => {
    const args = await l1.expectRevert(portalCall('finalizeWithdrawal', [A, w.refuse]), 'Refused', abis.caller)
    assert.deepEqual(args, [42n])
    assert.equal(await l1.read(portal, abis.portal, 'finalizedWithdrawals', [A, withdrawalHash(w.refuse!)]), false)
    await l1.expectRevert(portalCall('finalizeWithdrawal', [A, w.reenter]), 'ReentrantFinalize')
  })

  test('escrow is per chain: chain A cannot withdraw chain B deposits', async () => {
    assert.equal(await l1.pub.getBalance({ address: portal }), parseEther('13.75'))
    assert.equal(await l1.read(portal, abis.portal, 'ethLocked', [A]), parseEther('3.75'))
    await l1.expectRevert(portalCall('finalizeWithdrawal', [A, w.big]), 'InsufficientLockedEth')
    // Proven on A means nothing on B.
    await l1.expectRevert(portalCall('finalizeWithdrawal', [B, w.record]), 'WithdrawalNotProven')
    await l1.expectRevert(portalCall('proveWithdrawal', [B, w.big, 0n, rootProof(out0), []]), 'OutputNotFound', abis.oracle)
  })

  test('a relayer cannot starve the call of gas; with enough, the full gas limit is forwarded', async () => {
    await l1.expectRevert(portalCall('finalizeWithdrawal', [A, w.gas], 700_000n), 'InsufficientGas')
    const receipt = await l1.send(portalCall('finalizeWithdrawal', [A, w.gas], 1_300_000n))
    assert.ok(receipt.gasUsed > 900_000n, `used ${receipt.gasUsed}`)
  })

  test('an L2 bridge withdrawal releases chain A escrowed tokens through finalizeERC20Withdrawal', async (t) => {
    await l1.expectRevert(
      portalCall('finalizeERC20Withdrawal', [token, l2User, recipient, 1n]),
      'NotFromL2Bridge',
    )
    const receipt = await l1.send(portalCall('finalizeWithdrawal', [A, w.erc20]))
    t.diagnostic(`finalizeWithdrawal (ERC-20 release) gas: ${receipt.gasUsed}`)
    assert.equal(await l1.read(token, abis.devToken, 'balanceOf', [recipient]), parseEther('40'))
    assert.equal(await l1.read(portal, abis.portal, 'erc20Locked', [A, token]), parseEther('60'))
    assert.deepEqual(eventsOf(receipt, abis.portal, 'ERC20WithdrawalFinalized')[0]!.args, {
      chainId: A,
      l1Token: token,
      from: l2User,
      to: recipient,
      amount: parseEther('40'),
    })
    await l1.expectRevert(portalCall('finalizeWithdrawal', [A, w.erc20TooMuch]), 'InsufficientLockedTokens')
  })

  test('the re-proven withdrawal finalizes after its new window', async () => {
    await l1.advance(WINDOW + 1)
    await l1.send(portalCall('finalizeWithdrawal', [A, w.deleted]))
    assert.equal(await l1.pub.getBalance({ address: recipient }), parseEther('1.5'))
  })
})

describe('Portal: an output re-proposed with the same root restarts its window', () => {
  let l1: L1
  after(async () => l1?.stop())

  test('a proof older than the window still waits for the re-proposed output', async () => {
    l1 = await startL1()
    const { portal, oracle } = await setUp(l1)
    const to = privateKeyToAccount(generatePrivateKey()).address
    await l1.send({ address: portal, abi: abis.portal, functionName: 'depositETH', args: [A, to], value: 10n })
    const wtx: Withdrawal = { nonce: 0n, sender: to, target: to, value: 10n, gasLimit: 50_000n, data: '0x' }
    const o = output(await storageTrie(passerSlots([withdrawalHash(wtx)], 5)), 'x')
    const propose = () =>
      l1.send({ address: oracle, abi: abis.oracle, functionName: 'proposeOutput', args: [A, o.root, 10n, ZERO, 0n], from: l1.accounts[3]! })
    await propose()
    const proof = await o.trie.proof(sentMessageSlot(withdrawalHash(wtx)))
    await l1.send({ address: portal, abi: abis.portal, functionName: 'proveWithdrawal', args: [A, wtx, 0n, rootProof(o), proof] })
    await l1.advance(WINDOW / 2)
    await l1.send({ address: oracle, abi: abis.oracle, functionName: 'deleteOutputs', args: [A, 0n], from: l1.accounts[1]! })
    await propose()
    await l1.advance(WINDOW / 2 + 1)
    const finalize = { address: portal, abi: abis.portal, functionName: 'finalizeWithdrawal', args: [A, wtx] }
    await l1.expectRevert(finalize, 'ChallengeWindowNotElapsed')
    await l1.advance(WINDOW / 2)
    await l1.send(finalize)
    assert.equal(await l1.pub.getBalance({ address: to }), 10n)
  })
})
