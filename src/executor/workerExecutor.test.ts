import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import type { Chain } from '../execution/chain.js'
import type { PooledTx } from '../execution/pooledTx.js'
import { initCrypto } from '../primitives/crypto.js'
import { RpcErrorCode } from '../primitives/errors.js'
import { toData, type Hex } from '../primitives/hex.js'
import type { ChainExecutor } from '../sequencer/chainExecutor.js'
import { buildSlot, STANDALONE_SLOT_RULES, type SlotResult } from '../sequencer/slotBuilder.js'
import { buildMemorySlot, closeMemoryChains, openMemoryChains, signedTx } from '../../test/helpers/memoryChains.js'
import { TestWorkers } from '../../test/helpers/workers.js'
import { waitFor } from '../../test/helpers/node.js'
import { PeerCallError, PeerLostError, PeerTimeoutError } from './peer.js'
import { MAX_SEND_BATCH, METHODS, SEND_RAW_TRANSACTIONS } from './protocol.js'
import type { ExecutorWorkerFaults } from './workerData.js'
import { ExecutorStartError, WorkerExecutor } from './workerExecutor.js'

await initCrypto()

const IDS = [901n, 902n] as const
const sink: Hex = '0x00000000000000000000000000000000000000aa'
const fixture = new TestWorkers()
const dir = (): string => fixture.dir()
const startWorker = (id: bigint, datadir: string, extra: Parameters<TestWorkers['start']>[2] = {}): Promise<WorkerExecutor> => fixture.start(id, datadir, extra)

/** A slot on the workers' chains (ascending chain id), by the standalone rules; sealed, not committed. */
function workerSlot(slot: bigint, executors: readonly ChainExecutor[]): Promise<SlotResult> {
  return buildSlot({ slot, timestamp: 1_000n + slot, chains: executors.map((executor) => ({ chainId: executor.chainId, executor, attrs: { coinbase: new Uint8Array(20) } })), bundles: [] }, STANDALONE_SLOT_RULES)
}

async function commitAll(res: SlotResult, executors: readonly ChainExecutor[]): Promise<void> {
  for (const b of res.blocks) await executors.find((e) => e.chainId === b.chainId)!.commitPayload(toData(b.payload.block.hash()))
}

/** Every raw transaction into `w`'s pool in batches; asserts each was pooled. */
async function pool(w: WorkerExecutor, txs: readonly PooledTx[], batch = 500): Promise<void> {
  for (let i = 0; i < txs.length; i += batch) {
    const part = txs.slice(i, i + batch)
    const results = await w.sendRawTransactions(part.map((t) => t.raw))
    const wrong = results.flatMap((r, j) => ('hash' in r && r.hash === part[j]!.hash ? [] : [{ j, r }]))
    assert.deepEqual(wrong.slice(0, 3), [], `${wrong.length} of ${part.length} not pooled`)
  }
}

/** The chains' heads as their datadirs hold them (the workers stopped): opened in this thread. */
async function headsOnDisk(ids: readonly bigint[], datadirs: readonly string[]): Promise<bigint[]> {
  const chains = await openMemoryChains(ids, datadirs.map((d) => ({ dir: d })))
  const heads = [...chains.values()].map((c) => c.headHeader().number)
  await closeMemoryChains(chains.values())
  return heads
}

const transfers = (chain: Chain, from: number, first: number, count: number): PooledTx[] => Array.from({ length: count }, (_, i) => signedTx(chain, first + i, { to: sink, value: 1n, from }))

describe('WorkerExecutor: a chain executor in a worker thread', { timeout: 300_000 }, () => {
  after(async () => {
    await fixture.cleanup()
  })

  it('two chains in workers build the same blocks as in this thread, slot after slot', async () => {
    // Invariant: given the same heads and inputs, where an executor runs does not change a block's hash.
    const local = await openMemoryChains(IDS, [{ dir: dir() }, { dir: dir() }])
    const ws = [await startWorker(901n, dir()), await startWorker(902n, dir())]
    const executors = ws.map((w) => w.executor)
    const [c901, c902] = [local.get(901n)!, local.get(902n)!]
    // Each slot's pool transactions: chain 901's, chain 902's.
    const slots: [PooledTx[], PooledTx[]][] = [
      [transfers(c901, 0, 0, 20), [...transfers(c902, 1, 0, 5), ...transfers(c902, 2, 0, 5)]],
      [transfers(c901, 0, 20, 10), []],
      [[], transfers(c902, 1, 5, 30)],
    ]
    for (const [i, txs] of slots.entries()) {
      const slot = BigInt(i + 1)
      // The worker's pool orders 902's two senders by arrival at equal tips: sent in the order the list has them.
      await pool(ws[0]!, txs[0])
      await pool(ws[1]!, txs[1])
      const remote = await workerSlot(slot, executors)
      // Each worker's pool picked its own order (best first): the same order in this thread.
      const order = (j: number) => remote.blocks[j]!.payload.block.transactions.map((tx) => txs[j]!.find((t) => t.hash === toData(tx.hash()))!)
      assert.deepEqual(remote.blocks.map((_, j) => order(j).map((t) => t?.hash).sort()), txs.map((list) => list.map((t) => t.hash).sort()), 'every pooled transaction is in its chain\'s block')
      const inProcess = await buildMemorySlot(local, STANDALONE_SLOT_RULES, { slot, timestamp: 1_000n + slot, chains: IDS.map((chainId, j) => ({ chainId, txs: order(j) })) })
      assert.deepEqual(
        remote.blocks.map((b) => [b.chainId, toData(b.payload.block.hash()), toData(b.payload.block.header.stateRoot), b.payload.receipts.length]),
        inProcess.blocks.map((b) => [b.chainId, toData(b.payload.block.hash()), toData(b.payload.block.header.stateRoot), b.payload.receipts.length]),
      )
      await commitAll(remote, executors)
      await inProcess.commit()
    }
    await closeMemoryChains(local.values())
  })

  for (const how of ['exits (process.exit)', 'throws out of its event loop', 'is terminated'] as const) {
    it(`a worker that ${how} mid-slot: the slot fails on every chain, the error names the chain, nothing hangs`, async () => {
      // Invariant: a slot is committed on every chain or on none; a lost executor fails its callers at once.
      const datadirs = [dir(), dir()]
      const faults: ExecutorWorkerFaults | undefined = how === 'exits (process.exit)' ? { exitOn: METHODS.fill } : how === 'throws out of its event loop' ? { throwOn: METHODS.fill } : undefined
      const w901 = await startWorker(901n, datadirs[0]!)
      const w902 = await startWorker(902n, datadirs[1]!, faults ? { faults } : {})
      let lostTold = 0
      w902.onLost(() => lostTold++)
      let e902: ChainExecutor = w902.executor
      if (how === 'is terminated') {
        // Terminated while its fill is in flight.
        const inner = w902.executor
        e902 = Object.assign(Object.create(inner) as ChainExecutor, {
          fill: (relays: Parameters<ChainExecutor['fill']>[0]) => {
            const p = inner.fill(relays)
            void w902.terminate()
            return p
          },
        })
      }
      await assert.rejects(workerSlot(1n, [w901.executor, e902]), (err: Error) => /chain 902/.test(err.message))
      assert.match(w902.lost ?? '', /^chain 902's executor worker (exited|failed)/)
      assert.equal(lostTold, 1)
      assert.equal(w901.lost, undefined, 'the other chain is not lost')
      // Every later call fails at once, naming the chain.
      await assert.rejects(w902.executor.openPayload({ slot: 2n, timestamp: 1_002n, coinbase: new Uint8Array(20) }), (err: Error) => err instanceof PeerLostError && /chain 902/.test(err.message))
      await assert.rejects(w902.sendRawTransactions([new Uint8Array([1])]), PeerLostError)
      // The chain that was not lost still builds (its payload of the failed slot was dropped).
      const alone = await workerSlot(1n, [w901.executor])
      assert.equal(alone.blocks.length, 1)
      await w901.executor.abort()
      // Stopping twice is one stop; a lost worker stops too.
      await Promise.all([w901.stop(), w901.stop()])
      await w902.stop()
      await w902.stop()
      assert.deepEqual(await headsOnDisk(IDS, datadirs), [0n, 0n], 'no chain committed the failed slot')
    })
  }

  it('stop racing a slot in flight, a second stop and a crash: nothing hangs, the store is closed, the datadir opens again', async () => {
    // Invariant: whichever path ends the worker first, every caller gets an answer and the chain's files are left closed and intact.
    const local = await openMemoryChains([901n], [{ dir: dir() }])
    const datadirs = [dir(), dir()]
    for (const [i, race] of (['stop, stop', 'stop, terminate'] as const).entries()) {
      const w = await startWorker(901n, datadirs[i]!)
      await pool(w, transfers(local.get(901n)!, 0, 0, 1000))
      const slot = workerSlot(1n, [w.executor])
      const stops = race === 'stop, stop' ? [w.stop(), w.stop()] : [w.stop(), w.terminate()]
      const [built] = await Promise.allSettled([slot, ...stops])
      // The slot either finished before the shutdown reached it, or failed naming the chain.
      if (built!.status === 'rejected') assert.match((built!.reason as Error).message, /chain 901/)
      await w.stop()
      if (race === 'stop, stop') assert.equal(w.lost, undefined, 'a stop is not a loss')
    }
    // Nothing was committed, and both datadirs open again (the stores were closed, or left consistent by the crash).
    assert.deepEqual(await headsOnDisk([901n], [datadirs[0]!]), [0n])
    assert.deepEqual(await headsOnDisk([901n], [datadirs[1]!]), [0n])
    await closeMemoryChains(local.values())
  })

  it('a worker out of memory is lost with that reason; its requests in flight fail at once', async () => {
    const w = await startWorker(901n, dir(), { faults: { exhaustMemoryOn: METHODS.fill }, resourceLimits: { maxOldGenerationSizeMb: 256 } })
    await w.executor.openPayload({ slot: 1n, timestamp: 1_001n, coinbase: new Uint8Array(20) })
    const inFlight = [w.executor.fill([]), ...Array.from({ length: 20 }, () => w.sendRawTransactions([new Uint8Array([1])]))]
    const settled = await Promise.allSettled(inFlight)
    for (const s of settled) assert.ok(s.status === 'rejected' && s.reason instanceof PeerLostError && /chain 901's executor worker ran out of memory/.test(s.reason.message), String(s.status === 'rejected' ? s.reason : 'fulfilled'))
    assert.equal(w.peer.inFlight, 0)
    await w.stop()
  })

  it('a worker that does not answer a step of the slot within the deadline is lost and ended; one slow on a non-slot request is not', async () => {
    // The rule (docs/design/executors.md): a slot never waits without bound for an executor.
    const datadir = dir()
    const w = await startWorker(901n, datadir, { faults: { hangOn: METHODS.forkchoiceUpdated }, requestTimeoutMs: 1_000 })
    const lost: string[] = []
    w.onLost((reason) => lost.push(reason))
    await assert.rejects(w.executor.openPayload({ slot: 1n, timestamp: 1_001n, coinbase: new Uint8Array(20) }), PeerTimeoutError)
    await waitFor(async () => lost.length > 0, 10_000, 'the worker reported lost')
    assert.match(lost[0]!, /chain 901's executor did not answer engine_forkchoiceUpdatedPX within 1000 ms/)
    assert.equal(w.lost, lost[0])
    // Ended: it cannot commit behind the coordinator's back, and later requests fail at once.
    await assert.rejects(w.executor.hello(), PeerLostError)
    await w.stop()
    assert.deepEqual(await headsOnDisk([901n], [datadir]), [0n], 'the store was left consistent: nothing committed')
    // A request outside the slot that times out (a long operator call) leaves the worker serving.
    const calm = await startWorker(901n, dir(), { faults: { hangOn: SEND_RAW_TRANSACTIONS }, requestTimeoutMs: 1_000 })
    await assert.rejects(calm.sendRawTransactions([new Uint8Array([1])]), PeerTimeoutError)
    assert.equal(calm.lost, undefined)
    assert.equal((await calm.executor.hello()).head.number, 0n)
    await calm.stop()
  })

  it(`a burst of 5,200 transactions in batches is pooled, then included over the next slots; bad batches are refused and the worker keeps serving`, async () => {
    // Invariant: every transaction acknowledged with its hash is included exactly once; a refused batch changes nothing.
    const local = await openMemoryChains([901n], [{ dir: dir() }])
    const chain = local.get(901n)!
    const w = await startWorker(901n, dir(), { txpool: { maxPending: 8192 } })
    const burst = Array.from({ length: 10 }, (_, from) => transfers(chain, from, 0, 520)).flat()
    const refused = async (params: unknown, code: number) => assert.rejects(w.peer.request(SEND_RAW_TRANSACTIONS, params), (err: unknown) => err instanceof PeerCallError && err.code === code)
    // Oversized (count, bytes) and malformed batches: refused whole.
    await refused([burst.slice(0, MAX_SEND_BATCH + 1).map((t) => toData(t.raw))], RpcErrorCode.InvalidParams)
    await refused([Array.from({ length: 20 }, () => '0x' + 'ab'.repeat(250_000))], RpcErrorCode.InvalidParams)
    await refused([['0xzz']], RpcErrorCode.InvalidParams)
    await refused([[]], RpcErrorCode.InvalidParams)
    await refused('0x00', RpcErrorCode.InvalidParams)
    await refused([toData(burst[0]!.raw)], RpcErrorCode.InvalidParams)
    // A mixed batch: each transaction answered alone with geth's code.
    const other = (await openMemoryChains([902n], [{ dir: dir() }])).get(902n)!
    const mixed = await w.sendRawTransactions([new Uint8Array([0x02, 0xc0]), signedTx(other, 0, { to: sink }).raw, burst[0]!.raw, burst[0]!.raw])
    assert.equal((mixed[0] as { error: { code: number } }).error.code, RpcErrorCode.Server, 'undecodable')
    assert.equal((mixed[1] as { error: { code: number } }).error.code, RpcErrorCode.Server, 'another chain id')
    assert.deepEqual(mixed[2], { hash: burst[0]!.hash })
    assert.equal((mixed[3] as { error: { code: number } }).error.code, RpcErrorCode.Server, 'already known')
    // The burst, in batches of 500 (the first one is pooled already).
    const rest = burst.slice(1)
    // In order, batch after batch (a sender's nonces arrive in order, as one client sends them).
    const results: Awaited<ReturnType<WorkerExecutor['sendRawTransactions']>>[] = []
    for (let i = 0; i < rest.length; i += 500) results.push(await w.sendRawTransactions(rest.slice(i, i + 500).map((t) => t.raw)))
    const wrong = results.flat().flatMap((r, i) => ('hash' in r && r.hash === rest[i]!.hash ? [] : [{ i, r }]))
    assert.deepEqual(wrong.slice(0, 3), [], `${wrong.length} of ${rest.length} not pooled`)
    // Slots until all are in: each acknowledged transaction exactly once.
    const included = new Set<Hex>()
    for (let slot = 1n; included.size < burst.length; slot++) {
      assert.ok(slot <= 10n, `only ${included.size} of ${burst.length} included after 9 slots`)
      const res = await workerSlot(slot, [w.executor])
      const txs = res.blocks[0]!.payload.block.transactions
      assert.ok(txs.length > 0, `slot ${slot} included nothing (${included.size} so far)`)
      for (const tx of txs) {
        const hash = toData(tx.hash())
        assert.ok(!included.has(hash), `${hash} included twice`)
        included.add(hash)
      }
      await commitAll(res, [w.executor])
    }
    assert.ok(burst.every((t) => included.has(t.hash)), 'every acknowledged transaction was included')
    await closeMemoryChains([chain, other])
  })

  it('a chain that cannot open is reported in one line naming the chain; nothing is left running', async () => {
    const file = path.join(dir(), 'not-a-directory')
    writeFileSync(file, 'x')
    await assert.rejects(startWorker(902n, path.join(file, 'db')), (err: Error) => err instanceof ExecutorStartError && /^chain 902's executor could not open its chain: /.test(err.message) && !err.message.includes('\n'))
    // The same datadir under another chain's genesis: refused, not overwritten.
    const used = dir()
    await (await startWorker(901n, used)).stop()
    await assert.rejects(startWorker(902n, used), (err: Error) => err instanceof ExecutorStartError && /^chain 902's/.test(err.message))
    // The failed worker closed the store it opened: the datadir opens again.
    await (await startWorker(901n, used)).stop()
  })
})
