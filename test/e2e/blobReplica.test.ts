import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createPublicClient, createWalletClient, defineChain, http, parseAbiItem, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { devAccounts } from '../../src/execution/genesis.js'
import { PlexusReplica } from '../../src/node/replica.js'
import { createLogger, silentLogger, type LogLevel } from '../../src/primitives/logger.js'
import { sendInOneSlot, signBurst } from '../helpers/burst.js'
import { startTestNetwork, type TestNetwork } from '../helpers/network.js'
import { rpc, waitFor } from '../helpers/node.js'
import { assertSameChain, safeAtLeast, syncStatus } from '../helpers/sync.js'
import { tempDir } from '../helpers/tmp.js'

const user = privateKeyToAccount(devAccounts()[4]!.privateKey)

describe('a network with da: blobs', () => {
  let net: TestNetwork
  let replica: PlexusReplica | undefined
  const dir = tempDir()

  before(async () => {
    net = await startTestNetwork({ chainIds: [901, 902], da: 'blobs' })
  })
  after(async () => {
    await replica?.stop()
    await net?.stop()
    dir.cleanup()
  })

  it('posts its network batches as blobs, and a replica rebuilds both chains from them identically', async () => {
    const heads = new Map<number, bigint>()
    for (const chainId of [901, 902]) {
      const url = net.l2Url(chainId)
      const l2 = createPublicClient({ transport: http(url) })
      const wallet = createWalletClient({ account: user, chain: defineChain({ id: chainId, name: 'L2', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [url] } } }), transport: http(url) })
      const hashes: Hex[] = []
      for (let i = 0; i < 3; i++) hashes.push(await wallet.sendTransaction({ to: user.address, value: BigInt(i + 1) }))
      for (const hash of hashes) assert.equal((await l2.waitForTransactionReceipt({ hash, pollingInterval: 100 })).status, 'success')
      heads.set(chainId, await l2.getBlockNumber({ cacheTime: 0 }))
    }
    for (const [chainId, head] of heads) await safeAtLeast(net.l2Url(chainId), head, 120_000)

    const l1 = createPublicClient({ transport: http(net.l1Url) })
    const inbox = net.network.deployment.contracts.BatchInbox
    const blobBatches = await l1.getLogs({ address: inbox, event: parseAbiItem('event NetworkBlobBatchSubmitted(uint256 indexed batchIndex, bytes32[] blobHashes)'), fromBlock: 0n })
    const calldataBatches = await l1.getLogs({ address: inbox, event: parseAbiItem('event NetworkBatchSubmitted(uint256 indexed batchIndex, bytes32 dataHash)'), fromBlock: 0n })
    assert.ok(blobBatches.length > 0, 'batches were posted as blobs')
    assert.equal(calldataBatches.length, 0, 'and none as calldata')

    replica = new PlexusReplica({
      l1RpcUrl: net.l1Url,
      registry: net.network.deployment.contracts.ChainRegistry,
      datadir: dir.dir,
      rpc: { host: '127.0.0.1', port: 0 },
      pollMs: 200,
      logger: process.env.PLEXUS_TEST_LOG ? createLogger(process.env.PLEXUS_TEST_LOG as LogLevel).child({ replica: true }) : silentLogger(),
    })
    await replica.start()
    for (const [chainId, head] of heads) {
      const replicaUrl = replica.node(chainId).rpcUrl()
      await safeAtLeast(replicaUrl, head, 120_000)
      await assertSameChain(net.l2Url(chainId), replicaUrl, head)
      const status = await syncStatus(replicaUrl)
      assert.equal(status.skippedBatches?.total, 0)
      assert.deepEqual(status.outputMismatches, [])
    }
  })

  // Invariant: a slot larger than one blob transaction carries is one channel of several
  // blob frames, safe once the last is in an L1 block, and replicas read it back whole.
  it('a ~1 MB slot is one channel over two blob transactions, and the replica derives it identically', { timeout: 300_000 }, async () => {
    const l1 = createPublicClient({ transport: http(net.l1Url) })
    const txs = [
      ...(await signBurst({ chainId: 901, count: 120, senders: [8, 9], dataBytes: 4096, seed: 11 })),
      ...(await signBurst({ chainId: 902, count: 120, senders: [8, 9], dataBytes: 4096, seed: 12 })),
    ]
    await sendInOneSlot(net.network, txs)
    const receipt = await waitFor(() => rpc<{ blockNumber: Hex } | null>(net.l2Url(902), 'eth_getTransactionReceipt', [txs.at(-1)!.hash]), 60_000)
    const block = BigInt(receipt.blockNumber)
    for (const chainId of [901, 902]) await safeAtLeast(net.l2Url(chainId), block, 240_000)
    const inbox = net.network.deployment.contracts.BatchInbox
    const logs = await l1.getLogs({ address: inbox, event: parseAbiItem('event NetworkBlobBatchSubmitted(uint256 indexed batchIndex, bytes32[] blobHashes)'), fromBlock: 0n })
    const big = logs.filter((l) => l.args.blobHashes!.length >= 2)
    // ~1,011,800 bytes of channel: a full 6-blob frame (780,240 bytes of it), then 2 blobs of the rest
    assert.deepEqual(big.map((l) => l.args.blobHashes!.length), [6, 2], 'the slot\'s channel: two blob transactions')
    for (const chainId of [901, 902]) {
      const replicaUrl = replica!.node(chainId).rpcUrl()
      await safeAtLeast(replicaUrl, block, 240_000)
      await assertSameChain(net.l2Url(chainId), replicaUrl, block)
      assert.equal((await syncStatus(replicaUrl)).skippedBatches?.total, 0)
    }
  })
})
