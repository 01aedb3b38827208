import { before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { addr, makeTx, osaka, setup } from '../../../test/helpers/txpool.js'
import { mulberry32 } from '../../../test/helpers/random.js'
import { tempDir } from '../../../test/helpers/tmp.js'
import { decodeRawTransaction } from '../../execution/decodeTx.js'
import type { PooledTx } from '../../execution/pooledTx.js'
import { initCrypto } from '../../primitives/crypto.js'
import { toData, type Hex } from '../../primitives/hex.js'
import { openDatabase, type ChainDatabase } from '../../storage/database.js'
import { TxJournal } from '../../storage/txJournal.js'
import { JournalWriteError } from './errors.js'
import { replayJournal, type TxPoolJournal } from './journal.js'
import type { TxPool } from './txPool.js'

/** The real journal over a temporary LMDB environment, with every `forget` recorded and awaitable. */
class SpyJournal implements TxPoolJournal {
  readonly forgotten: Hex[] = []
  private pending: Promise<void> = Promise.resolve()
  constructor(readonly inner: TxJournal) {}
  record(hash: Hex, raw: Uint8Array, receivedAt: number): Promise<void> {
    return this.inner.record(hash, raw, receivedAt)
  }
  forget(hashes: Iterable<Hex>): Promise<void> {
    const list = [...hashes]
    this.forgotten.push(...list)
    const done = this.inner.forget(list)
    this.pending = this.pending.then(() => done)
    return done
  }
  scan() {
    return this.inner.scan()
  }
  /** Resolves once every removal issued so far (they are issued at the end of the turn) is committed. */
  async settled(): Promise<void> {
    await new Promise((r) => setImmediate(r))
    await this.pending
  }
  hashes(): Hex[] {
    return this.inner.scan().entries.map((e) => e.hash)
  }
}

async function withJournal(run: (ctx: { journal: SpyJournal; db: ChainDatabase; reopen(): Promise<SpyJournal> }) => Promise<void>): Promise<void> {
  const tmp = tempDir()
  let db: ChainDatabase = openDatabase(tmp.dir)
  let journal = new SpyJournal(new TxJournal(db.tables.txJournal))
  try {
    await run({
      get journal() {
        return journal
      },
      get db() {
        return db
      },
      async reopen() {
        await db.close()
        db = openDatabase(tmp.dir)
        journal = new SpyJournal(new TxJournal(db.tables.txJournal))
        return journal
      },
    })
  } finally {
    await db.close()
    tmp.cleanup()
  }
}

const decode = (pool: TxPool) => async (raw: Uint8Array, receivedAt: number): Promise<PooledTx> =>
  decodeRawTransaction(raw, osaka, pool.checkEnvelope, receivedAt)

describe('TxPool journal', () => {
  before(() => initCrypto())

  it('add resolves once the journal holds the tx; evicted, replaced, removed and dropped txs are forgotten; included ones are left to the block commit', () =>
    withJournal(async ({ journal }) => {
      const { pool, state } = setup({ maxPending: 3, maxQueued: 1 }, osaka, { journal })
      const a0 = makeTx({ from: 1, nonce: 0n, tip: 5n })
      const a1 = makeTx({ from: 1, nonce: 1n, tip: 5n })
      const b0 = makeTx({ from: 2, tip: 1n })
      const c0 = makeTx({ from: 3, tip: 7n })
      for (const t of [a0, a1, b0, c0]) {
        await pool.add(t)
        // Invariant: once `add` resolved, the entry is committed.
        assert.ok(journal.hashes().includes(t.hash))
      }
      const d0 = makeTx({ from: 4, tip: 9n }) // evicts b0
      await pool.add(d0)
      const c0b = makeTx({ from: 3, tip: 20n, fee: 2_000n }) // replaces c0
      await pool.add(c0b)
      pool.remove(d0.hash) // failed at execution
      await journal.settled()
      assert.deepEqual(new Set(journal.hashes()), new Set([a0.hash, a1.hash, c0b.hash]))

      // A block includes a0: its commit removed the entry; the pool does not remove it again.
      state.nonces.set(addr(1), 1n)
      await pool.onNewHead({ included: [{ hash: a0.hash, sender: a0.sender, nonce: 0n }] })
      // Sender 3 can no longer pay: its tx is dropped, and forgotten.
      state.balances.set(addr(3), 0n)
      await pool.onNewHead({ included: [], touched: [addr(3)] })
      await journal.settled()
      assert.ok(!journal.forgotten.includes(a0.hash))
      assert.ok(journal.forgotten.includes(c0b.hash))
      assert.deepEqual(new Set(journal.forgotten), new Set([b0.hash, c0.hash, d0.hash, c0b.hash]))
    }))

  it('a tx accepted and evicted by a racing add in the same turn leaves no entry (its record is queued before its removal)', () =>
    withJournal(async ({ journal }) => {
      const { pool } = setup({ maxPending: 1, maxQueued: 1 }, osaka, { journal })
      const z = makeTx({ from: 1, tip: 100n })
      await pool.add(z)
      const a = makeTx({ from: 2, tip: 2n })
      const b = makeTx({ from: 3, tip: 3n }) // evicts a, the cheapest
      await Promise.all([pool.add(a), pool.add(b)])
      assert.ok(!pool.has(a.hash))
      await journal.settled()
      // Invariant: the journal holds exactly the pool.
      assert.deepEqual(new Set(journal.hashes()), new Set([z.hash, b.hash]))
    }))

  it('an eviction undone in the same turn (the incoming tx could not fit after all) leaves the victim journaled', () =>
    withJournal(async ({ journal }) => {
      const { pool } = setup({ maxPending: 1, maxQueued: 1 }, osaka, { journal })
      const cheap = makeTx({ from: 1, tip: 1n })
      const dear = makeTx({ from: 2, tip: 50n })
      await pool.add(cheap)
      await pool.add(dear)
      // Two slots needed: `cheap` is evicted first, then `dear` cannot go, so `cheap` is put back.
      const big = makeTx({ from: 3, tip: 10n, data: new Uint8Array(40 * 1024), gas: 500_000n })
      await assert.rejects(pool.add(big))
      await journal.settled()
      assert.deepEqual(new Set(journal.hashes()), new Set([cheap.hash, dear.hash]))
      assert.deepEqual(journal.forgotten, [])
    }))

  it('under random concurrent adds, removals, blocks and drops the journal holds exactly the pool', () =>
    withJournal(async ({ journal }) => {
      const { pool, state } = setup({ maxPending: 6, maxQueued: 3, maxPerSender: 4 }, osaka, { journal })
      const rand = mulberry32(13)
      const int = (n: number) => Math.floor(rand() * n)
      const seen = new Map<string, number>()
      const note = (k: string) => seen.set(k, (seen.get(k) ?? 0) + 1)
      for (let step = 0; step < 200; step++) {
        const op = int(10)
        if (op < 6) {
          // One to three adds racing in one turn.
          const adds = Array.from({ length: 1 + int(3) }, () => {
            const from = 1 + int(5)
            const base = state.nonces.get(addr(from)) ?? 0n
            const big = int(6) === 0 ? { data: new Uint8Array(40 * 1024), gas: 500_000n } : {}
            return makeTx({ from, nonce: base + BigInt(int(4)), tip: BigInt(1 + int(30)), ...big })
          })
          const results = await Promise.allSettled(adds.map((t) => pool.add(t)))
          for (const r of results) note(r.status === 'fulfilled' ? 'added' : ((r.reason as { reason?: string }).reason ?? 'other'))
        } else if (op === 6) {
          const all = pool.pendingTxs()
          if (all.length > 0) pool.remove(all[int(all.length)]!.hash)
          note('removed')
        } else if (op < 9) {
          // A block includes a sender's first pending tx; its commit drops it from the journal.
          const pending = pool.pendingTxs()
          if (pending.length === 0) continue
          const t = pending[int(pending.length)]!
          const first = pool.pendingTxs().find((p) => p.sender === t.sender)!
          state.nonces.set(first.sender, first.nonce + 1n)
          const committed = journal.inner.forget([first.hash]) // as ChainStore.commitBlock does, in the block's transaction
          await pool.onNewHead({ included: [{ hash: first.hash, sender: first.sender, nonce: first.nonce }] })
          await committed
          note('included')
        } else {
          // A deposit or a system call drains a sender: its txs are dropped.
          const sender = addr(1 + int(5))
          state.balances.set(sender, BigInt(int(3)) * 10n ** 9n)
          await pool.onNewHead({ included: [], touched: [sender] })
          note('drained')
        }
        await journal.settled()
        const pooled = new Set([...pool.pendingTxs(), ...Object.values(pool.content().queued).flatMap((m) => Object.values(m))].map((p) => p.hash))
        assert.deepEqual(new Set(journal.hashes()), pooled, `step ${step}`)
      }
      for (const k of ['added', 'removed', 'included', 'drained', 'Underpriced']) assert.ok((seen.get(k) ?? 0) > 0, `never saw ${k}: ${JSON.stringify([...seen])}`)
    }))

  it('a journal that cannot write: the tx is refused (JournalWriteError, -32000) and not pooled', async () => {
    const failing: TxPoolJournal = {
      record: async () => {
        throw new Error('MDB_MAP_FULL: Environment mapsize limit reached')
      },
      forget: async () => undefined,
      scan: () => ({ entries: [], unreadable: [] }),
    }
    const { pool } = setup({}, osaka, { journal: failing })
    const ptx = makeTx()
    await assert.rejects(pool.add(ptx), (err: unknown) => err instanceof JournalWriteError && err.rpcCode === -32000 && /MDB_MAP_FULL/.test(err.message))
    assert.equal(pool.size, 0)
    assert.equal(pool.slots, 0)
  })

  it('replay restores in arrival order (a replacement still wins) and drops included, now-invalid and torn entries quietly', () =>
    withJournal(async ({ journal, db, reopen }) => {
      const x = makeTx({ from: 1, nonce: 0n, tip: 5n, fee: 1_000n })
      const y = makeTx({ from: 1, nonce: 0n, tip: 10n, fee: 2_000n }) // replaces x
      const z = makeTx({ from: 1, nonce: 1n, tip: 5n })
      const w = makeTx({ from: 2, nonce: 0n }) // included before the restart
      const v = makeTx({ from: 3, nonce: 0n, value: 10n ** 20n }) // its sender cannot pay any more
      const torn = makeTx({ from: 4, nonce: 0n })
      const other = makeTx({ from: 5, nonce: 0n })
      // As a crash can leave it: x still there beside y (its removal was not committed yet).
      for (const t of [x, y, z, w, v]) await journal.record(t.hash, t.raw, t.receivedAt)
      await journal.record(torn.hash, torn.raw.subarray(0, torn.raw.length - 7), torn.receivedAt) // cut short
      await journal.record(toData(new Uint8Array(32).fill(0xab)), other.raw, 1) // filed under the wrong hash
      db.tables.txJournal.putSync(Buffer.alloc(32, 0xcd), Buffer.from([1, 2])) // not even a whole entry header
      const reopened = await reopen()
      const { pool, state } = setup({}, osaka, { journal: reopened })
      state.nonces.set(addr(2), 1n)
      state.balances.set(addr(3), 1_000n)
      const report = await replayJournal(pool, reopened, decode(pool))
      assert.deepEqual(report, { restored: 3, included: 1, invalid: 1, unreadable: 3 })
      assert.deepEqual(
        pool.pendingTxs().map((p) => p.hash),
        [y.hash, z.hash],
      )
      await reopened.settled()
      // Invariant: afterwards the journal holds exactly the pool.
      assert.deepEqual(new Set(reopened.hashes()), new Set([y.hash, z.hash]))
    }))

  it('a fault of the node while replaying (not of an entry) stops the replay and forgets nothing', () =>
    withJournal(async ({ journal }) => {
      const t = makeTx()
      await journal.record(t.hash, t.raw, 1)
      const { pool } = setup({}, osaka, { journal })
      await assert.rejects(
        replayJournal(pool, journal, async () => {
          throw new Error('recovery worker exited')
        }),
        /recovery worker exited/,
      )
      assert.deepEqual(journal.hashes(), [t.hash])
    }))

  it('a crash at any point loses no acknowledged tx: a new pool over the same journal holds every one not included', () =>
    withJournal(async ({ journal, reopen }) => {
      const first = setup({}, osaka, { journal })
      const acknowledged: PooledTx[] = []
      for (let i = 0; i < 60; i++) {
        const t = makeTx({ from: 1 + (i % 6), nonce: BigInt(Math.floor(i / 6)), tip: BigInt(1 + (i % 13)) })
        await first.pool.add(t)
        acknowledged.push(t)
      }
      // No stop, no flush: the process is gone.
      const reopened = await reopen()
      const second = setup({}, osaka, { journal: reopened })
      const report = await replayJournal(second.pool, reopened, decode(second.pool))
      assert.deepEqual(report, { restored: 60, included: 0, invalid: 0, unreadable: 0 })
      assert.deepEqual(new Set(second.pool.pendingTxs().map((p) => p.hash)), new Set(acknowledged.map((t) => t.hash)))
      assert.deepEqual(second.pool.status(), first.pool.status())
    }))
})
