import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  createPublicClient,
  createWalletClient,
  defineChain,
  encodeFunctionData,
  http,
  keccak256,
  parseEther,
  parseAbi,
  type Hex,
  type PublicClient,
  type WalletClient,
} from 'viem'
import { privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts'
import { devAccounts } from '../../src/execution/genesis.js'
import { PREDEPLOYS, REFERENCE_SUPERCHAIN_TOKEN } from '../../src/execution/predeploys.js'
import { executingMessagesAccessList } from '../../src/interop/accessList.js'
import type { MessageIdentifier } from '../../src/interop/identifier.js'
import { messageHash, relayMessageCalldata } from '../../src/interop/messages.js'
import { paymasterAbi } from '../../src/interop/relayPayment.js'
import { abiOf } from '../../src/settlement/l1/abis.js'
import { superRootAt } from '../../src/settlement/superRoot.js'
import { loadArtifact } from '../helpers/artifacts.js'
import { assertBacked } from '../helpers/audit.js'
import { startTestNetwork, type TestNetwork } from '../helpers/network.js'
import { rpc, waitFor } from '../helpers/node.js'

const CHAINS = [901, 902] as const
const probeAbi = loadArtifact('MessageProbe').abi
const erc20Abi = parseAbi([
  'function balanceOf(address) view returns (uint256)',
  'function totalSupply() view returns (uint256)',
])
const tokenBridgeAbi = parseAbi(['function sendERC20(address token, address to, uint256 amount, uint256 chainId) returns (bytes32)'])
const ethBridgeAbi = parseAbi(['function sendETH(address to, uint256 chainId) payable returns (bytes32)'])

interface RpcMessage {
  msgHash: Hex
  status: 'sent' | 'relayed' | 'failed'
  source: Hex
  destination: Hex
  sender: Hex
  target: Hex
  identifier: { origin: Hex; blockNumber: Hex; logIndex: Hex; timestamp: Hex; chainId: Hex }
  payload: Hex
  sourceTx: Hex
  destinationTx: Hex | null
  destinationBlock: Hex | null
  failure: string | null
}

interface Side {
  chainId: number
  url: string
  client: PublicClient
  wallet(account: PrivateKeyAccount): WalletClient
}

function identifierOf(m: RpcMessage): MessageIdentifier {
  return {
    origin: m.identifier.origin,
    blockNumber: BigInt(m.identifier.blockNumber),
    logIndex: Number(m.identifier.logIndex),
    timestamp: BigInt(m.identifier.timestamp),
    chainId: BigInt(m.identifier.chainId),
  }
}

describe('one network: shared slots, native messages, tokens, bundles', () => {
  let net: TestNetwork
  const side: Record<number, Side> = {}
  // The deployer account deploys nothing else, so the probe has the same address on both chains.
  const deployer = privateKeyToAccount(devAccounts()[3]!.privateKey)
  const user = privateKeyToAccount(devAccounts()[4]!.privateKey)
  let probe: Hex

  async function send(s: Side, account: PrivateKeyAccount, req: { to: Hex; data?: Hex; value?: bigint; gas?: bigint }): Promise<{ hash: Hex; blockNumber: bigint }> {
    const hash = await s.wallet(account).sendTransaction({ ...req, account, chain: s.client.chain! })
    const receipt = await s.client.waitForTransactionReceipt({ hash, pollingInterval: 50 })
    assert.equal(receipt.status, 'success', `tx ${hash} on ${s.chainId}`)
    return { hash, blockNumber: receipt.blockNumber }
  }

  /** Pays (from `user`) for 300,000 gas of relay of `msgHash` from `source` to `destination`: relay payments are on the source chain. */
  async function payFor(source: number, msgHash: Hex, destination: bigint): Promise<void> {
    await send(side[source]!, user, { to: PREDEPLOYS.RelayGasPaymaster, value: 10n ** 17n, data: encodeFunctionData({ abi: paymasterAbi, functionName: 'payForRelay', args: [msgHash, destination, 300_000n] }) })
  }

  /**
   * The probe on `source` sends `receiveValue(value)` to the probe on `destination`, its relay
   * paid for first (the hash is known before the send: the messenger's next nonce), so the
   * network relays it as soon as it is sent.
   */
  async function sendProbePaid(source: number, destination: bigint, value: bigint): Promise<{ hash: Hex; blockNumber: bigint }> {
    const nonce = (await side[source]!.client.readContract({ address: PREDEPLOYS.L2ToL2CrossDomainMessenger, abi: parseAbi(['function messageNonce() view returns (uint256)']), functionName: 'messageNonce' })) as bigint
    const message = encodeFunctionData({ abi: probeAbi, functionName: 'receiveValue', args: [value] })
    await payFor(source, messageHash({ destination, source: BigInt(source), nonce, sender: probe.toLowerCase() as Hex, target: probe.toLowerCase() as Hex, message }), destination)
    return send(side[source]!, user, { to: probe, data: encodeFunctionData({ abi: probeAbi, functionName: 'send', args: [destination, probe, value] }) })
  }

  async function messagesOf(chainId: number, txHash: Hex): Promise<RpcMessage[]> {
    return rpc<RpcMessage[]>(side[chainId]!.url, 'plexus_getMessagesByTx', [`0x${chainId.toString(16)}`, txHash])
  }

  async function settled(url: string, msgHash: Hex, status: RpcMessage['status'] = 'relayed'): Promise<RpcMessage> {
    return waitFor(async () => {
      const m = await rpc<RpcMessage | null>(url, 'plexus_getMessage', [msgHash])
      return m?.status === status ? m : undefined
    }, 20_000, `message ${msgHash} ${status}`)
  }

  before(async () => {
    net = await startTestNetwork({ chainIds: [...CHAINS], rpc: { expose: ['operator'] } })
    for (const chainId of CHAINS) {
      const url = net.l2Url(chainId)
      const chain = defineChain({ id: chainId, name: `L2 ${chainId}`, nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [url] } } })
      side[chainId] = {
        chainId,
        url,
        client: createPublicClient({ chain, transport: http(url), cacheTime: 0 }) as PublicClient,
        wallet: (account) => createWalletClient({ account, chain, transport: http(url) }),
      }
    }
    const artifact = loadArtifact('MessageProbe')
    for (const chainId of CHAINS) {
      const s = side[chainId]!
      const hash = await s.wallet(deployer).deployContract({ abi: artifact.abi, bytecode: artifact.bytecode, account: deployer, chain: s.client.chain! })
      const receipt = await s.client.waitForTransactionReceipt({ hash, pollingInterval: 50 })
      if (probe) assert.equal(receipt.contractAddress, probe, 'same deployer and nonce: same address on both chains')
      probe = receipt.contractAddress!
    }
  })
  after(async () => {
    await net?.stop()
  })

  it('builds every chain in the same slots, with the same timestamps', async () => {
    const a = side[901]!.client
    const b = side[902]!.client
    const head = await waitFor(async () => {
      const n = await a.getBlockNumber()
      return n >= 4n ? n : undefined
    })
    await waitFor(async () => (await b.getBlockNumber()) >= head + 2n)
    for (let n = head - 3n; n <= head; n++) {
      const [x, y] = await Promise.all([a.getBlock({ blockNumber: n }), b.getBlock({ blockNumber: n })])
      assert.equal(x.timestamp, y.timestamp, `slot ${n} timestamp`)
    }
  })

  it('proposes one super root for the whole network on L1, matching both chains\' output roots', async () => {
    const l1 = createPublicClient({ transport: http(net.l1Url), cacheTime: 0 })
    const oracle = net.network.deployment.contracts.SuperRootOracle!
    const abi = abiOf('SuperRootOracle')
    const count = await waitFor(async () => {
      const n = (await l1.readContract({ address: oracle, abi, functionName: 'superRootCount' })) as bigint
      return n > 0n ? n : undefined
    }, 60_000, 'a super root on L1')
    const { superRoot: root, l2Timestamp } = (await l1.readContract({ address: oracle, abi, functionName: 'superRootAt', args: [count - 1n] })) as { superRoot: Hex; l2Timestamp: bigint }
    const computed = await superRootAt(CHAINS.map((id) => ({ chainId: BigInt(id), chain: net.network.node(id).chain })), l2Timestamp)
    assert.ok(computed, 'the proposed timestamp is final on both chains')
    assert.deepEqual(computed.outputs.map((o) => o.chainId), [901n, 902n], 'both chains are in the root')
    assert.equal(root, computed.root)
  })

  it('serves plexus_getContracts by name on every chain', async () => {
    for (const chainId of CHAINS) {
      const res = await rpc<{ predeploys: Record<string, Hex>; superchainERC20: Record<string, Hex>; l1: Record<string, Hex> }>(side[chainId]!.url, 'plexus_getContracts', [])
      assert.equal(res.predeploys.L2ToL2CrossDomainMessenger, PREDEPLOYS.L2ToL2CrossDomainMessenger)
      assert.equal(res.predeploys.CrossL2Inbox, PREDEPLOYS.CrossL2Inbox)
      assert.equal(res.superchainERC20.PlexusToken, REFERENCE_SUPERCHAIN_TOKEN)
      assert.equal(res.l1.Portal, net.network.deployment.contracts.Portal)
    }
  })

  it('relays a message 901→902 in the same slot, and 902→901 in the next, without anyone relaying by hand', async () => {
    const sent = await sendProbePaid(901, 902n, 42n)
    const [msg] = await messagesOf(901, sent.hash)
    assert.ok(msg, 'plexus_getMessagesByTx lists the message')
    const done = await settled(side[901]!.url, msg.msgHash)
    assert.equal(BigInt(done.destinationBlock!), sent.blockNumber, '902 follows 901 in the slot: relayed in the same slot')
    const b = side[902]!.client
    assert.equal(await b.readContract({ address: probe, abi: probeAbi, functionName: 'lastValue' }), 42n)
    assert.equal(((await b.readContract({ address: probe, abi: probeAbi, functionName: 'lastSender' })) as Hex).toLowerCase(), probe.toLowerCase(), 'crossDomainMessageSender is the sending contract')
    assert.equal(await b.readContract({ address: probe, abi: probeAbi, functionName: 'lastSource' }), 901n, 'crossDomainMessageSource is 901')

    const back = await sendProbePaid(902, 901n, 7n)
    const [reply] = await messagesOf(902, back.hash)
    const replied = await settled(side[902]!.url, reply!.msgHash)
    assert.equal(BigInt(replied.destinationBlock!), back.blockNumber + 1n, '901 comes before 902 in a slot: relayed in the next slot')
    assert.equal(await side[901]!.client.readContract({ address: probe, abi: probeAbi, functionName: 'lastSource' }), 902n)
  })

  it('moves the reference SuperchainERC20 901→902 and back, conserving supply, with no wrapped token', async () => {
    const token = REFERENCE_SUPERCHAIN_TOKEN
    const a = side[901]!.client
    const b = side[902]!.client
    const read = async (c: PublicClient, fn: 'totalSupply' | 'balanceOf', who?: Hex) =>
      (await c.readContract({ address: token, abi: erc20Abi, functionName: fn, args: (who ? [who] : []) as never })) as bigint
    const supplyBefore = (await read(a, 'totalSupply')) + (await read(b, 'totalSupply'))
    const [aBefore, bBefore] = [await read(a, 'balanceOf', user.address), await read(b, 'balanceOf', user.address)]
    const amount = parseEther('1234')
    const out = await send(side[901]!, user, { to: PREDEPLOYS.SuperchainTokenBridge, data: encodeFunctionData({ abi: tokenBridgeAbi, functionName: 'sendERC20', args: [token, user.address, amount, 902n] }) })
    const [m] = await messagesOf(901, out.hash)
    await settled(side[901]!.url, m!.msgHash)
    assert.equal(await read(a, 'balanceOf', user.address), aBefore - amount)
    assert.equal(await read(b, 'balanceOf', user.address), bBefore + amount)
    assert.equal((await read(a, 'totalSupply')) + (await read(b, 'totalSupply')), supplyBefore, 'supply over both chains is conserved')

    const home = await send(side[902]!, user, { to: PREDEPLOYS.SuperchainTokenBridge, data: encodeFunctionData({ abi: tokenBridgeAbi, functionName: 'sendERC20', args: [token, user.address, amount, 901n] }) })
    const [m2] = await messagesOf(902, home.hash)
    await settled(side[902]!.url, m2!.msgHash)
    assert.equal(await read(a, 'balanceOf', user.address), aBefore)
    assert.equal(await read(b, 'balanceOf', user.address), bBefore)
    assert.equal((await read(a, 'totalSupply')) + (await read(b, 'totalSupply')), supplyBefore)
    // The token is the same contract on both chains; nothing was deployed to hold a wrapped copy.
    assert.equal(await b.getCode({ address: token }), await a.getCode({ address: token }))
  })

  it('moves native ETH 901→902 and back through SuperchainETHBridge', async () => {
    const receiver = privateKeyToAccount(devAccounts()[5]!.privateKey)
    const a = side[901]!.client
    const b = side[902]!.client
    const value = parseEther('3')
    const liquidity = async (c: PublicClient) => c.getBalance({ address: PREDEPLOYS.ETHLiquidity })
    const [liqA, liqB, recvB] = [await liquidity(a), await liquidity(b), await b.getBalance({ address: receiver.address })]
    const out = await send(side[901]!, user, { to: PREDEPLOYS.SuperchainETHBridge, value, data: encodeFunctionData({ abi: ethBridgeAbi, functionName: 'sendETH', args: [receiver.address, 902n] }) })
    const [m] = await messagesOf(901, out.hash)
    await settled(side[901]!.url, m!.msgHash)
    assert.equal(await b.getBalance({ address: receiver.address }), recvB + value, 'the receiver got exactly the value, as native ETH')
    assert.equal(await liquidity(a), liqA + value, 'burnt into 901 liquidity')
    assert.equal(await liquidity(b), liqB - value, 'minted out of 902 liquidity')

    const recvA = await a.getBalance({ address: receiver.address })
    const back = await send(side[902]!, receiver, { to: PREDEPLOYS.SuperchainETHBridge, value, data: encodeFunctionData({ abi: ethBridgeAbi, functionName: 'sendETH', args: [receiver.address, 901n] }) })
    const [m2] = await messagesOf(902, back.hash)
    await settled(side[902]!.url, m2!.msgHash)
    assert.equal(await a.getBalance({ address: receiver.address }), recvA + value)
    assert.equal(await liquidity(a), liqA)
    assert.equal(await liquidity(b), liqB)
  })

  it('includes a bundle across 901 and 902 in one slot, and leaves no trace of a bundle whose 902 transaction reverts', async () => {
    const sender = privateKeyToAccount(devAccounts()[6]!.privateKey)
    const to = '0x00000000000000000000000000000000000b0b00' as Hex
    const sign = async (chainId: number, req: { to: Hex; data?: Hex; value?: bigint; gas: bigint }) => {
      const s = side[chainId]!
      const nonce = await s.client.getTransactionCount({ address: sender.address, blockTag: 'pending' })
      const fees = await s.client.estimateFeesPerGas()
      return sender.signTransaction({ ...req, nonce, chainId, type: 'eip1559', maxFeePerGas: fees.maxFeePerGas * 2n, maxPriorityFeePerGas: 1n })
    }
    const bundle = async (txs: { chainId: number; tx: Hex }[]) => {
      const { bundleId } = await rpc<{ bundleId: Hex }>(side[901]!.url, 'plexus_sendBundle', [{ txs: txs.map((t) => ({ chainId: `0x${t.chainId.toString(16)}`, tx: t.tx })) }])
      return waitFor(async () => {
        const s = await rpc<Record<string, unknown>>(side[902]!.url, 'plexus_getBundle', [bundleId])
        return s.status === 'pending' ? undefined : s
      }, 20_000, `bundle ${bundleId}`)
    }

    const ok = (await bundle([
      { chainId: 901, tx: await sign(901, { to, value: 11n, gas: 21_000n }) },
      { chainId: 902, tx: await sign(902, { to, value: 22n, gas: 21_000n }) },
    ])) as { status: string; slot: Hex; txs: { chainId: Hex; hash: Hex; blockNumber: Hex }[] }
    assert.equal(ok.status, 'included')
    assert.equal(ok.txs.length, 2)
    assert.equal(ok.txs[0]!.blockNumber, ok.txs[1]!.blockNumber, 'one slot: the same block number on both chains')
    for (const t of ok.txs) {
      const receipt = await side[Number(t.chainId)]!.client.getTransactionReceipt({ hash: t.hash })
      assert.equal(receipt.status, 'success')
    }
    assert.equal(await side[901]!.client.getBalance({ address: to }), 11n)
    assert.equal(await side[902]!.client.getBalance({ address: to }), 22n)

    const before = await Promise.all(CHAINS.map(async (c) => ({
      nonce: await side[c]!.client.getTransactionCount({ address: sender.address }),
      balance: await side[c]!.client.getBalance({ address: sender.address }),
      to: await side[c]!.client.getBalance({ address: to }),
    })))
    // Calling the probe directly reverts: only the messenger may call receiveValue.
    const reverting = await sign(902, { to: probe, data: encodeFunctionData({ abi: probeAbi, functionName: 'receiveValue', args: [1n] }), gas: 100_000n })
    const bad = (await bundle([
      { chainId: 901, tx: await sign(901, { to, value: 33n, gas: 21_000n }) },
      { chainId: 902, tx: reverting },
    ])) as { status: string; failed: { chainId: Hex; hash: Hex; reason: string } }
    assert.equal(bad.status, 'rejected')
    assert.equal(bad.failed.chainId, '0x386')
    assert.match(bad.failed.reason, /probe: not the messenger/)
    await side[901]!.client.getBlockNumber()
    const afterState = await Promise.all(CHAINS.map(async (c) => ({
      nonce: await side[c]!.client.getTransactionCount({ address: sender.address }),
      balance: await side[c]!.client.getBalance({ address: sender.address }),
      to: await side[c]!.client.getBalance({ address: to }),
    })))
    assert.deepEqual(afterState, before, 'nonces and balances unchanged on both chains')
  })

  it('rejects forged executing messages at the RPC, and a replayed relay does not execute twice', async () => {
    const sent = await sendProbePaid(901, 902n, 5n)
    const [msg] = await messagesOf(901, sent.hash)
    await settled(side[901]!.url, msg!.msgHash)
    const id = identifierOf(msg!)
    const relayer = privateKeyToAccount(devAccounts()[7]!.privateKey)
    const b = side[902]!
    const relayTx = async (forged: MessageIdentifier) => {
      const nonce = await b.client.getTransactionCount({ address: relayer.address, blockTag: 'pending' })
      const fees = await b.client.estimateFeesPerGas()
      return relayer.signTransaction({
        chainId: 902,
        nonce,
        type: 'eip1559',
        to: PREDEPLOYS.L2ToL2CrossDomainMessenger,
        data: relayMessageCalldata(forged, msg!.payload),
        gas: 500_000n,
        maxFeePerGas: fees.maxFeePerGas * 2n,
        maxPriorityFeePerGas: 1n,
        accessList: executingMessagesAccessList([{ id: forged, msgHash: keccak256(msg!.payload) }]),
      })
    }
    const forgeries: [string, MessageIdentifier][] = [
      ['wrong log index', { ...id, logIndex: id.logIndex + 1 }],
      ['wrong origin', { ...id, origin: probe }],
      ['future timestamp', { ...id, timestamp: id.timestamp + 1000n }],
      ['chain not in the dependency set', { ...id, chainId: 999n }],
      ['block that does not exist yet', { ...id, blockNumber: id.blockNumber + 1_000_000n }],
    ]
    for (const [what, forged] of forgeries) {
      const raw = await relayTx(forged)
      await assert.rejects(rpc(b.url, 'eth_sendRawTransaction', [raw]), /invalid executing message/, what)
    }
    // A valid identifier of a message that was already relayed: the messenger's replay protection reverts it.
    const received = await b.client.readContract({ address: probe, abi: probeAbi, functionName: 'received' })
    const hash = await rpc<Hex>(b.url, 'eth_sendRawTransaction', [await relayTx(id)])
    const receipt = await b.client.waitForTransactionReceipt({ hash, pollingInterval: 50 })
    assert.equal(receipt.status, 'reverted', 'a replayed message does not execute')
    assert.equal(await b.client.readContract({ address: probe, abi: probeAbi, functionName: 'received' }), received)
  })

  it('records a relay whose target reverts as failed with the reason, and relays it on retry once the target is fixed', async () => {
    const b = side[902]!
    await send(b, deployer, { to: probe, data: encodeFunctionData({ abi: probeAbi, functionName: 'setClosed', args: [true] }) })
    const sent = await sendProbePaid(901, 902n, 99n)
    const [msg] = await messagesOf(901, sent.hash)
    const failed = await settled(side[901]!.url, msg!.msgHash, 'failed')
    assert.match(failed.failure!, /probe: closed/)
    assert.ok(failed.destinationTx, 'the failed relay transaction is recorded')
    const failedReceipt = await b.client.getTransactionReceipt({ hash: failed.destinationTx! })
    assert.equal(failedReceipt.status, 'reverted')

    await send(b, deployer, { to: probe, data: encodeFunctionData({ abi: probeAbi, functionName: 'setClosed', args: [false] }) })
    // The failed relay used up what was paid: a retry is refused until the sender pays more; a top-up queues it by itself.
    await assert.rejects(rpc(b.url, 'plexus_retryMessage', [msg!.msgHash]), /no relay gas left/)
    await payFor(901, msg!.msgHash, 902n)
    const relayed = await settled(b.url, msg!.msgHash)
    assert.equal(relayed.failure, null)
    assert.equal(await b.client.readContract({ address: probe, abi: probeAbi, functionName: 'lastValue' }), 99n)
    await assert.rejects(rpc(b.url, 'plexus_retryMessage', [msg!.msgHash]), /already relayed/)
  })
  it('after every message, token and ETH move above, every asset is still backed by L1 escrow (plexus audit)', async () => {
    await assertBacked(net.network)
  })
})
