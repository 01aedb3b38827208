/**
 * The `safe` and `finalized` block tags answer from settlement: `safe` is the newest
 * block batched on L1, `finalized` the newest batched in a finalized L1 block. They lag
 * the head and advance as batches land and L1 finalizes; a replica answers them from
 * its derivation; a standalone chain (no L1) answers the head.
 *
 * The L1 is an anvil with 2-slot epochs, so L1 finality (head − 4) comes within seconds.
 */
import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createPublicClient, createWalletClient, defineChain, encodeFunctionData, http, parseEther, type Hex, type PublicClient } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { devAccounts } from '../../src/execution/genesis.js'
import { PREDEPLOYS } from '../../src/execution/predeploys.js'
import { createBridgeContext, depositETH } from '../../src/settlement/actions/bridge.js'
import { loadArtifact } from '../helpers/artifacts.js'
import { startAnvil, type Anvil } from '../helpers/anvil.js'
import { startTestNetwork, startTestReplica, type TestNetwork, type TestReplica } from '../helpers/network.js'
import { rpc, startTestNode, waitFor } from '../helpers/node.js'
import { syncStatus } from '../helpers/sync.js'

const l2Chain = defineChain({ id: 901, name: 'L2', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [] } } })
const user = privateKeyToAccount(devAccounts()[1]!.privateKey)
const RECIPIENT = privateKeyToAccount(`0x${'5a'.repeat(32)}`).address
const PASSER = PREDEPLOYS.L2ToL1MessagePasser as Hex

type Head = { number: bigint; hash: Hex | null }

/** The three heads in one go; `finalized ≤ safe ≤ latest` must hold for any reading. */
async function heads(client: PublicClient): Promise<{ latest: Head; safe: Head; finalized: Head }> {
  const [finalized, safe, latest] = await Promise.all(
    (['finalized', 'safe', 'latest'] as const).map(async (blockTag) => {
      const b = await client.getBlock({ blockTag })
      return { number: b.number!, hash: b.hash }
    }),
  )
  return { latest: latest!, safe: safe!, finalized: finalized! }
}

/** Reads `read(tag)` while the tag's block stays put, so the answer belongs to a known block. */
async function atStable<T>(client: PublicClient, tag: 'safe' | 'finalized', read: () => Promise<T>): Promise<{ block: bigint; value: T }> {
  for (;;) {
    const before = (await client.getBlock({ blockTag: tag })).number!
    const value = await read()
    const after = (await client.getBlock({ blockTag: tag })).number!
    if (before === after) return { block: before, value }
  }
}

describe('safe and finalized block tags', () => {
  let anvil: Anvil
  let net: TestNetwork
  let l2: PublicClient
  let included: bigint
  const value = parseEther('0.25')

  before(async () => {
    anvil = await startAnvil(['--chain-id', '900', '--block-time', '1', '--slots-in-an-epoch', '2'])
    net = await startTestNetwork({ chainIds: [901], l1RpcUrl: anvil.url })
    l2 = createPublicClient({ transport: http(net.l2Url(901)), cacheTime: 0 }) as PublicClient
    // An L1 given by URL is a real one to Plexus: no genesis balances, so the user deposits.
    await depositETH(await createBridgeContext({ l1Url: anvil.url, l2Url: net.l2Url(901), account: user }), { amount: parseEther('10') })
    await waitFor(async () => (await l2.getBalance({ address: user.address })) === parseEther('10'), 60_000, 'the deposit on L2')
  })
  after(async () => {
    await net?.stop()
    await anvil?.stop()
  })

  it('lag the head, advance as batches land and L1 finalizes, and answer getBalance, getBlock and getLogs from those blocks', { timeout: 120_000 }, async () => {
    const wallet = createWalletClient({ account: user, chain: l2Chain, transport: http(net.l2Url(901)) })
    const hash = await wallet.sendTransaction({
      to: PASSER,
      value,
      data: encodeFunctionData({ abi: loadArtifact('L2ToL1MessagePasser').abi, functionName: 'initiateWithdrawal', args: [RECIPIENT, 100_000n, '0x'] }),
    })
    // And a plain transfer to RECIPIENT in the same stretch of blocks.
    const transfer = await wallet.sendTransaction({ to: RECIPIENT, value })
    const receipts = await Promise.all([hash, transfer].map((h) => l2.waitForTransactionReceipt({ hash: h, pollingInterval: 50 })))
    included = receipts.reduce((n, r) => (r.blockNumber > n ? r.blockNumber : n), 0n)

    // Right after inclusion the tags lag the head and answer their own blocks.
    const first = await heads(l2)
    assert.ok(first.safe.number < first.latest.number, `safe ${first.safe.number} should lag latest ${first.latest.number}`)
    assert.ok(first.finalized.number <= first.safe.number)
    const early = await atStable(l2, 'safe', () => l2.getBalance({ address: RECIPIENT, blockTag: 'safe' }))
    assert.equal(early.value, early.block >= included ? value : 0n)

    // Safe advances as batches land (the block's batch is in an L1 block).
    const safe = await waitFor(async () => {
      const h = await heads(l2)
      // Invariant at every reading: finalized ≤ safe ≤ latest.
      assert.ok(h.finalized.number <= h.safe.number && h.safe.number <= h.latest.number, JSON.stringify(h, (_, v) => (typeof v === 'bigint' ? String(v) : v)))
      return h.safe.number >= included && h.safe.number > first.safe.number ? h.safe : undefined
    }, 60_000, 'the safe head to advance past the block')
    // The tag names the block plexus_syncStatus calls safe (or a newer one, read later).
    const status = await syncStatus(net.l2Url(901))
    assert.ok(BigInt(status.safe!.number) >= safe.number)
    const byNumber = await l2.getBlock({ blockNumber: safe.number })
    assert.equal(byNumber.hash, safe.hash)
    assert.equal((await atStable(l2, 'safe', () => l2.getBalance({ address: RECIPIENT, blockTag: 'safe' }))).value, value)
    // eth_getLogs up to `safe` finds the MessagePassed log; its block is at or below safe.
    const logs = await rpc<{ blockNumber: Hex; transactionHash: Hex }[]>(net.l2Url(901), 'eth_getLogs', [
      { address: PASSER, fromBlock: '0x0', toBlock: 'safe' },
    ])
    assert.ok(logs.some((l) => l.transactionHash === hash), 'the withdrawal log is in the safe range')
    // The EIP-1898 object form names the same block.
    const viaObject = await atStable(l2, 'safe', () => rpc<Hex>(net.l2Url(901), 'eth_getBalance', [RECIPIENT, { blockNumber: 'safe' }]))
    assert.equal(BigInt(viaObject.value), value)

    // Finalized follows once L1 finalizes the L1 block holding the batch (head − 4 here).
    await waitFor(async () => {
      const n = (await l2.getBlock({ blockTag: 'finalized' })).number!
      return n >= included && n > first.finalized.number
    }, 60_000, 'the finalized head to advance past the block')
    const fin = await atStable(l2, 'finalized', () => l2.getBalance({ address: RECIPIENT, blockTag: 'finalized' }))
    assert.equal(fin.value, value)
    const finalizedLogs = await rpc<{ transactionHash: Hex }[]>(net.l2Url(901), 'eth_getLogs', [{ address: PASSER, fromBlock: '0x0', toBlock: 'finalized' }])
    assert.ok(finalizedLogs.some((l) => l.transactionHash === hash))
    const h = await heads(l2)
    assert.ok(h.finalized.number <= h.safe.number && h.safe.number <= h.latest.number)
  })

  it('newHeads stays on the unsafe head; `pending` is the head', { timeout: 30_000 }, async () => {
    const ws = net.l2Url(901).replace('http://', 'ws://')
    const { createPublicClient: create, webSocket } = await import('viem')
    const client = create({ transport: webSocket(ws) })
    const seen: bigint[] = []
    const unwatch = client.watchBlocks({ onBlock: (b) => void seen.push(b.number!), emitOnBegin: false })
    try {
      await waitFor(async () => seen.length >= 2, 20_000, 'two newHeads')
      const safe = (await l2.getBlock({ blockTag: 'safe' })).number!
      assert.ok(seen[seen.length - 1]! > safe, `newHeads ${seen[seen.length - 1]} should be ahead of safe ${safe}`)
      const [pending, latest] = await Promise.all([l2.getBlock({ blockTag: 'pending' }), l2.getBlock({ blockTag: 'latest' })])
      assert.ok(pending.number! >= latest.number!)
    } finally {
      unwatch()
      ;(await client.transport.getRpcClient()).close()
    }
  })

  it('hostile tag values get geth’s invalid-params error (-32602), never a wrong block', { timeout: 30_000 }, async () => {
    const url = net.l2Url(901)
    const bad: unknown[] = ['Safe', 'SAFE', 'Finalized', 'finalised', ' safe', 'safe ', 'safe\u0000', 'unsafe', 'sa', '', 'latest,safe', { blockNumber: 'Safe' }, { blockNumber: 'safe', blockHash: `0x${'00'.repeat(32)}` }, ['safe'], { tag: 'safe' }]
    for (const tag of bad) {
      for (const [method, params] of [
        ['eth_getBlockByNumber', [tag, false]],
        ['eth_getBalance', [RECIPIENT, tag]],
        ['eth_call', [{ to: PASSER, data: '0x' }, tag]],
        ['eth_getLogs', [{ fromBlock: '0x0', toBlock: tag }]],
        ['eth_feeHistory', ['0x1', tag, []]],
      ] as const) {
        await assert.rejects(rpc(url, method, params as unknown as unknown[]), (err: Error & { code?: number }) => {
          assert.equal(err.code, -32602, `${method} with ${JSON.stringify(tag)}: ${err.code} ${err.message}`)
          return true
        })
      }
    }
    // The node still answers the real tags.
    assert.ok(await rpc(url, 'eth_getBlockByNumber', ['finalized', false]))
  })

  describe('a replica', () => {
    let replica: TestReplica
    after(async () => {
      await replica?.stop()
    })

    it('answers safe and finalized from what it derived from L1', { timeout: 120_000 }, async () => {
      replica = await startTestReplica(net)
      const r = createPublicClient({ transport: http(replica.replica.node(901).rpcUrl()), cacheTime: 0 }) as PublicClient
      await waitFor(async () => (await r.getBlock({ blockTag: 'finalized' })).number! >= included, 90_000, 'the replica to derive and finalize the block')
      const [safe, fin] = await Promise.all([r.getBlock({ blockTag: 'safe' }), r.getBlock({ blockTag: 'finalized' })])
      assert.ok(fin.number! <= safe.number!)
      // The replica's blocks are the sequencer's.
      assert.equal(safe.hash, (await l2.getBlock({ blockNumber: safe.number! })).hash)
      assert.equal(await r.getBalance({ address: RECIPIENT, blockTag: 'finalized' }), value)
      const status = (await syncStatus(replica.replica.node(901).rpcUrl())) as unknown as { safe: { number: Hex }; finalized: { number: Hex } }
      assert.ok(BigInt(status.finalized.number) <= BigInt(status.safe.number))
      assert.ok(BigInt(status.safe.number) >= safe.number!)
    })
  })
})

describe('safe and finalized on a standalone chain (no L1)', () => {
  it('are the head: nothing settles the chain', { timeout: 30_000 }, async () => {
    const node = await startTestNode({ slotTimeMs: 100 })
    try {
      const client = createPublicClient({ transport: http(node.url), cacheTime: 0 })
      await waitFor(async () => (await client.getBlockNumber()) >= 2n, 10_000, 'two blocks')
      // Read while production is paused between slots: all three are the same block.
      const at = await waitFor(async () => {
        const [latest, safe, finalized] = await Promise.all([client.getBlock({ blockTag: 'latest' }), client.getBlock({ blockTag: 'safe' }), client.getBlock({ blockTag: 'finalized' })])
        return latest.number === safe.number && safe.number === finalized.number ? latest : undefined
      }, 10_000, 'one reading of the three tags within one slot')
      assert.ok(at.number! >= 2n)
    } finally {
      await node.stop()
    }
  })
})
