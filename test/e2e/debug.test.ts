import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createPublicClient, createWalletClient, defineChain, encodeFunctionData, http, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { loadArtifact } from '../helpers/artifacts.js'
import { rpc, startTestNode, type TestNode } from '../helpers/node.js'

const token = loadArtifact('DevToken')
const alice = privateKeyToAccount('0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80')
const BOB = '0x70997970c51812dc3a010c7d01b50e0d17dc79c8'

type Frame = { type: string; from: string; to: string; gas: Hex; gasUsed: Hex; input: Hex; output?: Hex; error?: string; revertReason?: string; logs?: unknown[]; calls?: Frame[] }

describe('debug_trace* with the callTracer', () => {
  let n: TestNode
  let tokenAddress: Hex
  let transferHash: Hex

  before(async () => {
    n = await startTestNode({ expose: ['debug'] })
    const chain = defineChain({ id: 901, name: 't', nativeCurrency: { name: 'E', symbol: 'E', decimals: 18 }, rpcUrls: { default: { http: [n.url] } } })
    const pub = createPublicClient({ chain, transport: http(n.url), pollingInterval: 50 })
    const wallet = createWalletClient({ chain, transport: http(n.url), account: alice })
    const deploy = await wallet.deployContract({ abi: token.abi, bytecode: token.bytecode, args: ['Dev', 'DEV'], account: alice, chain })
    tokenAddress = (await pub.waitForTransactionReceipt({ hash: deploy })).contractAddress!
    // two txs in a row so the traced one is not first in its block's replay
    await wallet.sendTransaction({ to: BOB, value: 1n, account: alice, chain })
    transferHash = await wallet.writeContract({ address: tokenAddress, abi: token.abi, functionName: 'transfer', args: [BOB, 5n], account: alice, chain })
    await pub.waitForTransactionReceipt({ hash: transferHash })
  })
  after(async () => n.stop())

  test('debug_traceTransaction replays the block and gives geth’s call frame with logs', async () => {
    const receipt = await rpc<{ gasUsed: Hex }>(n.url, 'eth_getTransactionReceipt', [transferHash])
    const frame = await rpc<Frame>(n.url, 'debug_traceTransaction', [transferHash, { tracer: 'callTracer', tracerConfig: { withLog: true } }])
    assert.equal(frame.type, 'CALL')
    assert.equal(frame.from, alice.address.toLowerCase())
    assert.equal(frame.to, tokenAddress.toLowerCase())
    assert.equal(frame.gasUsed, receipt.gasUsed)
    assert.equal(frame.input, encodeFunctionData({ abi: token.abi, functionName: 'transfer', args: [BOB, 5n] }))
    assert.equal(BigInt(frame.output!), 1n) // transfer returned true
    assert.equal(frame.logs?.length, 1)
  })

  test('debug_traceCall reports the revert reason', async () => {
    const frame = await rpc<Frame>(n.url, 'debug_traceCall', [
      { from: alice.address, to: tokenAddress, data: encodeFunctionData({ abi: token.abi, functionName: 'fail', args: ['traced'] }) },
      'latest',
      { tracer: 'callTracer' },
    ])
    assert.equal(frame.error, 'execution reverted')
    assert.equal(frame.revertReason, 'traced')
  })

  test('unknown tracers and missing transactions are clear errors', async () => {
    await assert.rejects(rpc(n.url, 'debug_traceTransaction', [transferHash, { tracer: 'prestateTracer' }]), (e: { code?: number }) => e.code === -32602)
    await assert.rejects(rpc(n.url, 'debug_traceTransaction', ['0x' + '11'.repeat(32), { tracer: 'callTracer' }]), /transaction not found/)
  })
})
