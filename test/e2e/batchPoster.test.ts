// BatchPoster against a real anvil (1 s blocks): several frames in flight with consecutive
// nonces, receipts in nonce order, reverts and aborts, and transactions stuck behind a
// nonce gap replaced.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createPublicClient, createWalletClient, defineChain, http, parseEventLogs, type Hex, type PublicClient, type TransactionReceipt } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { silentLogger } from '../../src/primitives/logger.js'
import { BatchPoster, PostingAbortedError } from '../../src/settlement/batch/batchPoster.js'
import { NETWORK_BATCH_SUBMITTED_EVENT } from '../../src/settlement/batch/postedBatches.js'
import { ensureL1Contracts, registerChain } from '../../src/settlement/l1/deploy.js'
import { L1TransactionError, type L1Signer } from '../../src/settlement/l1/l1Transactions.js'
import { ensureNetworkBatcher } from '../../src/settlement/l1/networkBatcherRole.js'
import { startAnvil, type Anvil } from '../helpers/anvil.js'
import { waitFor } from '../helpers/node.js'
import { pseudoRandom } from '../helpers/random.js'
import { tempDir } from '../helpers/tmp.js'
import { KEYS } from '../contracts/setup.js'

describe('BatchPoster', { timeout: 300_000 }, () => {
  let anvil: Anvil
  let pub: PublicClient
  let deployer: L1Signer
  let batcher: L1Signer
  let inbox: Hex
  const datadir = tempDir()

  before(async () => {
    anvil = await startAnvil(['--block-time', '1'])
    pub = createPublicClient({ transport: http(anvil.url), pollingInterval: 50 }) as PublicClient
    const chain = defineChain({ id: await pub.getChainId(), name: 'L1', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [anvil.url] } } })
    const signer = (key: Hex): L1Signer => {
      const account = privateKeyToAccount(key)
      return { account, chain, publicClient: pub, wallet: createWalletClient({ account, chain, transport: http(anvil.url) }) }
    }
    deployer = signer(KEYS[0])
    batcher = signer(KEYS[1])
    const deployment = await ensureL1Contracts(deployer, datadir.dir, deployer.account.address, silentLogger())
    inbox = deployment.contracts.BatchInbox
    await registerChain(deployer, deployment.contracts.ChainRegistry, {
      chainId: 901n,
      genesisHash: `0x${'11'.repeat(32)}`,
      batcher: batcher.account.address,
      proposer: deployer.account.address,
      challengeWindow: 600n,
      config: '0x',
    })
    await ensureNetworkBatcher(deployer, deployment.contracts.ChainRegistry, batcher.account.address)
  })
  after(async () => {
    await anvil?.stop()
    datadir.cleanup()
  })

  const poster = (signer: L1Signer, maxInFlight: number) => new BatchPoster(signer, { inbox, da: 'calldata', maxInFlight, pollMs: 50 }, silentLogger())
  const head = () => pub.getBlockNumber({ cacheTime: 0 })

  // Invariant: frames are posted in order, every one exactly once, at consecutive nonces,
  // and reported in that order; more than one lands per L1 block.
  it('sends several frames per L1 block at consecutive nonces and reports them in order', async () => {
    const p = poster(batcher, 4)
    const nonce = (await p.firstNonce(await head()))!
    const channels = [Array.from({ length: 5 }, (_, i) => pseudoRandom(1000, i + 1)), [pseudoRandom(500, 9)], Array.from({ length: 3 }, (_, i) => pseudoRandom(2000, i + 20))]
    const seen: { channel: number; frame: number; receipt: TransactionReceipt }[] = []
    await p.post(channels, nonce, { onIncluded: (channel, frame, receipt) => seen.push({ channel, frame, receipt }), aborted: () => false })
    assert.deepEqual(seen.map((s) => `${s.channel}/${s.frame}`), ['0/0', '0/1', '0/2', '0/3', '0/4', '1/0', '2/0', '2/1', '2/2'])
    const txs = await Promise.all(seen.map((s) => pub.getTransaction({ hash: s.receipt.transactionHash })))
    assert.deepEqual(txs.map((t) => t.nonce), seen.map((_, i) => nonce + i))
    const blocks = seen.map((s) => s.receipt.blockNumber)
    assert.ok(new Set(blocks).size < blocks.length, 'several frames share an L1 block')
    const indexes = seen.map((s) => parseEventLogs({ abi: [NETWORK_BATCH_SUBMITTED_EVENT], logs: s.receipt.logs })[0]!.args.batchIndex)
    assert.deepEqual(indexes, [...indexes].sort((a, b) => (a < b ? -1 : 1)), 'the inbox indexes them in nonce order')
  })

  it('a call that would revert stops the posting with its reason, before anything is sent', async () => {
    const p = poster(deployer, 4)
    const nonce = (await p.firstNonce(await head()))!
    await assert.rejects(
      p.post([[Uint8Array.of(1)]], nonce, { onIncluded: () => undefined, aborted: () => false }),
      (e: unknown) => e instanceof L1TransactionError && /NotBatcher/.test(e.shortMessage),
    )
    assert.equal(await pub.getTransactionCount({ address: deployer.account.address, blockTag: 'pending' }), nonce)
  })

  it('stops between transactions when asked, with the reason', async () => {
    const p = poster(batcher, 1)
    const nonce = (await p.firstNonce(await head()))!
    let included = 0
    await assert.rejects(
      p.post([[Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(3)]], nonce, { onIncluded: () => void included++, aborted: () => (included >= 1 ? 'test says stop' : false) }),
      (e: unknown) => e instanceof PostingAbortedError && e.shortMessage === 'test says stop',
    )
    assert.equal(included, 1)
    assert.equal(await pub.getTransactionCount({ address: batcher.account.address, blockTag: 'pending' }), nonce + 1, 'nothing sent after the stop')
  })

  /** Our transaction at `nonce` in the L1's pool, if any. */
  async function pooled(nonce: number): Promise<{ to: string | null; hash: Hex } | undefined> {
    const content = (await pub.request({ method: 'txpool_content' as never })) as Record<'pending' | 'queued', Record<string, Record<string, { to: string | null; hash: Hex }>>>
    for (const section of [content.pending, content.queued]) {
      for (const [address, txs] of Object.entries(section ?? {})) {
        if (address.toLowerCase() === batcher.account.address.toLowerCase() && txs[String(nonce)]) return txs[String(nonce)]
      }
    }
    return undefined
  }

  // Invariant: transactions of ours stuck in the L1 pool never block posting for good:
  // the poster gives them a few L1 blocks, then sends over them with higher fees.
  it('waits for a pending transaction of its own, and replaces it once it has been stuck for 3 L1 blocks', async () => {
    const p = poster(batcher, 4)
    const mined = await pub.getTransactionCount({ address: batcher.account.address, blockTag: 'latest' })
    // Mining paused: the transfer stays pending, as one the L1 will not take (too low a fee).
    await pub.request({ method: 'evm_setIntervalMining' as never, params: [0] as never })
    let posting: Promise<void> | undefined
    const blocks: bigint[] = []
    let stuck: Hex
    try {
      stuck = await batcher.wallet.sendTransaction({ account: batcher.account, chain: batcher.chain, to: deployer.account.address, value: 1n, nonce: mined, gas: 21_000n })
      assert.equal(await p.pendingCount(), 1)
      const at = await head()
      assert.equal(await p.firstNonce(at), undefined, 'it may still land: wait')
      assert.equal(await p.firstNonce(at + 2n), undefined)
      assert.equal(await p.firstNonce(at + 3n), mined, 'stuck for 3 L1 blocks: replace it')
      posting = p.post([[Uint8Array.of(5)]], mined, { onIncluded: (_c, _f, r) => void blocks.push(r.blockNumber), aborted: () => false })
      await waitFor(async () => (await pooled(mined))?.to?.toLowerCase() === inbox.toLowerCase(), 20_000, 'the frame over the stuck transfer')
    } finally {
      await pub.request({ method: 'evm_setIntervalMining' as never, params: [1] as never })
    }
    await posting
    assert.equal(blocks.length, 1)
    assert.equal(await pub.getTransactionReceipt({ hash: stuck! }).catch(() => null), null, 'the stuck transfer was replaced')
    assert.equal(await p.pendingCount(), 0)
  })

  it('sends over a transaction of its own that the L1 does not show as pending (behind a nonce gap)', async () => {
    const p = poster(batcher, 4)
    const mined = await pub.getTransactionCount({ address: batcher.account.address, blockTag: 'latest' })
    await pub.request({ method: 'evm_setIntervalMining' as never, params: [0] as never })
    let posting: Promise<void> | undefined
    const blocks: bigint[] = []
    try {
      const fees = await pub.estimateFeesPerGas()
      const stuck = await batcher.wallet.sendTransaction({ account: batcher.account, chain: batcher.chain, to: deployer.account.address, value: 1n, nonce: mined + 1, gas: 21_000n, ...fees })
      assert.equal(await p.firstNonce(await head()), mined, 'the gapped transaction is not pending, so nothing to wait for')
      posting = p.post([[Uint8Array.of(7), Uint8Array.of(8)]], mined, { onIncluded: (_c, _f, r) => void blocks.push(r.blockNumber), aborted: () => false })
      // The second frame takes nonce + 1 over the transfer (sent again with higher fees).
      await waitFor(async () => (await pooled(mined + 1))?.to?.toLowerCase() === inbox.toLowerCase(), 20_000, 'the frame over the stuck transfer')
      assert.notEqual((await pooled(mined + 1))!.hash, stuck)
    } finally {
      await pub.request({ method: 'evm_setIntervalMining' as never, params: [1] as never })
    }
    await posting
    assert.equal(blocks.length, 2)
    assert.equal(await p.pendingCount(), 0)
  })
})
