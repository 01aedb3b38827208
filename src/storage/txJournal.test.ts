import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { pseudoRandom } from '../../test/helpers/random.js'
import { tempDir } from '../../test/helpers/tmp.js'
import { toData, type Hex } from '../primitives/hex.js'
import { ChainStore, type BlockWrite } from './chainStore.js'
import { openDatabase } from './database.js'
import { JournalClosedError, TxJournal } from './txJournal.js'

const hashOf = (i: number): Hex => toData(pseudoRandom(32, 500 + i))
const rawOf = (i: number, size = 100): Uint8Array => pseudoRandom(size, 900 + i)

/** A store in a temporary datadir; `reopen` closes it and opens the same datadir again (a restart). */
async function withStore(run: (ctx: { store: ChainStore; reopen(): Promise<ChainStore> }) => Promise<void>): Promise<void> {
  const tmp = tempDir()
  let store = new ChainStore(openDatabase(tmp.dir))
  try {
    await run({
      get store() {
        return store
      },
      async reopen() {
        await store.close()
        store = new ChainStore(openDatabase(tmp.dir))
        return store
      },
    })
  } finally {
    await store.close()
    tmp.cleanup()
  }
}

function emptyBlock(number: bigint, txHashes: Uint8Array[]): BlockWrite {
  return {
    hash: pseudoRandom(32, 100 + Number(number)),
    number,
    parentHash: new Uint8Array(32),
    stateRoot: pseudoRandom(32, 200 + Number(number)),
    header: Uint8Array.of(1),
    body: Uint8Array.of(2),
    receipts: Uint8Array.of(3),
    txHashes,
    logKeys: [],
    trieNodes: new Map(),
    flat: { clearedStorage: [], accounts: new Map(), storage: [] },
  }
}

describe('TxJournal', () => {
  it('hands back what it recorded, in the order recorded, across a reopen; numbering continues', () =>
    withStore(async (ctx) => {
      const journal = new TxJournal(ctx.store.tables.txJournal)
      // Recorded in an order unrelated to the keys' byte order.
      const order = [5, 2, 9, 0, 7]
      await Promise.all(order.map((i) => journal.record(hashOf(i), rawOf(i, 50 + i), 1_000 + i)))
      const again = new TxJournal((await ctx.reopen()).tables.txJournal)
      const { entries, unreadable } = again.scan()
      assert.deepEqual(unreadable, [])
      assert.deepEqual(entries.map((e) => e.hash), order.map(hashOf))
      assert.deepEqual(entries.map((e) => e.receivedAt), order.map((i) => 1_000 + i))
      entries.forEach((e, k) => assert.deepEqual(e.raw, rawOf(order[k]!, 50 + order[k]!)))
      // Entries recorded after the restart sort after the older ones.
      await again.record(hashOf(1), rawOf(1), 1)
      assert.deepEqual(again.scan().entries.map((e) => e.hash), [...order.map(hashOf), hashOf(1)])
    }))

  it('record and forget apply in the order issued, in one turn as across turns', () =>
    withStore(async ({ store }) => {
      const journal = new TxJournal(store.tables.txJournal)
      // Recorded, forgotten and recorded again in one turn: kept.
      const a = journal.record(hashOf(1), rawOf(1), 1)
      const b = journal.forget([hashOf(1)])
      const c = journal.record(hashOf(1), rawOf(1), 2)
      // Recorded then forgotten: gone.
      const d = journal.record(hashOf(2), rawOf(2), 1)
      const e = journal.forget([hashOf(2), hashOf(3)]) // 3 was never recorded: a no-op
      await Promise.all([a, b, c, d, e])
      assert.deepEqual(journal.scan().entries.map((x) => [x.hash, x.receivedAt]), [[hashOf(1), 2]])
      assert.equal(journal.size, 1)
    }))

  it('a block commit removes the journal entries of the txs it includes, and only those', () =>
    withStore(async ({ store }) => {
      const journal = new TxJournal(store.tables.txJournal)
      for (let i = 0; i < 6; i++) await journal.record(hashOf(i), rawOf(i), i)
      store.commitGenesis(emptyBlock(0n, []), 901n)
      const included = [1, 3, 4].map((i) => Buffer.from(hashOf(i).slice(2), 'hex'))
      // One tx of the block was never journaled (a deposit, a relay): nothing to remove.
      store.commitBlock(emptyBlock(1n, [...included, pseudoRandom(32, 77)]))
      assert.deepEqual(journal.scan().entries.map((e) => e.hash), [0, 2, 5].map(hashOf))
    }))

  it('unreadable rows (short, unknown layout, odd key) are reported, not thrown; the rest still reads', () =>
    withStore(async ({ store }) => {
      const journal = new TxJournal(store.tables.txJournal)
      await journal.record(hashOf(1), rawOf(1), 1)
      const table = store.tables.txJournal
      const key = (h: Hex) => Buffer.from(h.slice(2), 'hex')
      table.putSync(key(hashOf(2)), Buffer.alloc(0)) // empty
      table.putSync(key(hashOf(3)), Buffer.from([1, 0, 0])) // cut inside the header
      table.putSync(key(hashOf(4)), Buffer.concat([Buffer.from([9]), Buffer.alloc(16), Buffer.from(rawOf(4))])) // unknown version
      table.putSync(Buffer.from([1, 2, 3]), Buffer.concat([Buffer.from([1]), Buffer.alloc(16), Buffer.from(rawOf(5))])) // not a hash
      const { entries, unreadable } = journal.scan()
      assert.deepEqual(entries.map((e) => e.hash), [hashOf(1)])
      assert.deepEqual(new Set(unreadable), new Set([hashOf(2), hashOf(3), hashOf(4), '0x010203']))
      await journal.forget(unreadable)
      assert.equal(journal.size, 1)
    }))

  it('once the store closes, record and forget reject (never a write lmdb would fail outside any promise)', async () => {
    const tmp = tempDir()
    try {
      const store = new ChainStore(openDatabase(tmp.dir))
      await store.txJournal.record(hashOf(1), rawOf(1), 1)
      const closing = store.close()
      await assert.rejects(store.txJournal.forget([hashOf(1)]), JournalClosedError)
      await assert.rejects(store.txJournal.record(hashOf(3), rawOf(3), 1), JournalClosedError)
      await closing
      // What was committed before the close is there after a reopen.
      const again = new ChainStore(openDatabase(tmp.dir))
      assert.deepEqual(again.txJournal.scan().entries.map((e) => e.hash), [hashOf(1)])
      await again.close()
    } finally {
      tmp.cleanup()
    }
  })

  it('holds 128 KiB transactions; forgotten ones free their pages for new ones (the file does not grow without bound)', () =>
    withStore(async ({ store }) => {
      const journal = new TxJournal(store.tables.txJournal)
      const lastPage = () => (store.db.env.getStats() as { lastPageNumber: number }).lastPageNumber
      // At most 64 live entries of 128 KiB (8 MiB, 2,048 pages) at any time, as a full
      // pool of 256 slots holds; 16 rounds write 128 MiB in all.
      let highWater = 0
      for (let round = 0; round < 16; round++) {
        const ids = Array.from({ length: 64 }, (_, k) => round * 64 + k)
        await Promise.all(ids.map((i) => journal.record(hashOf(i), rawOf(i, 128 * 1024), i)))
        if (round === 2) highWater = lastPage()
        await journal.forget(ids.map(hashOf))
      }
      assert.equal(journal.size, 0)
      // LMDB reuses freed pages: the map's high-water mark stays where a few rounds took it.
      assert.ok(lastPage() <= highWater + 2 * 2_048, `the map grew from page ${highWater} to ${lastPage()}`)
    }))
})
