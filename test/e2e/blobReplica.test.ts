import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createPublicClient, createWalletClient, defineChain, http, parseAbiItem, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { devAccounts } from '../../src/execution/genesis.js'
import { PlexusReplica } from '../../src/node/replica.js'
import { createLogger, silentLogger, type LogLevel } from '../../src/primitives/logger.js'
import { startTestNetwork, type TestNetwork } from '../helpers/network.js'
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
})
