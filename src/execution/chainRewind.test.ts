import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Block, BlockHeader } from '@ethereumjs/block'
import { createFeeMarket1559Tx } from '@ethereumjs/tx'
import { Address, createAddressFromString, createContractAddress } from '@ethereumjs/util'
import { initCrypto } from '../primitives/crypto.js'
import { silentLogger } from '../primitives/logger.js'
import { hexToBytes, toData, type Hex } from '../primitives/hex.js'
import { openDatabase, type Tables } from '../storage/database.js'
import { ChainStore, MissingChangeSetError, RewindTargetError } from '../storage/chainStore.js'
import { u64 } from '../storage/keys.js'
import { TrieNodeDB } from '../storage/trieNodeDB.js'
import { HeadStateManager, createStateTrie } from './stateManager.js'
import { tempDir } from '../../test/helpers/tmp.js'
import { Chain, type TxSource } from './chain.js'
import { devAccounts, devGenesis } from './genesis.js'
import { toPooledTx } from './decodeTx.js'
import type { PooledTx } from './pooledTx.js'

await initCrypto()

const [alice, bob] = devAccounts(2)
const carol = '0x00000000000000000000000000000000000ca201'

/**
 * Runtime of a tiny storage contract. Calldata `slot ‖ value` (64 bytes): SSTORE it
 * (a zero value deletes the slot) and emit an empty LOG0. No calldata: SELFDESTRUCT to
 * the caller.
 */
const STORE_RUNTIME = hexToBytes('0x3660065733ff5b6020356000355560006000a000')

/** Initcode that sets `slots` (byte-sized slot → byte-sized value), then returns `runtime`. */
function deployCode(runtime: Uint8Array, slots: [number, number][]): Uint8Array {
  const sets = slots.flatMap(([slot, value]) => [0x60, value, 0x60, slot, 0x55])
  const copyAndReturn = (offset: number) => [0x60, runtime.length, 0x80, 0x60, offset, 0x60, 0x00, 0x39, 0x60, 0x00, 0xf3]
  return Uint8Array.from([...sets, ...copyAndReturn(sets.length + 11), ...runtime])
}

/** Initcode that writes slot 1 and self-destructs: the account is created and deleted in one tx. */
const CREATE_AND_DESTROY = hexToBytes('0x602a60015533ff')

/** A contract with storage from genesis: its SELFDESTRUCT (pre-Cancun) wipes rows the flat table had. */
const GENESIS_CONTRACT = '0x000000000000000000000000000000000000c0de'

function storeCall(slot: number, value: number): Uint8Array {
  const data = new Uint8Array(64)
  data[31] = slot
  data[63] = value
  return data
}

// Shanghai until t = 100 (SELFDESTRUCT deletes any contract), Cancun … Osaka from then on.
const genesis = devGenesis({
  chainId: 901,
  gasLimit: 60_000_000n,
  alloc: {
    [GENESIS_CONTRACT]: {
      balance: '0x64',
      code: toData(STORE_RUNTIME),
      storage: { '0x01': '0x11', '0x02': '0x22', '0x03': '0x33' },
    },
  },
})
Object.assign(genesis.config, { cancunTime: 100, pragueTime: 100, osakaTime: 100 })

interface TxFields {
  to?: Hex
  value?: bigint
  data?: Uint8Array
}

function sign(chain: Chain, from: typeof alice, nonce: number, fields: TxFields): PooledTx {
  const tx = createFeeMarket1559Tx(
    { chainId: 901n, nonce, gasLimit: 300_000n, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 1n, ...fields },
    { common: chain.common },
  ).sign(hexToBytes(from!.privateKey))
  return toPooledTx(tx, tx.serialize())
}

function source(txs: PooledTx[]): TxSource {
  let i = 0
  return {
    next: () => (i < txs.length ? { done: false, value: txs[i++]! } : { done: true, value: undefined }),
    skipSender: () => {},
  }
}

async function build(chain: Chain, timestamp: bigint, txs: PooledTx[]): Promise<Block> {
  const res = await chain.buildBlock({ timestamp, coinbase: new Uint8Array(20), txs: source(txs) })
  assert.deepEqual(res.invalid.map((i) => i.reason), [])
  assert.ok(res.receipts.every((r) => r.status === 1), `a tx of block ${res.block.header.number} failed`)
  return res.block
}

async function openChain(dir: string) {
  const store = new ChainStore(openDatabase(dir))
  return { store, chain: await Chain.open(store, genesis, silentLogger()) }
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('hex')
}

/** Every row of the flat tables, as hex. */
function flatRows(store: ChainStore): { accounts: Map<string, string>; storage: Map<string, string> } {
  const rows = (table: Tables['accounts']) => new Map([...table.getRange({})].map(({ key, value }) => [hex(key), hex(value)]))
  return { accounts: rows(store.tables.accounts), storage: rows(store.tables.storage) }
}

/**
 * Every flat row equals what the trie at the head's state root holds, and every address
 * in `known` is in the flat table exactly when the trie has it.
 */
async function assertFlatMatchesTrie(store: ChainStore, chain: Chain, known: Uint8Array[]): Promise<void> {
  assert.equal(chain.flatReadable, true)
  const root = chain.headHeader().stateRoot
  assert.equal(hex(store.flatRoot()!), hex(root))
  // The trie itself, not the chain's reads (which answer the head from the flat tables).
  const trie = new HeadStateManager(chain.common, createStateTrie(new TrieNodeDB(store.tables.trie), root))
  const { accounts, storage } = flatRows(store)
  const addresses = new Set([...accounts.keys(), ...known.map(hex)])
  for (const address of addresses) {
    const account = await trie.getAccount(new Address(Buffer.from(address, 'hex')))
    assert.equal(accounts.get(address), account && hex(account.serialize()), `account ${address}`)
  }
  for (const [key, value] of storage) {
    const [address, slot] = [Buffer.from(key.slice(0, 40), 'hex'), Buffer.from(key.slice(40), 'hex')]
    assert.equal(hex(await trie.getStorage(new Address(address), slot)), value, `slot ${key}`)
  }
}

/** The flat storage table's key of a slot given as one byte. */
function slotKey(address: Uint8Array, slot: number): string {
  return hex(address) + slot.toString(16).padStart(64, '0')
}

function txLocated(store: ChainStore, ptx: PooledTx): string | undefined {
  const location = store.getTxLocation(ptx.tx.hash())
  return location && hex(location.blockHash)
}

test('rewinding the chain undoes blocks exactly; a different continuation replays elsewhere to the same state', async () => {
  const a = tempDir()
  const b = tempDir()
  try {
    let { store, chain } = await openChain(a.dir)
    const aliceAddress = createAddressFromString(alice!.address)
    const storeContract = createContractAddress(aliceAddress, 0n).bytes
    const laterContract = createContractAddress(aliceAddress, 8n).bytes
    const destroyed = createContractAddress(aliceAddress, 6n).bytes
    const known = [aliceAddress.bytes, hexToBytes(bob!.address), hexToBytes(carol), hexToBytes(GENESIS_CONTRACT), storeContract, laterContract, destroyed]
    const storeAt = toData(storeContract)

    // 1-3 under Shanghai, 4-5 under Osaka
    const block1 = await build(chain, 10n, [
      sign(chain, alice, 0, { data: deployCode(STORE_RUNTIME, [[1, 1], [2, 2], [3, 3]]) }),
      sign(chain, bob, 0, { to: carol, value: 1000n }),
    ])
    const keptTx = sign(chain, bob, 1, { to: carol, value: 2000n })
    const block2 = await build(chain, 20n, [
      sign(chain, alice, 1, { to: storeAt, data: storeCall(1, 0) }), // delete a slot
      sign(chain, alice, 2, { to: storeAt, data: storeCall(2, 0x99) }),
      sign(chain, alice, 3, { to: storeAt, data: storeCall(7, 7) }),
      keptTx,
    ])
    const atTwo = flatRows(store)
    const bobTransfer = sign(chain, bob, 2, { to: carol, value: 3000n })
    const removedTxs = [
      [
        sign(chain, alice, 4, { to: GENESIS_CONTRACT }), // SELFDESTRUCT before Cancun: wipes genesis storage
        bobTransfer,
        sign(chain, alice, 5, { to: storeAt, data: storeCall(3, 0) }),
      ],
      [
        sign(chain, alice, 6, { data: CREATE_AND_DESTROY, value: 5n }),
        sign(chain, alice, 7, { to: storeAt, data: storeCall(2, 0x55) }),
        sign(chain, bob, 3, { to: carol, value: 4000n }),
      ],
      [sign(chain, alice, 8, { data: deployCode(STORE_RUNTIME, [[9, 9]]) })],
    ]
    const block3 = await build(chain, 30n, removedTxs[0]!)
    const block4 = await build(chain, 100n, removedTxs[1]!)
    const block5 = await build(chain, 110n, removedTxs[2]!)
    // the blocks did what the test relies on
    const genesisContract = hexToBytes(GENESIS_CONTRACT)
    assert.equal(await chain.headAccount(genesisContract), undefined)
    assert.ok(atTwo.storage.has(slotKey(genesisContract, 1)) && !flatRows(store).storage.has(slotKey(genesisContract, 1)))
    assert.ok(atTwo.storage.has(slotKey(storeContract, 3)) && !atTwo.storage.has(slotKey(storeContract, 1)))
    assert.ok(flatRows(store).storage.has(slotKey(laterContract, 9)))
    assert.deepEqual([...store.blocksMentioning(storeContract, 0n, 10n)], [2n, 3n, 4n])

    const rewinds: { head: BlockHeader; removed: Block[] }[] = []
    chain.onRewind((head, removed) => rewinds.push({ head, removed }))
    const removed = await chain.rewindTo(2n)

    const hashes = (blocks: Block[]) => blocks.map((x) => toData(x.hash()))
    assert.deepEqual(hashes(removed), hashes([block3, block4, block5]))
    assert.equal(rewinds.length, 1)
    assert.equal(toData(rewinds[0]!.head.hash()), toData(block2.hash()))
    assert.deepEqual(hashes(rewinds[0]!.removed), hashes(removed))
    assert.equal(toData(chain.headHeader().hash()), toData(block2.hash()))
    assert.equal(toData(store.headHash()!), toData(block2.hash()))
    for (const n of [3n, 4n, 5n]) {
      assert.equal(store.canonicalHash(n), undefined)
      assert.equal(chain.getBlockByNumber(n), undefined)
    }
    for (const ptx of removedTxs.flat()) assert.equal(txLocated(store, ptx), undefined)
    assert.equal(txLocated(store, keptTx), hex(block2.hash()))
    assert.deepEqual([...store.blocksMentioning(storeContract, 0n, 10n)], [2n])
    assert.deepEqual(flatRows(store), atTwo)
    await assertFlatMatchesTrie(store, chain, known)
    // an orphan is still there by hash, as geth keeps side blocks
    assert.equal(toData(chain.getBlockByHash(block4.hash())!.hash()), toData(block4.hash()))

    // a different continuation, re-including one removed transaction
    const block3b = await build(chain, 40n, [sign(chain, alice, 4, { to: storeAt, data: storeCall(5, 5) }), bobTransfer])
    const block4b = await build(chain, 120n, [
      sign(chain, alice, 5, { data: CREATE_AND_DESTROY, value: 6n }),
      sign(chain, bob, 3, { to: carol, value: 5000n }),
    ])
    assert.equal(txLocated(store, bobTransfer), hex(block3b.hash()))
    assert.deepEqual([...store.blocksMentioning(storeContract, 0n, 10n)], [2n, 3n])
    await assertFlatMatchesTrie(store, chain, known)

    // replayed independently: import checks every root of every block
    const replica = await openChain(b.dir)
    for (const block of [block1, block2, block3b, block4b]) await replica.chain.importBlock(block)
    assert.equal(toData(replica.chain.headHeader().stateRoot), toData(block4b.header.stateRoot))
    assert.deepEqual(flatRows(replica.store), flatRows(store))
    await replica.store.close()

    // a reopened datadir has the new head and its flat state
    const atFour = flatRows(store)
    await store.close()
    ;({ store, chain } = await openChain(a.dir))
    assert.equal(toData(chain.headHeader().hash()), toData(block4b.hash()))
    assert.deepEqual(flatRows(store), atFour)
    await assertFlatMatchesTrie(store, chain, known)

    // blocks 1 and 2 as a build from before changesets left them: rewinding below 2 is refused
    store.tables.changesets.removeSync(u64(1n))
    store.tables.changesets.removeSync(u64(2n))
    const tables = () => Object.fromEntries(Object.entries(store.tables).map(([name, t]) => [name, [...t.getRange({})]]))
    const before = tables()
    await assert.rejects(chain.rewindTo(1n), (err: unknown) => err instanceof MissingChangeSetError && err.oldestTarget === 2n)
    assert.deepEqual(tables(), before)
    assert.equal(toData(chain.headHeader().hash()), toData(block4b.hash()))
    // and the chain goes on from its unchanged head
    await build(chain, 130n, [sign(chain, bob, 4, { to: carol, value: 1n })])
    await chain.rewindTo(2n)
    assert.deepEqual(flatRows(store), atTwo)
    await assertFlatMatchesTrie(store, chain, known)
    await store.close()
  } finally {
    a.cleanup()
    b.cleanup()
  }
})

test('rewindTo refuses targets outside [0, head] and does nothing for the head itself', async () => {
  const a = tempDir()
  try {
    const { store, chain } = await openChain(a.dir)
    const calls: unknown[] = []
    chain.onRewind((head) => calls.push(head))
    // genesis only: the genesis is the only target
    assert.deepEqual(await chain.rewindTo(0n), [])
    await assert.rejects(chain.rewindTo(1n), RewindTargetError)
    const block1 = await build(chain, 10n, [sign(chain, bob, 0, { to: carol, value: 1n })])
    await assert.rejects(chain.rewindTo(2n), RewindTargetError)
    await assert.rejects(chain.rewindTo(-1n), RewindTargetError)
    assert.deepEqual(await chain.rewindTo(1n), [])
    assert.equal(calls.length, 0)
    assert.equal(toData(chain.headHeader().hash()), toData(block1.hash()))
    await store.close()
  } finally {
    a.cleanup()
  }
})
