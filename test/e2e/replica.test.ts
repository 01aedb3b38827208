import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
  parseEther,
  toHex,
  type Hex,
  type PublicClient,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { devAccounts } from '../../src/execution/genesis.js'
import { PlexusReplica } from '../../src/node/replica.js'
import type { CheckTxFor } from '../../src/settlement/derivation/networkDerivationPipeline.js'
import { abiOf } from '../../src/settlement/l1/abis.js'
import { hexToBytes, toData } from '../../src/primitives/hex.js'
import { decodeNetworkBatch, encodeNetworkBatch } from '../../src/settlement/batch/codec.js'
import { readPostedBatches } from '../../src/settlement/batch/postedBatches.js'
import { channelsIn } from '../../src/settlement/derivation/channelReader.js'
import { startTestNetwork, startTestReplica, type TestNetwork, type TestReplica } from '../helpers/network.js'
import { waitFor } from '../helpers/node.js'
import { assertSameChain, safeAtLeast, syncStatus } from '../helpers/sync.js'
import { SUPER_ROOT_PROPOSED_EVENT } from '../../src/settlement/derivation/superRootVerifier.js'
import { batchBlockOf } from '../../src/settlement/networkBatcher.js'
import { packNetworkBatches, type BatchBlock } from '../../src/settlement/batch/codec.js'
import { executingMessagesAccessList } from '../../src/interop/accessList.js'
import { PREDEPLOYS } from '../../src/execution/predeploys.js'

const l1Chain = defineChain({ id: 900, name: 'L1', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [] } } })
const user = privateKeyToAccount(devAccounts()[2]!.privateKey)
const deployer = privateKeyToAccount(devAccounts()[9]!.privateKey)
/** Stands in as network batcher while the test posts bad batches. */
const rogue = privateKeyToAccount(devAccounts()[8]!.privateKey)

describe('a replica rebuilds the whole network from L1 alone', () => {
  let net: TestNetwork
  let l1: PublicClient
  let replica: PlexusReplica
  const started: TestReplica[] = []
  const url = (chainId: number) => replica.node(chainId).rpcUrl()

  async function startReplica(name: string, checkTxFor?: CheckTxFor): Promise<PlexusReplica> {
    const r = await startTestReplica(net, { name, checkTxFor })
    started.push(r)
    return r.replica
  }

  before(async () => {
    net = await startTestNetwork({ chainIds: [901, 902] })
    l1 = createPublicClient({ chain: l1Chain, transport: http(net.l1Url) }) as PublicClient
  })
  after(async () => {
    for (const r of started) await r.stop()
    await net?.stop()
  })

  it('a replica started from nothing derives both chains to the sequencer heads, with identical block hashes and state roots', async () => {
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
    replica = await startReplica('network')
    // One replica, every registered chain, each on its own RPC server.
    assert.deepEqual(replica.nodes.map((n) => n.chain.chainId), [901n, 902n])
    assert.notEqual(url(901), url(902))
    for (const chainId of [901, 902]) {
      await safeAtLeast(url(chainId), targets.get(chainId)!)
      await assertSameChain(net.l2Url(chainId), url(chainId), targets.get(chainId)!)
      const status = await syncStatus(url(chainId))
      assert.equal(status.mode, 'replica')
      assert.deepEqual(status.outputMismatches, [])
      assert.equal(status.skippedBatches?.total, 0)
    }
    // The replica checked the proposers' roots against its own, on both chains.
    for (const chainId of [901, 902]) await waitFor(async () => BigInt((await syncStatus(url(chainId))).latestOutput) > 0n, 60_000)

    // And the network's super roots: the one it verified is the one proposed on L1 for that
    // timestamp, computed here from both derived chains; none differed.
    const verified = (await waitFor(async () => (await syncStatus(url(901))).superRoots?.latestVerified ?? undefined, 60_000))!
    const proposals = await l1.getLogs({ address: net.network.deployment.contracts.SuperRootOracle!, event: SUPER_ROOT_PROPOSED_EVENT, fromBlock: 0n })
    const proposed = proposals.find((p) => p.args.l2Timestamp === BigInt(verified.timestamp))
    assert.equal(proposed?.args.superRoot, verified.root)
    for (const chainId of [901, 902]) {
      const s = await syncStatus(url(chainId))
      assert.deepEqual(s.superRoots?.mismatches, [])
      assert.ok(BigInt(s.superRoots!.latestVerified!.timestamp) >= BigInt(verified.timestamp))
    }
  })

  it('refuses transactions: a replica has no sequencer to send them to', async () => {
    const wallet = createWalletClient({ account: user, chain: defineChain({ ...l1Chain, id: 901 }), transport: http(url(901)) })
    await assert.rejects(wallet.sendTransaction({ to: user.address, value: 1n, gas: 21_000n, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 1n, nonce: 0 }), /replica/)
  })

  it('a network batch with one invalid block (checkTxFor rejects a tx on 902) is skipped whole: no chain advances past it', async () => {
    const l2 = createPublicClient({ transport: http(net.l2Url(902)) })
    const wallet = createWalletClient({ account: user, chain: defineChain({ ...l1Chain, id: 902 }), transport: http(net.l2Url(902)) })
    const marked = await wallet.sendTransaction({ to: user.address, value: 42n })
    const block = (await l2.waitForTransactionReceipt({ hash: marked, pollingInterval: 100 })).blockNumber
    await safeAtLeast(net.l2Url(902), block)

    // A replica whose protocol check rejects that one transaction; it records the blocks it checks, in order.
    const checked: [bigint, bigint][] = []
    const strict = await startReplica('strict', (chainId, b) => {
      checked.push([b.number, chainId])
      if (chainId !== 902n) return undefined
      return (tx) => (toData(tx.hash()) === marked ? 'rejected by the test' : undefined)
    })
    const statusOf = (chainId: number) => syncStatus(strict.node(chainId).rpcUrl())
    const skipped = await waitFor(async () => (await statusOf(902)).skippedBatches!.recent.find((r) => /rejected by the test/.test(r.reason)), 60_000)
    assert.match(skipped!.reason, new RegExp(`^chain 902: transaction ${marked} is invalid: rejected by the test`))
    // It never gets past that batch, on either chain, however long the real batcher goes on.
    await new Promise((resolve) => setTimeout(resolve, 3_000))
    const heads = new Map<number, bigint>()
    for (const chainId of [901, 902]) {
      const s = await statusOf(chainId)
      const safe = BigInt(s.safe!.number)
      assert.ok(safe < block, `chain ${chainId}: derived up to ${safe}, not to the skipped batch's blocks (${block} and its slot)`)
      assert.equal(s.unsafe!.number, s.safe!.number, `chain ${chainId}: the blocks the batch had built were rewound`)
      heads.set(chainId, safe)
      await assertSameChain(net.l2Url(chainId), strict.node(chainId).rpcUrl(), safe)
    }
    // Both chains were cut at the same slot (the batch before the skipped one), and the
    // blocks were built interleaved: slot by slot, 901 before 902 within a slot.
    assert.equal(heads.get(901), heads.get(902))
    const order = checked.map(([n, id]) => `${n}:${id}`)
    const sorted = [...checked].sort((x, y) => (x[0] !== y[0] ? (x[0] < y[0] ? -1 : 1) : x[1] < y[1] ? -1 : 1)).map(([n, id]) => `${n}:${id}`)
    assert.deepEqual(order, sorted)
    assert.deepEqual(checked.at(-1), [block, 902n], 'the last block checked is the rejected one')
    assert.ok(checked.some(([n, id]) => n === block && id === 901n), 'the same slot of 901 was built first, then rewound')
    await strict.stop()
  })

  it('skips corrupt, truncated, stale and foreign network batches with their reasons and keeps following both chains', async () => {
    const { ChainRegistry, BatchInbox } = net.network.deployment.contracts
    const owner = createWalletClient({ account: deployer, chain: l1Chain, transport: http(net.l1Url) })
    const rogueWallet = createWalletClient({ account: rogue, chain: l1Chain, transport: http(net.l1Url) })
    const registry = { address: ChainRegistry, abi: abiOf('ChainRegistry') } as const
    const batcher = (await l1.readContract({ ...registry, functionName: 'networkBatcher' })) as Hex

    // The newest real network batch, as the batcher posted it (the data of its channel).
    const { channels } = channelsIn(await readPostedBatches(l1, { inbox: BatchInbox, fromBlock: 0n }))
    const realBatch = toData(channels.at(-1)!.found.data)
    const real = decodeNetworkBatch(hexToBytes(realBatch))
    assert.deepEqual(real.chains.map((c) => c.chainId), [901n, 902n])
    // A section for a chain that is not registered.
    const foreign = encodeNetworkBatch({ chains: [{ ...real.chains[1]!, chainId: 999n }] })

    const before = (await syncStatus(url(901))).skippedBatches!.total
    const send = async (hash: Hex) => assert.equal((await l1.waitForTransactionReceipt({ hash })).status, 'success')
    await send(await owner.writeContract({ ...registry, functionName: 'setNetworkBatcher', args: [rogue.address] }))
    try {
      const post = async (data: Hex) =>
        send(await rogueWallet.writeContract({ address: BatchInbox, abi: abiOf('BatchInbox'), functionName: 'submitNetworkBatch', args: [data] }))
      await post('0x02deadbeefdeadbeefdeadbeef') // right version byte, garbage stream
      await post('0x07aabbcc') // unknown version
      await post(`0x01${realBatch.slice(4)}`) // the retired single-chain version
      await post(`0x${realBatch.slice(2, 2 + ((realBatch.length - 2) >> 2) * 2)}`) // truncated to half its bytes
      await post(realBatch) // a valid batch again: stale
      await post(toData(foreign))
    } finally {
      await send(await owner.writeContract({ ...registry, functionName: 'setNetworkBatcher', args: [batcher] }))
    }

    const status = await waitFor(async () => {
      const s = await syncStatus(url(901))
      return s.skippedBatches!.total >= before + 6 ? s : undefined
    }, 30_000)
    const reasons = status!.skippedBatches!.recent.slice(-6).map((r) => r.reason)
    assert.match(reasons[0]!, /invalid batch \(decompress\)/)
    assert.match(reasons[1]!, /invalid batch \(version\)/)
    assert.match(reasons[2]!, /invalid batch \(version\): version byte 0x01 \(single-chain batches\) is retired/)
    assert.match(reasons[3]!, /invalid batch \(decompress\)/)
    assert.match(reasons[4]!, /^chain 901: .*already derived/)
    assert.match(reasons[5]!, /carries chain 999, which is not a registered chain of this network/)
    // Network batches: every chain reports the same list.
    assert.deepEqual((await syncStatus(url(902))).skippedBatches!.recent.slice(-6).map((r) => r.reason), reasons)

    // The replica keeps deriving what the real batcher posts next, identically, on both chains.
    for (const chainId of [901, 902]) {
      const head = await createPublicClient({ transport: http(net.l2Url(chainId)) }).getBlockNumber()
      await safeAtLeast(net.l2Url(chainId), head)
      await safeAtLeast(url(chainId), head)
      await assertSameChain(net.l2Url(chainId), url(chainId), head)
      assert.deepEqual((await syncStatus(url(chainId))).outputMismatches, [])
    }
  })

  /**
   * Takes batching over for a rogue: once the replica has every real batch (both chains
   * at the same slot), `post` gets the next slot's number and posts what it likes; the
   * replica must skip it with a reason `expected` matches and neither chain may move.
   * Then the real batcher posts again and the replica derives exactly the sequencer's chains.
   */
  async function rogueBatchIsSkipped(post: (next: bigint, submit: (data: Uint8Array) => Promise<void>) => Promise<void>, expected: RegExp): Promise<void> {
    const { ChainRegistry, BatchInbox } = net.network.deployment.contracts
    const owner = createWalletClient({ account: deployer, chain: l1Chain, transport: http(net.l1Url) })
    const registry = { address: ChainRegistry, abi: abiOf('ChainRegistry') } as const
    const batcher = (await l1.readContract({ ...registry, functionName: 'networkBatcher' })) as Hex
    const send = async (hash: Hex) => assert.equal((await l1.waitForTransactionReceipt({ hash })).status, 'success')
    const before = (await syncStatus(url(902))).skippedBatches!.total

    // The rogue takes over batching: the real batcher's posts stop landing, so the replica
    // stays at the last real batch while the sequencer goes on.
    await send(await owner.writeContract({ ...registry, functionName: 'setNetworkBatcher', args: [rogue.address] }))
    try {
      const safe = await waitFor(async () => {
        const [a, b] = await Promise.all([syncStatus(net.l2Url(901)), syncStatus(net.l2Url(902))])
        const [r1, r2] = await Promise.all([syncStatus(url(901)), syncStatus(url(902))])
        // settled: the replica has every real batch, both chains at the same slot
        return a.safe!.number === r1.safe!.number && b.safe!.number === r2.safe!.number && a.safe!.number === b.safe!.number ? BigInt(a.safe!.number) : undefined
      }, 30_000)
      const next = safe! + 1n
      await waitFor(async () => net.network.node(902).chain.headHeader().number >= next, 10_000)
      const rogueWallet = createWalletClient({ account: rogue, chain: l1Chain, transport: http(net.l1Url) })
      await post(next, async (data) => send(await rogueWallet.writeContract({ address: BatchInbox, abi: abiOf('BatchInbox'), functionName: 'submitNetworkBatch', args: [toData(data)] })))

      const skipped = await waitFor(async () => {
        const s = await syncStatus(url(902))
        return s.skippedBatches!.total > before ? s.skippedBatches!.recent.at(-1) : undefined
      }, 30_000)
      assert.match(skipped!.reason, expected)
      // Neither chain took the slot: the batch goes whole or not at all.
      for (const chainId of [901, 902]) assert.equal(BigInt((await syncStatus(url(chainId))).safe!.number), safe)
    } finally {
      await send(await owner.writeContract({ ...registry, functionName: 'setNetworkBatcher', args: [batcher] }))
    }

    for (const chainId of [901, 902]) {
      const head = await createPublicClient({ transport: http(net.l2Url(chainId)) }).getBlockNumber({ cacheTime: 0 })
      await safeAtLeast(net.l2Url(chainId), head)
      await safeAtLeast(url(chainId), head)
      await assertSameChain(net.l2Url(chainId), url(chainId), head)
    }
  }

  /** A block of the sequencer's chain as its batcher would post it. */
  const sequencerBlock = (chainId: number, number: bigint): BatchBlock => batchBlockOf(BigInt(chainId), net.network.node(chainId).chain.getBlockByNumber(number)!)

  it('a network batch whose block executes a forged message is skipped whole, and derivation goes on with the real batches', async () => {
    await rogueBatchIsSkipped(async (next, submit) => {
      // The sequencer's next slot on both chains, except that 902's block also carries a
      // transaction executing a message that was never sent (a log index 901's block 1 does not have).
      const origin901 = await createPublicClient({ transport: http(net.l2Url(901)) }).getBlock({ blockNumber: 1n })
      const forger = privateKeyToAccount(devAccounts()[6]!.privateKey)
      const l2 = createPublicClient({ transport: http(net.l2Url(902)) })
      const forged = await forger.signTransaction({
        chainId: 902,
        type: 'eip1559',
        to: forger.address,
        nonce: await l2.getTransactionCount({ address: forger.address, blockNumber: next - 1n }),
        gas: 100_000n,
        maxFeePerGas: 10n ** 11n,
        maxPriorityFeePerGas: 1n,
        accessList: executingMessagesAccessList([
          {
            id: { origin: PREDEPLOYS.L2ToL2CrossDomainMessenger, blockNumber: 1n, logIndex: 77, timestamp: origin901.timestamp, chainId: 901n },
            msgHash: toHex(7n, { size: 32 }),
          },
        ]),
      })
      const b902 = sequencerBlock(902, next)
      const [packed] = await packNetworkBatches(
        [
          { chainId: 901n, blocks: [sequencerBlock(901, next)] },
          { chainId: 902n, blocks: [{ ...b902, txs: [...b902.txs, hexToBytes(forged)] }] },
        ],
        120_000,
      )
      await submit(packed!.data)
    }, /^chain 902: transaction 0x[0-9a-f]{64} is invalid: invalid executing message: /)
  })

  it('a network batch that carries a slot on one chain and not on the other is refused: a slot is whole or absent', async () => {
    await rogueBatchIsSkipped(async (next, submit) => {
      // The sequencer's real block of the slot on 901 (valid on its own), nothing of 902.
      const [packed] = await packNetworkBatches([{ chainId: 901n, blocks: [sequencerBlock(901, next)] }], 120_000)
      await submit(packed!.data)
    }, /is split: chain 902 would end at slot/)
  })

  it('an L1 reorg that drops a deposit and a batch: sequencer and replica both end on the same, correct chain', async () => {
    const seqUrl = net.l2Url(901)
    const repUrl = url(901)
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
    // Chain 902 (the same network batches) is derived identically too.
    const head902 = await createPublicClient({ transport: http(net.l2Url(902)) }).getBlockNumber({ cacheTime: 0 })
    await safeAtLeast(net.l2Url(902), head902)
    await safeAtLeast(url(902), head902)
    await assertSameChain(net.l2Url(902), url(902), head902)
  })
})
