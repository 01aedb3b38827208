import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { Contract, ContractFactory, JsonRpcProvider, Network, Wallet, WebSocketProvider, parseUnits, type Log } from 'ethers'
import { loadArtifact } from '../helpers/artifacts.js'
import { startTestNode, waitFor, type TestNode } from '../helpers/node.js'

const KEYS = [
  '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80',
  '0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d',
]
const artifact = loadArtifact('DevToken')
const network = Network.from(901)

describe('ethers v6 against the node', () => {
  let n: TestNode
  let provider: JsonRpcProvider
  let alice: Wallet
  let bob: Wallet
  let token: Contract

  before(async () => {
    n = await startTestNode()
    provider = new JsonRpcProvider(n.url, network, { staticNetwork: network, pollingInterval: 50 })
    alice = new Wallet(KEYS[0]!, provider)
    bob = new Wallet(KEYS[1]!, provider)
  })
  after(async () => {
    provider.destroy()
    await n.stop()
  })

  test('deploys the ERC-20 and reads it', async () => {
    const factory = new ContractFactory(artifact.abi as never, artifact.bytecode, alice)
    const deployed = await factory.deploy('Dev', 'DEV')
    await deployed.waitForDeployment()
    token = deployed as unknown as Contract
    assert.equal(await token.getFunction('name')(), 'Dev')
    assert.equal(await token.getFunction('balanceOf')(alice.address), parseUnits('1000000000', 18))
  })

  test('transfers; queryFilter (eth_getLogs), a polling filter and a WebSocket subscription all see the event', async () => {
    const ws = new WebSocketProvider(n.wsUrl, network, { staticNetwork: network })
    const wsToken = new Contract(await token.getAddress(), artifact.abi as never, ws)
    const viaWs: unknown[] = []
    await wsToken.on('Transfer', (...args: unknown[]) => void viaWs.push(args))
    // ethers' JsonRpcProvider polls with eth_newFilter / eth_getFilterChanges
    const viaFilter: unknown[] = []
    await token.on('Transfer', (...args: unknown[]) => void viaFilter.push(args))
    try {
      const amount = parseUnits('7', 18)
      const tx = await token.getFunction('transfer')(bob.address, amount)
      const receipt = await tx.wait()
      assert.equal(receipt.status, 1)
      assert.equal(await token.getFunction('balanceOf')(bob.address), amount)

      const events = await token.queryFilter(token.filters.Transfer!(alice.address, bob.address), 0, 'latest')
      assert.equal(events.length, 1)
      const ev = events[0] as Log & { args: unknown[] }
      assert.equal(ev.transactionHash, tx.hash)
      assert.equal(ev.args[2], amount)

      await waitFor(async () => viaWs.length > 0, 10_000, 'websocket event')
      await waitFor(async () => viaFilter.length > 0, 10_000, 'filter event')
    } finally {
      await wsToken.removeAllListeners()
      await token.removeAllListeners()
      await ws.destroy()
    }
  })

  test('revert reasons reach ethers', async () => {
    await assert.rejects(token.getFunction('fail')('nope'), (err: { reason?: string; code?: string }) => {
      assert.equal(err.code, 'CALL_EXCEPTION')
      assert.equal(err.reason, 'nope')
      return true
    })
    // A custom error (OpenZeppelin Ownable) is decoded by name.
    const asBob = token.connect(bob) as Contract
    await assert.rejects(asBob.getFunction('mint').staticCall(bob.address, 1n), (err: { code?: string; revert?: { name?: string; args?: unknown[] } }) => {
      assert.equal(err.code, 'CALL_EXCEPTION')
      assert.equal(err.revert?.name, 'OwnableUnauthorizedAccount')
      assert.equal(err.revert?.args?.[0], bob.address)
      return true
    })
    // Sending it fails at estimation, carrying the raw revert data (selector of the error).
    await assert.rejects(asBob.getFunction('mint')(bob.address, 1n), (err: { code?: string; data?: string }) => {
      assert.equal(err.code, 'CALL_EXCEPTION')
      assert.match(err.data ?? '', /^0x118cdaa7/)
      return true
    })
  })

  test('estimateGas is within 1% of gas used', async () => {
    const estimate = await token.getFunction('transfer').estimateGas(bob.address, 5n)
    const tx = await token.getFunction('transfer')(bob.address, 5n, { gasLimit: estimate })
    const receipt = await tx.wait()
    assert.equal(receipt.status, 1)
    assert.ok(estimate >= receipt.gasUsed)
    assert.ok(estimate * 100n <= receipt.gasUsed * 101n, `estimate ${estimate} vs used ${receipt.gasUsed}`)
  })
})

describe('ethers v6: replacing a pending transaction', () => {
  let n: TestNode
  before(async () => {
    n = await startTestNode({ produceBlocks: false })
  })
  after(async () => n.stop())

  test('speed-up with a 10% bump replaces the pending transaction', async () => {
    const provider = new JsonRpcProvider(n.url, network, { staticNetwork: network, pollingInterval: 50 })
    try {
      const alice = new Wallet(KEYS[0]!, provider)
      const nonce = await provider.getTransactionCount(alice.address, 'pending')
      const base = { to: new Wallet(KEYS[1]!).address, nonce, gasLimit: 21000n }
      const slow = await alice.sendTransaction({ ...base, value: 1n, maxFeePerGas: parseUnits('20', 'gwei'), maxPriorityFeePerGas: parseUnits('1', 'gwei') })
      await assert.rejects(
        alice.sendTransaction({ ...base, value: 1n, maxFeePerGas: parseUnits('21', 'gwei'), maxPriorityFeePerGas: parseUnits('1.05', 'gwei') }),
        /replacement transaction underpriced/,
      )
      const fast = await alice.sendTransaction({ ...base, value: 1n, maxFeePerGas: parseUnits('22', 'gwei'), maxPriorityFeePerGas: parseUnits('1.1', 'gwei') })
      assert.equal((await provider.getTransaction(fast.hash))?.blockNumber, null)
      await n.node.produceBlock()
      const receipt = await provider.getTransactionReceipt(fast.hash)
      assert.equal(receipt?.status, 1)
      assert.equal(await provider.getTransactionReceipt(slow.hash), null)
      assert.equal(await provider.getTransaction(slow.hash), null)
    } finally {
      provider.destroy()
    }
  })
})
