import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import {
  encodeFunctionData,
  getAddress,
  keccak256,
  pad,
  parseEther,
  zeroAddress,
  type Address,
  type Hex,
} from 'viem'
import { loadArtifact } from '../helpers/artifacts.js'
import {
  abis,
  alias,
  DEPOSITOR,
  eventsOf,
  L1_BLOCK,
  L2_BRIDGE,
  MESSAGE_PASSER,
  outputRoot,
  sentMessageSlot,
  startL1,
  withdrawalHash,
  type L1,
} from './setup.js'

/** The L1 portal the bridge trusts (any address: its alias is impersonated here). */
const L1_PORTAL: Address = getAddress('0x1234567890abcdef1234567890abcdef12345678')
const L1_TOKEN: Address = getAddress('0x00000000000000000000000000000000000ab1e0')

describe('L2 predeploys (runtime code installed as in the genesis alloc)', () => {
  let l1: L1 // an anvil standing in for an L2
  let portal: Address // only for its pure hashWithdrawal
  let trieHarness: Address

  before(async () => {
    l1 = await startL1()
    for (const [address, name] of [
      [L1_BLOCK, 'L1Block'],
      [MESSAGE_PASSER, 'L2ToL1MessagePasser'],
      [L2_BRIDGE, 'L2StandardBridge'],
    ] as const) {
      await l1.testClient.setCode({ address, bytecode: loadArtifact(name).deployedBytecode })
    }
    await l1.testClient.setStorageAt({ address: L2_BRIDGE, index: 0, value: pad(L1_PORTAL) })
    for (const who of [DEPOSITOR, alias(L1_PORTAL), L2_BRIDGE]) {
      await l1.testClient.impersonateAccount({ address: who })
      await l1.testClient.setBalance({ address: who, value: parseEther('10') })
    }
    portal = await l1.deploy('Portal', [zeroAddress, zeroAddress])
    trieHarness = await l1.deploy('TestMerkleTrie')
  })
  after(async () => l1?.stop())

  test('L1Block: only the depositor writes the L1 attributes', async () => {
    const values = [19_000_000n, 1_700_000_000n, 7n * 10n ** 9n, keccak256('0x01'), 3n, 2n, 1368, 810949] as const
    const call = (from: Address | typeof l1.accounts[number]) =>
      ({ address: L1_BLOCK, abi: abis.l1Block, functionName: 'setL1BlockValues', args: values, from })
    await l1.expectRevert(call(l1.accounts[0]!), 'NotDepositor')
    await l1.send(call(DEPOSITOR))
    const read = (f: string) => l1.read(L1_BLOCK, abis.l1Block, f)
    assert.deepEqual(
      await Promise.all(['number', 'timestamp', 'basefee', 'hash', 'sequenceNumber', 'blobBaseFee', 'baseFeeScalar', 'blobBaseFeeScalar'].map(read)),
      [...values],
    )
  })

  test('L2ToL1MessagePasser: the hash is the portal hashWithdrawal and sits in the slot-0 mapping', async () => {
    const user = l1.accounts[4]!
    const target = l1.accounts[3]!.address
    const wtx = { nonce: 0n, sender: user.address, target, value: parseEther('0.5'), gasLimit: 150_000n, data: '0xc0ffee' as Hex }
    const receipt = await l1.send({
      address: MESSAGE_PASSER,
      abi: abis.passer,
      functionName: 'initiateWithdrawal',
      args: [wtx.target, wtx.gasLimit, wtx.data],
      value: wtx.value,
      from: user,
    })
    const hash = withdrawalHash(wtx)
    assert.equal(await l1.read(portal, abis.portal, 'hashWithdrawal', [wtx]), hash)
    assert.deepEqual(eventsOf(receipt, abis.passer, 'MessagePassed')[0]!.args, {
      nonce: 0n,
      sender: user.address,
      target,
      value: wtx.value,
      gasLimit: wtx.gasLimit,
      data: wtx.data,
      withdrawalHash: hash,
    })
    assert.equal(await l1.read(MESSAGE_PASSER, abis.passer, 'sentMessages', [hash]), true)
    assert.equal(await l1.pub.getStorageAt({ address: MESSAGE_PASSER, slot: sentMessageSlot(hash) }), pad('0x01'))
    assert.equal(await l1.pub.getStorageAt({ address: MESSAGE_PASSER, slot: pad('0x01') }), pad('0x01')) // messageNonce
    assert.equal(await l1.pub.getBalance({ address: MESSAGE_PASSER }), wtx.value)

    // A geth-style proof (anvil's eth_getProof) verifies with the L1 trie code, and the output
    // root built from the real state root and block hash is what a proposer would post.
    const block = await l1.pub.getBlock()
    const proof = await l1.pub.getProof({ address: MESSAGE_PASSER, storageKeys: [sentMessageSlot(hash)], blockNumber: block.number })
    const storageProof = proof.storageProof[0]!.proof
    assert.equal(
      await l1.read(trieHarness, abis.trie, 'verifySecure', [sentMessageSlot(hash), '0x01', storageProof, proof.storageHash]),
      true,
    )
    assert.match(outputRoot(block.stateRoot, proof.storageHash, block.hash), /^0x[0-9a-f]{64}$/)

    // Plain ETH sent to the passer withdraws to the sender with 100k gas.
    const r2 = await l1.wallet.sendTransaction({ to: MESSAGE_PASSER, value: 7n, account: user, chain: l1.chain })
    const [passed] = eventsOf(await l1.pub.waitForTransactionReceipt({ hash: r2 }), abis.passer, 'MessagePassed')
    assert.deepEqual(passed!.args, {
      nonce: 1n,
      sender: user.address,
      target: user.address,
      value: 7n,
      gasLimit: 100_000n,
      data: '0x',
      withdrawalHash: withdrawalHash({ nonce: 1n, sender: user.address, target: user.address, value: 7n, gasLimit: 100_000n, data: '0x' }),
    })
    assert.equal(await l1.read(MESSAGE_PASSER, abis.passer, 'messageNonce'), 2n)
  })

  test('L2StandardBridge: the first deposit creates the token at l2TokenFor, later ones reuse it', async (t) => {
    const to = l1.accounts[4]!.address
    const from = l1.accounts[0]!.address
    const l2Token = await l1.read<Address>(L2_BRIDGE, abis.bridge, 'l2TokenFor', [L1_TOKEN])
    assert.equal(await l1.pub.getCode({ address: l2Token }), undefined)
    const deposit = (amount: bigint, caller: Address | typeof l1.accounts[number] = alias(L1_PORTAL)) =>
      ({
        address: L2_BRIDGE,
        abi: abis.bridge,
        functionName: 'finalizeDeposit',
        args: [L1_TOKEN, from, to, amount, 'Wrapped Thing', 'WTHG', 8],
        from: caller,
        gas: 3_000_000n, // the gas limit the portal gives ERC-20 deposits
      })
    await l1.expectRevert(deposit(1n, l1.accounts[0]!), 'NotFromPortal')
    await l1.expectRevert(deposit(1n, L1_PORTAL), 'NotFromPortal') // the unaliased address is not the portal on L2

    const first = await l1.send(deposit(500n))
    t.diagnostic(`finalizeDeposit creating the token: ${first.gasUsed} gas (limit 3M)`)
    assert.ok(first.gasUsed < 1_500_000n)
    assert.deepEqual(eventsOf(first, abis.bridge, 'DepositFinalized')[0]!.args, { l1Token: L1_TOKEN, l2Token, from, to, amount: 500n })
    assert.equal(eventsOf(first, abis.bridge, 'BridgedTokenCreated').length, 1)
    const tokenRead = (f: string, args: readonly unknown[] = []) => l1.read(l2Token, abis.bridged, f, args)
    assert.deepEqual(
      await Promise.all([tokenRead('name'), tokenRead('symbol'), tokenRead('decimals'), tokenRead('l1Token'), tokenRead('bridge')]),
      ['Wrapped Thing', 'WTHG', 8, L1_TOKEN, L2_BRIDGE],
    )
    assert.equal(await l1.read(L2_BRIDGE, abis.bridge, 'l1TokenOf', [l2Token]), L1_TOKEN)

    const second = await l1.send(deposit(250n))
    t.diagnostic(`finalizeDeposit of an existing token: ${second.gasUsed} gas`)
    assert.equal(eventsOf(second, abis.bridge, 'BridgedTokenCreated').length, 0)
    assert.equal(await tokenRead('balanceOf', [to]), 750n)
    assert.equal(await tokenRead('totalSupply'), 750n)

    // The longest metadata the portal forwards (128 bytes each) still fits the 3M gas limit.
    const other = getAddress('0x00000000000000000000000000000000000ab1e1')
    const long = await l1.send({
      ...deposit(1n),
      args: [other, from, to, 1n, 'N'.repeat(128), 'S'.repeat(128), 18],
    })
    t.diagnostic(`finalizeDeposit creating a token with 128-byte name and symbol: ${long.gasUsed} gas`)
    assert.ok(long.gasUsed < 2_000_000n)
  })

  test('BridgedERC20: only the bridge mints, burns or initializes, and only once', async () => {
    const l2Token = await l1.read<Address>(L2_BRIDGE, abis.bridge, 'l2TokenFor', [L1_TOKEN])
    const call = (functionName: string, args: readonly unknown[], from: Address | typeof l1.accounts[number] = l1.accounts[0]!) =>
      ({ address: l2Token, abi: abis.bridged, functionName, args, from })
    await l1.expectRevert(call('mint', [l1.accounts[0]!.address, 1n]), 'NotBridge')
    await l1.expectRevert(call('burn', [l1.accounts[4]!.address, 1n]), 'NotBridge')
    await l1.expectRevert(call('initialize', [L1_TOKEN, 'x', 'y', 1]), 'NotBridge')
    await l1.expectRevert(call('initialize', [L1_TOKEN, 'x', 'y', 1], L2_BRIDGE), 'AlreadyInitialized')
  })

  test('L2StandardBridge: a withdrawal burns and asks the portal to release the L1 tokens', async (t) => {
    const user = l1.accounts[4]!
    const l1Recipient = l1.accounts[1]!.address
    const l2Token = await l1.read<Address>(L2_BRIDGE, abis.bridge, 'l2TokenFor', [L1_TOKEN])
    const nonce = await l1.read<bigint>(MESSAGE_PASSER, abis.passer, 'messageNonce')
    const receipt = await l1.send({ address: L2_BRIDGE, abi: abis.bridge, functionName: 'withdrawTo', args: [l2Token, l1Recipient, 300n], from: user })
    t.diagnostic(`withdrawTo gas: ${receipt.gasUsed}`)
    assert.equal(await l1.read(l2Token, abis.bridged, 'balanceOf', [user.address]), 450n)
    assert.equal(await l1.read(l2Token, abis.bridged, 'totalSupply'), 450n)

    const data = encodeFunctionData({ abi: abis.portal, functionName: 'finalizeERC20Withdrawal', args: [L1_TOKEN, user.address, l1Recipient, 300n] })
    const wtx = { nonce, sender: L2_BRIDGE, target: L1_PORTAL, value: 0n, gasLimit: 200_000n, data }
    const hash = withdrawalHash(wtx)
    assert.deepEqual(eventsOf(receipt, abis.passer, 'MessagePassed')[0]!.args, { ...wtx, withdrawalHash: hash })
    assert.deepEqual(eventsOf(receipt, abis.bridge, 'WithdrawalInitiated')[0]!.args, {
      l1Token: L1_TOKEN,
      l2Token,
      from: user.address,
      to: l1Recipient,
      amount: 300n,
    })
    assert.equal(await l1.read(MESSAGE_PASSER, abis.passer, 'sentMessages', [hash]), true)

    // withdraw() goes to the caller's own address.
    const own = await l1.send({ address: L2_BRIDGE, abi: abis.bridge, functionName: 'withdraw', args: [l2Token, 50n], from: user })
    assert.equal(eventsOf(own, abis.bridge, 'WithdrawalInitiated')[0]!.args.to, user.address)

    const bridgeCall = (args: readonly unknown[]) => ({ address: L2_BRIDGE, abi: abis.bridge, functionName: 'withdrawTo', args, from: user })
    await l1.expectRevert(bridgeCall([L1_TOKEN, l1Recipient, 1n]), 'UnknownToken')
    await l1.expectRevert(bridgeCall([l2Token, zeroAddress, 1n]), 'InvalidRecipient')
    await l1.expectRevert(bridgeCall([l2Token, l1Recipient, 0n]), 'ZeroAmount')
    await l1.expectRevert(bridgeCall([l2Token, l1Recipient, 10_000n]), 'ERC20InsufficientBalance', abis.bridged)
    assert.equal(await l1.read(MESSAGE_PASSER, abis.passer, 'messageNonce'), nonce + 2n)
  })
})
