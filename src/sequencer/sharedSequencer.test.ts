import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Chain } from '../execution/chain.js'
import { decodeRawTransaction } from '../execution/decodeTx.js'
import { DevTransaction } from '../execution/devTx.js'
import { devAccounts } from '../execution/genesis.js'
import type { PooledTx } from '../execution/pooledTx.js'
import { ChainsView } from '../interop/chainsView.js'
import { MessageTracker } from '../interop/messageTracker.js'
import { Relayer } from '../interop/relayer.js'
import { interopSlotRules } from '../interop/slotRules.js'
import { initCrypto } from '../primitives/crypto.js'
import { hexToBytes, toData, type Hex } from '../primitives/hex.js'
import { silentLogger } from '../primitives/logger.js'
import { SlotJournal } from '../storage/slotJournal.js'
import { tempDir } from '../../test/helpers/tmp.js'
import { closeMemoryChains, openMemoryChains, signedTx } from '../../test/helpers/memoryChains.js'
import { BundleQueue } from './bundles.js'
import { DevTxQueue } from './devTxQueue.js'
import { PREDEPLOYS } from '../execution/predeploys.js'
import type { ChainExecutor } from './chainExecutor.js'
import { MIN_SAME_SLOT_RESERVE, PayloadBuilder, type PayloadAttributes } from './payloadBuilder.js'
import { STANDALONE_SLOT_RULES, type PendingRelay, type SlotRules } from './slotBuilder.js'
import { SharedSequencer, type SlotFaults } from './sharedSequencer.js'
import { chainPool } from './txpool/chainPool.js'
import type { TxPool } from './txpool/index.js'

await initCrypto()

const IDS = [901n, 902n]
const [, bob, relayerAccount] = devAccounts(3)

class Fault extends Error {}

/**
 * Two chains, their pools, a slot journal and a shared sequencer over them, all on disk in
 * `dirs`: `open` again on the same dirs is what a restart after kill -9 finds (every
 * commit is synchronous).
 */
async function open(dirs: { dir: string }[], faults: SlotFaults = {}) {
  const chains = await openMemoryChains(IDS, dirs)
  const pools = new Map<bigint, TxPool>()
  for (const [id, chain] of chains) {
    pools.set(id, chainPool(chain, { gasLimit: 30_000_000n }))
  }
  const journal = SlotJournal.open(dirs[2]!.dir)
  const tracker = new MessageTracker()
  for (const chain of chains.values()) tracker.follow(chain)
  const relayer = new Relayer({ key: relayerAccount!.privateKey })
  const bundles = new BundleQueue(journal)
  const sequencer = new SharedSequencer(
    { slotTimeMs: 1_000, journal, faults },
    interopSlotRules({ chains: () => chains, view: new ChainsView(() => chains), tracker, relayer }),
    bundles,
    silentLogger(),
  )
  for (const id of IDS) sequencer.addChain({ chainId: id, chain: chains.get(id)!, pool: pools.get(id)!, feeRecipient: new Uint8Array(20) })
  await sequencer.recover()
  bundles.load((chainId, raw) => decodeRawTransaction(raw, chains.get(chainId)!.common))
  return {
    chains,
    pools,
    bundles,
    sequencer,
    async close() {
      await closeMemoryChains(chains.values())
      await journal.close()
    },
  }
}

const transfer = (chain: Chain, nonce: number, value: bigint): PooledTx => signedTx(chain, nonce, { to: bob!.address, value })

const heads = (net: { chains: Map<bigint, Chain> }) => IDS.map((id) => net.chains.get(id)!.headHeader().number)

test('an exception between two chains’ commits never splits the slot or its bundle: the next slot finishes it first', async () => {
  const dirs = [tempDir(), tempDir(), tempDir()]
  let armed = true
  const net = await open(dirs, {
    betweenCommits: () => {
      if (!armed) return
      armed = false
      throw new Fault('injected between commits')
    },
  })
  try {
    const id = net.bundles.submit(IDS.map((chainId) => ({ chainId, ptx: transfer(net.chains.get(chainId)!, 0, 5n) })), 1n, 5n)
    await assert.rejects(net.sequencer.produceSlot(), Fault)
    // The moment after the fault: 901 has slot 1, 902 not yet; the bundle is recorded as included.
    assert.deepEqual(heads(net), [1n, 0n])
    assert.equal(net.bundles.get(id)?.status, 'included')
    await net.sequencer.produceSlot()
    assert.deepEqual(heads(net), [2n, 2n], 'slot 1 finished on 902, then slot 2 on both')
    const status = net.bundles.get(id)
    assert.equal(status?.status, 'included')
    for (const leg of status!.status === 'included' ? status!.txs : []) {
      const block = net.chains.get(leg.chainId)!.getBlockByNumber(1n)!
      assert.equal(toData(block.hash()), leg.blockHash, `the bundle's leg is in block 1 of chain ${leg.chainId}`)
      assert.ok(block.transactions.some((t) => toData(t.hash()) === leg.hash))
    }
  } finally {
    await net.close()
    dirs.forEach((d) => d.cleanup())
  }
})

test('a crash between two chains’ commits is finished at start-up from 902’s prepared block and the journal’s decision, with the same blocks; the bundle status survives', async () => {
  const dirs = [tempDir(), tempDir(), tempDir()]
  let sealedHashes: Hex[] = []
  let id: Hex
  {
    const net = await open(dirs, {
      betweenCommits: () => {
        // What the chains prepared is what the chains must end with.
        sealedHashes = IDS.map((c) => toData(net.chains.get(c)!.headHeader().hash()))
        throw new Fault('process dies here')
      },
    })
    id = net.bundles.submit(IDS.map((chainId) => ({ chainId, ptx: transfer(net.chains.get(chainId)!, 0, 7n) })), 1n, 5n)
    await assert.rejects(net.sequencer.produceSlot(), Fault)
    assert.deepEqual(heads(net), [1n, 0n])
    // kill -9 here: nothing more runs; every commit so far is on disk.
    await net.close()
  }
  const net = await open(dirs)
  try {
    assert.deepEqual(heads(net), [1n, 1n], 'start-up finished slot 1 on 902')
    assert.equal(toData(net.chains.get(901n)!.headHeader().hash()), sealedHashes[0])
    const status = net.bundles.get(id)
    assert.equal(status?.status, 'included', 'the bundle status was recorded with the slot')
    for (const leg of status!.status === 'included' ? status!.txs : []) {
      assert.equal(toData(net.chains.get(leg.chainId)!.getBlockByNumber(1n)!.hash()), leg.blockHash)
    }
    // 902's block 1 committed from its prepared record is a real block: the chain builds on it.
    await net.sequencer.produceSlot()
    assert.deepEqual(heads(net), [2n, 2n])
    assert.equal((await net.chains.get(902n)!.headAccount(hexToBytes(bob!.address)))!.balance > 0n, true)
  } finally {
    await net.close()
    dirs.forEach((d) => d.cleanup())
  }
})

test('an accepted bundle survives a restart and is included after it', async () => {
  const dirs = [tempDir(), tempDir(), tempDir()]
  let id: Hex
  {
    const net = await open(dirs)
    id = net.bundles.submit(IDS.map((chainId) => ({ chainId, ptx: transfer(net.chains.get(chainId)!, 0, 3n) })), 1n, 10n)
    await net.close()
  }
  const net = await open(dirs)
  try {
    assert.equal(net.bundles.get(id)?.status, 'pending')
    await net.sequencer.produceSlot()
    assert.equal(net.bundles.get(id)?.status, 'included')
  } finally {
    await net.close()
    dirs.forEach((d) => d.cleanup())
  }
})

test('a dev base fee opens the block with it: pool transactions priced under it wait in the pool (never dropped), the other chain keeps its own', async () => {
  const dirs = [tempDir(), tempDir(), tempDir()]
  const net = await open(dirs)
  const devTxs = new DevTxQueue()
  try {
    // The helper's sequencer sequences 901 without dev transactions; this one does (a dev network chain).
    const sequencer = new SharedSequencer({ slotTimeMs: 1_000 }, STANDALONE_SLOT_RULES, new BundleQueue(), silentLogger())
    for (const id of IDS) sequencer.addChain({ chainId: id, chain: net.chains.get(id)!, pool: net.pools.get(id)!, feeRecipient: new Uint8Array(20), ...(id === 901n ? { devTxs } : {}) })
    const c901 = net.chains.get(901n)!
    const c902 = net.chains.get(902n)!
    // Priced at 10 gwei, over the parent's base fee: without the dev base fee it would be selected.
    const ptx = transfer(c901, 0, 1n)
    await net.pools.get(901n)!.add(ptx)
    const high = 20_000_000_000n
    const set = devTxs.submit(new DevTransaction(new Uint8Array(16).fill(1), { kind: 'baseFee', baseFeePerGas: high }))
    const expected902 = c902.nextBaseFee()
    await sequencer.produceSlot()
    const inclusion = await set
    assert.equal(inclusion.blockNumber, 1n)
    assert.equal(c901.headHeader().baseFeePerGas, high)
    assert.equal(c902.headHeader().baseFeePerGas, expected902)
    assert.ok(net.pools.get(901n)!.has(ptx.hash), 'the transaction waits in the pool')
    assert.equal(c901.getBlockByNumber(1n)!.transactions.length, 1)
    // Back under its price: it lands.
    const low = devTxs.submit(new DevTransaction(new Uint8Array(16).fill(2), { kind: 'baseFee', baseFeePerGas: 1n }))
    await sequencer.produceSlot()
    await low
    assert.equal(c901.headHeader().baseFeePerGas, 1n)
    assert.ok(c901.getBlockByNumber(2n)!.transactions.some((t) => toData(t.hash()) === ptx.hash))
  } finally {
    devTxs.close()
    await net.close()
    dirs.forEach((d) => d.cleanup())
  }
})

test("a chain's failed turn with a dev base fee queued: its deposits-only block has the parent's base fee; the base fee lands in the next block", async () => {
  const dirs = [tempDir(), tempDir(), tempDir()]
  const net = await open(dirs)
  const devTxs = new DevTxQueue()
  try {
    let failures = 1
    const rules = {
      checkTx: () => () => undefined,
      relaysFor: async (chainId: bigint) => {
        if (chainId === 901n && failures-- > 0) throw new Fault('injected in the chain turn')
        return { relays: [] }
      },
      sameSlotRelaysFor: async () => ({ relays: [] }),
    }
    const sequencer = new SharedSequencer({ slotTimeMs: 1_000 }, rules, new BundleQueue(), silentLogger())
    for (const id of IDS) sequencer.addChain({ chainId: id, chain: net.chains.get(id)!, pool: net.pools.get(id)!, feeRecipient: new Uint8Array(20), ...(id === 901n ? { devTxs } : {}) })
    const c901 = net.chains.get(901n)!
    const derived = c901.nextBaseFee()
    const set = devTxs.submit(new DevTransaction(new Uint8Array(16).fill(3), { kind: 'baseFee', baseFeePerGas: 123n }))
    await sequencer.produceSlot()
    assert.equal(c901.headHeader().number, 1n)
    assert.equal(c901.headHeader().baseFeePerGas, derived)
    assert.equal(c901.getBlockByNumber(1n)!.transactions.length, 0)
    assert.equal(devTxs.size, 1, 'the base fee still waits')
    await sequencer.produceSlot()
    assert.equal((await set).blockNumber, 2n)
    assert.equal(c901.headHeader().baseFeePerGas, 123n)
  } finally {
    devTxs.close()
    await net.close()
    dirs.forEach((d) => d.cleanup())
  }
})

test("an exception between two chains' commits: the second chain's block with a dev base fee is finished from its prepared block with that base fee, its call answered once", async () => {
  const dirs = [tempDir(), tempDir(), tempDir()]
  const net = await open(dirs)
  const devTxs = new DevTxQueue()
  try {
    let armed = true
    const faults = {
      betweenCommits: () => {
        if (!armed) return
        armed = false
        throw new Fault('injected between commits')
      },
    }
    // Its own journal: the helper's sequencer holds the one in dirs[2].
    const journalDir = tempDir()
    dirs.push(journalDir)
    const journal = SlotJournal.open(journalDir.dir)
    const rules = STANDALONE_SLOT_RULES
    const sequencer = new SharedSequencer({ slotTimeMs: 1_000, journal, faults }, rules, new BundleQueue(), silentLogger())
    for (const id of IDS) sequencer.addChain({ chainId: id, chain: net.chains.get(id)!, pool: net.pools.get(id)!, feeRecipient: new Uint8Array(20), ...(id === 902n ? { devTxs } : {}) })
    const c902 = net.chains.get(902n)!
    let answers = 0
    const set = devTxs.submit(new DevTransaction(new Uint8Array(16).fill(4), { kind: 'baseFee', baseFeePerGas: 4_242n })).then((r) => (answers++, r))
    await assert.rejects(sequencer.produceSlot(), Fault)
    assert.deepEqual(heads(net), [1n, 0n])
    await sequencer.produceSlot()
    assert.deepEqual(heads(net), [2n, 2n])
    assert.equal((await set).blockNumber, 1n)
    assert.equal(c902.getBlockByNumber(1n)!.header.baseFeePerGas, 4_242n)
    assert.equal(c902.getBlockByNumber(2n)!.header.baseFeePerGas, c902.baseFeeAfter(c902.getBlockByNumber(1n)!.header))
    assert.equal(answers, 1)
    assert.equal(devTxs.size, 0)
    await journal.close()
  } finally {
    devTxs.close()
    await net.close()
    dirs.forEach((d) => d.cleanup())
  }
})

test("the pool's same-slot reserve follows what same-slot relays asked for in the chain's last slot: at least the minimum, twice the demand", async () => {
  const dirs = [tempDir(), tempDir(), tempDir()]
  const net = await open(dirs)
  try {
    // Slot by slot, how many same-slot relays (3M gas each, never signable) 902 is asked to carry.
    const demand = [2, 0, 5]
    let slot = 0
    const unsignable = (i: number): PendingRelay => ({
      msgHash: `0x${(i + 1).toString(16).padStart(64, '0')}`,
      gasLimit: 3_000_000n,
      initiating: { chainId: 901n, blockNumber: 1n, logIndex: i, origin: PREDEPLOYS.L2ToL2CrossDomainMessenger, payloadHash: `0x${'00'.repeat(32)}` },
      sign: () => {
        throw new Error('not signable here')
      },
    })
    const rules: SlotRules = {
      ...STANDALONE_SLOT_RULES,
      sameSlotRelaysFor: async (chainId) => ({ relays: chainId === 902n ? Array.from({ length: demand[slot] ?? 0 }, (_, i) => unsignable(i)) : [] }),
    }
    const seen: (bigint | undefined)[] = []
    const sequencer = new SharedSequencer({ slotTimeMs: 1_000 }, rules, new BundleQueue(), silentLogger())
    for (const id of IDS) {
      const chain = net.chains.get(id)!
      const inner = new PayloadBuilder({ chainId: id, chain, pool: net.pools.get(id)!, relayer: relayerAccount!.address.toLowerCase() as Hex, checkTx: () => () => undefined })
      // The executor as the sequencer drives it, recording the reserve it is handed for 902.
      const executor: ChainExecutor = {
        chainId: id,
        openPayload: (attrs: PayloadAttributes) => {
          if (id === 902n) seen.push(attrs.sameSlotReserve?.gas)
          return inner.openPayload(attrs)
        },
        applyBundleLeg: (txs) => inner.applyBundleLeg(txs),
        settleBundle: (keep) => inner.settleBundle(keep),
        fill: (relays) => inner.fill(relays),
        sealPayload: (relays, sealed) => inner.sealPayload(relays, sealed),
        commitPayload: (head) => inner.commitPayload(head),
        abort: () => inner.abort(),
        hello: () => inner.hello(),
        rewind: (n, why) => inner.rewind(n, why),
        restoreToPool: (txs) => inner.restoreToPool(txs),
      }
      sequencer.addChain({ chainId: id, chain, pool: net.pools.get(id)!, feeRecipient: new Uint8Array(20), executor })
    }
    for (; slot < demand.length + 1; slot++) await sequencer.produceSlot()
    assert.deepEqual(seen, [MIN_SAME_SLOT_RESERVE.gas, 12_000_000n, MIN_SAME_SLOT_RESERVE.gas, 30_000_000n])
    // Nothing unsignable was ever included; every slot was built on both chains.
    assert.deepEqual(heads(net), [4n, 4n])
  } finally {
    await net.close()
    dirs.forEach((d) => d.cleanup())
  }
})
