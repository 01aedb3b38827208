import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Database } from 'lmdb'
import { pseudoRandom } from '../../test/helpers/random.js'
import { tempDir } from '../../test/helpers/tmp.js'
import { CorruptionError } from '../primitives/errors.js'
import { ChainStore, MissingChangeSetError, RewindTargetError, type BlockWrite } from './chainStore.js'
import { openDatabase, type Tables } from './database.js'
import type { FlatStateDiff } from './flatState.js'
import { storageKey, txLocation, u64 } from './keys.js'

const ADDRESSES = [1, 2, 3, 4, 5].map((i) => new Uint8Array(20).fill(i))
const SLOTS = [0, 1, 2, 3, 0xff].map((i) => new Uint8Array(32).fill(i))

/** A deterministic stream of small random choices. */
function chooser(seed: number): (n: number) => number {
  const bytes = pseudoRandom(1 << 16, seed)
  let i = 0
  return (n) => bytes[i++ % bytes.length]! % n
}

/** A block write with made-up contents: the store keeps bytes, it does not interpret them. */
function blockWrite(number: bigint, flat: FlatStateDiff, extra: Partial<BlockWrite> = {}): BlockWrite {
  return {
    hash: pseudoRandom(32, 1000 + Number(number)),
    number,
    parentHash: new Uint8Array(32),
    stateRoot: pseudoRandom(32, 2000 + Number(number)),
    header: Uint8Array.of(1, Number(number)),
    body: Uint8Array.of(2),
    receipts: Uint8Array.of(3),
    txHashes: [],
    logKeys: [],
    trieNodes: new Map(),
    flat,
    ...extra,
  }
}

const NO_CHANGES: FlatStateDiff = { clearedStorage: [], accounts: new Map(), storage: [] }

/**
 * A random diff over a few addresses and slots: account writes and deletes, slot writes
 * and deletes, and now and then a wiped account (some of whose slots are written again
 * in the same block, as a contract re-created at a used address would).
 */
function randomDiff(choose: (n: number) => number, number: number): FlatStateDiff {
  const accounts = new Map<string, { address: Uint8Array; rlp: Uint8Array | undefined }>()
  for (const address of ADDRESSES) {
    const pick = choose(4)
    if (pick === 0) accounts.set(hex(address), { address, rlp: undefined })
    if (pick === 1) accounts.set(hex(address), { address, rlp: Uint8Array.of(0xc2, number & 0x7f, choose(100)) })
  }
  const clearedStorage = choose(3) === 0 ? [ADDRESSES[choose(ADDRESSES.length)]!] : []
  const storage: FlatStateDiff['storage'][number][] = []
  for (const address of ADDRESSES) {
    for (const slot of SLOTS) {
      const pick = choose(5)
      if (pick === 0) storage.push({ address, slot, value: undefined })
      if (pick === 1) storage.push({ address, slot, value: Uint8Array.of(1 + choose(250), number) })
    }
  }
  return { clearedStorage, accounts, storage }
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex')
}

function assertBytes(actual: Uint8Array | undefined, expected: Uint8Array, message?: string): void {
  assert.equal(actual && hex(actual), hex(expected), message)
}

function dump(table: Database<Buffer, Buffer> | Database<Buffer, string>): Map<string, string> {
  const rows = new Map<string, string>()
  for (const { key, value } of table.getRange({})) rows.set(typeof key === 'string' ? key : hex(key), hex(value))
  return rows
}

function dumpAll(tables: Tables): Record<string, Map<string, string>> {
  return Object.fromEntries(Object.entries(tables).map(([name, table]) => [name, dump(table)]))
}

async function withStore(run: (store: ChainStore) => Promise<void> | void): Promise<void> {
  const tmp = tempDir()
  const store = new ChainStore(openDatabase(tmp.dir))
  try {
    await run(store)
  } finally {
    await store.close()
    tmp.cleanup()
  }
}

test('rewindTo restores the flat tables exactly as they were at each height, wiped storage included', () =>
  withStore((store) => {
    const choose = chooser(42)
    const writes = [blockWrite(0n, randomDiff(choose, 0))]
    store.commitGenesis(writes[0]!, 901n)
    const flatAt = [{ accounts: dump(store.tables.accounts), storage: dump(store.tables.storage) }]
    let wipedRows = 0
    for (let n = 1; n <= 40; n++) {
      const write = blockWrite(BigInt(n), randomDiff(choose, n))
      for (const address of write.flat.clearedStorage) {
        const [start, end] = [SLOTS[0]!, new Uint8Array(32).fill(0xff)].map((slot) => storageKey(address, slot))
        wipedRows += [...store.tables.storage.getKeys({ start, end, inclusiveEnd: true })].length
      }
      store.commitBlock(write)
      writes.push(write)
      flatAt.push({ accounts: dump(store.tables.accounts), storage: dump(store.tables.storage) })
    }
    // the random diffs did wipe storage rows that existed, and change the state at every height
    assert.ok(wipedRows > 10, `only ${wipedRows} wiped rows`)
    assert.equal(new Set(flatAt.map((f) => JSON.stringify([...f.storage]))).size, flatAt.length)

    for (const target of [33, 20, 20, 7, 0]) {
      store.rewindTo(BigInt(target), writes[target]!.stateRoot)
      assert.deepEqual(dump(store.tables.accounts), flatAt[target]!.accounts, `accounts at ${target}`)
      assert.deepEqual(dump(store.tables.storage), flatAt[target]!.storage, `storage at ${target}`)
      assertBytes(store.headHash(), writes[target]!.hash)
      assertBytes(store.flatRoot(), writes[target]!.stateRoot)
      assertBytes(store.canonicalHash(BigInt(target)), writes[target]!.hash)
      assert.equal(store.canonicalHash(BigInt(target + 1)), undefined)
      assert.deepEqual([...store.tables.changesets.getKeys({})].map((k) => Number(k.readBigUInt64BE())), range(1, target))
    }
  }))

test('rewindTo removes the removed blocks from the tx and log indices, and keeps them by hash', () =>
  withStore((store) => {
    const tx = (i: number) => new Uint8Array(32).fill(0x10 + i)
    const address = new Uint8Array(20).fill(0xaa)
    const topic = new Uint8Array(32).fill(0xbb)
    store.commitGenesis(blockWrite(0n, NO_CHANGES), 901n)
    const b1 = blockWrite(1n, NO_CHANGES, { txHashes: [tx(1)], logKeys: [address] })
    const b2 = blockWrite(2n, NO_CHANGES, { txHashes: [tx(2), tx(3)], logKeys: [address, topic] })
    const b3 = blockWrite(3n, NO_CHANGES, { txHashes: [tx(4)], logKeys: [topic] })
    for (const b of [b1, b2, b3]) store.commitBlock(b)
    // tx 3's entry was taken over by another block since (as one orphaned by start-up repair can)
    const other = new Uint8Array(32).fill(0xee)
    store.tables.txIndex.putSync(Buffer.from(tx(3)), txLocation(other, 0))

    store.rewindTo(1n, b1.stateRoot)
    assertBytes(store.getTxLocation(tx(1))?.blockHash, b1.hash)
    assert.equal(store.getTxLocation(tx(2)), undefined)
    assert.equal(store.getTxLocation(tx(4)), undefined)
    assertBytes(store.getTxLocation(tx(3))?.blockHash, other)
    assert.deepEqual([...store.blocksMentioning(address, 0n, 10n)], [1n])
    assert.deepEqual([...store.blocksMentioning(topic, 0n, 10n)], [])
    for (const b of [b2, b3]) {
      assertBytes(store.getHeaderRlp(b.hash), b.header)
      assertBytes(store.getBodyRlp(b.hash), b.body)
    }
  }))

test('rewindTo refuses a target above the head or below the oldest changeset, or a bad changeset, changing nothing', () =>
  withStore((store) => {
    const choose = chooser(7)
    const writes = [blockWrite(0n, randomDiff(choose, 0))]
    store.commitGenesis(writes[0]!, 901n)
    for (let n = 1; n <= 5; n++) {
      writes.push(blockWrite(BigInt(n), randomDiff(choose, n), { txHashes: [pseudoRandom(32, n)], logKeys: [ADDRESSES[0]!] }))
      store.commitBlock(writes[n]!)
    }
    // blocks 1 and 2 as a build from before changesets would have left them
    store.tables.changesets.removeSync(u64(1n))
    store.tables.changesets.removeSync(u64(2n))
    const before = dumpAll(store.tables)

    for (const target of [0n, 1n]) {
      assert.throws(
        () => store.rewindTo(target, writes[Number(target)]!.stateRoot),
        (err: unknown) => err instanceof MissingChangeSetError && err.target === target && err.oldestTarget === 2n,
      )
    }
    assert.throws(() => store.rewindTo(6n, new Uint8Array(32)), RewindTargetError)
    assert.deepEqual(dumpAll(store.tables), before)

    // a damaged changeset below two good ones: blocks 5 and 4 are undone before it is read
    const three = store.tables.changesets.getBinary(u64(3n))!
    store.tables.changesets.putSync(u64(3n), Buffer.from([0xc3, 0x01]))
    const damaged = dumpAll(store.tables)
    assert.throws(() => store.rewindTo(2n, writes[2]!.stateRoot), CorruptionError)
    assert.deepEqual(dumpAll(store.tables), damaged)
    store.tables.changesets.putSync(u64(3n), three)

    // the blocks that have changesets still rewind
    store.rewindTo(2n, writes[2]!.stateRoot)
    assertBytes(store.headHash(), writes[2]!.hash)
  }))

test('a rewind leaves a stale flat-root marker stale', () =>
  withStore((store) => {
    const choose = chooser(9)
    const genesis = blockWrite(0n, randomDiff(choose, 0))
    store.commitGenesis(genesis, 901n)
    store.commitBlock(blockWrite(1n, randomDiff(choose, 1)), false)
    const flat = dump(store.tables.storage)
    store.commitBlock(blockWrite(2n, randomDiff(choose, 2)), false)
    store.rewindTo(1n, new Uint8Array(32).fill(1), false)
    assertBytes(store.flatRoot(), genesis.stateRoot)
    // the rows are still restored: the changeset inverts what the block wrote
    assert.deepEqual(dump(store.tables.storage), flat)
  }))

function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i)
}

test("a prepared block survives a reopen, is cleared by its block's own commit (one transaction) and by a rewind, and an unreadable one is corruption", async () => {
  const tmp = tempDir()
  try {
    const write = blockWrite(1n, { clearedStorage: [], accounts: new Map([[hex(ADDRESSES[0]!), { address: ADDRESSES[0]!, rlp: Uint8Array.of(0xc1, 7) }]]), storage: [] })
    {
      const store = new ChainStore(openDatabase(tmp.dir))
      store.commitGenesis(blockWrite(0n, NO_CHANGES), 901n)
      store.prepareBlock(5n, write)
      await store.close()
    }
    // A restart (every prepare is a synchronous commit, as durable as a block's).
    const store = new ChainStore(openDatabase(tmp.dir))
    try {
      const prepared = store.preparedBlock()!
      assert.equal(prepared.slot, 5n)
      assert.equal(hex(prepared.write.hash), hex(write.hash))
      assert.equal(hex(prepared.write.flat.accounts.get(hex(ADDRESSES[0]!))!.rlp!), hex(Uint8Array.of(0xc1, 7)))
      // Preparing nothing moved the head or the state.
      assert.equal(store.getAccountRlp(ADDRESSES[0]!), undefined)
      store.commitBlock(prepared.write)
      assert.equal(store.hasPreparedBlock(), false, 'the commit cleared the record')
      assert.equal(hex(store.headHash()!), hex(write.hash))
      // A record on a head that then moves back is stale: the rewind drops it.
      store.prepareBlock(6n, blockWrite(2n, NO_CHANGES, { parentHash: write.hash }))
      store.rewindTo(0n, blockWrite(0n, NO_CHANGES).stateRoot)
      assert.equal(store.hasPreparedBlock(), false)
      store.dropPrepared()
      // Damaged bytes under the key: corruption, with the fix, never a crash or a wrong block.
      store.tables.meta.putSync('prepared', Buffer.from([0xc2, 0x01]))
      assert.throws(() => store.preparedBlock(), CorruptionError)
    } finally {
      await store.close()
    }
  } finally {
    tmp.cleanup()
  }
})
