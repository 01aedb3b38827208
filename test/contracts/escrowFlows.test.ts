import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { encodeAbiParameters, keccak256, parseEther, toHex, type Address, type Hex } from 'viem'
import { abis, deploySettlement, eventsOf, outputRoot, registerChain, startL1, type L1 } from './setup.js'
import { refuse } from './hostile.js'
import { storageTrie, type StorageTrie } from './trie.js'

const A = 901n
const B = 902n
const C = 903n
const WINDOW = 600
const ZERO: Hex = `0x${'00'.repeat(32)}`

/** Slot of the message passer's `ethSentTo[destination]` (mapping at slot 2). */
const sentToSlot = (destination: bigint): Hex => keccak256(encodeAbiParameters([{ type: 'uint256' }, { type: 'uint256' }], [destination, 2n]))

type Output = { trie: StorageTrie; root: Hex; proof: { version: Hex; stateRoot: Hex; messagePasserStorageRoot: Hex; latestBlockhash: Hex } }

/** An output of a chain whose message passer says it sent `sent` (destination → total); filler slots give the proof depth. */
async function output(sent: Map<bigint, bigint>, tag: string): Promise<Output> {
  const slots = new Map<Hex, bigint>()
  for (let i = 0; i < 30; i++) slots.set(keccak256(toHex(`filler ${tag} ${i}`)), BigInt(i + 1))
  for (const [d, v] of sent) slots.set(sentToSlot(d), v)
  const trie = await storageTrie(slots)
  const stateRoot = keccak256(toHex(`state ${tag}`))
  const latestBlockhash = keccak256(toHex(`block ${tag}`))
  return { trie, root: outputRoot(stateRoot, trie.root, latestBlockhash), proof: { version: ZERO, stateRoot, messagePasserStorageRoot: trie.root, latestBlockhash } }
}

/**
 * Portal.settleEthFlows with real storage proofs: escrow follows ETH between chains as the
 * sender's final output commits to it, exactly once per amount, never leaving the sender's
 * escrow negative; and every hostile variant is refused with its named error, moving nothing.
 */
describe('Portal: inter-chain ETH flows and genesis escrow', () => {
  let l1: L1
  let portal: Address
  let oracle: Address
  let registry: Address
  let outs: Output[] = []
  const from = () => l1.accounts[4]!.address
  const locked = (c: bigint) => l1.read<bigint>(portal, abis.portal, 'ethLocked', [c])
  const state = async () => [await locked(A), await locked(B), await locked(C), await l1.read(portal, abis.portal, 'ethFlowSettled', [A, B]), await l1.read(portal, abis.portal, 'ethFlowSettled', [A, C])]
  const propose = (o: Output, n: bigint) => l1.send({ address: oracle, abi: abis.oracle, functionName: 'proposeOutput', args: [A, o.root, n, ZERO, 0n], from: l1.accounts[3]! })
  const settle = (index: bigint, o: Output, destinations: bigint[], proofs?: Hex[][]) => ({
    to: portal,
    abi: abis.portal,
    functionName: 'settleEthFlows',
    from: from(),
    args: [A, index, o.proof, destinations, proofs ?? []],
  })
  const proofsFor = (o: Output, destinations: bigint[]) => Promise.all(destinations.map((d) => o.trie.proof(sentToSlot(d))))

  before(async () => {
    l1 = await startL1()
    ;({ portal, oracle, registry } = await deploySettlement(l1))
    for (const c of [A, B, C]) await registerChain(l1, registry, c, BigInt(WINDOW))
    await l1.send({ address: portal, abi: abis.portal, functionName: 'depositETH', args: [A, l1.accounts[4]!.address], value: parseEther('10') })
    // Output 0: A sent 3 to B and 1 to C. Output 1: 7 to B in all. Output 2 (inside the window): 9 to B.
    outs = [
      await output(new Map([[B, parseEther('3')], [C, parseEther('1')]]), '0'),
      await output(new Map([[B, parseEther('7')], [C, parseEther('1')]]), '1'),
      await output(new Map([[B, parseEther('9')]]), '2'),
      await output(new Map([[B, parseEther('1000')]]), 'greedy'),
    ]
    await propose(outs[0]!, 100n)
    await propose(outs[1]!, 200n)
    await l1.advance(WINDOW + 1)
    await propose(outs[2]!, 300n)
  })
  after(async () => l1?.stop())

  test('a zero challenge window is refused at registration', async () => {
    await l1.expectRevert({ address: registry, abi: abis.registry, functionName: 'registerChain', args: [999n, ZERO, l1.accounts[2]!.address, l1.accounts[3]!.address, 0n, '0x'] }, 'ZeroChallengeWindow')
  })

  test('escrow follows the committed totals: once per amount, older outputs move nothing', async (t) => {
    const receipt = await l1.send({ address: portal, abi: abis.portal, functionName: 'settleEthFlows', args: [A, 0n, outs[0]!.proof, [B, C], await proofsFor(outs[0]!, [B, C])], from: l1.accounts[4]! })
    t.diagnostic(`settleEthFlows (2 destinations) gas: ${receipt.gasUsed}`)
    assert.deepEqual(await state(), [parseEther('6'), parseEther('3'), parseEther('1'), parseEther('3'), parseEther('1')])
    assert.equal(eventsOf(receipt, abis.portal, 'EthFlowSettled').length, 2)
    // The same output again, and then output 1: only what 1 adds (4 to B) moves.
    await l1.send({ address: portal, abi: abis.portal, functionName: 'settleEthFlows', args: [A, 0n, outs[0]!.proof, [B, C], await proofsFor(outs[0]!, [B, C])], from: l1.accounts[4]! })
    await l1.send({ address: portal, abi: abis.portal, functionName: 'settleEthFlows', args: [A, 1n, outs[1]!.proof, [B, C], await proofsFor(outs[1]!, [B, C])], from: l1.accounts[4]! })
    assert.deepEqual(await state(), [parseEther('2'), parseEther('7'), parseEther('1'), parseEther('7'), parseEther('1')])
    // Back to output 0 (smaller totals): nothing moves back.
    await l1.send({ address: portal, abi: abis.portal, functionName: 'settleEthFlows', args: [A, 0n, outs[0]!.proof, [B], await proofsFor(outs[0]!, [B])], from: l1.accounts[4]! })
    assert.deepEqual(await state(), [parseEther('2'), parseEther('7'), parseEther('1'), parseEther('7'), parseEther('1')])
    // A destination the output never sent to (an absent slot, proven absent) moves nothing.
    const absent = 904n
    await l1.send({ address: portal, abi: abis.portal, functionName: 'settleEthFlows', args: [A, 1n, outs[1]!.proof, [absent], await proofsFor(outs[1]!, [absent])], from: l1.accounts[4]! })
    assert.equal(await locked(absent), 0n)
  })

  test('hostile settlements are refused with their named error and move nothing', async () => {
    const o1 = outs[1]!
    // Output 2 is still inside its challenge window; index 99 does not exist.
    await refuse(l1, settle(2n, outs[2]!, [B], await proofsFor(outs[2]!, [B])), 'OutputNotFinalized', [A, 2n], state)
    await refuse(l1, settle(99n, o1, [B], await proofsFor(o1, [B])), 'OutputNotFinalized', [A, 99n], state)
    // The preimage of another output, or a forged one.
    await refuse(l1, settle(1n, outs[0]!, [B], await proofsFor(outs[0]!, [B])), 'OutputRootMismatch', undefined, state)
    await refuse(l1, settle(1n, { ...o1, proof: { ...o1.proof, messagePasserStorageRoot: outs[3]!.trie.root } }, [B], await proofsFor(outs[3]!, [B])), 'OutputRootMismatch', undefined, state)
    // A proof for another slot, a proof from another trie, a truncated one, none.
    // A proof of another slot does not reach B's key; one from another trie does not start at
    // the root; a truncated one lacks the nodes below the root.
    await refuse(l1, settle(1n, o1, [B], [await o1.trie.proof(sentToSlot(C))]), 'InvalidNodeHash', undefined, state)
    await refuse(l1, settle(1n, o1, [B], [(await proofsFor(outs[3]!, [B]))[0]!]), 'InvalidRootHash', undefined, state)
    await refuse(l1, settle(1n, o1, [B], [(await proofsFor(o1, [B]))[0]!.slice(0, 1)]), 'MissingProofNode', undefined, state)
    await refuse(l1, settle(1n, o1, [B], [[]]), 'EmptyProof', undefined, state)
    await refuse(l1, settle(1n, o1, [B, C], await proofsFor(o1, [B])), 'FlowProofCountMismatch', [2n, 1n], state)
    // A flow to the chain itself, and an unknown source.
    await refuse(l1, settle(1n, o1, [A], await proofsFor(o1, [B])), 'FlowToSelf', [A], state)
    await refuse(l1, { ...settle(1n, o1, [B], await proofsFor(o1, [B])), args: [999n, 1n, o1.proof, [B], await proofsFor(o1, [B])] }, 'ChainNotRegistered', [999n], state)
  })

  test('a chain that claims to have sent more than it holds is refused: its escrow never goes negative', async () => {
    const greedy = outs[3]!
    await propose(greedy, 400n)
    await l1.advance(WINDOW + 1)
    const count = await l1.read<bigint>(oracle, abis.oracle, 'outputCount', [A])
    await refuse(l1, settle(count - 1n, greedy, [B], await proofsFor(greedy, [B])), 'InsufficientLockedEth', [A, parseEther('2'), parseEther('993')], state)
  })

  test('genesis escrow: anyone may add, nothing is minted, a gas-token chain takes no ETH, zero is refused', async () => {
    const before = await locked(C)
    const receipt = await l1.send({ address: portal, abi: abis.portal, functionName: 'escrowEth', args: [C], value: parseEther('5'), from: l1.accounts[5]! })
    assert.equal(await locked(C), before + parseEther('5'))
    assert.equal(await l1.read(portal, abis.portal, 'escrowAdded', [C]), parseEther('5'))
    assert.equal(eventsOf(receipt, abis.portal, 'TransactionDeposited').length, 0, 'no L2 mint')
    await refuse(l1, { to: portal, abi: abis.portal, functionName: 'escrowEth', args: [C], from: from() }, 'ZeroEscrow', [], state)
    await refuse(l1, { to: portal, abi: abis.portal, functionName: 'escrowEth', args: [999n], from: from(), value: 1n }, 'ChainNotRegistered', [999n], state)
    await refuse(l1, { to: portal, abi: abis.portal, functionName: 'escrowGasToken', args: [C, 1n], from: from() }, 'ChainUsesEth', [C], state)
  })
})
