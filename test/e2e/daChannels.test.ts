import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createPublicClient, createWalletClient, defineChain, http, type Hex, type PublicClient, type TransactionReceipt } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { devAccounts } from '../../src/execution/genesis.js'
import { toData } from '../../src/primitives/hex.js'
import { packNetworkBatches } from '../../src/settlement/batch/codec.js'
import { encodeFrame, newChannelId, toFrames, type Frame } from '../../src/settlement/batch/frames.js'
import { abiOf } from '../../src/settlement/l1/abis.js'
import { batchBlockOf } from '../../src/settlement/networkBatcher.js'
import { startTestNetwork, startTestReplica, type TestNetwork, type TestReplica } from '../helpers/network.js'
import { waitFor } from '../helpers/node.js'
import { pseudoRandom } from '../helpers/random.js'
import { assertSameChain, safeAtLeast, syncStatus, type SyncStatus } from '../helpers/sync.js'

const l1Chain = defineChain({ id: 900, name: 'L1', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [] } } })
const deployer = privateKeyToAccount(devAccounts()[9]!.privateKey)
/** Stands in as network batcher while the test posts its own frames. */
const rogue = privateKeyToAccount(devAccounts()[8]!.privateKey)
/** The replica's channel rules: a short timeout (in 1 s L1 blocks), and channels of at most 200 KB. */
const CHANNELS = { timeout: 6, maxChannelBytes: 200_000 }

/**
 * Frames posted by hand, as a rogue batcher would, against a replica with a short channel
 * timeout. Invariant: no frame or channel, however malformed, duplicated, out of order,
 * oversized, late or reorged away, halts derivation or makes a replica derive anything
 * but the sequencer's blocks; each one unused is reported with its reason.
 */
describe('channels and frames on L1, against a replica', { timeout: 600_000 }, () => {
  let net: TestNetwork
  let l1: PublicClient
  let replica: TestReplica
  const replicaUrl = (chainId: number) => replica.replica.node(chainId).rpcUrl()

  before(async () => {
    net = await startTestNetwork({ chainIds: [901, 902] })
    l1 = createPublicClient({ chain: l1Chain, transport: http(net.l1Url) }) as PublicClient
    replica = await startTestReplica(net, { name: 'channels', channels: CHANNELS })
    // Something of the real batcher's on L1 first.
    await safeAtLeast(replicaUrl(902), 2n)
  })
  after(async () => {
    await replica?.stop()
    await net?.stop()
  })

  const send = async (hash: Hex) => assert.equal((await l1.waitForTransactionReceipt({ hash })).status, 'success')

  /** Runs `fn` with the rogue as the registry's network batcher (the real batcher's posts fail meanwhile). */
  async function asRogue(fn: () => Promise<void>): Promise<void> {
    const owner = createWalletClient({ account: deployer, chain: l1Chain, transport: http(net.l1Url) })
    const registry = { address: net.network.deployment.contracts.ChainRegistry, abi: abiOf('ChainRegistry') } as const
    const batcher = (await l1.readContract({ ...registry, functionName: 'networkBatcher' })) as Hex
    await send(await owner.writeContract({ ...registry, functionName: 'setNetworkBatcher', args: [rogue.address] }))
    try {
      await fn()
    } finally {
      await send(await owner.writeContract({ ...registry, functionName: 'setNetworkBatcher', args: [batcher] }))
    }
  }

  /** Posts each piece as one `submitNetworkBatch` transaction of the rogue, all in flight at once (consecutive nonces, so one L1 block as a rule). */
  async function post(...pieces: Uint8Array[]): Promise<TransactionReceipt[]> {
    const wallet = createWalletClient({ account: rogue, chain: l1Chain, transport: http(net.l1Url) })
    let nonce = await l1.getTransactionCount({ address: rogue.address, blockTag: 'pending' })
    const hashes: Hex[] = []
    for (const piece of pieces) {
      hashes.push(
        await wallet.writeContract({ address: net.network.deployment.contracts.BatchInbox, abi: abiOf('BatchInbox'), functionName: 'submitNetworkBatch', args: [toData(piece)], nonce: nonce++, gas: 10_000_000n }),
      )
    }
    const receipts: TransactionReceipt[] = []
    for (const hash of hashes) receipts.push(await l1.waitForTransactionReceipt({ hash, pollingInterval: 100 }))
    for (const r of receipts) assert.equal(r.status, 'success')
    return receipts
  }

  /** Waits until the replica has derived everything the real batcher posted, both chains at the same slot; returns that block. */
  async function settled(): Promise<bigint> {
    let seen = ''
    return (await waitFor(async () => {
      const [a, b, r1, r2] = await Promise.all([syncStatus(net.l2Url(901)), syncStatus(net.l2Url(902)), syncStatus(replicaUrl(901)), syncStatus(replicaUrl(902))])
      seen = [a, b, r1, r2].map((x) => x.safe!.number).join(' ')
      const same = a.safe!.number === r1.safe!.number && b.safe!.number === r2.safe!.number && a.safe!.number === b.safe!.number
      return same ? { safe: BigInt(a.safe!.number) } : undefined
    }, 60_000, 'the replica to catch up with the batcher').catch((err: Error) => {
      throw new Error(`${err.message} (safe heads: sequencer 901 902, replica 901 902: ${seen})`)
    })).safe
  }

  /** The sequencer's slot `n` on both chains as one network batch (0x02), as the batcher would post it. */
  async function slotBatch(n: bigint): Promise<Uint8Array> {
    await waitFor(async () => net.network.node(902).chain.headHeader().number >= n, 20_000, `slot ${n}`)
    const blocks = (chainId: number) => [batchBlockOf(BigInt(chainId), net.network.node(chainId).chain.getBlockByNumber(n)!)]
    const [packed, more] = await packNetworkBatches([{ chainId: 901n, blocks: blocks(901) }, { chainId: 902n, blocks: blocks(902) }], 1 << 20)
    assert.equal(more, undefined)
    return packed!.data
  }

  /** The replica's skip reasons after the first `since`, once at least `count` more are there. */
  async function skippedSince(since: number, count: number): Promise<string[]> {
    const status = (await waitFor(async () => {
      const s = await syncStatus(replicaUrl(901))
      return s.skippedBatches!.total >= since + count ? s : undefined
    }, 60_000, `${count} more skipped`)) as SyncStatus
    const total = status.skippedBatches!.total
    return status.skippedBatches!.recent.slice(status.skippedBatches!.recent.length - (total - since)).map((r) => r.reason)
  }

  const waitL1Past = async (block: bigint) => waitFor(async () => (await l1.getBlockNumber({ cacheTime: 0 })) > block, 30_000, `L1 past block ${block}`)

  it('skips malformed, duplicate, out-of-order and oversized frames with their reasons, and derives a channel spread over L1 blocks with junk in between', async () => {
    await asRogue(async () => {
      const safe = await settled()
      const before = (await syncStatus(replicaUrl(901))).skippedBatches!.total
      const channel = await slotBatch(safe + 1n)
      const [f0, f1, f2] = toFrames(newChannelId(), channel, Math.ceil(channel.length / 3)).map(encodeFrame) as [Uint8Array, Uint8Array, Uint8Array]
      const junk = (frame: Frame) => encodeFrame(frame)
      const badFlags = f0.slice()
      badFlags[19] = 0x80
      const first = await post(
        f0.subarray(0, 20), // header cut short
        badFlags,
        Uint8Array.from([...f1, 0]), // a byte after the data
        junk({ channelId: newChannelId(), number: 2, isLast: true, data: Uint8Array.of(1) }), // a channel never opened
        f0,
        f0, // again
        f2, // before frame 1
      )
      await waitL1Past(first.at(-1)!.blockNumber)
      // 2 × 110 KB: a channel over the replica's 200 KB limit
      const big = newChannelId()
      const second = await post(
        f1,
        junk({ channelId: big, number: 0, isLast: false, data: pseudoRandom(110_000, 1) }),
        junk({ channelId: big, number: 1, isLast: true, data: pseudoRandom(110_000, 2) }),
      )
      await waitL1Past(second.at(-1)!.blockNumber)
      const last = await post(f2)
      assert.ok(last[0]!.blockNumber > first[0]!.blockNumber + 1n, 'the channel\'s frames are spread over several L1 blocks')

      const reasons = await skippedSince(before, 7)
      const expected = [
        /^invalid frame \(truncated\)/,
        /^invalid frame \(flags\): unknown flag bits 0x80/,
        /^invalid frame \(trailing\): 1 bytes after/,
        /^frame skipped \(out-of-order\): frame 2 of channel 0x[0-9a-f]{32}: its channel is not open/,
        /^frame skipped \(duplicate\): frame 0 of channel/,
        /^frame skipped \(out-of-order\): frame 2 of channel 0x[0-9a-f]{32}: expected frame 1/,
        /^channel dropped \(oversized\): frame 1 of channel .*over 200000/,
      ]
      assert.equal(reasons.length, expected.length, reasons.join('\n'))
      reasons.forEach((r, i) => assert.match(r, expected[i]!))
      // The channel completed by its last frame is derived: both chains' slot safe + 1.
      for (const chainId of [901, 902]) await safeAtLeast(replicaUrl(chainId), safe + 1n, 30_000)
      for (const chainId of [901, 902]) await assertSameChain(net.l2Url(chainId), replicaUrl(chainId), safe + 1n)
    })
    await converged()
  })

  it('a channel whose last frame never comes is dropped after the timeout; its late frame is skipped; derivation goes on', async () => {
    await asRogue(async () => {
      const safe = await settled()
      const before = (await syncStatus(replicaUrl(901))).skippedBatches!.total
      const channel = await slotBatch(safe + 1n)
      const [f0, f1] = toFrames(newChannelId(), channel, Math.ceil(channel.length / 2)).map(encodeFrame) as [Uint8Array, Uint8Array]
      const [opened] = await post(f0)
      await waitL1Past(opened!.blockNumber + BigInt(CHANNELS.timeout))
      const reasons = await skippedSince(before, 1)
      assert.match(reasons[0]!, new RegExp(`^channel dropped \\(timed-out\\): channel 0x[0-9a-f]{32}: 1 frames since L1 block ${opened!.blockNumber}, not completed within 6 L1 blocks`))
      await post(f1)
      assert.match((await skippedSince(before, 2))[1]!, /^frame skipped \(out-of-order\): frame 1 of channel .*its channel was dropped \(timed-out\)/)
      for (const chainId of [901, 902]) assert.equal(BigInt((await syncStatus(replicaUrl(chainId))).safe!.number), safe, 'nothing derived from the dropped channel')
    })
    await converged()
  })

  it('an L1 reorg that drops a middle frame: the replica forgets it, and the frame after it completes nothing', async () => {
    await asRogue(async () => {
      const safe = await settled()
      const channel = await slotBatch(safe + 1n)
      const [f0, f1, f2] = toFrames(newChannelId(), channel, Math.ceil(channel.length / 3)).map(encodeFrame) as [Uint8Array, Uint8Array, Uint8Array]
      await post(f0)
      const before = (await syncStatus(replicaUrl(901))).skippedBatches!.total
      // f1, with a duplicate of f0 whose skip shows that the replica has read f1's block
      const [middle] = await post(f1, f0)
      await skippedSince(before, 1)
      const head = await l1.getBlockNumber({ cacheTime: 0 })
      await l1.request({ method: 'anvil_reorg' as never, params: [Number(head - middle!.blockNumber + 1n), []] as never })
      assert.equal(await l1.getTransactionReceipt({ hash: middle!.transactionHash }).catch(() => null), null, 'the reorg removed the middle frame')
      await post(f2)
      const reasons = await skippedSince(before, 2)
      assert.match(reasons.at(-1)!, /^frame skipped \(out-of-order\): frame 2 of channel 0x[0-9a-f]{32}: expected frame 1/)
      for (const chainId of [901, 902]) assert.ok(BigInt((await syncStatus(replicaUrl(chainId))).safe!.number) <= safe, 'nothing derived from the broken channel')
    })
    await converged()
  })

  /** The real batcher is back: the replica derives exactly the sequencer's chains up to their heads. */
  async function converged(): Promise<void> {
    for (const chainId of [901, 902]) {
      const head = await createPublicClient({ transport: http(net.l2Url(chainId)) }).getBlockNumber({ cacheTime: 0 })
      await safeAtLeast(net.l2Url(chainId), head, 60_000)
      await safeAtLeast(replicaUrl(chainId), head, 60_000)
      await assertSameChain(net.l2Url(chainId), replicaUrl(chainId), head)
      assert.deepEqual((await syncStatus(replicaUrl(chainId))).outputMismatches, [])
    }
  }
})
