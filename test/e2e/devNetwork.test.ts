import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createPublicClient, createTestClient, createWalletClient, defineChain, http, parseAbi, parseEther, type Hex, type PrivateKeyAccount } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { devAccounts } from '../../src/execution/genesis.js'
import { REFERENCE_SUPERCHAIN_TOKEN } from '../../src/execution/predeploys.js'
import { createBridgeContext, depositETH, finalizableAt, finalizeWithdrawal, initiateWithdrawal, proveWithdrawal, waitForOutput } from '../../src/settlement/actions/bridge.js'
import { sendTokenAcross } from '../helpers/crossChain.js'
import { RpcCallError, rpcCall } from '../helpers/jsonRpc.js'
import { startTestNetwork, startTestReplica, type TestNetwork } from '../helpers/network.js'
import { assertSameChain, safeAtLeast, syncStatus } from '../helpers/sync.js'
import { startTestNode, waitFor } from '../helpers/node.js'
import { oneSlot } from '../helpers/upProcess.js'

const CHALLENGE_WINDOW = 3_600
const user = privateKeyToAccount(devAccounts()[1]!.privateKey)
const other = privateKeyToAccount(devAccounts()[2]!.privateKey)
const tokenAbi = parseAbi(['function balanceOf(address) view returns (uint256)'])

function l2Chain(id: number, url: string) {
  return defineChain({ id, name: `plexus-${id}`, nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [url] } } })
}

/** The JSON-RPC error code of a call that must fail. */
async function errorCode(url: string, method: string, params: unknown[]): Promise<number> {
  try {
    await rpcCall(url, method, params)
  } catch (err) {
    if (err instanceof RpcCallError && err.code !== undefined) return err.code
    throw err
  }
  assert.fail(`${method}(${JSON.stringify(params)}) succeeded`)
}

describe('dev network: the clock, mining and snapshots of every chain and the L1', () => {
  let net: TestNetwork
  const url = (id: number) => net.l2Url(id)
  const client = (id: number) => createPublicClient({ chain: l2Chain(id, url(id)), transport: http(url(id)), cacheTime: 0, pollingInterval: 50 })
  const wallet = (id: number, account: PrivateKeyAccount) => createWalletClient({ account, chain: l2Chain(id, url(id)), transport: http(url(id)) })
  const l1 = () => createPublicClient({ transport: http(net.l1Url), cacheTime: 0 })
  const heads = async () => Promise.all([901, 902].map(async (id) => (await client(id).getBlock({ blockTag: 'latest' })).number))
  const atOneSlot = (what: string) => oneSlot([url(901), url(902)], 5_000, what)

  before(async () => {
    net = await startTestNetwork({ chainIds: [901, 902], challengeWindowSeconds: CHALLENGE_WINDOW })
  })
  after(async () => net?.stop())

  it('viem test client (anvil mode) on 901: increaseTime, setNextBlockTimestamp, mine, snapshot/revert', { timeout: 120_000 }, async () => {
    const test = createTestClient({ mode: 'anvil', chain: l2Chain(901, url(901)), transport: http(url(901)) })
    // Invariant: the clock moves every chain and the L1 together.
    const before = (await client(901).getBlock({ blockTag: 'latest' })).timestamp
    await test.increaseTime({ seconds: 3_600 })
    await test.mine({ blocks: 1 })
    for (const id of [901, 902]) assert.ok((await client(id).getBlock({ blockTag: 'latest' })).timestamp >= before + 3_600n, `chain ${id} moved on`)
    assert.ok((await l1().getBlock({ blockTag: 'latest' })).timestamp >= before + 3_600n, 'the L1 moved on')

    // The next slot is at the given timestamp on every chain (one slot: the same block number on both).
    const at = (await client(901).getBlock({ blockTag: 'latest' })).timestamp + 100n
    await test.setNextBlockTimestamp({ timestamp: at })
    await test.mine({ blocks: 1 })
    const b901 = await waitFor(async () => {
      for (let n = (await client(901).getBlockNumber()); n > 0n; n--) {
        const b = await client(901).getBlock({ blockNumber: n })
        if (b.timestamp === at) return b
        if (b.timestamp < at) return undefined
      }
      return undefined
    }, 10_000, 'the block at the pinned timestamp')
    assert.equal((await client(902).getBlock({ blockNumber: b901.number })).timestamp, at)

    // anvil_mine(count): at least that many slots more on every chain, at once.
    const [h901] = await heads()
    await test.mine({ blocks: 20 })
    const after = await heads()
    assert.ok(after[0]! >= h901! + 20n && after[1]! >= h901! + 20n)

    // Snapshot, a transfer, revert: balance, nonce and receipt as before.
    const balance = await client(901).getBalance({ address: other.address })
    const nonce = await client(901).getTransactionCount({ address: user.address })
    const id = await test.snapshot()
    const hash = await wallet(901, user).sendTransaction({ to: other.address, value: parseEther('1') })
    await client(901).waitForTransactionReceipt({ hash })
    assert.equal(await client(901).getBalance({ address: other.address }), balance + parseEther('1'))
    await test.revert({ id })
    assert.equal(await client(901).getBalance({ address: other.address }), balance)
    assert.equal(await client(901).getTransactionCount({ address: user.address }), nonce)
    assert.equal(await rpcCall(url(901), 'eth_getTransactionReceipt', [hash]), null)
    // A consumed snapshot cannot be reverted to again (anvil: false).
    assert.equal(await rpcCall(url(901), 'evm_revert', [id]), false)
    // The chains go on from the snapshot, in lockstep, and the batcher keeps making them safe.
    const [r901] = await heads()
    await waitFor(async () => (await heads()).every((h) => h > r901! + 2n), 15_000, 'slots after the revert')
    await safeAtLeast(url(901), r901! + 2n, 60_000)
  })

  it('plexus_snapshot / plexus_revert put both chains and the L1 back: transfers, a cross-chain message, an L1 deposit', { timeout: 180_000 }, async () => {
    const l1c = l1()
    const before = {
      b901: await client(901).getBalance({ address: other.address }),
      b902: await client(902).getBalance({ address: other.address }),
      l1: await l1c.getBalance({ address: other.address }),
      token902: await client(902).readContract({ address: REFERENCE_SUPERCHAIN_TOKEN, abi: tokenAbi, functionName: 'balanceOf', args: [user.address] }),
      l1Head: await l1c.getBlockNumber(),
    }
    const headsBefore = await heads()
    const id = await rpcCall<Hex>(url(902), 'plexus_snapshot', [])
    const snapHeads = await heads()

    // After the snapshot: transfers on both chains, an L1 transfer, a deposit to 902, a message 901 → 902.
    for (const chain of [901, 902]) {
      const hash = await wallet(chain, user).sendTransaction({ to: other.address, value: parseEther('1') })
      await client(chain).waitForTransactionReceipt({ hash })
    }
    const ctx = await createBridgeContext({ l1Url: net.l1Url, l2Url: url(902), account: user })
    const deposit = await depositETH(ctx, { amount: parseEther('2'), to: other.address })
    await waitFor(async () => (await client(902).getBalance({ address: other.address })) === before.b902 + parseEther('3'), 60_000, 'the deposit on 902')
    const l1Send = await createWalletClient({ account: user, transport: http(net.l1Url) }).sendTransaction({ to: other.address, value: parseEther('1'), chain: null })
    await l1c.waitForTransactionReceipt({ hash: l1Send })
    await sendTokenAcross(net, user, 901, 902, 5n)
    const { messages } = await rpcCall<{ messages: { msgHash: Hex }[] }>(url(901), 'plexus_listMessages', [{ limit: 1 }])
    const msgHash = messages[0]!.msgHash

    assert.equal(await rpcCall(url(901), 'plexus_revert', [id]), true)
    // Invariant: everything after the snapshot is gone, on 901, 902 and the L1.
    assert.equal(await client(901).getBalance({ address: other.address }), before.b901)
    assert.equal(await client(902).getBalance({ address: other.address }), before.b902)
    assert.equal(await l1c.getBalance({ address: other.address }), before.l1)
    assert.equal(await l1c.getTransactionReceipt({ hash: deposit.transactionHash }).catch(() => null), null)
    assert.equal(await client(902).readContract({ address: REFERENCE_SUPERCHAIN_TOKEN, abi: tokenAbi, functionName: 'balanceOf', args: [user.address] }), before.token902)
    for (const id of [901, 902]) assert.equal(await rpcCall(url(id), 'plexus_getMessage', [msgHash]), null, `message gone on ${id}`)
    // Both chains at one slot, not before the snapshot's (what the revert took back is shown
    // by the balances, receipts and messages above; slots go on after it, so no upper bound).
    await atOneSlot('both chains at one slot')
    const [a] = await heads()
    assert.ok(a! >= headsBefore[0]!, `not before the snapshot slot (${headsBefore[0]}…${snapHeads[0]}), at ${a}`)

    // The L1 goes on: a deposit after the revert lands; the chains keep building in lockstep.
    await depositETH(ctx, { amount: parseEther('2'), to: other.address })
    await waitFor(async () => (await client(902).getBalance({ address: other.address })) === before.b902 + parseEther('2'), 60_000, 'a deposit after the revert')
  })

  it('a withdrawal is finalized at once after evm_increaseTime past the challenge window', { timeout: 180_000 }, async () => {
    const ctx = await createBridgeContext({ l1Url: net.l1Url, l2Url: url(901), account: user })
    const recipient = privateKeyToAccount(`0x${'23'.repeat(32)}`).address
    const w = await initiateWithdrawal(ctx, { amount: parseEther('0.5'), to: recipient })
    const output = await waitForOutput(ctx, w.l2BlockNumber, { pollMs: 200, timeoutMs: 90_000 })
    const proven = await proveWithdrawal(ctx, w, output)
    const provenAt = (await ctx.l1.getBlock({ blockNumber: proven.blockNumber })).timestamp
    // Inside the window: refused.
    await assert.rejects(finalizeWithdrawal(ctx, w, { escrowWaitMs: 0 }))
    await rpcCall(url(902), 'evm_increaseTime', [CHALLENGE_WINDOW + 1])
    // Invariant: the L1 clock moved with the network's, so the window is over now, not in an hour.
    assert.ok((await ctx.l1.getBlock({ blockTag: 'latest' })).timestamp >= (await finalizableAt(ctx, provenAt)) - 1n)
    const before = await ctx.l1.getBalance({ address: recipient })
    await finalizeWithdrawal(ctx, w, { escrowWaitMs: 30_000, pollMs: 200 })
    assert.equal((await ctx.l1.getBalance({ address: recipient })) - before, parseEther('0.5'))
    // The chains still build (the L1 origins kept up: no drift halt).
    const [h] = await heads()
    await waitFor(async () => (await heads()).every((x) => x > h! + 4n), 15_000, 'slots after the jump')
  })

  it('refuses hostile and malformed input with clear errors, and stays bounded', { timeout: 60_000 }, async () => {
    const u = url(901)
    assert.equal(await rpcCall(u, 'evm_revert', ['0x999999']), false, 'unknown id')
    assert.equal(await errorCode(u, 'evm_revert', ['not-an-id']), -32602)
    assert.equal(await errorCode(u, 'evm_increaseTime', [-5]), -32602)
    assert.equal(await errorCode(u, 'evm_increaseTime', ['0xzz']), -32602)
    assert.equal(await errorCode(u, 'evm_increaseTime', [1.5]), -32602)
    assert.equal(await errorCode(u, 'evm_increaseTime', [{}]), -32602)
    assert.equal(await errorCode(u, 'evm_increaseTime', [`0x${'f'.repeat(20)}`]), -32602, 'over 64 bits')
    assert.equal(await errorCode(u, 'evm_increaseTime', [`0x${'f'.repeat(15)}`]), -32602, 'past the latest timestamp allowed')
    assert.equal(await errorCode(u, 'evm_setNextBlockTimestamp', [1]), -32602, 'before the head')
    assert.equal(await errorCode(u, 'evm_setNextBlockTimestamp', ['0x' + (2n ** 64n - 1n).toString(16)]), -32602)
    assert.equal(await errorCode(u, 'anvil_mine', [1_000_000_000]), -32602, 'a huge count is refused, not mined for hours')
    assert.equal(await errorCode(u, 'evm_mine', [{ blocks: '0x3b9aca00' }]), -32602)
    // Nothing of that moved the clock or stopped the slots.
    const [h] = await heads()
    await waitFor(async () => (await heads()).every((x) => x > h! + 2n), 15_000, 'slots go on')
  })

  it('a burst of snapshot/revert while transactions arrive: every chain at one slot, no reverted transaction included', { timeout: 180_000 }, async () => {
    // The slot clock runs on: the snapshot's slot lies between the heads read before and after it.
    const beforeBase = await heads()
    const base = await rpcCall<Hex>(url(901), 'evm_snapshot', [])
    const kept = await Promise.all([901, 902].map(async (id, i) => (await client(id).getBlock({ blockNumber: beforeBase[i]! })).hash))
    const otherBalance = await client(901).getBalance({ address: other.address })
    const sent: Hex[] = []
    let sending = true
    // Load: transfers on both chains, as fast as they are accepted, while snapshots and reverts race the slots.
    const load = (async () => {
      while (sending) {
        await Promise.all(
          [901, 902].map(async (id) => {
            try {
              const nonce = await client(id).getTransactionCount({ address: user.address, blockTag: 'pending' })
              sent.push(await wallet(id, user).sendTransaction({ to: other.address, value: 1n, nonce }))
            } catch {
              // A nonce the revert made stale: the next round reads it again.
            }
          }),
        )
      }
    })()
    for (let round = 0; round < 16; round++) {
      const id = await rpcCall<Hex>(url(round % 2 ? 902 : 901), 'evm_snapshot', [])
      await rpcCall(url(901), 'anvil_mine', ['0x2'])
      assert.equal(await rpcCall(url(round % 2 ? 901 : 902), 'evm_revert', [id]), true)
      await atOneSlot(`round ${round}: every chain at one slot`)
    }
    sending = false
    await load
    const peak = await heads()
    const peakHashes = await Promise.all([901, 902].map(async (id, i) => (await client(id).getBlock({ blockNumber: peak[i]! })).hash))
    assert.equal(await rpcCall(url(902), 'evm_revert', [base]), true)
    // Back to the snapshot: the blocks before it are the same, the burst's newest block is gone.
    for (const [i, id] of [901, 902].entries()) {
      assert.equal((await client(id).getBlock({ blockNumber: beforeBase[i]! })).hash, kept[i], `${id}: a block before the snapshot is kept`)
      const atPeak = await client(id).getBlock({ blockNumber: peak[i]! }).catch(() => undefined)
      assert.notEqual(atPeak?.hash, peakHashes[i], `${id}: the burst's block ${peak[i]} is reverted`)
    }
    // Slots go on; no transaction of the load comes back (the pools lost them with the revert).
    await rpcCall(url(901), 'anvil_mine', ['0x5'])
    await atOneSlot('every chain at one slot after the burst')
    const [x] = await heads()
    assert.equal(await client(901).getBalance({ address: other.address }), otherBalance)
    for (const hash of sent.slice(-20)) {
      for (const id of [901, 902]) assert.equal(await rpcCall(url(id), 'eth_getTransactionReceipt', [hash]), null)
    }
    assert.ok(sent.length > 0, 'the load sent transactions')
    // The L1 side survived the burst too: the batcher makes both chains safe up to here
    // (a batcher transaction stranded in the L1's pool behind a reverted nonce once stalled it).
    for (const id of [901, 902]) await safeAtLeast(url(id), x!, 60_000)
  })

  it('a replica follows evm_increaseTime and a revert (an L1 reorg for it) to the same blocks and state roots', { timeout: 300_000 }, async () => {
    const replica = await startTestReplica(net, { name: 'dev-replica' }).catch((err: Error) => assert.fail(err))
    try {
      const rurl = (id: number) => replica.replica.node(id).rpcUrl()
      /** Waits for `target` to be safe on `at`, saying where both sides are if it is not. */
      const safe = (at: string, id: number, target: bigint) =>
        safeAtLeast(at, target, 120_000).catch(async (err: Error) => {
          const [seq, rep] = await Promise.all([syncStatus(url(id)), syncStatus(rurl(id))])
          throw new Error(`${err.message}: block ${target} of ${id} safe on ${at === url(id) ? 'the sequencer' : 'the replica'}; sequencer ${JSON.stringify(seq)}; replica ${JSON.stringify(rep)}`)
        })
      const settled = async () => {
        for (const id of [901, 902]) {
          const head = await client(id).getBlockNumber()
          await safe(url(id), id, head)
          await safe(rurl(id), id, head)
          await assertSameChain(url(id), rurl(id), head)
        }
      }
      await settled()
      // A jump in time travels in the batches: the replica takes the slots' timestamps from them.
      await rpcCall(url(901), 'evm_increaseTime', [900])
      const id = await rpcCall<Hex>(url(901), 'evm_snapshot', [])
      for (const chain of [901, 902]) await client(chain).waitForTransactionReceipt({ hash: await wallet(chain, other).sendTransaction({ to: user.address, value: 3n }) })
      // Let the replica derive what the revert then takes back (posted, then gone from L1).
      for (const chain of [901, 902]) await safe(rurl(chain), chain, await client(chain).getBlockNumber())
      assert.equal(await rpcCall(url(902), 'evm_revert', [id]), true)
      for (const chain of [901, 902]) await client(chain).waitForTransactionReceipt({ hash: await wallet(chain, other).sendTransaction({ to: user.address, value: 5n }) })
      await settled()
    } finally {
      await replica.stop()
    }
  })
})

describe('dev methods on a network that is not a dev network', () => {
  it('are refused with -32601 and a message saying why', { timeout: 60_000 }, async () => {
    const n = await startTestNode()
    try {
      for (const [method, params] of [
        ['evm_snapshot', []],
        ['evm_revert', ['0x1']],
        ['evm_increaseTime', [1]],
        ['evm_setNextBlockTimestamp', [1]],
        ['evm_mine', []],
        ['anvil_mine', ['0x1']],
        ['plexus_snapshot', []],
        ['plexus_revert', ['0x1']],
      ] as const) {
        try {
          await rpcCall(n.url, method, [...params])
          assert.fail(`${method} answered`)
        } catch (err) {
          assert.ok(err instanceof RpcCallError)
          assert.equal(err.code, -32601)
          assert.match(err.message, /dev network/)
        }
      }
    } finally {
      await n.stop()
    }
  })
})
