import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { createPublicClient, http, toHex, type Hex, type PublicClient } from 'viem'
import { decodeNetworkBatch } from '../../src/settlement/batch/codec.js'
import { decodeFrame, isFrame } from '../../src/settlement/batch/frames.js'
import { readPostedBatches } from '../../src/settlement/batch/postedBatches.js'
import { channelsIn } from '../../src/settlement/derivation/channelReader.js'
import { sendInOneSlot, signBurst, type BurstTx } from '../helpers/burst.js'
import { startTestNetwork, startTestReplica, type TestNetwork, type TestReplica } from '../helpers/network.js'
import { rpc, waitFor } from '../helpers/node.js'
import { assertSameChain, safeAtLeast } from '../helpers/sync.js'
import { tempDir } from '../helpers/tmp.js'

const CHAINS = [901, 902]

async function blockOf(net: TestNetwork, txs: readonly BurstTx[]): Promise<bigint> {
  const blocks = new Set<bigint>()
  for (const tx of txs) {
    const receipt = await waitFor(() => rpc<{ blockNumber: Hex } | null>(net.l2Url(tx.chainId), 'eth_getTransactionReceipt', [tx.hash]), 60_000, `receipt of ${tx.hash}`)
    blocks.add(BigInt(receipt.blockNumber))
  }
  assert.equal(blocks.size, 1, 'the burst is one slot')
  return [...blocks][0]!
}

/** Channel ids on L1 whose frame 0 is there but not their last frame. */
async function partialChannels(l1: PublicClient, inbox: Hex): Promise<Map<string, number>> {
  const frames = new Map<string, { count: number; last: boolean }>()
  for (const p of await readPostedBatches(l1, { inbox, fromBlock: 0n })) {
    if (!p.data || !isFrame(p.data)) continue
    const f = decodeFrame(p.data)
    const id = Buffer.from(f.channelId).toString('hex')
    const seen = frames.get(id) ?? { count: 0, last: false }
    frames.set(id, { count: seen.count + 1, last: seen.last || f.isLast })
  }
  return new Map([...frames].filter(([, f]) => !f.last).map(([id, f]) => [id, f.count]))
}

/**
 * Invariant: a batcher stopped between two frames of a channel leaves nothing lost and
 * nothing wedged: after the restart every block becomes safe (the partial channel is
 * abandoned and its blocks posted again, or, if its remaining frames still landed, read
 * back whole), and a replica rebuilt from L1 agrees on every block.
 */
describe('the network batcher stopped in the middle of a channel', { timeout: 600_000 }, () => {
  it('posts the slot again after the restart; everything ends safe and a replica agrees', { timeout: 480_000 }, async () => {
    const { dir, cleanup } = tempDir()
    let net: TestNetwork | undefined
    let replica: TestReplica | undefined
    try {
      net = await startTestNetwork({ datadir: dir, keep: true, chainIds: CHAINS })
      let l1 = createPublicClient({ transport: http(net.l1Url) }) as PublicClient
      const inbox = net.network.deployment.contracts.BatchInbox
      // Two 120 KB frames per L1 block at most (4.8M gas each): a 1 MB channel takes 5 L1 blocks.
      await l1.request({ method: 'evm_setBlockGasLimit' as never, params: [toHex(10_500_000)] as never })
      const txs = [
        ...(await signBurst({ chainId: 901, count: 120, senders: [8, 9], dataBytes: 4096, seed: 5 })),
        ...(await signBurst({ chainId: 902, count: 120, senders: [8, 9], dataBytes: 4096, seed: 6 })),
      ]
      await sendInOneSlot(net.network, txs)
      const block = await blockOf(net, txs)
      const cut = await waitFor(async () => {
        const partial = await partialChannels(l1, inbox)
        return [...partial].find(([, count]) => count >= 1)
      }, 120_000, 'some frames of the slot\'s channel on L1')
      await net.stop()
      const safeBefore = net.network.networkBatcher.safeHead(901n)
      assert.ok(safeBefore < block, 'the slot was not safe when the batcher stopped')
      console.log(`# stopped with ${cut![1]} frames of channel 0x${cut![0]} on L1`)

      net = await startTestNetwork({ datadir: dir, keep: true, chainIds: CHAINS })
      l1 = createPublicClient({ transport: http(net.l1Url) }) as PublicClient // the embedded L1 is back on another port
      for (const chainId of CHAINS) await safeAtLeast(net.l2Url(chainId), block, 240_000)
      const { channels } = channelsIn(await readPostedBatches(l1, { inbox, fromBlock: 0n }))
      const carrying = channels.filter((c) => decodeNetworkBatch(c.found.data).chains.some((s) => s.firstBlock <= block && block < s.firstBlock + BigInt(s.blocks.length)))
      const abandoned = !carrying.some((c) => c.id === `0x${cut![0]}`)
      console.log(`# the slot is carried by ${carrying.length} channel(s); the cut one was ${abandoned ? 'abandoned and the slot posted again' : 'completed after the restart'}`)
      assert.ok(carrying.length >= 1)

      replica = await startTestReplica(net, { name: 'after-restart' })
      for (const chainId of CHAINS) {
        const head = BigInt((await rpc<{ safe: { number: Hex } }>(net.l2Url(chainId), 'plexus_syncStatus', [])).safe.number)
        await safeAtLeast(replica.replica.node(chainId).rpcUrl(), head, 240_000)
        await assertSameChain(net.l2Url(chainId), replica.replica.node(chainId).rpcUrl(), head)
      }
    } finally {
      await replica?.stop()
      await net?.stop()
      cleanup()
    }
  })
})
