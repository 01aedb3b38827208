import { rmSync } from 'node:fs'
import path from 'node:path'
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
  parseEther,
  type Hex,
  type PublicClient,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { devAccounts } from '../../src/execution/genesis.js'
import { PREDEPLOYS } from '../../src/execution/predeploys.js'
import { loadArtifact } from '../helpers/artifacts.js'
import {
  buildWithdrawalProof,
  createBridgeContext,
  depositERC20,
  finalizableAt,
  finalizeWithdrawal,
  initiateWithdrawal,
  l2TokenFor,
  proveWithdrawal,
  waitForL1Time,
  waitForOutput,
  type BridgeContext,
} from '../../src/settlement/actions/bridge.js'
import { decodeNetworkBatch } from '../../src/settlement/batch/codec.js'
import { readPostedBatches } from '../../src/settlement/batch/postedBatches.js'
import { channelsIn } from '../../src/settlement/derivation/channelReader.js'
import { abiOf } from '../../src/settlement/l1/abis.js'
import { assertBacked } from '../helpers/audit.js'
import { startTestNetwork, type TestNetwork } from '../helpers/network.js'
import { rpc, waitFor } from '../helpers/node.js'
import { tempDir } from '../helpers/tmp.js'

const l1Chain = defineChain({ id: 900, name: 'L1', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [] } } })
const user = privateKeyToAccount(devAccounts()[1]!.privateKey)

describe('settlement on L1: deposits, batches, outputs, withdrawals', () => {
  let net: TestNetwork
  let l1: PublicClient
  let l2: PublicClient
  let portal: Hex

  before(async () => {
    net = await startTestNetwork({ chainIds: [901] })
    l1 = createPublicClient({ chain: l1Chain, transport: http(net.l1Url) }) as PublicClient
    l2 = createPublicClient({ transport: http(net.l2Url(901)) }) as PublicClient
    portal = net.network.deployment.contracts.Portal
  })
  after(async () => {
    await net?.stop()
  })

  it('serves plexus_getL1Addresses', async () => {
    const res = (await l2.request({ method: 'plexus_getL1Addresses' as never })) as Record<string, unknown>
    assert.equal(res.Portal, portal)
    assert.equal(res.l1ChainId, 900)
  })

  it('a deposit of ETH on L1 appears on L2 with its deposit receipt', async () => {
    const to = privateKeyToAccount(`0x${'11'.repeat(32)}`).address
    const wallet = createWalletClient({ account: user, chain: l1Chain, transport: http(net.l1Url) })
    const hash = await wallet.writeContract({
      address: portal,
      abi: loadArtifact('Portal').abi,
      functionName: 'depositETH',
      args: [901n, to],
      value: parseEther('1.5'),
    })
    const l1Receipt = await l1.waitForTransactionReceipt({ hash })
    assert.equal(l1Receipt.status, 'success')
    await waitFor(async () => (await l2.getBalance({ address: to })) === parseEther('1.5'), 20_000)
    // The deposit transaction sits in an L2 block: find it among recent blocks.
    const head = await l2.getBlockNumber()
    let found: Record<string, string> | undefined
    for (let n = head; n > 0n && !found; n--) {
      const block = (await l2.request({ method: 'eth_getBlockByNumber', params: [`0x${n.toString(16)}`, true] })) as {
        transactions: Record<string, string>[]
      }
      found = block.transactions.find((t) => t.type === '0x7e' && t.mint === `0x${parseEther('1.5').toString(16)}` && t.to === to.toLowerCase())
    }
    assert.ok(found, 'deposit transaction found on L2')
    const receipt = (await l2.request({ method: 'eth_getTransactionReceipt', params: [found.hash as Hex] })) as Record<string, string>
    assert.equal(receipt.status, '0x1')
    assert.equal(receipt.type, '0x7e')
    assert.ok(receipt.depositNonce !== undefined)
  })

  it('signed transactions pay an L1 data fee shown in their receipts', async () => {
    const wallet = createWalletClient({ account: user, transport: http(net.l2Url(901)) })
    const chainId = await l2.getChainId()
    const hash = await wallet.sendTransaction({ to: user.address, value: 1n, chain: defineChain({ ...l1Chain, id: chainId }) })
    const receipt = (await waitFor(async () => {
      try {
        return (await l2.request({ method: 'eth_getTransactionReceipt', params: [hash] })) as Record<string, string> | null
      } catch {
        return null
      }
    }, 10_000))!
    assert.ok(BigInt(receipt.l1Fee!) > 0n, 'l1Fee charged')
    assert.ok(BigInt(receipt.l1GasUsed!) >= 1600n, 'l1GasUsed at least the 100-byte minimum')
    const vault = await l2.getBalance({ address: PREDEPLOYS.L1FeeVault })
    assert.ok(vault >= BigInt(receipt.l1Fee!))
  })

  it('batches make blocks safe and the proposer posts output roots', async () => {
    const status = await waitFor(async () => {
      const s = (await l2.request({ method: 'plexus_syncStatus' as never })) as { safe: { number: Hex } | null; latestOutput: Hex }
      return s.safe && BigInt(s.safe.number) > 0n && BigInt(s.latestOutput) > 0n ? s : undefined
    }, 30_000)
    assert.ok(status)
    const count = (await l1.readContract({
      address: net.network.deployment.contracts.OutputOracle,
      abi: loadArtifact('OutputOracle').abi,
      functionName: 'outputCount',
      args: [901n],
    })) as bigint
    assert.ok(count > 0n)
  })

  it('withdraws ETH: prove against the posted root, finalize after the window, exactly once', async () => {
    const ctx = await createBridgeContext({ l2Url: net.l2Url(901), account: user })
    const recipient = privateKeyToAccount(`0x${'22'.repeat(32)}`).address
    const w = await initiateWithdrawal(ctx, { amount: parseEther('0.5'), to: recipient })
    const output = await waitForOutput(ctx, w.l2BlockNumber, { pollMs: 200, timeoutMs: 60_000 })
    assert.ok(output.l2BlockNumber >= w.l2BlockNumber)

    // A proof whose preimage does not hash to the posted root is refused.
    const { outputRootProof, withdrawalProof } = await buildWithdrawalProof(ctx, w.withdrawalHash, output)
    await assert.rejects(
      ctx.l1.simulateContract({
        address: ctx.addresses.Portal,
        abi: abiOf('Portal'),
        functionName: 'proveWithdrawal',
        args: [901n, w.withdrawal, output.outputIndex, { ...outputRootProof, stateRoot: `0x${'ab'.repeat(32)}` }, withdrawalProof],
        account: user,
      }),
    )
    // A withdrawal that was never sent has no storage proof against the real root.
    await assert.rejects(
      ctx.l1.simulateContract({
        address: ctx.addresses.Portal,
        abi: abiOf('Portal'),
        functionName: 'proveWithdrawal',
        args: [901n, { ...w.withdrawal, value: parseEther('5') }, output.outputIndex, outputRootProof, withdrawalProof],
        account: user,
      }),
    )

    const proven = await proveWithdrawal(ctx, w, output)
    const provenAt = (await ctx.l1.getBlock({ blockNumber: proven.blockNumber })).timestamp
    // Inside the challenge window finalization is refused.
    await assert.rejects(finalizeWithdrawal(ctx, w))
    await waitForL1Time(ctx, await finalizableAt(ctx, provenAt), 200)
    const before = await ctx.l1.getBalance({ address: recipient })
    await finalizeWithdrawal(ctx, w)
    assert.equal((await ctx.l1.getBalance({ address: recipient })) - before, parseEther('0.5'))
    // Finalizable exactly once.
    await assert.rejects(finalizeWithdrawal(ctx, w))
  })

  it('deposits an ERC-20 and withdraws it back', async () => {
    const ctx: BridgeContext = await createBridgeContext({ l2Url: net.l2Url(901), account: user })
    const token = loadArtifact('DevToken')
    const deployer = createWalletClient({ account: user, chain: l1Chain, transport: http(net.l1Url) })
    const deployHash = await deployer.deployContract({ abi: token.abi, bytecode: token.bytecode, args: ['Dev Token', 'DEV'] })
    const l1Token = (await l1.waitForTransactionReceipt({ hash: deployHash })).contractAddress!
    await depositERC20(ctx, { token: l1Token, amount: parseEther('40') })
    const l2Token = await l2TokenFor(ctx, l1Token)
    const erc20 = loadArtifact('BridgedERC20').abi
    await waitFor(async () => {
      const code = await l2.getCode({ address: l2Token })
      if (!code || code === '0x') return false
      return (await l2.readContract({ address: l2Token, abi: erc20, functionName: 'balanceOf', args: [user.address] })) === parseEther('40')
    }, 20_000)
    assert.equal(await l2.readContract({ address: l2Token, abi: erc20, functionName: 'symbol' }), await l1.readContract({ address: l1Token, abi: token.abi, functionName: 'symbol' }))

    const w = await initiateWithdrawal(ctx, { amount: parseEther('15'), l2Token })
    assert.equal(await l2.readContract({ address: l2Token, abi: erc20, functionName: 'balanceOf', args: [user.address] }), parseEther('25'))
    const output = await waitForOutput(ctx, w.l2BlockNumber, { pollMs: 200, timeoutMs: 60_000 })
    const proven = await proveWithdrawal(ctx, w, output)
    await waitForL1Time(ctx, await finalizableAt(ctx, (await ctx.l1.getBlock({ blockNumber: proven.blockNumber })).timestamp), 200)
    const before = (await l1.readContract({ address: l1Token, abi: token.abi, functionName: 'balanceOf', args: [user.address] })) as bigint
    await finalizeWithdrawal(ctx, w)
    const afterBal = (await l1.readContract({ address: l1Token, abi: token.abi, functionName: 'balanceOf', args: [user.address] })) as bigint
    assert.equal(afterBal - before, parseEther('15'))
    // ETH and the bridged token: every unit on L2 is backed on L1; 25 of 40 still escrowed.
    const report = await assertBacked(net.network)
    const bridged = report.assets.find((a) => a.kind === 'bridged-erc20' && a.l1Token?.toLowerCase() === l1Token.toLowerCase())
    assert.equal(bridged?.l2Supply, parseEther('25'))
    assert.equal(bridged?.l1Escrow, parseEther('25'))
  })
})

describe('settlement across a restart', () => {
  const CHAINS = [901, 902]
  const safeHead = async (net: TestNetwork, chainId: number): Promise<bigint> => {
    const s = await rpc<{ safe: { number: Hex } | null }>(net.l2Url(chainId), 'plexus_syncStatus', [])
    return s.safe ? BigInt(s.safe.number) : 0n
  }
  const lowestSafe = async (net: TestNetwork): Promise<bigint> => {
    const heads = await Promise.all(CHAINS.map((id) => safeHead(net, id)))
    return heads.reduce((min, h) => (h < min ? h : min))
  }

  it('the network batcher resumes after the batches already on L1 instead of posting them again, for every chain', async () => {
    const { dir, cleanup } = tempDir()
    let net: TestNetwork | undefined
    try {
      net = await startTestNetwork({ datadir: dir, keep: true, chainIds: CHAINS })
      const before = await waitFor(
        async () => {
          const safe = await lowestSafe(net!)
          return safe >= 4n ? safe : undefined
        },
        30_000,
        'blocks batched',
      )
      await net.stop()
      net = await startTestNetwork({ datadir: dir, keep: true, chainIds: CHAINS })
      // Read back from L1 during start-up, before anything new is posted.
      assert.ok((await lowestSafe(net)) >= before)
      await waitFor(async () => (await lowestSafe(net!)) > before + 4n, 30_000, 'new blocks batched after the restart')
      const l1 = createPublicClient({ chain: l1Chain, transport: http(net.l1Url) }) as PublicClient
      const posted = await readPostedBatches(l1, { inbox: net.network.deployment.contracts.BatchInbox, fromBlock: 0n })
      for (const p of posted) assert.ok(p.data, `frame ${p.batchIndex} has readable calldata`)
      const { channels, skipped } = channelsIn(posted)
      assert.deepEqual(skipped, [], 'every frame on L1 belongs to a complete channel')
      const next = new Map(CHAINS.map((id) => [BigInt(id), 1n]))
      for (const { found: p } of channels) {
        const sections = decodeNetworkBatch(p.data).chains
        // Slots cut every batch (offset 0: block n is slot n on both chains): the same block range of each.
        assert.deepEqual(sections.map((s) => s.chainId), [901n, 902n], `batch ${p.batchIndex} carries both chains`)
        assert.deepEqual(sections.map((s) => [s.firstBlock, s.blocks.length]), [[sections[0]!.firstBlock, sections[0]!.blocks.length], [sections[0]!.firstBlock, sections[0]!.blocks.length]])
        for (const batch of sections) {
          assert.equal(batch.firstBlock, next.get(batch.chainId), `batch ${p.batchIndex} continues the one before it on chain ${batch.chainId}`)
          next.set(batch.chainId, batch.firstBlock + BigInt(batch.blocks.length))
        }
      }
      for (const n of next.values()) assert.ok(n > before + 4n)
    } finally {
      await net?.stop()
      cleanup()
    }
  })

  it('restarts again and again on the embedded L1 it saved, and refuses an L1 that was reset', async () => {
    const { dir, cleanup } = tempDir()
    let net: TestNetwork | undefined
    try {
      net = await startTestNetwork({ datadir: dir, keep: true, chainIds: [901] })
      const contracts = net.network.deployment.contracts
      await waitFor(async () => (await safeHead(net!, 901)) >= 2n, 30_000, 'a batch on L1')
      // Each start reloads anvil's state file (which gains a fresh block 0 every time): the
      // datadir must still recognise its L1, with the same contracts.
      for (let i = 0; i < 3; i++) {
        await net.stop()
        net = await startTestNetwork({ datadir: dir, keep: true, chainIds: [901] })
        assert.deepEqual(net.network.deployment.contracts, contracts, `start ${i + 2}`)
      }
      await net.stop()
      net = undefined
      // A new history on the same chain id: the contracts' block is not ours any more.
      rmSync(path.join(dir, 'l1', 'anvil'), { recursive: true, force: true })
      await assert.rejects(startTestNetwork({ datadir: dir, keep: true, chainIds: [901] }), /the L1 was reset since this datadir was created/)
    } finally {
      await net?.stop()
      cleanup()
    }
  })
})
