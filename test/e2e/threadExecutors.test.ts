import assert from 'node:assert/strict'
import { rmSync } from 'node:fs'
import { after, before, describe, it } from 'node:test'
import { createPublicClient, createWalletClient, defineChain, http, keccak256, parseEther, type Hex, type PublicClient } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { devAccounts } from '../../src/execution/genesis.js'
import { createBridgeContext, depositETH } from '../../src/settlement/actions/bridge.js'
import { WorkerChain } from '../../src/node/workerChain.js'
import { assertBacked } from '../helpers/audit.js'
import { sendTokenAcross } from '../helpers/crossChain.js'
import { assertLockstep, startTestNetwork, type TestNetwork } from '../helpers/network.js'
import { mulberry32 } from '../helpers/random.js'
import { tempDir } from '../helpers/tmp.js'
import { rpc, waitFor } from '../helpers/node.js'

const CHAINS = [901, 902] as const
const user = privateKeyToAccount(devAccounts()[5]!.privateKey)
const RECIPIENT = privateKeyToAccount(`0x${'6b'.repeat(32)}`).address

/**
 * `executors: thread`: every chain's store, execution, pool and RPC in a worker thread of
 * its own; the coordinator orders the slots, follows L1, relays and settles, reading each
 * chain's store. The same network promises as in this thread: one slot on every chain,
 * messages relayed, deposits in, batches out, money backed, a restart on the datadir.
 */
describe('a network whose chains run in executor worker threads', { timeout: 300_000 }, () => {
  let net: TestNetwork
  const client = (id: number): PublicClient => createPublicClient({ transport: http(net.l2Url(id)), cacheTime: 0 }) as PublicClient

  before(async () => {
    net = await startTestNetwork({ chainIds: [...CHAINS], executors: 'thread', keep: true })
  })
  after(async () => {
    await net?.stop()
    if (net) rmSync(net.datadir, { recursive: true, force: true })
  })

  it('runs every chain in a worker: its RPC is the worker\'s, and the coordinator holds no node', () => {
    for (const id of CHAINS) {
      const chain = net.network.networkChain(id)
      assert.ok(chain instanceof WorkerChain, `chain ${id} runs in a worker`)
      assert.equal(chain.node, undefined)
      assert.equal(chain.rpcUrl(), chain.executor.rpcUrl)
    }
    assert.deepEqual(net.network.nodes, [], 'no chain node in the coordinator\'s thread')
    assert.throws(() => net.network.node(901), /executor's worker thread/)
  })

  it('builds every chain in the same slots, one timestamp per slot', async () => {
    await assertLockstep(net, [...CHAINS], 5n)
  })

  it('takes a transfer over the worker\'s RPC and includes it; the coordinator\'s reader sees the same block', async () => {
    const chain = defineChain({ id: 901, name: 'L2 901', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [net.l2Url(901)] } } })
    const hash = await createWalletClient({ account: user, chain, transport: http(net.l2Url(901)) }).sendTransaction({ to: RECIPIENT, value: 12345n })
    const receipt = await client(901).waitForTransactionReceipt({ hash, pollingInterval: 50 })
    assert.equal(receipt.status, 'success')
    assert.equal(await client(901).getBalance({ address: RECIPIENT }), 12345n)
    const reader = net.network.networkChain(901).reader
    await waitFor(async () => reader.headHeader().number >= receipt.blockNumber, 10_000, 'the coordinator\'s reader at the receipt\'s block')
    assert.equal(`0x${Buffer.from(reader.canonicalHash(receipt.blockNumber)!).toString('hex')}`, receipt.blockHash)
  })

  it('relays a message across chains (the relay built by the coordinator, executed in the destination\'s worker)', async () => {
    await sendTokenAcross(net, user, 901, 902, 7n)
    await sendTokenAcross(net, user, 902, 901, 3n)
  })

  it('answers the network\'s methods on every chain\'s RPC (forwarded to the coordinator)', async () => {
    const registry = await rpc<{ chains: { chainId: number; rpcUrls: { http: string[] } }[] }>(net.l2Url(902), 'plexus_getChainRegistry', [])
    assert.deepEqual(registry.chains.map((c) => [c.chainId, c.rpcUrls.http[0]]), CHAINS.map((id) => [id, net.l2Url(id)]))
    const status = await rpc<{ unsafe: { number: Hex } }>(net.l2Url(901), 'plexus_syncStatus', [])
    assert.ok(BigInt(status.unsafe.number) > 0n)
    await assert.rejects(rpc(net.l2Url(901), 'plexus_getBundle', ['0x1234']), /invalid|hash|32 bytes/i, 'the coordinator\'s own error comes back')
  })

  it('takes an L1 deposit into a worker\'s chain', async () => {
    const ctx = await createBridgeContext({ l1Url: net.l1Url, l2Url: net.l2Url(902), account: user })
    const before = await client(902).getBalance({ address: user.address })
    await depositETH(ctx, { amount: parseEther('1') })
    await waitFor(async () => (await client(902).getBalance({ address: user.address })) === before + parseEther('1'), 60_000, 'the deposit on 902')
  })

  it('settles: the safe head (pushed to the workers) follows the batches, and every asset is backed by L1 escrow', async () => {
    const unsafe = await client(901).getBlockNumber()
    await waitFor(async () => (await client(901).getBlock({ blockTag: 'safe' })).number >= unsafe, 60_000, 'safe head of 901 past the head it had')
    await assertBacked(net.network)
    // The tags (the worker's) and plexus_syncStatus (the coordinator's) agree at every
    // moment: a tag read between two sync statuses lies between them, while batches land.
    const safeOf = async () => BigInt((await rpc<{ safe: { number: Hex } }>(net.l2Url(902), 'plexus_syncStatus', [])).safe.number)
    // Across three moves of the safe head (three batches landing), read back to back.
    const deadline = Date.now() + 60_000
    let moves = 0
    let last = await safeOf()
    for (let i = 0; moves < 3 && Date.now() < deadline; i++) {
      const before = await safeOf()
      const tag = (await client(902).getBlock({ blockTag: 'safe' })).number
      const after = await safeOf()
      assert.ok(tag >= before && tag <= after, `read ${i}: the safe tag ${tag} lies between the sync statuses ${before} and ${after}`)
      if (after !== last) moves++
      last = after
    }
    assert.equal(moves, 3, 'the safe head moved three times while read')
  })

  it('serves the operator\'s restricted methods through the admin path, and refuses dev snapshots with a reason', async () => {
    const head = await net.network.networkChain(902).callRpc('eth_blockNumber', [])
    assert.match(String(head), /^0x[0-9a-f]+$/)
    await assert.rejects(net.network.networkChain(902).callRpc('no_suchMethod', []), /does not exist|not found|not available/i)
    await assert.rejects(rpc(net.l2Url(901), 'evm_snapshot', []), /executors: thread/)
  })

  it('starts again on its datadir with every block it had, and goes on in lockstep', async () => {
    const heads = await Promise.all(CHAINS.map((id) => client(id).getBlock()))
    await net.network.stop()
    net = await startTestNetwork({ chainIds: [...CHAINS], executors: 'thread', datadir: net.datadir })
    for (const [i, id] of CHAINS.entries()) {
      const again = await client(id).getBlock({ blockNumber: heads[i]!.number })
      assert.equal(again.hash, heads[i]!.hash, `chain ${id} kept block ${heads[i]!.number}`)
    }
    await assertLockstep(net, [...CHAINS], heads[0]!.number + 3n)
  })
})

/**
 * A chain's executor lost (its worker ended at a random moment of the slots, under load):
 * the network builds no more slots and says why, once; started again on its datadir, no
 * slot is split (one timestamp per slot on every chain), every receipt returned before
 * stays in its block, every acknowledged transaction is included, and a bundle across
 * both chains is whole or absent.
 */
describe('a lost executor worker stops the network; a restart finds every slot whole', { timeout: 600_000 }, () => {
  const tmp = tempDir()
  after(() => tmp.cleanup())

  it('3 rounds: load, a bundle, a worker ended at a random moment, a restart', async () => {
    const rand = mulberry32(20261207)
    const sender = privateKeyToAccount(devAccounts()[6]!.privateKey)
    const bundler = privateKeyToAccount(devAccounts()[7]!.privateKey)
    const seen = new Map<string, { chainId: number; blockHash: Hex }>()
    const acked: { chainId: number; hash: Hex }[] = []
    const bundles: { id: Hex; legs: { chainId: number; hash: Hex }[] }[] = []
    let net = await startTestNetwork({ chainIds: [...CHAINS], executors: 'thread', datadir: tmp.dir })
    try {
      for (let round = 0; round < 3; round++) {
        const victim = CHAINS[round % 2]!
        const fatal = new Promise<Error>((resolve) => net.network.onFatal(resolve))
        const nonce = async (chainId: number, address: Hex) => Number(await rpc<Hex>(net.l2Url(chainId), 'eth_getTransactionCount', [address, 'pending']))
        // A bundle across both chains, then 100 transfers per chain, sent in batches.
        const legs = await Promise.all(
          CHAINS.map(async (chainId) => ({
            chainId: `0x${chainId.toString(16)}`,
            tx: await bundler.signTransaction({ chainId, nonce: await nonce(chainId, bundler.address), to: RECIPIENT, value: 1n, gas: 21_000n, type: 'eip1559', maxFeePerGas: 10n ** 11n, maxPriorityFeePerGas: 1n }),
          })),
        )
        const { bundleId } = await rpc<{ bundleId: Hex }>(net.l2Url(901), 'plexus_sendBundle', [{ txs: legs }])
        bundles.push({ id: bundleId, legs: legs.map((l) => ({ chainId: Number(l.chainId), hash: keccak256(l.tx) })) })
        for (const chainId of CHAINS) {
          const first = await nonce(chainId, sender.address)
          const raws = await Promise.all(Array.from({ length: 100 }, (_, i) => sender.signTransaction({ chainId, nonce: first + i, to: RECIPIENT, value: 1n, gas: 21_000n, type: 'eip1559', maxFeePerGas: 10n ** 11n, maxPriorityFeePerGas: 1n })))
          const res = await fetch(net.l2Url(chainId), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(raws.map((raw, id) => ({ jsonrpc: '2.0', id, method: 'eth_sendRawTransaction', params: [raw] }))) })
          for (const r of (await res.json()) as { result?: Hex }[]) if (r.result) acked.push({ chainId, hash: r.result })
        }
        // Receipts returned before the fault: they must stay where they are.
        await new Promise((resolve) => setTimeout(resolve, Math.floor(rand() * 1_500)))
        for (const t of acked) {
          if (seen.has(t.hash)) continue
          const receipt = await rpc<{ blockHash: Hex } | null>(net.l2Url(t.chainId), 'eth_getTransactionReceipt', [t.hash])
          if (receipt) seen.set(t.hash, { chainId: t.chainId, blockHash: receipt.blockHash })
        }
        await (net.network.networkChain(victim) as WorkerChain).executor.terminate()
        const err = await fatal
        assert.match(err.message, new RegExp(`chain ${victim}'s executor worker exited`))
        assert.match(err.message, /Start it again on the same datadir/)
        await net.network.stop()
        net = await startTestNetwork({ chainIds: [...CHAINS], executors: 'thread', datadir: tmp.dir })
        const head = await createPublicClient({ transport: http(net.l2Url(901)), cacheTime: 0 }).getBlockNumber()
        await assertLockstep(net, [...CHAINS], head + 2n)
        for (const [hash, was] of seen) {
          const receipt = await rpc<{ blockHash: Hex } | null>(net.l2Url(was.chainId), 'eth_getTransactionReceipt', [hash])
          assert.equal(receipt?.blockHash, was.blockHash, `round ${round}: the receipt of ${hash} stays in its block`)
        }
      }
      // Every acknowledged transaction is included (the pools' journals came back with them).
      for (const t of acked) await waitFor(() => rpc(net.l2Url(t.chainId), 'eth_getTransactionReceipt', [t.hash]), 30_000, `${t.hash} on ${t.chainId} included`)
      // Every bundle whole or absent: both legs on chain in one slot, or neither.
      for (const { id, legs } of bundles) {
        const status = await waitFor(async () => {
          const s = await rpc<{ status: string }>(net.l2Url(902), 'plexus_getBundle', [id])
          return s.status === 'pending' ? undefined : s
        }, 30_000, `bundle ${id} decided`)
        const receipts = await Promise.all(legs.map((l) => rpc<{ blockNumber: Hex } | null>(net.l2Url(l.chainId), 'eth_getTransactionReceipt', [l.hash])))
        if (status.status === 'included') {
          assert.ok(receipts.every((r) => r !== null), `bundle ${id}: every leg on chain`)
          assert.equal(new Set(receipts.map((r) => r!.blockNumber)).size, 1, `bundle ${id}: both legs in one slot`)
        } else assert.ok(receipts.every((r) => r === null), `bundle ${id} (${status.status}): no leg on chain`)
      }
    } finally {
      await net.network.stop()
    }
  })
})
