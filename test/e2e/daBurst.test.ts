import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createPublicClient, http, type Hex } from 'viem'
import { sendInOneSlot, signBurst, type BurstTx } from '../helpers/burst.js'
import { startTestNetwork, startTestReplica, type TestNetwork, type TestReplica } from '../helpers/network.js'
import { rpc, waitFor } from '../helpers/node.js'
import { assertSameChain, safeAtLeast, syncStatus } from '../helpers/sync.js'

/** The block each transaction landed in (waits for every receipt). */
async function blocksOf(net: TestNetwork, txs: readonly BurstTx[]): Promise<Set<bigint>> {
  const blocks = new Set<bigint>()
  for (const tx of txs) {
    const receipt = await waitFor(
      () => rpc<{ blockNumber: Hex; status: Hex } | null>(net.l2Url(tx.chainId), 'eth_getTransactionReceipt', [tx.hash]),
      60_000,
      `receipt of ${tx.hash}`,
    )
    assert.equal(receipt.status, '0x1')
    blocks.add(BigInt(receipt.blockNumber))
  }
  return blocks
}

/**
 * Invariant: whatever one slot holds, the safe head reaches it (settlement never halts),
 * and a replica rebuilt from L1 alone derives exactly the sequencer's blocks.
 */
describe('settlement carries any slot the sequencer builds', { timeout: 600_000 }, () => {
  let net: TestNetwork
  const replicas: TestReplica[] = []

  before(async () => {
    net = await startTestNetwork({ chainIds: [901, 902] })
  })
  after(async () => {
    for (const r of replicas) await r.stop()
    await net?.stop()
  })

  it('1,750 ETH transfers in one slot (a network batch over one L1 transaction) become safe', { timeout: 240_000 }, async () => {
    const txs = await signBurst({ chainId: 901, count: 1750, senders: [3, 4, 5, 6, 7], seed: 1 })
    await sendInOneSlot(net.network, txs)
    const blocks = await blocksOf(net, txs)
    assert.equal(blocks.size, 1, 'the burst is one slot')
    const [block] = [...blocks]
    await safeAtLeast(net.l2Url(901), block!, 180_000)
    await safeAtLeast(net.l2Url(902), block!, 60_000)
  })

  it('a slot of ~1 MB of incompressible calldata on two chains becomes safe within a few L1 blocks', { timeout: 240_000 }, async () => {
    const l1 = createPublicClient({ transport: http(net.l1Url) })
    // 240 transactions of 4 KB random calldata, half on each chain: ~1,010,000 signed bytes.
    const txs = [
      ...(await signBurst({ chainId: 901, count: 120, senders: [8, 9], dataBytes: 4096, seed: 2 })),
      ...(await signBurst({ chainId: 902, count: 120, senders: [8, 9], dataBytes: 4096, seed: 3 })),
    ]
    const signedBytes = txs.reduce((n, tx) => n + (tx.raw.length - 2) / 2, 0)
    await sendInOneSlot(net.network, txs)
    const blocks = await blocksOf(net, txs)
    assert.equal(blocks.size, 1, 'the burst is one slot on both chains')
    const [block] = [...blocks]
    const l1AtInclusion = await l1.getBlockNumber({ cacheTime: 0 })
    await safeAtLeast(net.l2Url(901), block!, 180_000)
    await safeAtLeast(net.l2Url(902), block!, 60_000)
    const l1AtSafe = await l1.getBlockNumber({ cacheTime: 0 })
    console.log(`# ${signedBytes} signed bytes in slot ${block}: safe ${l1AtSafe - l1AtInclusion} L1 blocks after inclusion`)
  })

  it('a replica rebuilt from L1 alone agrees on every block of both chains', { timeout: 240_000 }, async () => {
    const replica = await startTestReplica(net, { name: 'burst' })
    replicas.push(replica)
    for (const chainId of [901, 902]) {
      const head = BigInt((await syncStatus(net.l2Url(chainId))).safe!.number)
      const url = replica.replica.node(chainId).rpcUrl()
      await safeAtLeast(url, head, 180_000)
      await assertSameChain(net.l2Url(chainId), url, head)
      const status = await syncStatus(url)
      assert.deepEqual(status.outputMismatches, [])
      assert.equal(status.skippedBatches?.total, 0)
    }
  })
})
