import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createFeeMarket1559Tx } from '@ethereumjs/tx'
import { createPublicClient, encodeFunctionData, http, parseAbi, type Hex, type PublicClient } from 'viem'
import { privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts'
import { devAccounts } from '../../src/execution/genesis.js'
import { PREDEPLOYS } from '../../src/execution/predeploys.js'
import { paymasterAbi, RELAY_POST_CALL_GAS, relayExecutionOverhead } from '../../src/interop/relayPayment.js'
import { hexToBytes } from '../../src/primitives/hex.js'
import { relayGasBudget } from '../../src/sequencer/slotBuilder.js'
import { loadArtifact } from '../helpers/artifacts.js'
import { startTestNetwork, type TestNetwork } from '../helpers/network.js'
import { rpc, runCli, waitFor } from '../helpers/node.js'

/**
 * Relay payments on a whole network (two chains, in process): the network relays a message
 * only with the gas its sender paid on the source chain, and never spends more on it than that
 * plus the relay's computed fixed cost; an unpaid message stays deliverable by hand; a flood of
 * messages never delays users' transactions. Invariants are checked from receipts and block
 * numbers, never from wall-clock time.
 */

const CHAINS = [901, 902] as const
const GWEI = 1_000_000_000n
const probeAbi = parseAbi([
  'function sendPaid(uint256 destination, address target, bytes message, uint256 gasLimit) payable returns (bytes32)',
  'function sendMany(uint256 destination, address target, uint256 count, uint256 gasLimit) payable',
  'function record()',
  'function burn()',
  'function calls() view returns (uint256)',
  'function gasAtEntry() view returns (uint256)',
])
const messengerAbi = parseAbi(['function sendMessage(uint256 destination, address target, bytes message) returns (bytes32)'])
const RECORD = encodeFunctionData({ abi: probeAbi, functionName: 'record' })
const BURN = encodeFunctionData({ abi: probeAbi, functionName: 'burn' })

type Message = { msgHash: Hex; status: string; payload: Hex; paidGas: Hex; relayGas: Hex; relayAttempts: Hex; autoRelay: boolean; destinationTx: Hex | null; destinationBlock: Hex | null }
type Receipt = { status: Hex; gasUsed: Hex; blockNumber: Hex; from: Hex; logs: unknown[] }
type RpcError = Error & { code?: number }

describe('relay payments on a network', { timeout: 240_000 }, () => {
  let net: TestNetwork
  const clients: Record<number, PublicClient> = {}
  const accounts = devAccounts(10).map((a) => privateKeyToAccount(a.privateKey))
  /** The next nonce per chain and sender, as a promise so concurrent sends each take their own. */
  const nonces = new Map<string, Promise<number>>()
  /** The RelayGasProbe on 901 (a contract sender), and on 902 the targets: one for single messages, one for the flood. */
  const probe: { source: Hex; target: Hex; floodTarget: Hex } = { source: '0x', target: '0x', floodTarget: '0x' }
  const url = (id: number) => net.l2Url(id)

  /** Signs and sends a transaction from `account` on `chainId` (nonces kept here, so sends may run concurrently). */
  async function send(account: PrivateKeyAccount, chainId: number, req: { to?: Hex; data?: Hex; value?: bigint; gas?: bigint; tip?: bigint; accessList?: { address: Hex; storageKeys: Hex[] }[] }): Promise<Hex> {
    const key = `${chainId}:${account.address}`
    const taken = nonces.get(key) ?? clients[chainId]!.getTransactionCount({ address: account.address, blockTag: 'pending' })
    nonces.set(key, taken.then((n) => n + 1))
    const nonce = await taken
    const tip = req.tip ?? GWEI
    const raw = await account.signTransaction({
      chainId, nonce, type: 'eip1559', to: req.to, data: req.data, value: req.value, gas: req.gas ?? 21_000n,
      maxFeePerGas: 100n * GWEI + tip, maxPriorityFeePerGas: tip, ...(req.accessList ? { accessList: req.accessList } : {}),
    })
    return rpc<Hex>(url(chainId), 'eth_sendRawTransaction', [raw])
  }
  const receiptOf = (chainId: number, hash: Hex) => waitFor(() => rpc<Receipt | null>(url(chainId), 'eth_getTransactionReceipt', [hash]), 60_000, `receipt of ${hash} on ${chainId}`)
  const head = async (chainId: number) => BigInt(await rpc<Hex>(url(chainId), 'eth_blockNumber', []))
  const getMessage = (hash: Hex) => rpc<Message | null>(url(902), 'plexus_getMessage', [hash])
  const messagesOf = (chainId: number, tx: Hex) => rpc<Message[]>(url(chainId), 'plexus_getMessagesByTx', [`0x${chainId.toString(16)}`, tx])
  const probeRead = (chainId: number, address: Hex, functionName: 'calls' | 'gasAtEntry') => clients[chainId]!.readContract({ address, abi: probeAbi, functionName })
  const waitStatus = (hash: Hex, status: string, what: string) => waitFor(async () => ((await getMessage(hash))?.status === status ? getMessage(hash) : undefined), 60_000, what) as Promise<Message>
  /** Waits until `chainId` has built `n` more blocks: the slots a relay had to happen in. */
  async function slotsPass(chainId: number, n: bigint): Promise<void> {
    const start = await head(chainId)
    await waitFor(async () => (await head(chainId)) >= start + n, 60_000, `${n} slots on ${chainId}`)
  }

  async function deployProbe(chainId: number, from: PrivateKeyAccount): Promise<Hex> {
    const hash = await send(from, chainId, { data: loadArtifact('RelayGasProbe').bytecode as Hex, gas: 2_000_000n })
    const r = await receiptOf(chainId, hash)
    assert.equal(r.status, '0x1')
    return (r as unknown as { contractAddress: Hex }).contractAddress
  }

  /**
   * What a relay of `m` spends besides the target's paid gas: its transaction's intrinsic gas
   * (calldata, access list) and the messenger's computed overhead. Computed here from the
   * transaction the network sent, independently of the relayer's own bookkeeping.
   */
  async function fixedCost(m: Message): Promise<{ fixed: bigint; gasLimit: bigint; gasUsed: bigint; status: Hex }> {
    const tx = await rpc<{ to: Hex; input: Hex; gas: Hex; accessList: { address: Hex; storageKeys: Hex[] }[] }>(url(902), 'eth_getTransactionByHash', [m.destinationTx])
    const chain = net.network.node(902).chain
    const probeTx = createFeeMarket1559Tx({ chainId: 902n, to: tx.to, data: hexToBytes(tx.input), accessList: tx.accessList, gasLimit: 0n }, { common: chain.common })
    const receipt = await receiptOf(902, m.destinationTx!)
    return { fixed: probeTx.getIntrinsicGas() + relayExecutionOverhead((m.payload.length - 2) / 2), gasLimit: BigInt(tx.gas), gasUsed: BigInt(receipt.gasUsed), status: receipt.status }
  }

  before(async () => {
    net = await startTestNetwork({ chainIds: [...CHAINS], rpc: { expose: ['operator'] } })
    for (const id of CHAINS) clients[id] = createPublicClient({ transport: http(net.l2Url(id)), cacheTime: 0 })
    ;[probe.source, probe.target, probe.floodTarget] = await Promise.all([deployProbe(901, accounts[0]!), deployProbe(902, accounts[0]!), deployProbe(902, accounts[1]!)])
  })
  after(async () => {
    await net?.stop()
  })

  it('paid by an account (payForRelay) and by a contract (RelayPayment.sendMessagePaid): relayed by the network with the gas paid; a gas-burning target costs at most paid + the computed fixed cost', async () => {
    const alice = accounts[2]!
    // An account: sendMessage, then payForRelay for 120,000 gas.
    const sent = await send(alice, 901, { to: PREDEPLOYS.L2ToL2CrossDomainMessenger, gas: 300_000n, data: encodeFunctionData({ abi: messengerAbi, functionName: 'sendMessage', args: [902n, probe.target, RECORD] }) })
    await receiptOf(901, sent)
    const [byAccount] = await messagesOf(901, sent)
    const paid = await send(alice, 901, { to: PREDEPLOYS.RelayGasPaymaster, gas: 200_000n, value: 10n ** 17n, data: encodeFunctionData({ abi: paymasterAbi, functionName: 'payForRelay', args: [byAccount!.msgHash, 902n, 120_000n] }) })
    assert.equal((await receiptOf(901, paid)).status, '0x1')
    const m1 = await waitStatus(byAccount!.msgHash, 'relayed', 'the account-paid message relayed')
    assert.equal(BigInt(m1.paidGas), 120_000n)
    const c1 = await fixedCost(m1)
    // Invariant: the relay is limited to what was paid + the fixed cost, and used no more.
    assert.equal(c1.gasLimit, 120_000n + c1.fixed, 'relay gas limit = paid + intrinsic + messenger overhead')
    assert.ok(c1.gasUsed <= 120_000n + c1.fixed)
    const got = await probeRead(902, probe.target, 'gasAtEntry')
    assert.ok(got <= 120_000n + RELAY_POST_CALL_GAS, `the target got ${got} for 120,000 paid`)
    assert.equal(await probeRead(902, probe.target, 'calls'), 1n)

    // A contract: sendPaid (RelayPayment.sendMessagePaid) to a target that burns all it gets.
    const burn = await send(alice, 901, { to: probe.source, gas: 1_000_000n, value: 10n ** 16n, data: encodeFunctionData({ abi: probeAbi, functionName: 'sendPaid', args: [902n, probe.target, BURN, 400_000n] }) })
    assert.equal((await receiptOf(901, burn)).status, '0x1')
    const [byContract] = await messagesOf(901, burn)
    assert.equal(BigInt(byContract!.paidGas), 400_000n)
    const m2 = await waitStatus(byContract!.msgHash, 'failed', 'the burning relay ran (and failed)')
    const c2 = await fixedCost(m2)
    assert.equal(c2.status, '0x0')
    assert.equal(c2.gasLimit, 400_000n + c2.fixed)
    assert.ok(c2.gasUsed <= 400_000n + c2.fixed, `the burning relay used ${c2.gasUsed} for 400,000 paid + ${c2.fixed}`)
    assert.equal(BigInt(m2.relayGas), 0n, 'what the failed relay gave the target is used up')
    // Invariant: a used-up message is not relayed again by the network.
    await slotsPass(902, 4n)
    assert.equal(BigInt((await getMessage(m2.msgHash))!.relayAttempts), BigInt(m2.relayAttempts))
    console.log(`relay fixed cost: ${c1.fixed} gas (short message); burning relay used ${c2.gasUsed} of ${c2.gasLimit}`)
  })

  it('an unpaid message is never relayed by the network; a user relays it by hand with plexus_relayMessageTx; another one, topped up later, is relayed once', async () => {
    const bob = accounts[3]!
    const carol = accounts[4]!
    const sendUnpaid = () => send(bob, 901, { to: PREDEPLOYS.L2ToL2CrossDomainMessenger, gas: 300_000n, data: encodeFunctionData({ abi: messengerAbi, functionName: 'sendMessage', args: [902n, probe.target, RECORD] }) })
    const [tx1, tx2] = [await sendUnpaid(), await sendUnpaid()]
    await Promise.all([receiptOf(901, tx1), receiptOf(901, tx2)])
    const [[byHand], [toppedUp]] = await Promise.all([messagesOf(901, tx1), messagesOf(901, tx2)])
    const callsBefore = await probeRead(902, probe.target, 'calls')
    // Several slots: the network relays neither.
    await slotsPass(902, 6n)
    for (const h of [byHand!.msgHash, toppedUp!.msgHash]) {
      const m = (await getMessage(h))!
      assert.equal(m.status, 'sent')
      assert.equal(m.autoRelay, false)
      assert.equal(BigInt(m.relayAttempts), 0n)
    }
    assert.equal(await probeRead(902, probe.target, 'calls'), callsBefore)

    // By hand: carol gets the relay transaction, estimates it, signs and sends it on 902.
    const relayTx = await rpc<{ chainId: Hex; to: Hex; data: Hex; accessList: { address: Hex; storageKeys: Hex[] }[]; value: Hex }>(url(902), 'plexus_relayMessageTx', [byHand!.msgHash])
    assert.equal(BigInt(relayTx.chainId), 902n)
    assert.equal(relayTx.to.toLowerCase(), PREDEPLOYS.L2ToL2CrossDomainMessenger.toLowerCase())
    const gas = BigInt(await rpc<Hex>(url(902), 'eth_estimateGas', [{ from: carol.address, to: relayTx.to, data: relayTx.data, accessList: relayTx.accessList }]))
    const hand = await send(carol, 902, { to: relayTx.to, data: relayTx.data, accessList: relayTx.accessList, gas: gas + gas / 5n })
    const handReceipt = await receiptOf(902, hand)
    assert.equal(handReceipt.status, '0x1')
    const relayed = await waitStatus(byHand!.msgHash, 'relayed', 'the hand relay seen')
    assert.equal(relayed.destinationTx, hand, "the user's transaction delivered it")
    assert.equal(await probeRead(902, probe.target, 'calls'), callsBefore + 1n)
    await assert.rejects(rpc(url(902), 'plexus_relayMessageTx', [byHand!.msgHash]), (err: RpcError) => err.code === -32000 && /already relayed/.test(err.message))

    // The other one, paid now (several slots after it was sent): relayed by the network, once.
    const paid = await send(bob, 901, { to: PREDEPLOYS.RelayGasPaymaster, gas: 200_000n, value: 10n ** 17n, data: encodeFunctionData({ abi: paymasterAbi, functionName: 'payForRelay', args: [toppedUp!.msgHash, 902n, 80_000n] }) })
    assert.equal((await receiptOf(901, paid)).status, '0x1')
    const m = await waitStatus(toppedUp!.msgHash, 'relayed', 'the topped-up message relayed')
    assert.notEqual(m.destinationTx, null)
    await slotsPass(902, 4n)
    const later = (await getMessage(toppedUp!.msgHash))!
    assert.equal(BigInt(later.relayAttempts), 1n, 'relayed exactly once')
    assert.equal(await probeRead(902, probe.target, 'calls'), callsBefore + 2n)
  })

  it("a flood of 2,000 unpaid and 200 cheap paid messages: users' transfers land as soon as without it, no unpaid one is relayed, every paid one is, within the relay budget", async () => {
    const [flooder, u1, u2] = [accounts[5]!, accounts[6]!, accounts[7]!]
    const sink = '0x000000000000000000000000000000000000f100' as Hex
    /** Users' plain transfers on both chains, sent together: how many slots after the head at sending they landed. */
    const transfers = async (): Promise<bigint[]> => {
      const heads = await Promise.all(CHAINS.map(head))
      const hashes = await Promise.all(CHAINS.flatMap((id) => [u1, u2].flatMap((u) => Array.from({ length: 5 }, () => send(u, id, { to: sink, value: 1n }).then((h) => [id, h] as const)))))
      const receipts = await Promise.all(hashes.map(([id, h]) => receiptOf(id, h).then((r) => [id, r] as const)))
      return receipts.map(([id, r]) => {
        assert.equal(r.status, '0x1')
        return BigInt(r.blockNumber) - heads[CHAINS.indexOf(id)]!
      })
    }
    const baseline = await transfers()

    const callsBefore = await probeRead(902, probe.floodTarget, 'calls')
    const flood = (count: bigint, gasLimit: bigint) =>
      send(flooder, 901, { to: probe.source, gas: 14_000_000n, tip: 1n, value: gasLimit > 0n ? 10n ** 18n : 0n, data: encodeFunctionData({ abi: probeAbi, functionName: 'sendMany', args: [902n, probe.floodTarget, count, gasLimit] }) })
    const floodSent = (async () => {
      const hashes: Hex[] = []
      for (let i = 0; i < 5; i++) hashes.push(await flood(400n, 0n))
      for (let i = 0; i < 2; i++) hashes.push(await flood(100n, 50_000n))
      return hashes
    })()
    const during = await transfers()
    const floodTxs = await floodSent
    const floodReceipts = await Promise.all(floodTxs.map((h) => receiptOf(901, h)))
    for (const r of floodReceipts) assert.equal(r.status, '0x1', 'every flood transaction succeeded')
    const floodBlocks = [...new Set(floodReceipts.map((r) => BigInt(r.blockNumber)))]
    const messages = (await Promise.all(floodTxs.map((h) => messagesOf(901, h)))).flat()
    assert.equal(messages.length, 2_200)
    const paid = messages.filter((m) => BigInt(m.paidGas) > 0n)
    assert.equal(paid.length, 200)
    // Invariant: users land within the same number of slots as without the flood (the slot
    // they were sent in may already be closing: the next one at most).
    const worst = (xs: bigint[]) => xs.reduce((a, b) => (a > b ? a : b), 0n)
    console.log(`flood: ${floodTxs.length} txs in 901 blocks ${floodBlocks.join(', ')}; users landed within ${worst(baseline)} slots without it, ${worst(during)} with it`)
    assert.ok(worst(during) <= 2n, `users' transfers landed ${worst(during)} slots after sending with the flood`)
    assert.ok(worst(during) <= worst(baseline) + 1n, `users' transfers: ${worst(baseline)} slots without the flood, ${worst(during)} with it`)

    // Every paid one relayed over the next slots; each block's relays within the relay budget.
    await waitFor(async () => {
      const ms = await Promise.all(paid.map((m) => getMessage(m.msgHash)))
      return ms.every((m) => m?.status === 'relayed')
    }, 90_000, 'every paid flood message relayed')
    await slotsPass(902, 4n)
    assert.equal(await probeRead(902, probe.floodTarget, 'calls'), callsBefore + 200n, 'exactly the paid ones ran on 902')
    const unpaid = messages.filter((m) => BigInt(m.paidGas) === 0n)
    const sample = await Promise.all(unpaid.filter((_, i) => i % 50 === 0).map((m) => getMessage(m.msgHash)))
    for (const m of sample) assert.equal(m!.status, 'sent', 'an unpaid flood message was relayed')
    const listed = await rpc<{ total: number }>(url(902), 'plexus_listMessages', [{ status: 'sent', chainId: '0x386', limit: 1 }])
    assert.ok(listed.total >= 2_000, `unpaid messages still waiting: ${listed.total}`)

    const relayBlocks = [...new Set((await Promise.all(paid.map((m) => getMessage(m.msgHash)))).map((m) => BigInt(m!.destinationBlock!)))].sort()
    const relayer = (await rpc<{ from: Hex }>(url(902), 'eth_getTransactionByHash', [(await getMessage(paid[0]!.msgHash))!.destinationTx])).from.toLowerCase()
    for (const n of relayBlocks) {
      const block = await rpc<{ gasLimit: Hex; transactions: { from: Hex; gas: Hex }[] }>(url(902), 'eth_getBlockByNumber', [`0x${n.toString(16)}`, true])
      const relayGas = block.transactions.filter((t) => t.from.toLowerCase() === relayer).reduce((a, t) => a + BigInt(t.gas), 0n)
      assert.ok(relayGas <= relayGasBudget(BigInt(block.gasLimit)), `block ${n}: relays asked for ${relayGas}`)
    }
    console.log(`flood: the 200 paid relays landed in 902 blocks ${relayBlocks.join(', ')}`)
  })

  it('`plexus relay <msgHash> --chain 902` relays an unpaid message by hand; a second relay, a malformed hash and the wrong chain are one-line errors', async () => {
    const dave = devAccounts(10)[8]!
    const sent = await send(accounts[3]!, 901, { to: PREDEPLOYS.L2ToL2CrossDomainMessenger, gas: 300_000n, data: encodeFunctionData({ abi: messengerAbi, functionName: 'sendMessage', args: [902n, probe.target, RECORD] }) })
    await receiptOf(901, sent)
    const [m] = await messagesOf(901, sent)
    const callsBefore = await probeRead(902, probe.target, 'calls')
    const cli = (...args: string[]) => runCli(['relay', ...args, '--datadir', net.datadir])
    const ok = await cli(m!.msgHash, '--chain', '902', '--key', dave.privateKey, '--json')
    assert.equal(ok.code, 0, ok.out)
    const out = JSON.parse(ok.out.trim()) as { tx: Hex; relayer: Hex }
    assert.equal(out.relayer.toLowerCase(), dave.address.toLowerCase())
    const relayed = await waitStatus(m!.msgHash, 'relayed', 'the CLI relay seen')
    assert.equal(relayed.destinationTx, out.tx)
    assert.equal(await probeRead(902, probe.target, 'calls'), callsBefore + 1n)
    // Refusals: exit 1, one line, no stack trace, naming what to change.
    for (const [args, message] of [
      [[m!.msgHash, '--chain', '902'], /already relayed/],
      [['0x1234', '--chain', '902'], /<msgHash>: must be a 0x-prefixed 32-byte/],
      [[m!.msgHash, '--chain', '903'], /--chain: no chain 903/],
      [[`0x${'ab'.repeat(32)}`, '--chain', '902'], /not known to this network/],
      [[m!.msgHash, '--chain', '902', '--key', '0x12'], /--key: must be/],
    ] as const) {
      const r = await cli(...args)
      assert.equal(r.code, 1, r.out)
      assert.match(r.out, message)
      assert.equal(r.out.trim().split('\n').length, 1, `one line: ${r.out}`)
      assert.doesNotMatch(r.out, /\n\s+at /, 'no stack trace')
    }
  })

  it('hostile input to plexus_relayMessageTx and plexus_retryMessage: clear JSON-RPC errors with geth codes', async () => {
    const unknown = `0x${'ab'.repeat(32)}`
    const cases: [string, unknown[], number, RegExp][] = [
      ['plexus_relayMessageTx', [], -32602, /msgHash|missing|argument/i],
      ['plexus_relayMessageTx', ['0x1234'], -32602, /msgHash/],
      ['plexus_relayMessageTx', [`0x${'zz'.repeat(32)}`], -32602, /msgHash/],
      ['plexus_relayMessageTx', [12345], -32602, /msgHash/],
      ['plexus_relayMessageTx', [{ msgHash: unknown }], -32602, /msgHash/],
      ['plexus_relayMessageTx', [`0x${'ab'.repeat(500_000)}`], -32602, /msgHash/],
      ['plexus_relayMessageTx', [unknown, unknown], -32602, /too many|argument/i],
      // geth answers an unknown hash with its generic server error (-32000), as for a missing block.
      ['plexus_relayMessageTx', [unknown], -32000, /not known/],
      ['plexus_retryMessage', [], -32602, /msgHash|missing|argument/i],
      ['plexus_retryMessage', ['0x'], -32602, /msgHash/],
      ['plexus_retryMessage', [`0x${'ab'.repeat(500_000)}`], -32602, /msgHash/],
      ['plexus_retryMessage', [unknown], -32000, /not known/],
      ['plexus_retryMessage', [unknown, '0xzz'], -32602, /gasLimit/],
      ['plexus_retryMessage', [unknown, -1], -32602, /gasLimit/],
      // A gas limit wider than 64 bits is malformed (geth's hexutil.Uint64), however wide.
      ['plexus_retryMessage', [unknown, `0x${'f'.repeat(80)}`], -32602, /gasLimit/],
      ['plexus_retryMessage', [unknown, `0x${'f'.repeat(200_000)}`], -32602, /gasLimit/],
      ['plexus_retryMessage', Array.from({ length: 10_000 }, () => unknown), -32602, /too many|argument/i],
      ['plexus_relayMessageTx', Array.from({ length: 10_000 }, () => unknown), -32602, /too many|argument/i],
      ['plexus_retryMessage', [unknown, '0x1', 'extra'], -32602, /too many|argument/i],
    ]
    for (const [method, params, code, message] of cases) {
      await assert.rejects(rpc(url(902), method, params), (err: RpcError) => {
        assert.equal(err.code, code, `${method}(${JSON.stringify(params).slice(0, 80)}): ${err.message}`)
        assert.match(err.message, message)
        assert.ok(err.message.length < 400, 'the error does not echo an oversized param back')
        return true
      })
    }
    // The network goes on building after all of it.
    await slotsPass(902, 2n)
  })
})
