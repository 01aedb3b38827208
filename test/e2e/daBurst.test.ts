import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createPublicClient, http, parseEther, toHex, type Hex, type PublicClient } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { devAccounts } from '../../src/execution/genesis.js'
import { createBridgeContext, depositETH, finalizableAt, finalizeWithdrawal, initiateWithdrawal, proveWithdrawal, waitForL1Time, waitForOutput } from '../../src/settlement/actions/bridge.js'
import { decodeNetworkBatch } from '../../src/settlement/batch/codec.js'
import { readPostedBatches } from '../../src/settlement/batch/postedBatches.js'
import { slotCarriage } from '../../src/settlement/daCapacity.js'
import { channelsIn } from '../../src/settlement/derivation/channelReader.js'
import { sendInOneSlot, signBurst, type BurstTx } from '../helpers/burst.js'
import { startTestNetwork, startTestReplica, type TestNetwork, type TestReplica } from '../helpers/network.js'
import { rpc, waitFor } from '../helpers/node.js'

/** Senders 8 and 9 sent `n` burst transactions each on every chain before. */
const nonceAfter = (n: number) => () => n / 2
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

  // Invariant: a channel's blocks are safe only once its last frame is in an L1 block,
  // and a slot at the per-slot data cap takes no more frames than `slotCarriage` says.
  it('a slot of ~1 MB of incompressible calldata on two chains is one channel of many frames over a few L1 blocks', { timeout: 240_000 }, async () => {
    const l1 = createPublicClient({ transport: http(net.l1Url) }) as PublicClient
    const batcher = net.network.networkBatcher
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
    if (batcher.safeHead(901n) < block!) assert.ok(batcher.backlogBytes() >= signedBytes, 'the unsafe burst counts in the backlog')
    await safeAtLeast(net.l2Url(901), block!, 180_000)
    await safeAtLeast(net.l2Url(902), block!, 60_000)
    assert.ok(batcher.backlogBytes() < signedBytes, 'the safe burst left the backlog')

    // The channel that carries the slot, as a replica reads it from L1.
    const { channels } = channelsIn(await readPostedBatches(l1, { inbox: net.network.deployment.contracts.BatchInbox, fromBlock: 0n }))
    const carrying = channels.find((c) => decodeNetworkBatch(c.found.data).chains.some((s) => s.chainId === 901n && s.firstBlock <= block! && block! < s.firstBlock + BigInt(s.blocks.length)))!
    const bound = slotCarriage('calldata', signedBytes, { chains: 2 })
    const span = carrying.found.l1Number - carrying.opened.l1Number + 1n
    // The L1 head when the slot was built: the newest L1 block not after its timestamp.
    const built = (await createPublicClient({ transport: http(net.l2Url(901)) }).getBlock({ blockNumber: block! })).timestamp
    let l1Then = carrying.found.l1Number
    while ((await l1.getBlock({ blockNumber: l1Then })).timestamp > built) l1Then--
    console.log(
      `# ${signedBytes} signed bytes in slot ${block}: a channel of ${carrying.found.data.length} bytes in ${carrying.frames} frames ` +
        `over L1 blocks ${carrying.opened.l1Number}…${carrying.found.l1Number} (bound: ${bound.frames} frames, ${bound.l1Blocks} L1 blocks); ` +
        `safe ${carrying.found.l1Number - l1Then} L1 blocks after the L1 head when it was built (${l1Then})`,
    )
    assert.ok(carrying.frames > 1 && carrying.frames <= bound.frames, `${carrying.frames} frames`)
    // How many L1 blocks the frames take depends on how fast this machine sends them (the
    // bound assumes one L1 block time per refill); that they span more than one does not.
    assert.ok(span > 1n, `the frames span ${span} L1 blocks`)
    for (const chainId of [901n, 902n]) {
      assert.ok(batcher.safeHeadAt(chainId, carrying.found.l1Number - 1n) < block!, `chain ${chainId}: not safe before the L1 block of the last frame`)
      assert.ok(batcher.safeHeadAt(chainId, carrying.found.l1Number) >= block!, `chain ${chainId}: safe in it`)
    }
  })

  it('a withdrawal after the burst is proven against a posted output root and finalized', { timeout: 180_000 }, async () => {
    const ctx = await createBridgeContext({ l2Url: net.l2Url(901), account: privateKeyToAccount(devAccounts()[1]!.privateKey) })
    const recipient = privateKeyToAccount(`0x${'33'.repeat(32)}`).address
    // The portal pays out only what was deposited to the chain (from another account: a
    // deposit takes its sender's L2 nonce, which the withdrawal would race for).
    const depositor = await createBridgeContext({ l2Url: net.l2Url(901), account: privateKeyToAccount(devAccounts()[2]!.privateKey) })
    await depositETH(depositor, { amount: parseEther('1') })
    const w = await initiateWithdrawal(ctx, { amount: parseEther('0.25'), to: recipient })
    const output = await waitForOutput(ctx, w.l2BlockNumber, { pollMs: 200, timeoutMs: 120_000 })
    const proven = await proveWithdrawal(ctx, w, output)
    await waitForL1Time(ctx, await finalizableAt(ctx, (await ctx.l1.getBlock({ blockNumber: proven.blockNumber })).timestamp), 200)
    await finalizeWithdrawal(ctx, w)
    assert.equal(await ctx.l1.getBalance({ address: recipient }), parseEther('0.25'))
  })

  // Invariant: a reorg that drops any frame of a channel makes its blocks unsafe again
  // (they were safe only through that frame), and they become safe again through a new
  // channel; a replica that followed along agrees on every block.
  it('an L1 reorg that drops the last frames of a big channel: its slot is unsafe again, posted again as a new channel, and safe', { timeout: 240_000 }, async () => {
    const l1 = createPublicClient({ transport: http(net.l1Url) }) as PublicClient
    const inbox = net.network.deployment.contracts.BatchInbox
    const follower = await startTestReplica(net, { name: 'follower' })
    replicas.push(follower)
    // Two 120 KB frames per L1 block at most: the channel's frames land over several L1 blocks.
    await l1.request({ method: 'evm_setBlockGasLimit' as never, params: [toHex(10_500_000)] as never })
    try {
      const txs = [
        ...(await signBurst({ chainId: 901, count: 120, senders: [8, 9], dataBytes: 4096, seed: 7, firstNonce: nonceAfter(120) })),
        ...(await signBurst({ chainId: 902, count: 120, senders: [8, 9], dataBytes: 4096, seed: 8, firstNonce: nonceAfter(120) })),
      ]
      await sendInOneSlot(net.network, txs)
      const [block] = [...(await blocksOf(net, txs))]
      await safeAtLeast(net.l2Url(901), block!, 180_000)
      const carrier = async () => {
        const { channels } = channelsIn(await readPostedBatches(l1, { inbox, fromBlock: 0n }))
        return channels.find((c) => decodeNetworkBatch(c.found.data).chains.some((s) => s.chainId === 901n && s.firstBlock <= block! && block! < s.firstBlock + BigInt(s.blocks.length)))!
      }
      const first = await carrier()
      assert.ok(first.opened.l1Number < first.found.l1Number, 'the frames span L1 blocks')
      const head = await l1.getBlockNumber({ cacheTime: 0 })
      await l1.request({ method: 'anvil_reorg' as never, params: [Number(head - first.found.l1Number + 1n), []] as never })
      await waitFor(async () => net.network.networkBatcher.safeHead(901n) < block!, 30_000, 'the slot unsafe again')
      for (const chainId of [901, 902]) await safeAtLeast(net.l2Url(chainId), block!, 180_000)
      const again = await carrier()
      assert.notEqual(again.id, first.id, 'carried by a new channel')
      for (const chainId of [901, 902]) {
        const url = follower.replica.node(chainId).rpcUrl()
        await safeAtLeast(url, block!, 120_000)
        await assertSameChain(net.l2Url(chainId), url, block!)
      }
    } finally {
      await l1.request({ method: 'evm_setBlockGasLimit' as never, params: [toHex(30_000_000)] as never })
    }
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
