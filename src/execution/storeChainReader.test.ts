import { test } from 'node:test'
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { performance } from 'node:perf_hooks'
import { Worker } from 'node:worker_threads'
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { Block, BlockHeader } from '@ethereumjs/block'
import { Address } from '@ethereumjs/util'
import { initCrypto } from '../primitives/crypto.js'
import { CorruptionError } from '../primitives/errors.js'
import { silentLogger } from '../primitives/logger.js'
import { hexToBytes, toData, type Hex } from '../primitives/hex.js'
import { openDatabase } from '../storage/database.js'
import { ChainStore } from '../storage/chainStore.js'
import { tempDir } from '../../test/helpers/tmp.js'
import { signedTx, txSource } from '../../test/helpers/memoryChains.js'
import type { ChainWriterEvent, ChainWriterJob } from '../../test/helpers/chainWriterWorker.js'
import { Chain } from './chain.js'
import type { ChainReader } from './chainReader.js'
import { devAccounts, devGenesis } from './genesis.js'
import type { StoredReceipt } from './receipts.js'
import { ChainNotWrittenError, StoreChainReader } from './storeChainReader.js'

await initCrypto()

/** A contract in the genesis whose every call emits LOG1 with topic 1; its slot 0 holds 5. */
const EMITTER: Hex = '0x00000000000000000000000000000000000e0117'
const EMITTER_BYTES = hexToBytes(EMITTER)
const TOPIC_ONE = hexToBytes(`0x${'00'.repeat(31)}01`)
const genesis = devGenesis({
  chainId: 901,
  gasLimit: 60_000_000n,
  alloc: { [EMITTER]: { balance: '0x0', code: '0x600160006000a100', storage: { '0x0': '0x5' } } },
})
const accounts = devAccounts(4).map((a) => a.address)
const ADDRESSES = [...accounts.map(hexToBytes), EMITTER_BYTES, new Uint8Array(20).fill(7)]
const logger = silentLogger()

/** Bytes as hex and bigints as text, recursively: answers compared by value, whatever their classes. */
function norm(value: unknown): unknown {
  if (value instanceof Uint8Array) return toData(value)
  if (typeof value === 'bigint') return value.toString()
  if (Array.isArray(value)) return value.map(norm)
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, norm(v)]))
  return value
}

const blockOf = (b: Block | undefined) => (b ? [toData(b.hash()), toData(b.serialize())] : undefined)

/** Every event a reader fires, as values. */
function record(reader: ChainReader): unknown[] {
  const events: unknown[] = []
  reader.onBlock((block, receipts) => events.push(['block', toData(block.hash()), norm(receipts)]))
  reader.onRewind((head, removed) => events.push(['rewind', toData(head.hash()), removed.map((b) => toData(b.hash()))]))
  return events
}

/**
 * Invariant: every `ChainReader` (and `ChainCaller`) method answers the same on both
 * readers: blocks and indexes at every number up to past the head, orphans by hash,
 * every transaction's location, the log index over several ranges, and state at every
 * root either chain ever had (the head's from the flat tables, older ones from the trie).
 */
async function assertSameReads(a: ChainReader & { vmAt: Chain['vmAt'] }, b: ChainReader & { vmAt: Chain['vmAt'] }, roots: Uint8Array[], hashes: { blocks: Uint8Array[]; txs: Uint8Array[] }): Promise<void> {
  assert.equal(a.chainId, b.chainId)
  const head = a.headHeader()
  assert.equal(toData(b.headHeader().hash()), toData(head.hash()))
  assert.equal(b.nextBaseFee(), a.nextBaseFee())
  for (let n = 0n; n <= head.number + 2n; n++) {
    assert.deepEqual(norm(b.canonicalHash(n)), norm(a.canonicalHash(n)), `canonicalHash(${n})`)
    assert.deepEqual(blockOf(b.getBlockByNumber(n)), blockOf(a.getBlockByNumber(n)), `getBlockByNumber(${n})`)
  }
  for (const hash of [...hashes.blocks, new Uint8Array(32)]) {
    assert.deepEqual(blockOf(b.getBlockByHash(hash)), blockOf(a.getBlockByHash(hash)))
    const [ha, hb] = [a.getHeaderByHash(hash), b.getHeaderByHash(hash)]
    assert.deepEqual(hb && toData(hb.serialize()), ha && toData(ha.serialize()))
    if (ha && hb) assert.equal(b.baseFeeAfter(hb), a.baseFeeAfter(ha))
    assert.deepEqual(norm(b.getReceipts(hash)), norm(a.getReceipts(hash)))
  }
  for (const tx of [...hashes.txs, new Uint8Array(32)]) assert.deepEqual(norm(b.txLocation(tx)), norm(a.txLocation(tx)))
  for (const key of [EMITTER_BYTES, TOPIC_ONE, hexToBytes(accounts[1]!)]) {
    for (const [from, to] of [[0n, head.number], [1n, head.number + 5n], [head.number, head.number], [3n, 2n]] as const) {
      assert.deepEqual([...b.blocksMentioning(key, from, to)], [...a.blocksMentioning(key, from, to)])
    }
  }
  for (const root of roots) {
    for (const address of ADDRESSES) {
      assert.deepEqual(norm(await b.accountAt(root, address)), norm(await a.accountAt(root, address)))
      assert.equal(toData(await b.codeAt(root, address)), toData(await a.codeAt(root, address)))
      assert.equal(toData(await b.storageAt(root, address, new Uint8Array(32))), toData(await a.storageAt(root, address, new Uint8Array(32))))
    }
    assert.deepEqual(norm(await b.proofAt(root, EMITTER_BYTES, [new Uint8Array(32)])), norm(await a.proofAt(root, EMITTER_BYTES, [new Uint8Array(32)])))
    assert.equal(await b.totalBalanceAt(root), await a.totalBalanceAt(root))
  }
  const probe = new Address(hexToBytes(accounts[1]!))
  const [va, vb] = [await a.vmAt(head.stateRoot), await b.vmAt(head.stateRoot)]
  assert.deepEqual(norm(await vb.stateManager.getAccount(probe)), norm(await va.stateManager.getAccount(probe)))
}

/** Builds `count` blocks on `chain` (transfers and emitter calls from every account), recording roots and hashes. */
async function build(chain: Chain, count: number, roots: Uint8Array[], hashes: { blocks: Uint8Array[]; txs: Uint8Array[] }, at: { t: bigint }): Promise<void> {
  for (let i = 0; i < count; i++) {
    const txs = []
    for (let from = 0; from < accounts.length; from++) {
      const nonce = Number((await chain.headAccount(hexToBytes(accounts[from]!)))?.nonce ?? 0n)
      txs.push(signedTx(chain, nonce, { to: accounts[(from + 1) % accounts.length]! as Hex, value: 1n, from }))
      txs.push(signedTx(chain, nonce + 1, { to: EMITTER, gasLimit: 50_000n, from }))
    }
    const built = await chain.buildBlock({ timestamp: ++at.t, coinbase: new Uint8Array(20), txs: txSource(txs) })
    assert.equal(built.included.length, txs.length)
    roots.push(built.block.header.stateRoot)
    hashes.blocks.push(built.block.hash())
    hashes.txs.push(...txs.map((t) => t.tx.hash()))
  }
}

/** Runs `fn` on a fresh chain store, closed and removed afterwards. */
async function withStore(fn: (store: ChainStore) => Promise<void>): Promise<void> {
  const dir = tempDir()
  const store = new ChainStore(openDatabase(dir.dir))
  try {
    await fn(store)
  } finally {
    await store.close()
    dir.cleanup()
  }
}

test('StoreChainReader: every read answers as Chain does on the same store, after commits, a rewind and a rewind with new blocks; the same events', { timeout: 120_000 }, async () => {
  await withStore(async (store) => {
    const chain = await Chain.open(store, genesis, logger)
    const reader = StoreChainReader.open(store, genesis, logger)
    const [chainEvents, readerEvents] = [record(chain), record(reader)]
    const roots = [chain.headHeader().stateRoot]
    const hashes = { blocks: [chain.headHeader().hash()], txs: [] as Uint8Array[] }
    const at = { t: 0n }
    await assertSameReads(chain, reader, roots, hashes)

    await build(chain, 4, roots, hashes, at)
    // Not advanced: the reader answers for its head (genesis), never for blocks it did not announce.
    assert.equal(reader.headHeader().number, 0n)
    assert.equal(reader.canonicalHash(1n), undefined)
    assert.equal(reader.getBlockByNumber(1n), undefined)
    assert.equal(reader.txLocation(hashes.txs[0]!), undefined)
    assert.deepEqual([...reader.blocksMentioning(EMITTER_BYTES, 0n, 10n)], [])
    assert.equal(reader.nextBaseFee(), chain.baseFeeAfter(chain.getBlockByNumber(0n)!.header))
    // ... and state at its head root comes from the trie, not from flat tables that moved on
    assert.deepEqual(norm(await reader.accountAt(roots[0]!, hexToBytes(accounts[1]!))), norm(await chain.accountAt(roots[0]!, hexToBytes(accounts[1]!))))
    assert.equal(toData(await reader.storageAt(roots[0]!, EMITTER_BYTES, new Uint8Array(32))), '0x05')

    reader.advance()
    await assertSameReads(chain, reader, roots, hashes)
    reader.advance() // nothing new: nothing announced
    assert.equal(readerEvents.length, 4)

    // a rewind, then other blocks at the same numbers, followed in one advance
    await chain.rewindTo(2n)
    // Not advanced: its blocks 3 and 4 are still its canonical blocks (readable by hash).
    assert.equal(reader.getBlockByNumber(3n)?.header.number, 3n)
    assert.equal(toData(reader.canonicalHash(4n)!), toData(hashes.blocks[4]!))
    await build(chain, 3, roots, hashes, at)
    // Still not advanced, the writer's new blocks 3..5 are not the reader's: not by number,
    // not in the transaction index (its own removed ones are missing there: the documented gap).
    assert.equal(toData(reader.getBlockByNumber(3n)!.hash()), toData(hashes.blocks[3]!))
    assert.equal(reader.canonicalHash(5n), undefined)
    assert.equal(reader.txLocation(hashes.txs.at(-1)!), undefined)
    assert.deepEqual([...reader.blocksMentioning(EMITTER_BYTES, 3n, 10n)].filter((n) => n > 4n), [])
    reader.advance()
    await assertSameReads(chain, reader, roots, hashes)

    // a rewind alone
    await chain.rewindTo(1n)
    reader.advance()
    await assertSameReads(chain, reader, roots, hashes)
    assert.deepEqual(readerEvents, chainEvents)
    assert.deepEqual(readerEvents.map((e) => (e as unknown[])[0]), ['block', 'block', 'block', 'block', 'rewind', 'block', 'block', 'block', 'rewind'])
  })
})

test('StoreChainReader: refuses a store of another chain; a throwing listener and an advance() from inside a listener announce nothing twice and lose nothing', { timeout: 60_000 }, async () => {
  await withStore(async (store) => {
    const chain = await Chain.open(store, genesis, logger)
    assert.throws(() => StoreChainReader.open(store, devGenesis({ chainId: 902, gasLimit: 60_000_000n }), logger), CorruptionError)
    const reader = StoreChainReader.open(store, genesis, logger)
    const seen: bigint[] = []
    let building: Promise<unknown> | undefined
    reader.onBlock(() => {
      throw new Error('a listener failing')
    })
    reader.onBlock((block) => {
      seen.push(block.header.number)
      // the writer commits again while the reader is announcing, and the listener asks to follow
      if (block.header.number === 2n) building = chain.buildBlock({ timestamp: 100n, coinbase: new Uint8Array(20) })
      reader.advance()
    })
    const at = { t: 0n }
    await build(chain, 2, [], { blocks: [], txs: [] }, at)
    reader.advance()
    assert.deepEqual(seen, [1n, 2n])
    // Invariant: the block committed meanwhile is announced by the next advance, once.
    await building
    reader.advance()
    reader.advance()
    assert.deepEqual(seen, [1n, 2n, 3n])
    assert.equal(toData(reader.headHeader().hash()), toData(chain.headHeader().hash()))
  })
})

test('StoreChainReader: on a repaired store whose flat tables fell behind, state at the head comes from the trie, as Chain reads it', { timeout: 60_000 }, async () => {
  const dir = tempDir()
  let store = new ChainStore(openDatabase(dir.dir))
  try {
    const roots: Uint8Array[] = []
    const hashes = { blocks: [] as Uint8Array[], txs: [] as Uint8Array[] }
    const at = { t: 0n }
    await build(await Chain.open(store, genesis, logger), 2, roots, hashes, at)
    // outside damage: block 2's body disappears; the writer's start-up repair rewinds to block 1
    store.tables.bodies.removeSync(Buffer.from(hashes.blocks[1]!))
    await store.close()
    store = new ChainStore(openDatabase(dir.dir))
    const chain = await Chain.open(store, genesis, logger)
    assert.equal(chain.flatReadable, false)
    const reader = StoreChainReader.open(store, genesis, logger)
    // Invariant: the flat tables (still block 2's state) are never read as the head's.
    await assertSameReads(chain, reader, roots, hashes)
    const sender = hexToBytes(accounts[1]!)
    assert.equal((await reader.accountAt(roots[0]!, sender))!.nonce + 2n, (await reader.accountAt(roots[1]!, sender))!.nonce)
    await build(chain, 2, roots, hashes, at)
    reader.advance()
    await assertSameReads(chain, reader, roots, hashes)
  } finally {
    await store.close()
    dir.cleanup()
  }
})

/** Follows `reader`'s events into the canonical chain they describe, checking each against the one before. */
function follow(reader: StoreChainReader): { canonical: string[]; announced: number; rewinds: number } {
  const state = { canonical: [] as string[], announced: 0, rewinds: 0 }
  for (let n = 0n; n <= reader.headHeader().number; n++) state.canonical.push(toData(reader.canonicalHash(n)!))
  reader.onBlock((block: Block, receipts: StoredReceipt[]) => {
    // in order: each block extends the one announced before
    assert.equal(block.header.number, BigInt(state.canonical.length))
    assert.equal(toData(block.header.parentHash), state.canonical.at(-1))
    // with its receipts, readable, and the reader's head while announced
    assert.equal(receipts.length, block.transactions.length)
    assert.equal(toData(reader.headHeader().hash()), toData(block.hash()))
    assert.equal(reader.getReceipts(block.hash())?.length, block.transactions.length)
    state.canonical.push(toData(block.hash()))
    state.announced++
  })
  reader.onRewind((head: BlockHeader, removed: Block[]) => {
    assert.deepEqual(removed.map((b) => toData(b.hash())), state.canonical.slice(Number(head.number) + 1))
    assert.equal(state.canonical[Number(head.number)], toData(head.hash()))
    state.canonical.length = Number(head.number) + 1
    state.rewinds++
  })
  return state
}

/** Invariant (no torn view): the reader's head block and its receipts read back, and so does an older canonical block. */
function assertWhole(reader: StoreChainReader, older: bigint): void {
  const head = reader.headHeader()
  const block = reader.getBlockByNumber(head.number)
  assert.equal(block && toData(block.hash()), toData(head.hash()))
  assert.equal(reader.getReceipts(head.hash())?.length, block!.transactions.length)
  const n = older <= head.number ? older : head.number
  assert.equal(reader.getBlockByNumber(n)?.header.number, n)
}

const WRITER = new URL('../../test/helpers/chainWriterWorker.js', import.meta.url)

function startWriter(job: Omit<ChainWriterJob, 'genesis' | 'emitter'>): Worker {
  return new Worker(WRITER, { workerData: { ...job, genesis, emitter: EMITTER } })
}

/** The writer as an OS process of its own (LMDB environments are shared across processes too). */
function startWriterProcess(job: Omit<ChainWriterJob, 'genesis' | 'emitter'>): ChildProcess {
  return fork(fileURLToPath(WRITER), [JSON.stringify({ ...job, genesis, emitter: EMITTER })], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] })
}

interface Following {
  reader: StoreChainReader
  followed: ReturnType<typeof follow>
  advanceMs: number
  advances: number
}

/**
 * What a coordinator does with a writer thread: opens the reader when the writer says the
 * store is open, then `advance()`s on every announcement and checks the head is whole.
 * `until` sees each event after that; it returns true to stop following.
 */
function followWriter(worker: Worker | ChildProcess, store: ChainStore, until: (event: ChainWriterEvent, f: Following) => boolean): Promise<Following> {
  return new Promise((resolve, reject) => {
    let f: Following | undefined
    worker.on('error', reject)
    worker.on('message', (event: ChainWriterEvent) => {
      try {
        if (event.kind === 'open') {
          const reader = StoreChainReader.open(store, genesis, logger)
          f = { reader, followed: follow(reader), advanceMs: 0, advances: 0 }
          return
        }
        const start = performance.now()
        f!.reader.advance()
        f!.advanceMs += performance.now() - start
        f!.advances++
        assertWhole(f!.reader, BigInt(f!.advances % 150))
        if (until(event, f!)) resolve(f!)
      } catch (err) {
        reject(err)
      }
    })
  })
}

test('StoreChainReader: follows a writer thread committing hundreds of blocks as fast as it can, and its rewind, announcing each block once, in order, never a torn head', { timeout: 300_000 }, async (t) => {
  const dir = tempDir()
  // Opened before the writer exists: a fresh store holds no chain, and the reader says so.
  const store = new ChainStore(openDatabase(dir.dir))
  assert.throws(() => StoreChainReader.open(store, genesis, logger), ChainNotWrittenError)
  const worker = startWriter({ dir: dir.dir, blocks: 300, txsPerBlock: 8, rewind: { at: 150, depth: 5 } })
  try {
    const committed = new Set<string>()
    let done: Extract<ChainWriterEvent, { kind: 'done' }> | undefined
    // A second reader left behind, to time one advance() over many blocks with no listener work.
    let lagging: StoreChainReader | undefined
    const following = await followWriter(worker, store, (event) => {
      lagging ??= StoreChainReader.open(store, genesis, logger)
      if (event.kind === 'commit') committed.add(event.hash)
      if (event.kind === 'paused') worker.postMessage('go')
      if (event.kind === 'done') done = event
      return done !== undefined
    })
    const { reader: r, followed: f, advanceMs, advances } = following
    assert.equal(toData(r.headHeader().hash()), done!.head)
    assert.equal(r.headHeader().number, 300n)
    // every commit announced exactly once (the reader had followed block 150 before the rewind)
    assert.equal(f.announced, done!.commits)
    assert.equal(f.rewinds, 1)
    for (const hash of f.canonical.slice(1)) assert.ok(committed.has(hash))
    for (let n = 0n; n <= 300n; n++) assert.equal(toData(r.canonicalHash(n)!), f.canonical[Number(n)])
    t.diagnostic(`advance: ${((advanceMs * 1000) / f.announced).toFixed(1)} µs per announced block (${advances} advances, ${f.announced} blocks of 8 txs, listeners included)`)
    let lagged = 0
    lagging!.onBlock(() => lagged++)
    const from = lagging!.headHeader().number
    const start = performance.now()
    lagging!.advance()
    assert.equal(lagged, Number(300n - from))
    t.diagnostic(`advance over ${lagged} blocks at once, no listener work: ${(((performance.now() - start) * 1000) / lagged).toFixed(1)} µs per block`)

    // The cost of reads on a fresh reader (cold decoded-block cache), per call.
    const cold = StoreChainReader.open(store, genesis, logger)
    const head = cold.headHeader()
    const older = cold.getBlockByNumber(100n)!.header.stateRoot
    const who = hexToBytes(accounts[2]!)
    const time = async (label: string, n: number, read: (i: number) => unknown) => {
      const start = performance.now()
      for (let i = 0; i < n; i++) await read(i)
      t.diagnostic(`${label}: ${(((performance.now() - start) * 1000) / n).toFixed(1)} µs`)
    }
    await time('getBlockByNumber (decode, uncached)', 300, (i) => cold.getBlockByNumber(BigInt(i + 1)))
    await time('getBlockByNumber (cached)', 1000, (i) => cold.getBlockByNumber(300n - BigInt(i % 200)))
    await time('getReceipts', 300, (i) => cold.getReceipts(hexToBytes(f.canonical[i + 1]! as Hex)))
    await time('canonicalHash', 1000, (i) => cold.canonicalHash(BigInt(i % 300)))
    const txs = cold.getBlockByNumber(200n)!.transactions.map((tx) => tx.hash())
    await time('txLocation', 1000, (i) => cold.txLocation(txs[i % txs.length]!))
    await time('blocksMentioning (300 blocks)', 100, () => [...cold.blocksMentioning(EMITTER_BYTES, 0n, 300n)].length)
    await time('accountAt head (flat)', 1000, () => cold.accountAt(head.stateRoot, who))
    await time('accountAt block 100 (trie)', 1000, () => cold.accountAt(older, who))
  } finally {
    await worker.terminate()
    await store.close()
    dir.cleanup()
  }
})

test('StoreChainReader: advance() sees a commit another thread made within this event turn (after this thread already read)', { timeout: 120_000 }, async () => {
  const dir = tempDir()
  const store = new ChainStore(openDatabase(dir.dir))
  const signal = new SharedArrayBuffer(4)
  const commits = new Int32Array(signal)
  const worker = startWriter({ dir: dir.dir, blocks: 3, txsPerBlock: 4, signal })
  try {
    const [event] = (await once(worker, 'message')) as [ChainWriterEvent]
    assert.equal(event.kind, 'open')
    // One synchronous step: read (lmdb-js takes a read snapshot for this thread and keeps
    // it until a timer of a later turn), wait for the writer's commit, then advance.
    // Invariant: advance() follows the store as it is when called, not the thread's older snapshot.
    const reader = StoreChainReader.open(store, genesis, logger)
    const seen = reader.headHeader().number
    assert.equal(reader.getBlockByNumber(seen)?.header.number, seen)
    while (Atomics.load(commits, 0) <= Number(seen)) assert.notEqual(Atomics.wait(commits, 0, Atomics.load(commits, 0), 60_000), 'timed-out')
    reader.advance()
    assert.ok(reader.headHeader().number > seen)
    assertWhole(reader, 0n)
  } finally {
    await worker.terminate()
    await store.close()
    dir.cleanup()
  }
})

/**
 * Invariant after a writer died: the reader follows the store to its last commit (never
 * behind what it announced), every block whole, its events describing exactly the store's
 * chain; and the store is whole, so a writer opened on it again (here, in this thread,
 * taking the write lock the dead one may have held) goes on from that head.
 */
async function assertCarriesOn(store: ChainStore, { reader, followed }: Pick<Following, 'reader' | 'followed'>): Promise<void> {
  const before = reader.headHeader().number
  reader.advance()
  assertWhole(reader, before / 2n)
  assert.ok(reader.headHeader().number >= before)
  assert.equal(followed.canonical.length, Number(reader.headHeader().number) + 1)
  const chain = await Chain.open(store, genesis, logger)
  assert.equal(toData(chain.headHeader().hash()), toData(reader.headHeader().hash()))
  const nonce = Number((await chain.headAccount(hexToBytes(accounts[0]!)))?.nonce ?? 0n)
  await chain.buildBlock({ timestamp: 10_000n, coinbase: new Uint8Array(20), txs: txSource([signedTx(chain, nonce, { to: accounts[1]! as Hex, value: 1n })]) })
  reader.advance()
  assert.equal(toData(reader.headHeader().hash()), toData(chain.headHeader().hash()))
  assertWhole(reader, 1n)
}

/** A writer to kill: a worker thread (terminated) or an OS process (SIGKILL). */
const WRITERS = {
  thread: (dir: string) => {
    const worker = startWriter({ dir, blocks: 0, txsPerBlock: 8 })
    return { events: worker, kill: async () => void (await worker.terminate()) }
  },
  process: (dir: string) => {
    const child = startWriterProcess({ dir, blocks: 0, txsPerBlock: 8 })
    return { events: child, kill: async () => void (child.exitCode === null && child.signalCode === null && (child.kill('SIGKILL'), await once(child, 'exit'))) }
  },
}

for (const [kind, start] of Object.entries(WRITERS)) {
  test(`StoreChainReader: after its writer ${kind} was killed mid-burst, the reader follows to the last commit, every block whole, and a new writer carries on`, { timeout: 300_000 }, async () => {
    const dir = tempDir()
    const store = new ChainStore(openDatabase(dir.dir))
    const writer = start(dir.dir)
    try {
      let commits = 0
      const { reader, followed } = await followWriter(writer.events, store, (event) => event.kind === 'commit' && ++commits === 50)
      // Killed wherever it is: between blocks, or inside a block's write transaction (it commits back to back).
      await writer.kill()
      await assertCarriesOn(store, { reader, followed })
    } finally {
      await writer.kill()
      await store.close()
      dir.cleanup()
    }
  })
}
