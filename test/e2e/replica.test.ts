import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  createPublicClient,
  createWalletClient,
  decodeFunctionData,
  defineChain,
  http,
  parseAbiItem,
  parseEther,
  toHex,
  type Hex,
  type PublicClient,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { devAccounts } from '../../src/execution/genesis.js'
import { PlexusReplica } from '../../src/node/replica.js'
import { silentLogger, createLogger, type LogLevel } from '../../src/primitives/logger.js'
import { abiOf } from '../../src/settlement/l1/abis.js'
import { startTestNetwork, type TestNetwork } from '../helpers/network.js'
import { waitFor } from '../helpers/node.js'
import { tempDir } from '../helpers/tmp.js'
import { assertSameChain, safeAtLeast, syncStatus } from '../helpers/sync.js'

const l1Chain = defineChain({ id: 900, name: 'L1', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [] } } })
const user = privateKeyToAccount(devAccounts()[2]!.privateKey)
const deployer = privateKeyToAccount(devAccounts()[9]!.privateKey)
/** Stands in as batcher while the test posts bad batches. */
const rogue = privateKeyToAccount(devAccounts()[8]!.privateKey)
const BATCH_SUBMITTED = parseAbiItem('event BatchSubmitted(uint256 indexed chainId, uint256 indexed batchIndex, bytes32 dataHash)')

describe('replicas rebuild each chain from L1 alone', () => {
  let net: TestNetwork
  let l1: PublicClient
  const replicas = new Map<number, PlexusReplica>()
  const dirs: { cleanup(): void }[] = []

  async function startReplica(chainId: number): Promise<PlexusReplica> {
    const tmp = tempDir()
    dirs.push(tmp)
    const replica = new PlexusReplica({
      l1RpcUrl: net.l1Url,
      chainId,
      registry: net.network.deployment.contracts.ChainRegistry,
      datadir: tmp.dir,
      rpc: { host: '127.0.0.1', port: 0 },
      pollMs: 200,
      logger: process.env.PLEXUS_TEST_LOG ? createLogger(process.env.PLEXUS_TEST_LOG as LogLevel).child({ replica: chainId }) : silentLogger(),
    })
    await replica.start()
    replicas.set(chainId, replica)
    return replica
  }

  before(async () => {
    net = await startTestNetwork({ chainIds: [901, 902] })
    l1 = createPublicClient({ chain: l1Chain, transport: http(net.l1Url) }) as PublicClient
  })
  after(async () => {
    for (const r of replicas.values()) await r.stop()
    await net?.stop()
    for (const d of dirs) d.cleanup()
  })

  it('a replica started from nothing reaches the sequencer head with identical block hashes and state roots, for both chains', async () => {
    // Activity that derivation must reproduce: L1 deposits, L2 transfers and a contract with storage.
    const portal = net.network.deployment.contracts.Portal
    const l1Wallet = createWalletClient({ account: user, chain: l1Chain, transport: http(net.l1Url) })
    for (const chainId of [901n, 902n]) {
      const hash = await l1Wallet.writeContract({ address: portal, abi: abiOf('Portal'), functionName: 'depositETH', args: [chainId, user.address], value: parseEther('2') })
      await l1.waitForTransactionReceipt({ hash })
    }
    for (const chainId of [901, 902]) {
      const chain = defineChain({ ...l1Chain, id: chainId })
      const wallet = createWalletClient({ account: user, chain, transport: http(net.l2Url(chainId)) })
      const l2 = createPublicClient({ transport: http(net.l2Url(chainId)) })
      const hashes: Hex[] = []
      for (let i = 0; i < 5; i++) hashes.push(await wallet.sendTransaction({ to: privateKeyToAccount(toHex(1000 + i, { size: 32 })).address, value: BigInt(i + 1) }))
      // init code that stores 42 in slot 0 and returns empty runtime code
      hashes.push(await wallet.sendTransaction({ data: '0x602a60005560006000f3' }))
      for (const hash of hashes) assert.equal((await l2.waitForTransactionReceipt({ hash, pollingInterval: 100 })).status, 'success')
    }

    const targets = new Map<number, bigint>()
    for (const chainId of [901, 902]) {
      const head = await createPublicClient({ transport: http(net.l2Url(chainId)) }).getBlockNumber()
      await safeAtLeast(net.l2Url(chainId), head)
      targets.set(chainId, head)
    }
    for (const chainId of [901, 902]) {
      const replica = await startReplica(chainId)
      const url = replica.node.rpcUrl()
      await safeAtLeast(url, targets.get(chainId)!)
      await assertSameChain(net.l2Url(chainId), url, targets.get(chainId)!)
      const status = await syncStatus(url)
      assert.equal(status.mode, 'replica')
      assert.deepEqual(status.outputMismatches, [])
      assert.equal(status.skippedBatches?.total, 0)
    }
    // The replica checked the proposer's roots against its own.
    await waitFor(async () => BigInt((await syncStatus(replicas.get(901)!.node.rpcUrl())).latestOutput) > 0n, 60_000)
  })

  it('refuses transactions: a replica has no sequencer to send them to', async () => {
    const url = replicas.get(901)!.node.rpcUrl()
    const wallet = createWalletClient({ account: user, chain: defineChain({ ...l1Chain, id: 901 }), transport: http(url) })
    await assert.rejects(wallet.sendTransaction({ to: user.address, value: 1n, gas: 21_000n, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 1n, nonce: 0 }), /replica/)
  })

  it('skips corrupt, truncated and stale batches with their reasons and keeps following the chain', async () => {
    const { ChainRegistry, BatchInbox } = net.network.deployment.contracts
    const owner = createWalletClient({ account: deployer, chain: l1Chain, transport: http(net.l1Url) })
    const rogueWallet = createWalletClient({ account: rogue, chain: l1Chain, transport: http(net.l1Url) })
    const registry = { address: ChainRegistry, abi: abiOf('ChainRegistry') } as const
    const batcher = (await l1.readContract({ ...registry, functionName: 'batcher', args: [901n] })) as Hex

    // The newest real batch of chain 901, as the batcher posted it.
    const logs = await l1.getLogs({ address: BatchInbox, event: BATCH_SUBMITTED, args: { chainId: 901n }, fromBlock: 0n })
    const last = logs[logs.length - 1]!
    const tx = await l1.getTransaction({ hash: last.transactionHash! })
    const realBatch = decodeFunctionData({ abi: abiOf('BatchInbox'), data: tx.input }).args![1] as Hex

    const before = (await syncStatus(replicas.get(901)!.node.rpcUrl())).skippedBatches!.total
    const send = async (hash: Hex) => assert.equal((await l1.waitForTransactionReceipt({ hash })).status, 'success')
    await send(await owner.writeContract({ ...registry, functionName: 'setBatcher', args: [901n, rogue.address] }))
    try {
      const post = async (data: Hex) =>
        send(await rogueWallet.writeContract({ address: BatchInbox, abi: abiOf('BatchInbox'), functionName: 'submitBatch', args: [901n, data] }))
      await post('0x01deadbeefdeadbeefdeadbeef') // right version byte, garbage stream
      await post('0x07aabbcc') // unknown version
      await post(`0x${realBatch.slice(2, 2 + ((realBatch.length - 2) >> 2) * 2)}`) // truncated to half its bytes
      await post(realBatch) // a valid batch again: stale
    } finally {
      await send(await owner.writeContract({ ...registry, functionName: 'setBatcher', args: [901n, batcher] }))
    }

    const url = replicas.get(901)!.node.rpcUrl()
    const status = await waitFor(async () => {
      const s = await syncStatus(url)
      return s.skippedBatches!.total >= before + 4 ? s : undefined
    }, 30_000)
    const reasons = status!.skippedBatches!.recent.slice(-4).map((r) => r.reason)
    assert.match(reasons[0]!, /invalid batch \(decompress\)/)
    assert.match(reasons[1]!, /invalid batch \(version\)/)
    assert.match(reasons[2]!, /invalid batch \(decompress\)/)
    assert.match(reasons[3]!, /already derived/)

    // The replica keeps deriving what the real batcher posts next, identically.
    const head = await createPublicClient({ transport: http(net.l2Url(901)) }).getBlockNumber()
    await safeAtLeast(net.l2Url(901), head)
    await safeAtLeast(url, head)
    await assertSameChain(net.l2Url(901), url, head)
    assert.deepEqual((await syncStatus(url)).outputMismatches, [])
  })

  it('an L1 reorg that drops a deposit and a batch: sequencer and replica both end on the same, correct chain', async () => {
    const seqUrl = net.l2Url(901)
    const repUrl = replicas.get(901)!.node.rpcUrl()
    const l2 = createPublicClient({ transport: http(seqUrl) })
    const portal = net.network.deployment.contracts.Portal
    const recipient = privateKeyToAccount(toHex(4242, { size: 32 })).address
    // From another account than the transfer's sender: a deposit uses its sender's L2
    // nonce, so a transfer after it would depend on it and stay queued once it is gone.
    const depositor = privateKeyToAccount(devAccounts()[3]!.privateKey)
    const l1Wallet = createWalletClient({ account: depositor, chain: l1Chain, transport: http(net.l1Url) })
    const depositHash = await l1Wallet.writeContract({ address: portal, abi: abiOf('Portal'), functionName: 'depositETH', args: [901n, recipient], value: parseEther('3') })
    const depositBlock = (await l1.waitForTransactionReceipt({ hash: depositHash })).blockNumber
    await waitFor(async () => (await l2.getBalance({ address: recipient })) === parseEther('3'), 20_000)

    // An L2 transaction after the deposit: its block's origin is the deposit's L1 block or later.
    const wallet = createWalletClient({ account: user, chain: defineChain({ ...l1Chain, id: 901 }), transport: http(seqUrl) })
    // A fee cap that still pays the base fee of the rewound chain (its base fee is higher
    // than now's: it decays from 1 gwei on an idle chain), so the pool takes it back.
    const transfer = await wallet.sendTransaction({ to: recipient, value: 7n, maxFeePerGas: 5n * 10n ** 9n, maxPriorityFeePerGas: 1n })
    const transferBlock = (await l2.waitForTransactionReceipt({ hash: transfer, pollingInterval: 100 })).blockNumber
    // Both are batched on L1 (and derived by the replica) before the reorg removes them.
    await safeAtLeast(seqUrl, transferBlock)
    await safeAtLeast(repUrl, transferBlock)
    const before = await l2.getBlock({ blockNumber: transferBlock })
    assert.equal(await createPublicClient({ transport: http(repUrl) }).getBalance({ address: recipient }), parseEther('3') + 7n)

    const l1Head = await l1.getBlockNumber({ cacheTime: 0 })
    await l1.request({ method: 'anvil_reorg' as never, params: [Number(l1Head - depositBlock + 1n), []] as never })
    assert.equal(await l1.getTransactionReceipt({ hash: depositHash }).catch(() => null), null, 'the reorg removed the deposit')

    // The sequencer rewinds past the deposit, re-includes the transfer from its pool and
    // re-posts batches; the replica rewinds what it derived from the dropped L1 blocks.
    const receipt = await waitFor(async () => {
      const r = await l2.getTransactionReceipt({ hash: transfer }).catch(() => undefined)
      return r && r.blockHash !== before.hash ? r : undefined
    }, 60_000)
    assert.equal(receipt!.status, 'success')
    assert.equal(await l2.getBalance({ address: recipient }), 7n, 'the deposit is gone, the transfer stays')
    const head = await l2.getBlockNumber({ cacheTime: 0 })
    await safeAtLeast(seqUrl, head)
    await safeAtLeast(repUrl, head)
    await assertSameChain(seqUrl, repUrl, head)
    const replicaClient = createPublicClient({ transport: http(repUrl) })
    assert.equal(await replicaClient.getBalance({ address: recipient }), 7n)
    assert.equal((await replicaClient.getTransactionReceipt({ hash: transfer })).blockHash, receipt!.blockHash)
    assert.deepEqual((await syncStatus(repUrl)).outputMismatches, [])
  })
})
