import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import {
  concat,
  createPublicClient,
  createWalletClient,
  decodeErrorResult,
  decodeEventLog,
  defineChain,
  encodeAbiParameters,
  encodeFunctionData,
  encodePacked,
  getAddress,
  http,
  keccak256,
  parseAbi,
  parseEther,
  toEventSelector,
  type Abi,
  type AbiParameter,
  type Address,
  type Hex,
  type Log,
  type PublicClient,
  type TransactionReceipt,
  type WalletClient,
} from 'viem'
import { privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts'
import { devAccounts } from '../../src/execution/genesis.js'
import { PREDEPLOYS, REFERENCE_SUPERCHAIN_TOKEN } from '../../src/execution/predeploys.js'
import { ETH_LIQUIDITY_GENESIS_BALANCE, PLX_GENESIS_BALANCE, rollupGenesis } from '../../src/execution/rollupGenesis.js'
import { loadArtifact } from '../helpers/artifacts.js'
import { rpc, startTestNode, type TestNode } from '../helpers/node.js'

const INBOX = PREDEPLOYS.CrossL2Inbox
const MESSENGER = PREDEPLOYS.L2ToL2CrossDomainMessenger
const TOKEN_BRIDGE = PREDEPLOYS.SuperchainTokenBridge
const ETH_BRIDGE = PREDEPLOYS.SuperchainETHBridge
const LIQUIDITY = PREDEPLOYS.ETHLiquidity
const PLX = REFERENCE_SUPERCHAIN_TOKEN

const abis = {
  inbox: loadArtifact('CrossL2Inbox').abi,
  messenger: loadArtifact('L2ToL2CrossDomainMessenger').abi,
  tokenBridge: loadArtifact('SuperchainTokenBridge').abi,
  ethBridge: loadArtifact('SuperchainETHBridge').abi,
  liquidity: loadArtifact('ETHLiquidity').abi,
  token: loadArtifact('PlexusToken').abi,
  target: loadArtifact('InteropTestTarget').abi,
}
/** Every error any of them can revert with, to decode revert data. */
const allErrors = Object.values(abis).flat().filter((i) => i.type === 'error') as Abi

interface Identifier {
  origin: Address
  blockNumber: bigint
  logIndex: bigint
  timestamp: bigint
  chainId: bigint
}

/** One in-process chain (no L1) with viem clients. */
interface TestChain {
  id: number
  n: TestNode
  pub: PublicClient
  wallets: Map<Address, WalletClient>
}

const [alice, bob, relayer] = devAccounts(3).map((a) => privateKeyToAccount(a.privateKey)) as [
  PrivateKeyAccount,
  PrivateKeyAccount,
  PrivateKeyAccount,
]

async function startChain(id: number): Promise<TestChain> {
  const genesis = rollupGenesis({
    chainId: id,
    gasLimit: 60_000_000n,
    l1Portal: '0x00000000000000000000000000000000000a11ce',
    timestamp: BigInt(Math.floor(Date.now() / 1000)),
  })
  const n = await startTestNode({ genesis, produceBlocks: false })
  const chain = defineChain({
    id,
    name: `plexus-${id}`,
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [n.url] } },
  })
  const pub = createPublicClient({ chain, transport: http(n.url) }) as PublicClient
  const wallets = new Map<Address, WalletClient>()
  for (const account of [alice, bob, relayer]) {
    wallets.set(account.address, createWalletClient({ chain, account, transport: http(n.url) }))
  }
  return { id, n, pub, wallets }
}

interface Call {
  to: Address
  data: Hex
  value?: bigint
  accessList?: { address: Address; storageKeys: Hex[] }[]
}

/** Sends a transaction, builds a block with it, returns its receipt. `gas` skips estimation. */
async function send(c: TestChain, from: PrivateKeyAccount, call: Call, gas?: bigint): Promise<TransactionReceipt> {
  const wallet = c.wallets.get(from.address)!
  const hash = await wallet.sendTransaction({ ...call, account: from, chain: wallet.chain, ...(gas ? { gas } : {}) })
  await c.n.node.produceBlock()
  return c.pub.getTransactionReceipt({ hash })
}

async function deploy(c: TestChain, name: string): Promise<Address> {
  const wallet = c.wallets.get(alice.address)!
  const { abi, bytecode } = loadArtifact(name)
  const hash = await wallet.deployContract({ abi, bytecode, account: alice, chain: wallet.chain })
  await c.n.node.produceBlock()
  const receipt = await c.pub.getTransactionReceipt({ hash })
  assert.equal(receipt.status, 'success')
  return getAddress(receipt.contractAddress!)
}

async function read<T>(c: TestChain, address: Address, abi: Abi, functionName: string, args: unknown[] = []): Promise<T> {
  return (await c.pub.readContract({ address, abi, functionName, args })) as T
}

/** eth_call that must revert; returns the revert data. */
async function revertData(c: TestChain, call: Call, from: Address = relayer.address): Promise<Hex> {
  const tx = {
    from,
    to: call.to,
    data: call.data,
    ...(call.value ? { value: `0x${call.value.toString(16)}` } : {}),
    ...(call.accessList ? { accessList: call.accessList } : {}),
  }
  try {
    await rpc(c.n.url, 'eth_call', [tx, 'latest'])
  } catch (err) {
    const data = (err as { data?: unknown }).data
    assert.equal(typeof data, 'string', `eth_call reverted without data: ${String(err)}`)
    return data as Hex
  }
  assert.fail('eth_call did not revert')
}

async function expectRevert(c: TestChain, call: Call, errorName: string, from?: Address): Promise<readonly unknown[] | undefined> {
  const data = await revertData(c, call, from)
  const decoded = decodeErrorResult({ abi: allErrors, data })
  assert.equal(decoded.errorName, errorName)
  return decoded.args
}

function eventsOf(receipt: TransactionReceipt, address: Address, abi: Abi, eventName: string) {
  return receipt.logs
    .filter((l) => l.address.toLowerCase() === address.toLowerCase())
    .map((l) => {
      try {
        return decodeEventLog({ abi, data: l.data, topics: l.topics })
      } catch {
        return undefined
      }
    })
    .filter((e): e is NonNullable<typeof e> => e?.eventName === eventName)
    .map((e) => e.args as unknown as Record<string, unknown>)
}

const SENT_MESSAGE = toEventSelector(
  'SentMessage(uint256 indexed destination, address indexed target, uint256 indexed messageNonce, address sender, bytes message)',
)

/** The messenger's `SentMessage` log in a receipt (exactly one). */
function sentMessageLog(receipt: TransactionReceipt): Log {
  const logs = receipt.logs.filter((l) => l.address.toLowerCase() === MESSENGER.toLowerCase() && l.topics[0] === SENT_MESSAGE)
  assert.equal(logs.length, 1)
  return logs[0]!
}

/** What a relayer needs for a log of `src`: its identifier and payload (topics ‖ data). */
async function messageOf(src: TestChain, log: Log): Promise<{ id: Identifier; payload: Hex; msgHash: Hex }> {
  const block = await src.pub.getBlock({ blockNumber: log.blockNumber! })
  const id: Identifier = {
    origin: getAddress(log.address),
    blockNumber: log.blockNumber!,
    logIndex: BigInt(log.logIndex!),
    timestamp: block.timestamp,
    chainId: BigInt(src.id),
  }
  const payload = concat([...(log.topics as Hex[]), log.data])
  return { id, payload, msgHash: keccak256(payload) }
}

/** The access list that declares executing `msgHash` at `id` on `dst`: the inbox computes the checksum. */
async function accessListFor(dst: TestChain, id: Identifier, msgHash: Hex) {
  const checksum = await read<Hex>(dst, INBOX, abis.inbox, 'calculateChecksum', [id, msgHash])
  return [{ address: INBOX as Address, storageKeys: [checksum] }]
}

/** `relayMessage` for a log of `src`, on `dst`; with the checksum declared unless `declare` is false. */
async function relayCall(src: TestChain, dst: TestChain, log: Log, declare = true): Promise<Call> {
  const { id, payload, msgHash } = await messageOf(src, log)
  return {
    to: MESSENGER,
    data: encodeFunctionData({ abi: abis.messenger, functionName: 'relayMessage', args: [id, payload] }),
    ...(declare ? { accessList: await accessListFor(dst, id, msgHash) } : {}),
  }
}

/** The OP Stack's Hashing.hashL2toL2CrossDomainMessage. */
function messageHash(destination: bigint, source: bigint, nonce: bigint, sender: Address, target: Address, message: Hex): Hex {
  return keccak256(
    encodeAbiParameters(
      [{ type: 'uint256' }, { type: 'uint256' }, { type: 'uint256' }, { type: 'address' }, { type: 'address' }, { type: 'bytes' }],
      [destination, source, nonce, sender, target, message],
    ),
  )
}

/** A canonical text of an ABI item (type, name, input types with `indexed`, outputs, mutability). */
function signatureOf(item: Abi[number]): string {
  const typeOf = (p: AbiParameter): string =>
    'components' in p && p.components ? `(${p.components.map(typeOf).join(',')})${p.type.slice('tuple'.length)}` : p.type
  const inputs = 'inputs' in item ? item.inputs.map((p) => typeOf(p) + ((p as { indexed?: boolean }).indexed ? ' indexed' : '')) : []
  const outputs = 'outputs' in item ? ` returns (${item.outputs.map(typeOf).join(',')})` : ''
  const mutability = 'stateMutability' in item ? ` ${item.stateMutability}` : ''
  return `${item.type} ${'name' in item ? item.name : ''}(${inputs.join(',')})${outputs}${mutability}`
}

describe('interop predeploys on two in-process chains', () => {
  let a: TestChain // 901
  let b: TestChain // 902
  let senderA: Address // InteropTestTarget on 901: the contract that sends
  let targetB: Address // InteropTestTarget on 902: the contract messages are sent to

  before(async () => {
    a = await startChain(901)
    b = await startChain(902)
    senderA = await deploy(a, 'InteropTestTarget')
    targetB = await deploy(b, 'InteropTestTarget')
  })
  after(async () => {
    await a?.n.stop()
    await b?.n.stop()
  })

  test('the ABIs are the OP Stack interfaces (signatures, event topics, errors)', () => {
    const identifier = 'struct Identifier { address origin; uint256 blockNumber; uint256 logIndex; uint256 timestamp; uint256 chainId; }'
    const expected: [Abi, string[]][] = [
      [abis.inbox, [
        identifier,
        'error NotInAccessList()', 'error BlockNumberTooHigh()', 'error TimestampTooHigh()', 'error LogIndexTooHigh()',
        'event ExecutingMessage(bytes32 indexed msgHash, Identifier id)',
        'function version() view returns (string)',
        'function validateMessage(Identifier _id, bytes32 _msgHash)',
        'function calculateChecksum(Identifier _id, bytes32 _msgHash) pure returns (bytes32 checksum_)',
      ]],
      [abis.messenger, [
        identifier,
        'error NotEntered()', 'error IdOriginNotL2ToL2CrossDomainMessenger()', 'error EventPayloadNotSentMessage()',
        'error MessageDestinationSameChain()', 'error MessageDestinationNotRelayChain()',
        'error MessageTargetL2ToL2CrossDomainMessenger()', 'error MessageAlreadyRelayed()', 'error ReentrantCall()',
        'error InvalidMessage()',
        'event SentMessage(uint256 indexed destination, address indexed target, uint256 indexed messageNonce, address sender, bytes message)',
        'event RelayedMessage(uint256 indexed source, uint256 indexed messageNonce, bytes32 indexed messageHash, bytes32 returnDataHash)',
        'function version() view returns (string)',
        'function messageVersion() view returns (uint16)',
        'function successfulMessages(bytes32) view returns (bool)',
        'function sentMessages(uint256) view returns (bytes32)',
        'function messageNonce() view returns (uint256)',
        'function crossDomainMessageSender() view returns (address)',
        'function crossDomainMessageSource() view returns (uint256)',
        'function crossDomainMessageContext() view returns (address, uint256)',
        'function sendMessage(uint256 _destination, address _target, bytes _message) returns (bytes32)',
        'function resendMessage(uint256 _destination, uint256 _nonce, address _sender, address _target, bytes _message)',
        'function relayMessage(Identifier _id, bytes _sentMessage) payable returns (bytes)',
      ]],
      [abis.tokenBridge, [
        'error ZeroAddress()', 'error Unauthorized()', 'error InvalidCrossDomainSender()', 'error InvalidERC7802()',
        'event SendERC20(address indexed token, address indexed from, address indexed to, uint256 amount, uint256 destination)',
        'event RelayERC20(address indexed token, address indexed from, address indexed to, uint256 amount, uint256 source)',
        'function sendERC20(address _token, address _to, uint256 _amount, uint256 _chainId) returns (bytes32)',
        'function relayERC20(address _token, address _from, address _to, uint256 _amount)',
      ]],
      [abis.ethBridge, [
        'error Unauthorized()', 'error InvalidCrossDomainSender()', 'error ZeroAddress()',
        'event SendETH(address indexed from, address indexed to, uint256 amount, uint256 destination)',
        'event RelayETH(address indexed from, address indexed to, uint256 amount, uint256 source)',
        'function sendETH(address _to, uint256 _chainId) payable returns (bytes32)',
        'function relayETH(address _from, address _to, uint256 _amount)',
      ]],
      [abis.liquidity, [
        'error Unauthorized()',
        'event LiquidityBurned(address indexed caller, uint256 value)',
        'event LiquidityMinted(address indexed caller, uint256 value)',
        'function burn() payable',
        'function mint(uint256 _amount)',
      ]],
      [abis.token, [
        'error Unauthorized()',
        'event CrosschainMint(address indexed to, uint256 amount, address indexed sender)',
        'event CrosschainBurn(address indexed from, uint256 amount, address indexed sender)',
        'function crosschainMint(address _to, uint256 _amount)',
        'function crosschainBurn(address _from, uint256 _amount)',
        'function supportsInterface(bytes4) view returns (bool)',
      ]],
    ]
    for (const [abi, items] of expected) {
      const ours = new Set(abi.map(signatureOf))
      for (const item of parseAbi(items)) assert.ok(ours.has(signatureOf(item)), `missing: ${signatureOf(item)}`)
    }
  })

  test('genesis: the six contracts, ETHLiquidity funded, PLX balances and supply in OpenZeppelin ERC20 slots', async () => {
    for (const c of [a, b]) {
      for (const [address, name] of [
        [INBOX, 'CrossL2Inbox'],
        [MESSENGER, 'L2ToL2CrossDomainMessenger'],
        [ETH_BRIDGE, 'SuperchainETHBridge'],
        [LIQUIDITY, 'ETHLiquidity'],
        [TOKEN_BRIDGE, 'SuperchainTokenBridge'],
        [PLX, 'PlexusToken'],
      ] as const) {
        assert.equal(await c.pub.getCode({ address }), loadArtifact(name).deployedBytecode, name)
      }
      assert.equal(await c.pub.getBalance({ address: LIQUIDITY }), ETH_LIQUIDITY_GENESIS_BALANCE)
      assert.equal(await read(c, PLX, abis.token, 'name'), 'Plexus Token')
      assert.equal(await read(c, PLX, abis.token, 'symbol'), 'PLX')
      assert.equal(await read(c, PLX, abis.token, 'decimals'), 18)
      const holders = devAccounts()
      for (const { address } of holders) assert.equal(await read(c, PLX, abis.token, 'balanceOf', [address]), PLX_GENESIS_BALANCE)
      const supply = PLX_GENESIS_BALANCE * BigInt(holders.length)
      assert.equal(await read(c, PLX, abis.token, 'totalSupply'), supply)
      // The layout itself: totalSupply at slot 2, balances in the slot-0 mapping.
      assert.equal(BigInt((await c.pub.getStorageAt({ address: PLX, slot: '0x2' }))!), supply)
      const slot = keccak256(encodeAbiParameters([{ type: 'address' }, { type: 'uint256' }], [alice.address, 0n]))
      assert.equal(BigInt((await c.pub.getStorageAt({ address: PLX, slot }))!), PLX_GENESIS_BALANCE)
      // ERC-165: IERC7802 (0x33331994, as in the OP Stack), IERC165; not the invalid id.
      assert.equal(await read(c, PLX, abis.token, 'supportsInterface', ['0x33331994']), true)
      assert.equal(await read(c, PLX, abis.token, 'supportsInterface', ['0x01ffc9a7']), true)
      assert.equal(await read(c, PLX, abis.token, 'supportsInterface', ['0xffffffff']), false)
    }
  })

  test('calculateChecksum is the spec formula, type byte 0x03; oversized fields revert', async () => {
    const id: Identifier = { origin: MESSENGER, blockNumber: 123_456n, logIndex: 7n, timestamp: 1_750_000_000n, chainId: 901n }
    const msgHash = keccak256('0x1234')
    // specs/interop/predeploys.md, "type 3: Checksum", written out independently of the contract.
    const logHash = keccak256(encodePacked(['address', 'bytes32'], [id.origin, msgHash]))
    const idPacked = encodePacked(['bytes12', 'uint64', 'uint64', 'uint32'], ['0x000000000000000000000000', id.blockNumber, id.timestamp, Number(id.logIndex)])
    const idLogHash = keccak256(concat([logHash, idPacked]))
    const bare = keccak256(encodePacked(['bytes32', 'uint256'], [idLogHash, id.chainId]))
    const expected = `0x03${bare.slice(4)}`
    assert.equal(await read(a, INBOX, abis.inbox, 'calculateChecksum', [id, msgHash]), expected)

    const call = (over: Partial<Identifier>): Call => ({
      to: INBOX,
      data: encodeFunctionData({ abi: abis.inbox, functionName: 'calculateChecksum', args: [{ ...id, ...over }, msgHash] }),
    })
    await expectRevert(a, call({ blockNumber: 1n << 64n }), 'BlockNumberTooHigh')
    await expectRevert(a, call({ timestamp: 1n << 64n }), 'TimestampTooHigh')
    await expectRevert(a, call({ logIndex: 1n << 32n }), 'LogIndexTooHigh')
  })

  test('a contract on 901 messages a contract on 902: relayed only with the checksum declared, once', async () => {
    const message = encodeFunctionData({ abi: abis.target, functionName: 'receiveValue', args: [42n] })
    const nonce = await read<bigint>(a, MESSENGER, abis.messenger, 'messageNonce')
    const sent = await send(a, alice, {
      to: senderA,
      data: encodeFunctionData({ abi: abis.target, functionName: 'send', args: [902n, targetB, message] }),
    })
    assert.equal(sent.status, 'success')
    const hash = messageHash(902n, 901n, nonce, senderA, targetB, message)
    assert.deepEqual(eventsOf(sent, MESSENGER, abis.messenger, 'SentMessage'), [
      { destination: 902n, target: targetB, messageNonce: nonce, sender: senderA, message },
    ])
    assert.equal(await read(a, MESSENGER, abis.messenger, 'sentMessages', [nonce]), hash)
    assert.equal(await read(a, MESSENGER, abis.messenger, 'messageNonce'), nonce + 1n)
    const log = sentMessageLog(sent)

    // Without the access-list entry: NotInAccessList, in a call and on chain.
    const undeclared = await relayCall(a, b, log, false)
    await expectRevert(b, undeclared, 'NotInAccessList')
    assert.equal((await send(b, relayer, undeclared, 1_000_000n)).status, 'reverted')
    // A failed validation cannot leave the slot warm for a retry in the same transaction.
    const { id, msgHash } = await messageOf(a, log)
    const retry = { to: targetB, data: encodeFunctionData({ abi: abis.target, functionName: 'validateAfterFailedAttempt', args: [id, msgHash] }) }
    await expectRevert(b, retry, 'NotInAccessList')
    assert.match(await revertData(b, { ...retry, accessList: await accessListFor(b, id, msgHash) }), /^0x08c379a0/) // "first attempt passed"
    assert.equal(await read(b, targetB, abis.target, 'received'), 0n)

    // With it: the target runs with the message's context.
    const declared = await relayCall(a, b, log)
    const relayed = await send(b, relayer, declared)
    assert.equal(relayed.status, 'success')
    assert.equal(await read(b, targetB, abis.target, 'lastSender'), senderA)
    assert.equal(await read(b, targetB, abis.target, 'lastSource'), 901n)
    assert.equal(await read(b, targetB, abis.target, 'lastValue'), 42n)
    assert.deepEqual(eventsOf(relayed, MESSENGER, abis.messenger, 'RelayedMessage'), [
      { source: 901n, messageNonce: nonce, messageHash: hash, returnDataHash: keccak256(encodeAbiParameters([{ type: 'uint256' }], [84n])) },
    ])
    assert.deepEqual(eventsOf(relayed, INBOX, abis.inbox, 'ExecutingMessage'), [{ msgHash, id }])
    assert.equal(await read(b, MESSENGER, abis.messenger, 'successfulMessages', [hash]), true)

    // Replay: refused, and the target ran once.
    await expectRevert(b, declared, 'MessageAlreadyRelayed')
    assert.equal((await send(b, relayer, declared, 1_000_000n)).status, 'reverted')
    assert.equal(await read(b, targetB, abis.target, 'received'), 1n)

    // resendMessage re-emits the same log for a message 901 sent, and nothing else.
    const resent = await send(a, relayer, {
      to: MESSENGER,
      data: encodeFunctionData({ abi: abis.messenger, functionName: 'resendMessage', args: [902n, nonce, senderA, targetB, message] }),
    })
    const again = sentMessageLog(resent)
    assert.deepEqual([again.topics, again.data], [log.topics, log.data])
    await expectRevert(a, {
      to: MESSENGER,
      data: encodeFunctionData({ abi: abis.messenger, functionName: 'resendMessage', args: [902n, nonce, senderA, targetB, '0x00'] }),
    }, 'InvalidMessage')
  })

  test("a relay whose target reverts fails with the target's revert data and stays relayable", async () => {
    assert.equal((await send(b, alice, { to: targetB, data: encodeFunctionData({ abi: abis.target, functionName: 'setRefusing', args: [true] }) })).status, 'success')
    const message = encodeFunctionData({ abi: abis.target, functionName: 'receiveValue', args: [7n] })
    const sent = await send(a, alice, {
      to: senderA,
      data: encodeFunctionData({ abi: abis.target, functionName: 'send', args: [902n, targetB, message] }),
    })
    const relay = await relayCall(a, b, sentMessageLog(sent))
    const [{ messageNonce }] = eventsOf(sent, MESSENGER, abis.messenger, 'SentMessage') as [{ messageNonce: bigint }]
    const hash = messageHash(902n, 901n, messageNonce, senderA, targetB, message)
    const received = await read<bigint>(b, targetB, abis.target, 'received')

    // The relay's revert data is exactly the target's error, Refused(7).
    const data = await revertData(b, relay)
    assert.equal(data, concat([keccak256(Buffer.from('Refused(uint256)')).slice(0, 10) as Hex, encodeAbiParameters([{ type: 'uint256' }], [7n])]))
    assert.deepEqual(await expectRevert(b, relay, 'Refused'), [7n])
    const failed = await send(b, relayer, relay, 1_000_000n)
    assert.equal(failed.status, 'reverted')
    assert.equal(failed.logs.length, 0) // not even the ExecutingMessage
    assert.equal(await read(b, MESSENGER, abis.messenger, 'successfulMessages', [hash]), false)

    // Once the target accepts, the same message relays.
    await send(b, alice, { to: targetB, data: encodeFunctionData({ abi: abis.target, functionName: 'setRefusing', args: [false] }) })
    const ok = await send(b, relayer, relay)
    assert.equal(ok.status, 'success')
    assert.equal(await read(b, targetB, abis.target, 'received'), received + 1n)
    assert.equal(await read(b, targetB, abis.target, 'lastValue'), 7n)
    assert.equal(await read(b, MESSENGER, abis.messenger, 'successfulMessages', [hash]), true)
  })

  test('PLX moves 901 → 902 and back through the SuperchainTokenBridge; supply is conserved', async () => {
    const balance = (c: TestChain, who: Address) => read<bigint>(c, PLX, abis.token, 'balanceOf', [who])
    const supply = (c: TestChain) => read<bigint>(c, PLX, abis.token, 'totalSupply')
    const snapshot = async () => ({
      aliceA: await balance(a, alice.address),
      bobB: await balance(b, bob.address),
      supplyA: await supply(a),
      supplyB: await supply(b),
    })
    const amount = parseEther('1234.5')
    const before = await snapshot()

    const sent = await send(a, alice, {
      to: TOKEN_BRIDGE,
      data: encodeFunctionData({ abi: abis.tokenBridge, functionName: 'sendERC20', args: [PLX, bob.address, amount, 902n] }),
    })
    assert.equal(sent.status, 'success')
    assert.deepEqual(eventsOf(sent, TOKEN_BRIDGE, abis.tokenBridge, 'SendERC20'), [
      { token: PLX, from: alice.address, to: bob.address, amount, destination: 902n },
    ])
    assert.deepEqual(eventsOf(sent, PLX, abis.token, 'CrosschainBurn'), [{ from: alice.address, amount, sender: TOKEN_BRIDGE }])
    const mid = await snapshot()
    assert.equal(mid.aliceA, before.aliceA - amount)
    assert.equal(mid.supplyA, before.supplyA - amount)
    assert.equal(mid.bobB, before.bobB)

    const relayed = await send(b, relayer, await relayCall(a, b, sentMessageLog(sent)))
    assert.equal(relayed.status, 'success')
    assert.deepEqual(eventsOf(relayed, TOKEN_BRIDGE, abis.tokenBridge, 'RelayERC20'), [
      { token: PLX, from: alice.address, to: bob.address, amount, source: 901n },
    ])
    assert.deepEqual(eventsOf(relayed, PLX, abis.token, 'CrosschainMint'), [{ to: bob.address, amount, sender: TOKEN_BRIDGE }])
    const after = await snapshot()
    assert.equal(after.bobB, before.bobB + amount)
    assert.equal(after.supplyB, before.supplyB + amount)
    assert.equal(after.supplyA + after.supplyB, before.supplyA + before.supplyB)

    // And back: bob on 902 → alice on 901.
    const back = await send(b, bob, {
      to: TOKEN_BRIDGE,
      data: encodeFunctionData({ abi: abis.tokenBridge, functionName: 'sendERC20', args: [PLX, alice.address, amount, 901n] }),
    })
    assert.equal((await send(a, relayer, await relayCall(b, a, sentMessageLog(back)))).status, 'success')
    assert.deepEqual(await snapshot(), before)

    // Only the messenger, with this bridge as the cross-domain sender, may relay; only the bridge mints.
    await expectRevert(b, {
      to: TOKEN_BRIDGE,
      data: encodeFunctionData({ abi: abis.tokenBridge, functionName: 'relayERC20', args: [PLX, alice.address, bob.address, amount] }),
    }, 'Unauthorized')
    await expectRevert(b, { to: PLX, data: encodeFunctionData({ abi: abis.token, functionName: 'crosschainMint', args: [bob.address, amount] }) }, 'Unauthorized')
    // A message to the bridge from anyone but the bridge on the source is refused at relay.
    const forged = await send(a, alice, {
      to: senderA,
      data: encodeFunctionData({
        abi: abis.target,
        functionName: 'send',
        args: [902n, TOKEN_BRIDGE, encodeFunctionData({ abi: abis.tokenBridge, functionName: 'relayERC20', args: [PLX, alice.address, bob.address, amount] })],
      }),
    })
    await expectRevert(b, await relayCall(a, b, sentMessageLog(forged)), 'InvalidCrossDomainSender')
    // A token without ERC-7802 cannot be sent.
    await expectRevert(a, {
      to: TOKEN_BRIDGE,
      data: encodeFunctionData({ abi: abis.tokenBridge, functionName: 'sendERC20', args: [senderA, bob.address, 1n, 902n] }),
    }, 'InvalidERC7802', alice.address)
  })

  test('ETH moves 901 → 902 through the SuperchainETHBridge and ETHLiquidity, to a contract without a receive function', async () => {
    const amount = parseEther('1.5')
    const recipient = targetB // InteropTestTarget has no receive/fallback: only a forced send reaches it
    const liquidityA = await a.pub.getBalance({ address: LIQUIDITY })
    const liquidityB = await b.pub.getBalance({ address: LIQUIDITY })
    const recipientB = await b.pub.getBalance({ address: recipient })

    const sent = await send(a, alice, {
      to: ETH_BRIDGE,
      data: encodeFunctionData({ abi: abis.ethBridge, functionName: 'sendETH', args: [recipient, 902n] }),
      value: amount,
    })
    assert.equal(sent.status, 'success')
    assert.deepEqual(eventsOf(sent, ETH_BRIDGE, abis.ethBridge, 'SendETH'), [{ from: alice.address, to: recipient, amount, destination: 902n }])
    assert.deepEqual(eventsOf(sent, LIQUIDITY, abis.liquidity, 'LiquidityBurned'), [{ caller: ETH_BRIDGE, value: amount }])
    assert.equal(await a.pub.getBalance({ address: LIQUIDITY }), liquidityA + amount)
    assert.equal(await a.pub.getBalance({ address: ETH_BRIDGE }), 0n)

    const relayed = await send(b, relayer, await relayCall(a, b, sentMessageLog(sent)))
    assert.equal(relayed.status, 'success')
    assert.equal(await b.pub.getBalance({ address: recipient }), recipientB + amount)
    assert.equal(await b.pub.getBalance({ address: LIQUIDITY }), liquidityB - amount)
    assert.equal(await b.pub.getBalance({ address: ETH_BRIDGE }), 0n)
    assert.deepEqual(eventsOf(relayed, ETH_BRIDGE, abis.ethBridge, 'RelayETH'), [{ from: alice.address, to: recipient, amount, source: 901n }])
    assert.deepEqual(eventsOf(relayed, LIQUIDITY, abis.liquidity, 'LiquidityMinted'), [{ caller: ETH_BRIDGE, value: amount }])
    // No token contract takes part: every log is from the inbox, the messenger, the bridge or the reserve.
    const emitters = new Set(relayed.logs.map((l) => getAddress(l.address)))
    assert.deepEqual([...emitters].sort(), [INBOX, MESSENGER, ETH_BRIDGE, LIQUIDITY].map((x) => getAddress(x)).sort())

    // Only the bridge burns and mints; relayETH only through the messenger.
    await expectRevert(b, { to: LIQUIDITY, data: encodeFunctionData({ abi: abis.liquidity, functionName: 'mint', args: [1n] }) }, 'Unauthorized')
    await expectRevert(b, { to: LIQUIDITY, data: encodeFunctionData({ abi: abis.liquidity, functionName: 'burn' }), value: 1n }, 'Unauthorized', alice.address)
    await expectRevert(b, {
      to: ETH_BRIDGE,
      data: encodeFunctionData({ abi: abis.ethBridge, functionName: 'relayETH', args: [alice.address, bob.address, 1n] }),
    }, 'Unauthorized')
  })

  test('messenger guards: context outside a relay, own chain, forbidden targets, foreign origin, wrong destination', async () => {
    for (const functionName of ['crossDomainMessageSender', 'crossDomainMessageSource', 'crossDomainMessageContext']) {
      await expectRevert(b, { to: MESSENGER, data: encodeFunctionData({ abi: abis.messenger, functionName }) }, 'NotEntered')
    }
    const sendTo = (destination: bigint, target: Address): Call => ({
      to: MESSENGER,
      data: encodeFunctionData({ abi: abis.messenger, functionName: 'sendMessage', args: [destination, target, '0x'] }),
    })
    await expectRevert(a, sendTo(901n, bob.address), 'MessageDestinationSameChain')
    assert.equal((await send(a, alice, sendTo(901n, bob.address), 500_000n)).status, 'reverted')
    await expectRevert(a, sendTo(902n, INBOX), 'MessageTargetCrossL2Inbox')
    await expectRevert(a, sendTo(902n, MESSENGER), 'MessageTargetL2ToL2CrossDomainMessenger')

    // A message for 903 cannot be relayed on 902, even with its checksum declared.
    const to903 = await send(a, alice, sendTo(903n, bob.address))
    await expectRevert(b, await relayCall(a, b, sentMessageLog(to903)), 'MessageDestinationNotRelayChain')
    // A log of another contract is not a message, whatever the access list says.
    const { id, payload, msgHash } = await messageOf(a, sentMessageLog(to903))
    const foreign = { ...id, origin: senderA }
    await expectRevert(b, {
      to: MESSENGER,
      data: encodeFunctionData({ abi: abis.messenger, functionName: 'relayMessage', args: [foreign, payload] }),
      accessList: await accessListFor(b, foreign, msgHash),
    }, 'IdOriginNotL2ToL2CrossDomainMessenger')
  })
})
