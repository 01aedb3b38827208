import assert from 'node:assert/strict'
import { open as lmdbOpen } from 'lmdb'
import { describe, it } from 'node:test'
import { MessageChannel } from 'node:worker_threads'
import type { Chain } from '../execution/chain.js'
import { decodeRawTransaction } from '../execution/decodeTx.js'
import { devAccounts } from '../execution/genesis.js'
import { initCrypto } from '../primitives/crypto.js'
import { BaseError, CorruptionError } from '../primitives/errors.js'
import { hexToBytes, toData, type Hex } from '../primitives/hex.js'
import { silentLogger } from '../primitives/logger.js'
import { BundleQueue } from '../sequencer/bundles.js'
import type { ChainExecutor } from '../sequencer/chainExecutor.js'
import { PayloadBuilder, PreparedBlockPendingError } from '../sequencer/payloadBuilder.js'
import { SharedSequencer, type SlotFaults } from '../sequencer/sharedSequencer.js'
import { STANDALONE_SLOT_RULES } from '../sequencer/slotBuilder.js'
import { decodeSlotDecision, encodeSlotDecision, recoverSlot } from '../sequencer/slotDecision.js'
import { SlotJournal } from '../storage/slotJournal.js'
import { closeMemoryChains, fixedPool, openMemoryChains, signedTx } from '../../test/helpers/memoryChains.js'
import { tempDir } from '../../test/helpers/tmp.js'
import { RemoteExecutor } from './client.js'
import { executorHandlers } from './host.js'
import { chainPool } from '../sequencer/txpool/chainPool.js'
import { PeerCallError, RpcPeer } from './peer.js'
import { EXECUTOR_HELLO, PROTOCOL_VERSION } from './protocol.js'
import { portTransport } from './transport.js'

await initCrypto()

/**
 * The two-phase commit of a slot (prepare on every executor, the decision in the
 * coordinator's journal, commit on every executor, clear) under a crash or an exception
 * between every two of its writes, with the executors in this thread and across a
 * MessagePort. Invariant everywhere: after recovery every chain has the slot's block or
 * none has it, the heads are in one slot, no prepared block or decision is left, and the
 * bundle's status agrees with the chains.
 */

const IDS = [901n, 902n, 903n]
const ZERO: Hex = '0x0000000000000000000000000000000000000000'
const bob = devAccounts(2)[1]!

/** Thrown where the test kills the network (kill -9 of every process): nothing runs after it. */
class Crash extends Error {}

/** What the test controls: the moment the "processes" die, and the hashes each chain sealed. */
interface World {
  dead: boolean
  afterSeal?: (chainId: bigint) => void
  sealed: Map<bigint, Hex>
}

type Mode = 'in process' | 'over a MessagePort'

/**
 * An executor that stops doing anything once the world is dead (a killed process answers
 * nothing and writes nothing), and tells the world when it has sealed (prepared) its block.
 */
function mortal(inner: ChainExecutor, world: World): ChainExecutor {
  const alive = () => {
    if (world.dead) throw new Crash('the process is dead')
  }
  return {
    chainId: inner.chainId,
    openPayload: async (a) => (alive(), inner.openPayload(a)),
    applyBundleLeg: async (t) => (alive(), inner.applyBundleLeg(t)),
    settleBundle: async (k) => (alive(), inner.settleBundle(k)),
    fill: async (r) => (alive(), inner.fill(r)),
    sealPayload: async (r, s) => {
      alive()
      const payload = await inner.sealPayload(r, s)
      world.sealed.set(inner.chainId, toData(payload.block.hash()))
      world.afterSeal?.(inner.chainId)
      return payload
    },
    commitPayload: async (h) => (alive(), inner.commitPayload(h)),
    abort: async () => (alive(), inner.abort()),
    hello: async () => (alive(), inner.hello()),
    rewind: async (n, why) => (alive(), inner.rewind(n, why)),
    restoreToPool: async (txs) => (alive(), inner.restoreToPool(txs)),
  }
}

/** Three chains, a slot journal and a shared sequencer on `dirs` (what a restart after kill -9 finds), recovered. */
async function openNet(dirs: readonly { dir: string }[], mode: Mode, world: World, faults: SlotFaults = {}) {
  const chains = await openMemoryChains(IDS, dirs)
  const journal = SlotJournal.open(dirs[IDS.length]!.dir)
  const bundles = new BundleQueue(journal)
  const sequencer = new SharedSequencer({ slotTimeMs: 1_000, journal, faults }, STANDALONE_SLOT_RULES, bundles, silentLogger())
  const peers: RpcPeer[] = []
  const executors = new Map<bigint, ChainExecutor>()
  for (const id of IDS) {
    const chain = chains.get(id)!
    const pool = chainPool(chain, { gasLimit: 30_000_000n })
    const builder = new PayloadBuilder({ chainId: id, chain, pool, relayer: ZERO, checkTx: () => () => undefined })
    let inner: ChainExecutor = builder
    if (mode === 'over a MessagePort') {
      const { port1, port2 } = new MessageChannel()
      peers.push(new RpcPeer(portTransport(port2), { handlers: executorHandlers({ chainId: id, common: chain.common, builder, headHash: () => toData(chain.headHeader().hash()) }), timeoutMs: 10_000, logger: silentLogger() }))
      const peer = new RpcPeer(portTransport(port1), { handlers: {}, timeoutMs: 10_000, logger: silentLogger() })
      peers.push(peer)
      inner = new RemoteExecutor(id, chain.common, peer, toData(chain.headHeader().hash()))
    }
    const executor = mortal(inner, world)
    executors.set(id, executor)
    sequencer.addChain({ chainId: id, chain, pool, feeRecipient: new Uint8Array(20), executor })
  }
  await sequencer.recover()
  bundles.load((chainId, raw) => decodeRawTransaction(raw, chains.get(chainId)!.common))
  return {
    chains,
    journal,
    bundles,
    sequencer,
    executors,
    heads: () => IDS.map((id) => chains.get(id)!.headHeader().number),
    async close() {
      for (const p of peers) p.close()
      await closeMemoryChains(chains.values())
      await journal.close()
    },
  }
}

type Net = Awaited<ReturnType<typeof openNet>>

/** Every write of a slot's commit, in order, and whether a stop right after it leaves the slot decided. */
const POINTS: { name: string; decided: boolean; arm(world: World, stop: () => never): SlotFaults }[] = [
  ...IDS.map((id) => ({ name: `after chain ${id} prepared`, decided: false, arm: (w: World, stop: () => never) => ((w.afterSeal = (c) => (c === id ? stop() : undefined)), {}) })),
  { name: 'after every chain prepared, before the decision', decided: false, arm: (_w, stop) => ({ beforeWrite: (_s, step) => (step === 'decide' ? stop() : undefined) }) },
  ...IDS.map((_id, i) => ({
    name: i === 0 ? 'after the decision, before any commit' : `after ${i} chain commit(s)`,
    decided: true,
    arm: (_w: World, stop: () => never): SlotFaults => ({ beforeWrite: (_s, step, index) => (step === 'commit' && index === i ? stop() : undefined) }),
  })),
  { name: 'after every commit, before the decision is cleared', decided: true, arm: (_w, stop) => ({ beforeWrite: (_s, step) => (step === 'clear' ? stop() : undefined) }) },
]

/**
 * The invariant: heads in one slot, no prepared block or decision left, and the bundle's
 * fate with the chains — pending, or included in the same block number of every chain,
 * each leg in the canonical block it names.
 */
async function assertWhole(net: Net, bundle: Hex): Promise<void> {
  const heads = net.heads()
  assert.ok(heads.every((h) => h === heads[0]), `heads in one slot: ${heads}`)
  for (const e of net.executors.values()) assert.equal((await e.hello()).prepared, undefined, `chain ${e.chainId} holds no prepared block`)
  assert.equal(net.journal.decidedSlot(), undefined, 'no decision is left')
  const status = net.bundles.get(bundle)
  assert.ok(status?.status === 'pending' || status?.status === 'included', `bundle ${status?.status}`)
  if (status.status !== 'included') return
  assert.equal(status.txs.length, IDS.length)
  const numbers = new Set<bigint>()
  for (const leg of status.txs) {
    const block = net.chains.get(leg.chainId)!.getBlockByHash(hexToBytes(leg.blockHash))!
    assert.equal(toData(net.chains.get(leg.chainId)!.getBlockByNumber(block.header.number)!.hash()), leg.blockHash, `the leg's block is canonical on chain ${leg.chainId}`)
    assert.ok(block.transactions.some((t) => toData(t.hash()) === leg.hash))
    numbers.add(block.header.number)
  }
  assert.equal(numbers.size, 1, 'every leg in the same slot')
}

const submitBundle = (net: Net) => net.bundles.submit(IDS.map((chainId) => ({ chainId, ptx: signedTx(net.chains.get(chainId)!, 0, { to: bob.address, value: 5n }) })), 1n, 50n)

for (const mode of ['in process', 'over a MessagePort'] as const) {
  describe(`two-phase commit of a slot, executors ${mode}`, { timeout: 300_000 }, () => {
    for (const point of POINTS) {
      it(`kill -9 ${point.name}: the restart ${point.decided ? 'commits the slot on every chain' : 'drops the slot on every chain'}, the bundle agrees`, async () => {
        const dirs = [...IDS, 0n].map(() => tempDir())
        const world: World = { dead: false, sealed: new Map() }
        const stop = (): never => {
          world.dead = true
          throw new Crash(`killed ${point.name}`)
        }
        let bundle: Hex
        const first = await openNet(dirs, mode, world, point.arm(world, stop))
        try {
          bundle = submitBundle(first)
          // Whatever the dying process answers (a crash in a chain's turn surfaces as its turn's failure).
          await assert.rejects(first.sequencer.produceSlot())
          assert.ok(world.dead, 'the crash point was reached')
        } finally {
          await first.close()
        }
        const prepared = new Map(world.sealed)
        // The restart: new processes, the same datadirs.
        const net = await openNet(dirs, mode, { dead: false, sealed: new Map() })
        try {
          assert.deepEqual(net.heads(), IDS.map(() => (point.decided ? 1n : 0n)))
          if (point.decided) {
            for (const id of IDS) assert.equal(toData(net.chains.get(id)!.headHeader().hash()), prepared.get(id), `chain ${id} committed the block it prepared`)
            assert.equal(net.bundles.get(bundle)?.status, 'included')
          } else assert.equal(net.bundles.get(bundle)?.status, 'pending', 'the bundle of a dropped slot waits again')
          await assertWhole(net, bundle)
          // The network carries on in lockstep from there; a dropped slot's bundle lands now.
          await net.sequencer.produceSlot()
          await net.sequencer.produceSlot()
          assert.deepEqual(net.heads(), IDS.map(() => (point.decided ? 3n : 2n)))
          await assertWhole(net, bundle)
          assert.equal(net.bundles.get(bundle)?.status, 'included')
        } finally {
          await net.close()
          dirs.forEach((d) => d.cleanup())
        }
      })

      it(`an exception ${point.name}: the slot ${point.decided ? 'is finished first by the next slot' : 'is aborted everywhere (or built with that chain on deposits only)'}, never split`, async () => {
        const dirs = [...IDS, 0n].map(() => tempDir())
        const world: World = { dead: false, sealed: new Map() }
        let fired = 0
        const once = (): never => {
          if (fired++ > 0) return undefined as never
          throw new Crash(`exception ${point.name}`)
        }
        const net = await openNet(dirs, mode, world, point.arm(world, once))
        try {
          const bundle = submitBundle(net)
          // A chain's seal failing falls back to its deposits only (the slot is still built); any other point fails the slot.
          await net.sequencer.produceSlot().catch((err) => assert.ok(err instanceof Crash, String(err)))
          assert.ok(fired > 0, 'the exception was thrown')
          // Before the decision nothing is left behind at once; after it, the next slot finishes it first.
          if (!point.decided) await assertWhole(net, bundle)
          for (let i = 0; i < 3; i++) await net.sequencer.produceSlot()
          await assertWhole(net, bundle)
          assert.equal(net.bundles.get(bundle)?.status, 'included')
        } finally {
          await net.close()
          dirs.forEach((d) => d.cleanup())
        }
      })
    }
  })
}

describe('two-phase commit: hostile and damaged state at recovery', { timeout: 120_000 }, () => {
  /** Two chains with a block each prepared for slot 1 (sealed by their builders), and a journal. */
  async function prepared() {
    const dirs = [tempDir(), tempDir(), tempDir()]
    const chains = await openMemoryChains([901n, 902n], dirs)
    const journal = SlotJournal.open(dirs[2]!.dir)
    const builders = new Map<bigint, PayloadBuilder>()
    const hashes = new Map<bigint, Hex>()
    for (const [id, chain] of chains) {
      const b = new PayloadBuilder({ chainId: id, chain, pool: fixedPool(() => [signedTx(chain, 0, { to: bob.address, value: 1n })]), relayer: ZERO, checkTx: () => () => undefined })
      await b.openPayload({ slot: 1n, timestamp: 1_001n, coinbase: new Uint8Array(20) })
      await b.fill([])
      hashes.set(id, toData((await b.sealPayload([], new Map())).block.hash()))
      builders.set(id, b)
    }
    // A restart: the builders' memory is gone, only the stores' prepared records remain.
    await closeMemoryChains(chains.values())
    const reopened = await openMemoryChains([901n, 902n], dirs)
    const executors = [...reopened].map(([id, chain]) => new PayloadBuilder({ chainId: id, chain, pool: fixedPool(() => []), relayer: ZERO, checkTx: () => () => undefined }))
    return {
      chains: reopened,
      journal,
      journalDir: dirs[2]!.dir,
      executors,
      hashes,
      heads: () => [...reopened.values()].map((c: Chain) => c.headHeader().number),
      async close() {
        await closeMemoryChains(reopened.values())
        await journal.close()
        dirs.forEach((d) => d.cleanup())
      },
    }
  }

  it('a prepared block with no decision, or for a slot or hash the journal did not decide, is dropped; a new payload is refused until then', async () => {
    const s = await prepared()
    try {
      // Building over a prepared block is refused, whatever the coordinator: it may be decided.
      await assert.rejects(s.executors[0]!.openPayload({ slot: 1n, timestamp: 1_001n, coinbase: new Uint8Array(20) }), PreparedBlockPendingError)
      // The journal decided another slot on 902 only (a stale decision, a hostile one): 901's block is not in it.
      s.journal.decideSlot(encodeSlotDecision({ slot: 1n, chains: [{ chainId: 902n, hash: s.hashes.get(902n)! }] }))
      const committed = await recoverSlot(s.journal, s.executors, silentLogger())
      assert.deepEqual(committed, [902n])
      assert.deepEqual(s.heads(), [0n, 1n], '901 dropped its undecided block, 902 committed its decided one')
      for (const e of s.executors) assert.equal((await e.hello()).prepared, undefined)
      assert.equal(s.journal.decidedSlot(), undefined)
      // With nothing decided at all, nothing is committed.
      assert.deepEqual(await recoverSlot(s.journal, s.executors, silentLogger()), [])
      await s.executors[0]!.openPayload({ slot: 1n, timestamp: 1_001n, coinbase: new Uint8Array(20) })
      await s.executors[0]!.abort()
    } finally {
      await s.close()
    }
  })

  it("a chain behind a decided slot without its block prepared lost acknowledged data: refused with CorruptionError naming chain, slot and fix, nothing changed", async () => {
    const s = await prepared()
    try {
      // 901 prepared another block than the one decided (its record was replaced, or the decision is not its own).
      const forged = toData(new Uint8Array(32).fill(9))
      const decision = { slot: 1n, chains: [{ chainId: 901n, hash: forged }, { chainId: 902n, hash: s.hashes.get(902n)! }] }
      s.journal.decideSlot(encodeSlotDecision(decision))
      await assert.rejects(recoverSlot(s.journal, s.executors, silentLogger()), (err: unknown) => {
        assert.ok(err instanceof CorruptionError)
        assert.match(err.shortMessage, /chain 901/)
        assert.match(err.shortMessage, /slot 1/)
        assert.match(err.details ?? '', /restore|replica/)
        return true
      })
      assert.deepEqual(s.heads(), [0n, 0n], 'nothing was committed')
      assert.equal((await s.executors[1]!.hello()).prepared?.hash, s.hashes.get(902n), "902's prepared block is kept for the operator's next start")
      assert.deepEqual(decodeSlotDecision(s.journal.decidedSlot()!), decision, 'the decision is kept')
      // A decision for a chain this network does not have.
      s.journal.decideSlot(encodeSlotDecision({ slot: 1n, chains: [{ chainId: 999n, hash: forged }] }))
      await assert.rejects(recoverSlot(s.journal, s.executors, silentLogger()), CorruptionError)
      // An unreadable decision.
      s.journal.decideSlot(Uint8Array.from([0xc2, 0x01]))
      await assert.rejects(recoverSlot(s.journal, s.executors, silentLogger()), CorruptionError)
    } finally {
      await s.close()
    }
  })

  it('a slot record an earlier build left mid-commit is refused with what to do, and nothing changes', async () => {
    const s = await prepared()
    try {
      // What a build before the two-phase commit wrote (its `slot` key) when it stopped between two chains' commits.
      const env = lmdbOpen({ path: s.journalDir, maxDbs: 4, encoding: 'binary', keyEncoding: 'binary' })
      await env.openDB('slots', { encoding: 'binary', keyEncoding: 'binary' }).put(Buffer.from('slot'), Buffer.from([0xc0]))
      await env.close()
      await assert.rejects(recoverSlot(s.journal, s.executors, silentLogger()), (err: unknown) => {
        assert.ok(err instanceof BaseError)
        assert.match(err.shortMessage, /earlier Plexus/)
        assert.match(err.details ?? '', /start it once with the version it last ran/)
        return true
      })
      assert.deepEqual(s.heads(), [0n, 0n], 'nothing was committed')
    } finally {
      await s.close()
    }
  })

  it('replaying a decision (recovery run twice, the decision written again) is harmless', async () => {
    const s = await prepared()
    try {
      const decision = encodeSlotDecision({ slot: 1n, chains: [...s.hashes].map(([chainId, hash]) => ({ chainId, hash })) })
      s.journal.decideSlot(decision)
      assert.deepEqual(await recoverSlot(s.journal, s.executors, silentLogger()), [901n, 902n])
      const heads = [...s.chains.values()].map((c) => toData(c.headHeader().hash()))
      assert.deepEqual(heads, [...s.hashes.values()])
      s.journal.decideSlot(decision)
      assert.deepEqual(await recoverSlot(s.journal, s.executors, silentLogger()), [], 'nothing to commit again')
      assert.deepEqual([...s.chains.values()].map((c) => toData(c.headHeader().hash())), heads)
      // A commit retried after it succeeded changes nothing either.
      await s.executors[0]!.commitPayload(heads[0]! as Hex)
      assert.deepEqual(s.heads(), [1n, 1n])
      assert.equal(s.journal.decidedSlot(), undefined)
    } finally {
      await s.close()
    }
  })

  it('over the protocol: hello reports the prepared block; another protocol version and malformed hellos are refused', async () => {
    const s = await prepared()
    const { port1, port2 } = new MessageChannel()
    const chain = s.chains.get(901n)!
    const host = new RpcPeer(portTransport(port2), { handlers: executorHandlers({ chainId: 901n, common: chain.common, builder: s.executors[0]!, headHash: () => toData(chain.headHeader().hash()) }), timeoutMs: 10_000, logger: silentLogger() })
    const peer = new RpcPeer(portTransport(port1), { handlers: {}, timeoutMs: 10_000, logger: silentLogger() })
    try {
      const remote = new RemoteExecutor(901n, chain.common, peer, toData(chain.headHeader().hash()))
      const hello = await remote.hello()
      assert.deepEqual(hello.prepared, { slot: 1n, number: 1n, hash: s.hashes.get(901n) })
      // A new payload over the prepared block is refused over the wire too.
      await assert.rejects(remote.openPayload({ slot: 1n, timestamp: 1_001n, coinbase: new Uint8Array(20) }), PeerCallError)
      await assert.rejects(peer.request(EXECUTOR_HELLO, [{ protocolVersion: PROTOCOL_VERSION + 1 }]), (e: unknown) => e instanceof PeerCallError && /protocol/.test(e.message))
      for (const bad of ['x', [], [{}], [{ protocolVersion: -1 }], [{ protocolVersion: 'one' }]]) await assert.rejects(peer.request(EXECUTOR_HELLO, bad), PeerCallError)
      // The commit the coordinator answers with, and the same again.
      await remote.commitPayload(s.hashes.get(901n)!)
      await remote.commitPayload(s.hashes.get(901n)!)
      assert.equal(toData(chain.headHeader().hash()), s.hashes.get(901n))
      assert.equal((await remote.hello()).prepared, undefined)
    } finally {
      host.close()
      peer.close()
      await s.close()
    }
  })
})
