import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import WebSocket from 'ws'
import { createPublicClient, createWalletClient, defineChain, encodeFunctionData, http, parseAbi, parseEther, type Hex, type PublicClient } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { devAccounts } from '../../src/execution/genesis.js'
import { PREDEPLOYS } from '../../src/execution/predeploys.js'
import { createBridgeContext, depositETH, finalizeWithdrawal, initiateWithdrawal } from '../../src/settlement/actions/bridge.js'
import { abiOf } from '../../src/settlement/l1/abis.js'
import { hashOutputRoot } from '../../src/settlement/outputRoot.js'
import { startTestNetwork, type TestNetwork } from '../helpers/network.js'
import { rpc, waitFor } from '../helpers/node.js'

const ethBridgeAbi = parseAbi(['function sendETH(address to, uint256 chainId) payable returns (bytes32)'])

interface ListedMessage {
  msgHash: Hex
  index: number
  status: string
  source: Hex
  destination: Hex
  sender: Hex
  target: Hex
}

/** The methods the dashboard reads the network with: lists, the message subscription, bridge transfers with stages. */
describe('network lists: messages, bundles, deposits, withdrawals', () => {
  let net: TestNetwork
  let url901: string
  let url902: string
  let client901: PublicClient
  const user = privateKeyToAccount(devAccounts()[2]!.privateKey)

  async function sendETH(to: Hex, value: bigint): Promise<Hex> {
    const chain = defineChain({ id: 901, name: 'L2 901', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [url901] } } })
    const hash = await createWalletClient({ account: user, chain, transport: http(url901) }).sendTransaction({
      account: user,
      chain,
      to: PREDEPLOYS.SuperchainETHBridge,
      data: encodeFunctionData({ abi: ethBridgeAbi, functionName: 'sendETH', args: [to, 902n] }),
      value,
    })
    await client901.waitForTransactionReceipt({ hash, pollingInterval: 50 })
    return hash
  }

  before(async () => {
    net = await startTestNetwork({ chainIds: [901, 902] })
    url901 = net.l2Url(901)
    url902 = net.l2Url(902)
    client901 = createPublicClient({ transport: http(url901), cacheTime: 0 }) as PublicClient
  })
  after(async () => {
    await net?.stop()
  })

  it('pushes every message state over eth_subscribe("plexus_messages") and lists messages newest first, filtered and paged', async () => {
    const ws = new WebSocket(url901.replace('http', 'ws'))
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject))
    const pushed: ListedMessage[] = []
    ws.on('message', (raw) => {
      const msg = JSON.parse(String(raw)) as { method?: string; params?: { result: ListedMessage } }
      if (msg.method === 'eth_subscription') pushed.push(msg.params!.result)
    })
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_subscribe', params: ['plexus_messages'] }))
    const tx1 = await sendETH(user.address, parseEther('0.01'))
    const tx2 = await sendETH(devAccounts()[3]!.address, parseEther('0.02'))
    const [m1] = await rpc<ListedMessage[]>(url901, 'plexus_getMessagesByTx', ['0x385', tx1])
    const [m2] = await rpc<ListedMessage[]>(url901, 'plexus_getMessagesByTx', ['0x385', tx2])
    await waitFor(async () => pushed.some((p) => p.msgHash === m2!.msgHash && p.status === 'relayed'), 15_000, 'relayed pushed')
    ws.close()
    const states = pushed.filter((p) => p.msgHash === m1!.msgHash).map((p) => p.status)
    assert.deepEqual(states, ['sent', 'relayed'], 'the subscription saw the message sent, then relayed')
    assert.ok(m2!.index > m1!.index, 'indices follow the order the messages were sent')

    const all = await rpc<{ messages: ListedMessage[]; total: number; next: number | null }>(url902, 'plexus_listMessages', [])
    assert.equal(all.total, 2)
    assert.deepEqual(all.messages.map((m) => m.msgHash), [m2!.msgHash, m1!.msgHash], 'newest first, from any chain of the network')
    const page1 = await rpc<{ messages: ListedMessage[]; next: number | null }>(url901, 'plexus_listMessages', [{ limit: 1 }])
    assert.deepEqual(page1.messages.map((m) => m.msgHash), [m2!.msgHash])
    assert.equal(page1.next, m1!.index)
    const page2 = await rpc<{ messages: ListedMessage[]; next: number | null }>(url901, 'plexus_listMessages', [{ limit: 1, fromIndex: page1.next }])
    assert.deepEqual(page2.messages.map((m) => m.msgHash), [m1!.msgHash])
    assert.equal(page2.next, null)
    const asc = await rpc<{ messages: ListedMessage[] }>(url901, 'plexus_listMessages', [{ order: 'asc' }])
    assert.deepEqual(asc.messages.map((m) => m.msgHash), [m1!.msgHash, m2!.msgHash])
    assert.equal((await rpc<{ messages: ListedMessage[] }>(url901, 'plexus_listMessages', [{ status: 'failed' }])).messages.length, 0)
    assert.equal((await rpc<{ messages: ListedMessage[] }>(url901, 'plexus_listMessages', [{ status: 'relayed', chainId: '0x386' }])).messages.length, 2)
    assert.equal((await rpc<{ messages: ListedMessage[] }>(url901, 'plexus_listMessages', [{ chainId: '0x387' }])).messages.length, 0)
    // The ETH bridge is both sender and target of its messages.
    assert.equal((await rpc<{ messages: ListedMessage[] }>(url901, 'plexus_listMessages', [{ address: PREDEPLOYS.SuperchainETHBridge }])).messages.length, 2)
    assert.equal((await rpc<{ messages: ListedMessage[] }>(url901, 'plexus_listMessages', [{ address: user.address }])).messages.length, 0)
  })

  it('rejects malformed list queries with -32602', async () => {
    const bad: [string, unknown[], RegExp][] = [
      ['plexus_listMessages', [{ status: 'lost' }], /status must be one of/],
      ['plexus_listMessages', [{ limit: 0 }], /limit must be 1/],
      ['plexus_listMessages', [{ limit: 5000 }], /limit must be 1/],
      ['plexus_listMessages', [{ fromIndex: -1 }], /fromIndex/],
      ['plexus_listMessages', [{ colour: 'red' }], /unknown query field "colour"/],
      ['plexus_listMessages', ['everything'], /expected a query object/],
      ['plexus_listBundles', [{ status: 'done' }], /status must be one of/],
      ['plexus_listDeposits', [{ address: '0x12' }], /address/],
      ['plexus_getWithdrawal', ['0x1234'], /l2TxHash/],
    ]
    for (const [method, params, message] of bad) {
      const res = await fetch(url901, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }) })
      const body = (await res.json()) as { error?: { code: number; message: string } }
      assert.equal(body.error?.code, -32602, `${method} ${JSON.stringify(params)}: ${JSON.stringify(body)}`)
      assert.match(body.error!.message, message)
    }
  })

  it('lists bundles newest first with their status', async () => {
    const chain = defineChain({ id: 902, name: 'L2 902', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [url902] } } })
    const signer = privateKeyToAccount(devAccounts()[5]!.privateKey)
    const wallet = createWalletClient({ account: signer, chain, transport: http(url902) })
    const raw = await wallet.signTransaction(await wallet.prepareTransactionRequest({ account: signer, chain, to: signer.address, value: 1n }))
    const { bundleId } = await rpc<{ bundleId: Hex }>(url902, 'plexus_sendBundle', [{ txs: [{ chainId: '0x386', tx: raw }] }])
    const listed = await waitFor(async () => {
      const list = await rpc<{ bundleId: Hex; status: string }[]>(url901, 'plexus_listBundles', [{ status: 'included' }])
      return list.find((b) => b.bundleId === bundleId)
    }, 15_000, 'bundle included')
    assert.equal(listed.status, 'included')
    assert.equal((await rpc<unknown[]>(url901, 'plexus_listBundles', [{ status: 'rejected' }])).length, 0)
  })

  it('reports settlement backlog in plexus_syncStatus', async () => {
    const s = await rpc<Record<string, unknown>>(url901, 'plexus_syncStatus', [])
    assert.match(s.unbatchedBlocks as string, /^0x[0-9a-f]+$/)
    assert.equal(s.outputInterval, '0x4')
    assert.equal(BigInt(s.nextOutput as string), BigInt(s.latestOutput as string) + 4n, 'the next output is one interval after the latest')
    assert.equal(typeof s.outputDue, 'boolean')
  })

  it('follows a deposit from L1 to included, and a withdrawal through every stage, with a proof that L1 accepts', async () => {
    const ctx = await createBridgeContext({ l2Url: url901, account: user })
    const deposit = await depositETH(ctx, { amount: parseEther('0.3') })
    const byTx = await waitFor(async () => {
      const [d] = await rpc<{ status: string; l2TxHash: Hex; l2Success: boolean | null; mint: Hex; from: Hex }[]>(url901, 'plexus_listDeposits', [{ l1TxHash: deposit.transactionHash }])
      return d?.status === 'included' ? d : undefined
    }, 30_000, 'deposit included')
    assert.equal(BigInt(byTx.mint), parseEther('0.3'))
    assert.equal(byTx.l2Success, true)
    assert.equal(byTx.from.toLowerCase(), user.address.toLowerCase())
    const l2Deposit = await client901.getTransaction({ hash: byTx.l2TxHash })
    assert.equal(l2Deposit.typeHex, '0x7e', 'the listed L2 hash is the deposit transaction')
    const mine = await rpc<{ l1TxHash: Hex }[]>(url901, 'plexus_listDeposits', [{ address: user.address }])
    assert.ok(mine.some((d) => d.l1TxHash === deposit.transactionHash))
    assert.equal((await rpc<unknown[]>(url902, 'plexus_listDeposits', [{ l1TxHash: deposit.transactionHash }])).length, 0, 'not a deposit to 902')

    const w = await initiateWithdrawal(ctx, { amount: parseEther('0.1') })
    type Stage = { stage: string; withdrawalHash: Hex; finalizableAt: Hex | null; provenAt: Hex | null; proof?: { outputIndex: Hex; outputRootProof: { version: Hex; stateRoot: Hex; messagePasserStorageRoot: Hex; latestBlockhash: Hex }; withdrawalProof: Hex[] } | null }
    const [initiated] = await rpc<Stage[]>(url901, 'plexus_getWithdrawal', [w.l2TxHash])
    assert.equal(initiated!.withdrawalHash, w.withdrawalHash)
    const ready = await waitFor(async () => {
      const [s] = await rpc<Stage[]>(url901, 'plexus_getWithdrawal', [w.l2TxHash])
      return s?.stage === 'ready-to-prove' ? s : undefined
    }, 60_000, 'an output covering the withdrawal')
    const oracleRoot = (await ctx.l1.readContract({ address: ctx.addresses.OutputOracle, abi: abiOf('OutputOracle'), functionName: 'getOutput', args: [901n, BigInt(ready.proof!.outputIndex)] })) as { outputRoot: Hex }
    assert.equal(hashOutputRoot(ready.proof!.outputRootProof), oracleRoot.outputRoot, 'the proof opens the posted root')

    // Prove with exactly what the RPC returned: L1 verifies the storage proof.
    const proveHash = await ctx.l1Wallet.writeContract({
      address: ctx.addresses.Portal,
      abi: abiOf('Portal'),
      functionName: 'proveWithdrawal',
      args: [901n, w.withdrawal, BigInt(ready.proof!.outputIndex), ready.proof!.outputRootProof, ready.proof!.withdrawalProof],
      account: user,
      chain: ctx.l1Wallet.chain,
    })
    assert.equal((await ctx.l1.waitForTransactionReceipt({ hash: proveHash, pollingInterval: 100 })).status, 'success')
    const [proven] = await rpc<Stage[]>(url901, 'plexus_getWithdrawal', [w.l2TxHash])
    assert.ok(proven!.stage === 'proven' || proven!.stage === 'finalizable', proven!.stage)
    assert.ok(proven!.provenAt && proven!.finalizableAt && BigInt(proven!.finalizableAt) > BigInt(proven!.provenAt), 'finalizable after the challenge window')
    await waitFor(async () => (await rpc<Stage[]>(url901, 'plexus_getWithdrawal', [w.l2TxHash]))[0]?.stage === 'finalizable', 30_000, 'finalizable')
    await finalizeWithdrawal(ctx, w)
    const [done] = await rpc<Stage[]>(url901, 'plexus_getWithdrawal', [w.l2TxHash])
    assert.equal(done!.stage, 'finalized')
    assert.equal(done!.proof, null, 'nothing left to prove')
    const listed = await rpc<{ withdrawalHash: Hex; stage: string }[]>(url901, 'plexus_listWithdrawals', [{ address: user.address }])
    assert.deepEqual(listed.map((x) => [x.withdrawalHash, x.stage]), [[w.withdrawalHash, 'finalized']])
    assert.equal((await rpc<unknown[]>(url902, 'plexus_listWithdrawals', [])).length, 0, '902 has no withdrawals')
  })
})
