// Hostile input on the L2 predeploys (installed on an anvil as runtime code, as in the genesis
// alloc; anvil's chain id 900 stands for the destination chain): unauthorized callers, forged
// and replayed relays, re-entrancy, malformed message payloads, zero addresses, overflow-sized
// identifiers and amounts, value where none is expected. Each refusal is a named error and moves
// nothing: balances, supplies, nonces and relay records are compared before and after.
import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import {
  concat,
  encodeAbiParameters,
  encodeFunctionData,
  getAddress,
  keccak256,
  maxUint256,
  pad,
  parseEther,
  toEventSelector,
  toHex,
  zeroAddress,
  type Abi,
  type Address,
  type Hex,
} from 'viem'
import { loadArtifact } from '../helpers/artifacts.js'
import { impersonate, mustSend, outcome, refuse, type Attempt } from './hostile.js'
import { alias, L1_BLOCK, L2_BRIDGE, MESSAGE_PASSER, startL1, type L1 } from './setup.js'

const INBOX: Address = '0x4200000000000000000000000000000000000022'
const MESSENGER: Address = '0x4200000000000000000000000000000000000023'
const ETH_BRIDGE: Address = '0x4200000000000000000000000000000000000024'
const LIQUIDITY: Address = '0x4200000000000000000000000000000000000025'
const TOKEN_BRIDGE: Address = '0x4200000000000000000000000000000000000028'
const PLX: Address = '0x4200000000000000000000000000000000000500'
const L1_PORTAL: Address = '0x1234567890AbcdEF1234567890aBcdef12345678'
const HERE = 900n // anvil's chain id: the chain these predeploys run on
const SOURCE = 901n
const GAS_PAYING_TOKEN_SLOT = toHex(BigInt(keccak256(toHex('opstack.gaspayingtoken'))) - 1n)

const art = (name: string) => loadArtifact(name).abi
const abi = {
  inbox: art('CrossL2Inbox'),
  messenger: art('L2ToL2CrossDomainMessenger'),
  ethBridge: art('SuperchainETHBridge'),
  liquidity: art('ETHLiquidity'),
  tokenBridge: art('SuperchainTokenBridge'),
  plx: art('PlexusToken'),
  bridge: art('L2StandardBridge'),
  bridged: art('BridgedERC20'),
  passer: art('L2ToL1MessagePasser'),
  reenterer: art('Reenterer'),
  target: art('InteropTestTarget'),
}

type Identifier = { origin: Address; blockNumber: bigint; logIndex: bigint; timestamp: bigint; chainId: bigint }

/** A `SentMessage` log's payload (topics ‖ data), as the messenger on `SOURCE` would emit it. */
function sentMessage(p: { destination?: bigint; target: Address; nonce: bigint; sender: Address; message: Hex }): Hex {
  const selector = toEventSelector('SentMessage(uint256,address,uint256,address,bytes)')
  return concat([
    selector,
    pad(toHex(p.destination ?? HERE)),
    pad(p.target),
    pad(toHex(p.nonce)),
    encodeAbiParameters([{ type: 'address' }, { type: 'bytes' }], [p.sender, p.message]),
  ])
}

describe('L2 predeploys under hostile input', () => {
  let l1: L1
  let reenterer: Address
  let refuser: Address
  let receiver: Address
  let logIndex = 0n
  const user = () => l1.accounts[4]!.address
  const other = () => l1.accounts[3]!.address

  const call = (to: Address, a: Abi, functionName: string, args: readonly unknown[], from = user(), value?: bigint): Attempt =>
    ({ to, abi: a, functionName, args, from, value })
  const ethOf = (a: Address) => l1.pub.getBalance({ address: a })
  const plx = (fn: string, args: readonly unknown[] = []) => l1.read<bigint>(PLX, abi.plx, fn, args)

  /** What the predeploys move: ETH balances, PLX supply, nonces. */
  async function state() {
    return {
      user: await ethOf(user()),
      liquidity: await ethOf(LIQUIDITY),
      ethBridge: await ethOf(ETH_BRIDGE),
      messenger: await ethOf(MESSENGER),
      passer: await ethOf(MESSAGE_PASSER),
      receiver: await ethOf(receiver),
      refuser: await ethOf(refuser),
      nonce: await l1.read(MESSENGER, abi.messenger, 'messageNonce'),
      passerNonce: await l1.read(MESSAGE_PASSER, abi.passer, 'messageNonce'),
      plxSupply: await plx('totalSupply'),
      plxUser: await plx('balanceOf', [user()]),
      plxOther: await plx('balanceOf', [other()]),
      received: await l1.read(receiver, abi.target, 'received'),
    }
  }

  /** A relay of `payload` with its checksum declared in the access list (what a valid executing message carries). */
  async function relay(payload: Hex, opts: { id?: Partial<Identifier>; declare?: boolean; value?: bigint; from?: Address } = {}): Promise<Attempt> {
    const id: Identifier = { origin: MESSENGER, blockNumber: 7n, logIndex: logIndex++, timestamp: 1_700_000_000n, chainId: SOURCE, ...opts.id }
    const checksum = await l1.read<Hex>(INBOX, abi.inbox, 'calculateChecksum', [id, keccak256(payload)])
    return {
      ...call(MESSENGER, abi.messenger, 'relayMessage', [id, payload], opts.from ?? user(), opts.value),
      ...(opts.declare === false ? {} : { accessList: [{ address: INBOX, storageKeys: [checksum] }] }),
    }
  }

  before(async () => {
    l1 = await startL1()
    for (const [address, name] of [
      [L1_BLOCK, 'L1Block'], [MESSAGE_PASSER, 'L2ToL1MessagePasser'], [L2_BRIDGE, 'L2StandardBridge'],
      [INBOX, 'CrossL2Inbox'], [MESSENGER, 'L2ToL2CrossDomainMessenger'], [ETH_BRIDGE, 'SuperchainETHBridge'],
      [LIQUIDITY, 'ETHLiquidity'], [TOKEN_BRIDGE, 'SuperchainTokenBridge'], [PLX, 'PlexusToken'],
    ] as const) {
      await l1.testClient.setCode({ address, bytecode: loadArtifact(name).deployedBytecode })
    }
    await l1.testClient.setStorageAt({ address: L2_BRIDGE, index: 0, value: pad(L1_PORTAL) })
    await l1.testClient.setBalance({ address: LIQUIDITY, value: parseEther('1000000') })
    for (const who of [MESSENGER, TOKEN_BRIDGE, ETH_BRIDGE, alias(L1_PORTAL), L2_BRIDGE]) await impersonate(l1, who)
    await mustSend(l1, call(PLX, abi.plx, 'crosschainMint', [user(), parseEther('100')], TOKEN_BRIDGE))
    reenterer = await l1.deploy('Reenterer')
    refuser = await l1.deploy('EthRefuser')
    receiver = await l1.deploy('InteropTestTarget')
    // Impersonation stays on for the predeploys only where a test needs them to call out.
    for (const who of [MESSENGER, TOKEN_BRIDGE, ETH_BRIDGE]) await l1.testClient.stopImpersonatingAccount({ address: who })
  })
  after(async () => l1?.stop())

  test('CrossL2Inbox: undeclared messages and identifiers wider than their packed fields', async () => {
    const id: Identifier = { origin: MESSENGER, blockNumber: 1n, logIndex: 0n, timestamp: 1n, chainId: SOURCE }
    const hash = keccak256('0x01')
    await refuse(l1, call(INBOX, abi.inbox, 'validateMessage', [id, hash]), 'NotInAccessList', [], state)
    await refuse(l1, call(INBOX, abi.inbox, 'validateMessage', [{ ...id, blockNumber: 2n ** 64n }, hash]), 'BlockNumberTooHigh', [], state)
    await refuse(l1, call(INBOX, abi.inbox, 'validateMessage', [{ ...id, timestamp: maxUint256 }, hash]), 'TimestampTooHigh', [], state)
    await refuse(l1, call(INBOX, abi.inbox, 'validateMessage', [{ ...id, logIndex: 2n ** 32n }, hash]), 'LogIndexTooHigh', [], state)
    await refuse(l1, call(INBOX, abi.inbox, 'validateMessage', [id, hash], user(), 1n), 'EmptyRevert', [], state)
  })

  test('messenger: sending to this chain, to the inbox or the messenger, with value; context outside a relay', async () => {
    await refuse(l1, call(MESSENGER, abi.messenger, 'sendMessage', [HERE, receiver, '0x']), 'MessageDestinationSameChain', [], state)
    await refuse(l1, call(MESSENGER, abi.messenger, 'sendMessage', [SOURCE, INBOX, '0x']), 'MessageTargetCrossL2Inbox', [], state)
    await refuse(l1, call(MESSENGER, abi.messenger, 'sendMessage', [SOURCE, MESSENGER, '0x']), 'MessageTargetL2ToL2CrossDomainMessenger', [], state)
    await refuse(l1, call(MESSENGER, abi.messenger, 'sendMessage', [SOURCE, receiver, '0x'], user(), 1n), 'EmptyRevert', [], state)
    for (const fn of ['crossDomainMessageSender', 'crossDomainMessageSource', 'crossDomainMessageContext']) {
      const o = await outcome(l1, call(MESSENGER, abi.messenger, fn, []))
      assert.ok(!o.ok && o.name === 'NotEntered', `${fn} outside a relay`)
    }
    await refuse(l1, call(MESSENGER, abi.messenger, 'resendMessage', [SOURCE, 0n, user(), receiver, '0x']), 'InvalidMessage', [], state)
  })

  test('messenger: forged, malformed, misdirected and replayed relays', async () => {
    const message = encodeFunctionData({ abi: abi.target, functionName: 'receiveValue', args: [5n] })
    const good = sentMessage({ target: receiver, nonce: 1n, sender: other(), message })
    await refuse(l1, await relay(good, { id: { origin: other() } }), 'IdOriginNotL2ToL2CrossDomainMessenger', [], state)
    await refuse(l1, await relay(good, { declare: false }), 'NotInAccessList', [], state)
    const selector = good.slice(0, 66) as Hex
    for (const [label, payload] of [
      ['empty', '0x'],
      ['short', good.slice(0, 2 + 2 * 127)],
      ['wrong selector', concat([keccak256('0x'), `0x${good.slice(66)}`])],
      ['topics only', good.slice(0, 2 + 2 * 128)],
      ['data offset not 0x40', concat([good.slice(0, 2 + 2 * 160) as Hex, pad(toHex(0x1000)), `0x${good.slice(2 + 2 * 192)}`])],
      ['message length past the data', concat([good.slice(0, 2 + 2 * 192) as Hex, pad(toHex(2n ** 200n)), `0x${good.slice(2 + 2 * 224)}`])],
      ['sender wider than an address', concat([good.slice(0, 2 + 2 * 128) as Hex, `0x${'ff'.repeat(32)}`, `0x${good.slice(2 + 2 * 160)}`])],
      ['target wider than an address', concat([selector, pad(toHex(HERE)), `0x${'ff'.repeat(32)}`, `0x${good.slice(2 + 2 * 96)}`])],
    ] as const) {
      const o = await outcome(l1, await relay(payload as Hex))
      assert.ok(!o.ok && o.name === 'EventPayloadNotSentMessage', `${label}: ${o.ok ? 'accepted' : o.name}`)
      await refuse(l1, await relay(payload as Hex), 'EventPayloadNotSentMessage', [], state)
    }
    await refuse(l1, await relay(sentMessage({ destination: SOURCE, target: receiver, nonce: 1n, sender: other(), message })), 'MessageDestinationNotRelayChain', [], state)
    await refuse(l1, await relay(sentMessage({ target: INBOX, nonce: 1n, sender: other(), message })), 'MessageTargetCrossL2Inbox', [], state)
    await refuse(l1, await relay(sentMessage({ target: MESSENGER, nonce: 1n, sender: other(), message })), 'MessageTargetL2ToL2CrossDomainMessenger', [], state)

    // A target that refuses: the relay reverts with its reason and the value stays with the relayer.
    await mustSend(l1, call(receiver, abi.target, 'setRefusing', [true]))
    await refuse(l1, await relay(good, { value: 3n }), 'Refused', [5n], state)
    await mustSend(l1, call(receiver, abi.target, 'setRefusing', [false]))

    // Relayed once (with a first identifier), then replayed with the same and with another one.
    const first = await relay(good)
    await mustSend(l1, first)
    assert.equal(await l1.read(receiver, abi.target, 'received'), 1n)
    await refuse(l1, { ...first, accessList: first.accessList }, 'MessageAlreadyRelayed', [], state)
    await refuse(l1, await relay(good), 'MessageAlreadyRelayed', [], state)
  })

  test('messenger: a relayed call re-entering relayMessage is refused with ReentrantCall', async () => {
    const inner = sentMessage({ target: receiver, nonce: 2n, sender: other(), message: encodeFunctionData({ abi: abi.target, functionName: 'receiveValue', args: [9n] }) })
    const innerRelay = await relay(inner)
    const reenter = encodeFunctionData({ abi: abi.reenterer, functionName: 'go', args: [MESSENGER, encodeFunctionData({ abi: abi.messenger, functionName: 'relayMessage', args: innerRelay.args! })] })
    const outer = await relay(sentMessage({ target: reenterer, nonce: 3n, sender: other(), message: reenter }))
    // Both checksums declared: only the re-entrancy guard stands in the way.
    await refuse(l1, { ...outer, accessList: [{ address: INBOX, storageKeys: [...outer.accessList![0]!.storageKeys, ...innerRelay.accessList![0]!.storageKeys] }] }, 'ReentrantCall', [], state)
  })

  test('SuperchainETHBridge and ETHLiquidity: zero recipient, own chain, unauthorized, wrong sender, custom gas token', async () => {
    await refuse(l1, call(ETH_BRIDGE, abi.ethBridge, 'sendETH', [zeroAddress, SOURCE], user(), 1n), 'ZeroAddress', [], state)
    await refuse(l1, call(ETH_BRIDGE, abi.ethBridge, 'sendETH', [user(), HERE], user(), 1n), 'MessageDestinationSameChain', [], state)
    await refuse(l1, call(ETH_BRIDGE, abi.ethBridge, 'relayETH', [user(), user(), parseEther('1')]), 'Unauthorized', [], state)
    await refuse(l1, call(LIQUIDITY, abi.liquidity, 'mint', [parseEther('1')]), 'Unauthorized', [], state)
    await refuse(l1, call(LIQUIDITY, abi.liquidity, 'burn', [], user(), 1n), 'Unauthorized', [], state)
    await refuse(l1, call(LIQUIDITY, abi.liquidity, 'fund', [], user(), 0n), 'InvalidAmount', [], state)
    const relayEth = (from: Address, to: Address, amount: bigint, sender: Address, nonce: bigint) =>
      relay(sentMessage({ target: ETH_BRIDGE, nonce, sender, message: encodeFunctionData({ abi: abi.ethBridge, functionName: 'relayETH', args: [from, to, amount] }) }))
    // A message to relayETH from anyone but the bridge on the source chain.
    await refuse(l1, await relayEth(user(), user(), parseEther('5'), user(), 10n), 'InvalidCrossDomainSender', [], state)
    // More than the liquidity holds: the payout cannot be created.
    await refuse(l1, await relayEth(user(), user(), maxUint256, ETH_BRIDGE, 11n), 'SafeSendFailed', [], state)
    // A recipient that refuses ETH is paid anyway (no code of it runs).
    await mustSend(l1, await relayEth(user(), refuser, 7n, ETH_BRIDGE, 12n))
    assert.equal(await ethOf(refuser), 7n)
    // On a custom-gas-token chain both directions stop.
    await l1.testClient.setStorageAt({ address: L1_BLOCK, index: GAS_PAYING_TOKEN_SLOT, value: pad(L1_PORTAL) })
    await refuse(l1, call(ETH_BRIDGE, abi.ethBridge, 'sendETH', [user(), SOURCE], user(), 1n), 'NotSupportedOnCustomGasToken', [], state)
    await refuse(l1, await relayEth(user(), user(), 1n, ETH_BRIDGE, 13n), 'NotSupportedOnCustomGasToken', [], state)
    await l1.testClient.setStorageAt({ address: L1_BLOCK, index: GAS_PAYING_TOKEN_SLOT, value: pad('0x00') })
  })

  test('SuperchainTokenBridge and PlexusToken: zero recipient, non-ERC-7802 tokens, more than the balance, forged relays', async () => {
    const send = (token: Address, to: Address, amount: bigint, chain = SOURCE) => call(TOKEN_BRIDGE, abi.tokenBridge, 'sendERC20', [token, to, amount, chain])
    await refuse(l1, send(PLX, zeroAddress, 1n), 'ZeroAddress', [], state)
    await refuse(l1, send(other(), other(), 1n), 'InvalidERC7802', [], state)
    await refuse(l1, send(refuser, other(), 1n), 'InvalidERC7802', [], state)
    await refuse(l1, send(PLX, other(), maxUint256), 'ERC20InsufficientBalance', [user(), parseEther('100'), maxUint256], state)
    await refuse(l1, send(PLX, other(), 1n, HERE), 'MessageDestinationSameChain', [], state)
    await refuse(l1, call(TOKEN_BRIDGE, abi.tokenBridge, 'relayERC20', [PLX, user(), user(), 1n]), 'Unauthorized', [], state)
    await refuse(l1, call(PLX, abi.plx, 'crosschainMint', [user(), 1n]), 'Unauthorized', [], state)
    await refuse(l1, call(PLX, abi.plx, 'crosschainBurn', [other(), 1n]), 'Unauthorized', [], state)
    const forged = sentMessage({ target: TOKEN_BRIDGE, nonce: 20n, sender: user(), message: encodeFunctionData({ abi: abi.tokenBridge, functionName: 'relayERC20', args: [PLX, user(), user(), parseEther('1000')] }) })
    await refuse(l1, await relay(forged), 'InvalidCrossDomainSender', [], state)
  })

  test('L2StandardBridge and BridgedERC20: deposits not from the portal, unknown tokens, zero recipient/amount, direct mint and burn', async () => {
    const l1Token: Address = getAddress('0x00000000000000000000000000000000000ab1e0')
    const deposit = (from: Address, amount = 10n) =>
      call(L2_BRIDGE, abi.bridge, 'finalizeDeposit', [l1Token, user(), user(), amount, 'T', 'T', 18], from)
    const l2Token = await l1.read<Address>(L2_BRIDGE, abi.bridge, 'l2TokenFor', [l1Token])
    const tokenState = async () => ({ s: await state(), code: await l1.pub.getCode({ address: l2Token }) })
    await refuse(l1, deposit(user()), 'NotFromPortal', [user()], tokenState)
    await impersonate(l1, L1_PORTAL)
    await refuse(l1, deposit(L1_PORTAL), 'NotFromPortal', [L1_PORTAL], tokenState) // the unaliased portal
    await mustSend(l1, deposit(alias(L1_PORTAL)))
    const supply = async () => ({ s: await state(), supply: await l1.read(l2Token, abi.bridged, 'totalSupply'), mine: await l1.read(l2Token, abi.bridged, 'balanceOf', [user()]) })
    await refuse(l1, call(L2_BRIDGE, abi.bridge, 'withdrawTo', [l1Token, user(), 1n]), 'UnknownToken', [l1Token], supply)
    await refuse(l1, call(L2_BRIDGE, abi.bridge, 'withdrawTo', [l2Token, zeroAddress, 1n]), 'InvalidRecipient', [], supply)
    await refuse(l1, call(L2_BRIDGE, abi.bridge, 'withdrawTo', [l2Token, user(), 0n]), 'ZeroAmount', [], supply)
    await refuse(l1, call(L2_BRIDGE, abi.bridge, 'withdrawTo', [l2Token, user(), maxUint256]), 'ERC20InsufficientBalance', [user(), 10n, maxUint256], supply)
    await refuse(l1, call(l2Token, abi.bridged, 'mint', [user(), 1n]), 'NotBridge', [user()], supply)
    await refuse(l1, call(l2Token, abi.bridged, 'burn', [user(), 1n]), 'NotBridge', [user()], supply)
    await refuse(l1, call(l2Token, abi.bridged, 'initialize', [other(), 'X', 'X', 0]), 'NotBridge', [user()], supply)
    await refuse(l1, call(l2Token, abi.bridged, 'initialize', [other(), 'X', 'X', 0], L2_BRIDGE), 'AlreadyInitialized', [], supply)
  })

  test('L2ToL1MessagePasser: value that is not whole gas-token units', async () => {
    // A 6-decimal gas token: one unit is 10^12 wei.
    await l1.testClient.setStorageAt({ address: L1_BLOCK, index: GAS_PAYING_TOKEN_SLOT, value: pad(toHex((6n << 160n) | BigInt(L1_PORTAL))) })
    const unit = 10n ** 12n
    await refuse(l1, call(MESSAGE_PASSER, abi.passer, 'initiateWithdrawal', [user(), 100_000n, '0x'], user(), unit + 1n), 'WithdrawalValueNotWholeTokenUnits', [unit + 1n, unit], state)
    await refuse(l1, { to: MESSAGE_PASSER, functionName: 'receive', data: '0x', value: 1n, from: user() }, 'WithdrawalValueNotWholeTokenUnits', [1n, unit], state)
    await mustSend(l1, call(MESSAGE_PASSER, abi.passer, 'initiateWithdrawal', [user(), 100_000n, '0x'], user(), unit * 3n))
    await l1.testClient.setStorageAt({ address: L1_BLOCK, index: GAS_PAYING_TOKEN_SLOT, value: pad('0x00') })
  })
})
