import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import {
  BaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  createWalletClient,
  defineChain,
  encodeFunctionData,
  http,
  parseEther,
  parseGwei,
  webSocket,
  type Address,
  type Log,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { loadArtifact } from '../helpers/artifacts.js'
import { rpc, startTestNode, waitFor, type TestNode } from '../helpers/node.js'

const KEYS = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
] as const
const token = loadArtifact('DevToken')

function chainFor(url: string) {
  return defineChain({
    id: 901,
    name: 'plexus-test',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [url] } },
  })
}

describe('viem against the node', () => {
  let n: TestNode
  let tokenAddress: Address
  const alice = privateKeyToAccount(KEYS[0])
  const bob = privateKeyToAccount(KEYS[1])
  let pub: ReturnType<typeof createPublicClient>
  let wallet: ReturnType<typeof createWalletClient>

  before(async () => {
    n = await startTestNode()
    const chain = chainFor(n.url)
    pub = createPublicClient({ chain, transport: http(n.url), pollingInterval: 50 })
    wallet = createWalletClient({ chain, transport: http(n.url), account: alice })
  })
  after(async () => n.stop())

  test('deploys an OpenZeppelin ERC-20 compiled from source', async () => {
    const hash = await wallet.deployContract({
      abi: token.abi,
      bytecode: token.bytecode,
      args: ['Dev', 'DEV'],
      account: alice,
      chain: wallet.chain,
    })
    const receipt = await pub.waitForTransactionReceipt({ hash })
    assert.equal(receipt.status, 'success')
    assert.ok(receipt.contractAddress)
    tokenAddress = receipt.contractAddress!
    const code = await pub.getCode({ address: tokenAddress })
    assert.equal(code, token.deployedBytecode)
    const symbol = await pub.readContract({ address: tokenAddress, abi: token.abi, functionName: 'symbol' })
    assert.equal(symbol, 'DEV')
  })

  test('transfers, and the Transfer event is found by eth_getLogs and a logs subscription', async () => {
    const ws = createPublicClient({ chain: chainFor(n.url), transport: webSocket(n.wsUrl) })
    const seen: Log[] = []
    const unwatch = ws.watchContractEvent({
      address: tokenAddress,
      abi: token.abi,
      eventName: 'Transfer',
      onLogs: (logs) => seen.push(...logs),
    })
    try {
      // let the subscription register before the transfer is sent
      await waitFor(async () => (await ws.transport.getRpcClient()).socket.readyState === 1, 5000, 'websocket')
      await new Promise((r) => setTimeout(r, 200))
      const amount = parseEther('12.5')
      const hash = await wallet.writeContract({
        address: tokenAddress,
        abi: token.abi,
        functionName: 'transfer',
        args: [bob.address, amount],
        account: alice,
        chain: wallet.chain,
      })
      const receipt = await pub.waitForTransactionReceipt({ hash })
      assert.equal(receipt.status, 'success')
      assert.equal(receipt.logs.length, 1)

      const balance = await pub.readContract({ address: tokenAddress, abi: token.abi, functionName: 'balanceOf', args: [bob.address] })
      assert.equal(balance, amount)

      const logs = await pub.getContractEvents({
        address: tokenAddress,
        abi: token.abi,
        eventName: 'Transfer',
        args: { to: bob.address },
        fromBlock: 0n,
      })
      assert.equal(logs.length, 1)
      assert.equal(logs[0]!.transactionHash, hash)
      assert.deepEqual((logs[0] as unknown as { args: unknown }).args, { from: alice.address, to: bob.address, value: amount })

      await waitFor(async () => seen.some((l) => l.transactionHash === hash), 10_000, 'subscription log')
      const viaSub = seen.find((l) => l.transactionHash === hash)!
      assert.equal(viaSub.blockHash, receipt.blockHash)
      assert.equal(viaSub.logIndex, logs[0]!.logIndex)
    } finally {
      unwatch()
      await (await ws.transport.getRpcClient()).close()
    }
  })

  test('a failing call returns its revert reason (code 3 with data)', async () => {
    await assert.rejects(
      pub.simulateContract({ address: tokenAddress, abi: token.abi, functionName: 'fail', args: ['no way'], account: alice }),
      (err: unknown) => {
        assert.ok(err instanceof BaseError)
        const revert = err.walk((e) => e instanceof ContractFunctionRevertedError) as ContractFunctionRevertedError | null
        assert.ok(revert, 'expected a ContractFunctionRevertedError')
        assert.equal(revert.reason, 'no way')
        return true
      },
    )
    // The raw answer: code 3, message and data as geth gives them.
    const data = encodeFunctionData({ abi: token.abi, functionName: 'fail', args: ['bad'] })
    await assert.rejects(
      rpc(n.url, 'eth_call', [{ to: tokenAddress, data }, 'latest']),
      (err: Error & { code?: number; data?: string }) => {
        assert.equal(err.code, 3)
        assert.equal(err.message, 'execution reverted: bad')
        assert.match(err.data!, /^0x08c379a0/)
        return true
      },
    )
  })

  test('estimateGas is within 1% of what the transaction uses', async () => {
    for (const amount of [1n, parseEther('1')]) {
      const estimate = await pub.estimateContractGas({
        address: tokenAddress,
        abi: token.abi,
        functionName: 'transfer',
        args: [privateKeyToAccount(`0x${'11'.repeat(32)}`).address, amount],
        account: alice,
      })
      const hash = await wallet.writeContract({
        address: tokenAddress,
        abi: token.abi,
        functionName: 'transfer',
        args: [privateKeyToAccount(`0x${'11'.repeat(32)}`).address, amount],
        account: alice,
        chain: wallet.chain,
        gas: estimate,
      })
      const receipt = await pub.waitForTransactionReceipt({ hash })
      assert.equal(receipt.status, 'success')
      assert.ok(estimate >= receipt.gasUsed, `estimate ${estimate} < used ${receipt.gasUsed}`)
      assert.ok(estimate * 100n <= receipt.gasUsed * 101n, `estimate ${estimate} is more than 1% above ${receipt.gasUsed}`)
    }
  })
})

describe('viem: replacing a pending transaction', () => {
  let n: TestNode
  before(async () => {
    n = await startTestNode({ produceBlocks: false })
  })
  after(async () => n.stop())

  test('a 10% fee bump replaces, a smaller one is refused, and only the replacement is mined', async () => {
    const alice = privateKeyToAccount(KEYS[0])
    const chain = chainFor(n.url)
    const pub = createPublicClient({ chain, transport: http(n.url), pollingInterval: 50 })
    const wallet = createWalletClient({ chain, transport: http(n.url), account: alice })
    const nonce = await pub.getTransactionCount({ address: alice.address })
    const base = { to: privateKeyToAccount(KEYS[1]).address, nonce, gas: 21000n, chain, account: alice } as const
    const first = await wallet.sendTransaction({ ...base, value: 1n, maxFeePerGas: parseGwei('10'), maxPriorityFeePerGas: parseGwei('1') })
    assert.equal(await pub.getTransactionCount({ address: alice.address, blockTag: 'pending' }), nonce + 1)

    await assert.rejects(
      wallet.sendTransaction({ ...base, value: 2n, maxFeePerGas: parseGwei('10.5'), maxPriorityFeePerGas: parseGwei('1.05') }),
      /replacement transaction underpriced/,
    )
    const second = await wallet.sendTransaction({ ...base, value: 3n, maxFeePerGas: parseGwei('11'), maxPriorityFeePerGas: parseGwei('1.1') })
    const pending = await pub.getTransaction({ hash: second })
    assert.equal(pending.blockNumber, null)

    await n.node.produceBlock()
    const receipt = await pub.getTransactionReceipt({ hash: second })
    assert.equal(receipt.status, 'success')
    await assert.rejects(pub.getTransactionReceipt({ hash: first }))
    assert.equal(await pub.getTransactionCount({ address: alice.address }), nonce + 1)
  })
})
