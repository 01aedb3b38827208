import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { createFeeMarket1559Tx } from '@ethereumjs/tx'
import { Address, createContractAddress } from '@ethereumjs/util'
import { initCrypto, keccak256 } from '../primitives/crypto.js'
import { silentLogger } from '../primitives/logger.js'
import { hexToBytes, toData, type Hex } from '../primitives/hex.js'
import { openDatabase } from '../storage/database.js'
import { ChainStore } from '../storage/chainStore.js'
import { TrieNodeDB } from '../storage/trieNodeDB.js'
import { tempDir } from '../../test/helpers/tmp.js'
import { Chain } from './chain.js'
import { txSource } from '../../test/helpers/memoryChains.js'
import type { ChainReader } from './chainReader.js'
import { devAccounts, devGenesis } from './genesis.js'
import { toPooledTx } from './decodeTx.js'
import type { PooledTx } from './pooledTx.js'
import { HeadStateManager, createStateTrie } from './stateManager.js'

await initCrypto()

const genesis = devGenesis({ chainId: 901, gasLimit: 60_000_000n })
const [alice, bob] = devAccounts(2)
const aliceAddress = new Address(hexToBytes(alice!.address))
const bobBytes = hexToBytes(bob!.address)
/** Init code of a contract whose every call emits LOG1 with topic 1 (runtime 0x600160006000a100). */
const EMITTER_INIT = hexToBytes('0x6008600c60003960086000f3600160006000a100')
const EMITTER_RUNTIME = '0x600160006000a100'
const TOPIC_ONE = hexToBytes(`0x${'00'.repeat(31)}01`)
const EMITTER = createContractAddress(aliceAddress, 0n).bytes

function tx(chain: Chain, nonce: number, fields: { to?: Uint8Array; value?: bigint; data?: Uint8Array }): PooledTx {
  const signed = createFeeMarket1559Tx(
    { chainId: 901n, nonce, gasLimit: 200_000n, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 1n, ...fields },
    { common: chain.common },
  ).sign(hexToBytes(alice!.privateKey))
  return toPooledTx(signed, signed.serialize())
}

const source = txSource

/** The trie at `root` read directly from the store: what every reader answer must equal. */
function trieAt(store: ChainStore, chain: Chain, root: Uint8Array): HeadStateManager {
  return new HeadStateManager(chain.common, createStateTrie(new TrieNodeDB(store.tables.trie), root))
}

/** Every state read of `reader` at `root` against the trie there (head: the flat tables; older: the trie). */
async function assertStateMatches(reader: ChainReader, store: ChainStore, chain: Chain, root: Uint8Array): Promise<void> {
  const trie = trieAt(store, chain, root)
  for (const address of [bobBytes, aliceAddress.bytes, EMITTER, new Uint8Array(20).fill(7)]) {
    const want = await trie.getAccount(new Address(address))
    const got = await reader.accountAt(root, address)
    assert.equal(got?.balance, want?.balance)
    assert.equal(got?.nonce, want?.nonce)
    assert.equal(got ? toData(got.storageRoot) : undefined, want ? toData(want.storageRoot) : undefined)
    assert.equal(toData(await reader.codeAt(root, address)), toData(await trie.getCode(new Address(address))))
    assert.equal(toData(await reader.storageAt(root, address, new Uint8Array(32))), toData(await trie.getStorage(new Address(address), new Uint8Array(32))))
  }
}

test('ChainReader: state, block and index reads equal the committed data, at the head and at older roots, across a rewind', async () => {
  const dir = tempDir()
  const store = new ChainStore(openDatabase(dir.dir))
  try {
    const chain = await Chain.open(store, genesis, silentLogger())
    const reader: ChainReader = chain
    const root0 = reader.headHeader().stateRoot
    const b1 = await chain.buildBlock({ timestamp: 1n, coinbase: new Uint8Array(20), txs: source([tx(chain, 0, { data: EMITTER_INIT }), tx(chain, 1, { to: bobBytes, value: 1000n })]) })
    const calls = [tx(chain, 2, { to: EMITTER }), tx(chain, 3, { to: EMITTER }), tx(chain, 4, { to: bobBytes, value: 5n })]
    const b2 = await chain.buildBlock({ timestamp: 2n, coinbase: new Uint8Array(20), txs: source(calls) })
    assert.equal(b2.included.length, 3)
    const [root1, root2] = [b1.block.header.stateRoot, b2.block.header.stateRoot]

    // state: the head (flat tables) and older roots (trie) both equal the trie
    for (const root of [root0, root1, root2]) await assertStateMatches(reader, store, chain, root)
    assert.equal(toData(await reader.codeAt(root2, EMITTER)), EMITTER_RUNTIME)
    assert.equal(toData(await reader.codeAt(root0, EMITTER)), '0x')
    assert.equal((await reader.accountAt(root1, bobBytes))!.balance + 5n, (await reader.accountAt(root2, bobBytes))!.balance)

    // a proof commits to the root it was asked at
    const proof = await reader.proofAt(root1, bobBytes, [new Uint8Array(32)])
    assert.equal(toData(keccak256(hexToBytes(proof.accountProof[0] as Hex))), toData(root1))
    assert.equal(BigInt(proof.balance), (await reader.accountAt(root1, bobBytes))!.balance)

    // blocks and indexes
    assert.equal(toData(reader.canonicalHash(2n)!), toData(b2.block.hash()))
    assert.equal(reader.canonicalHash(3n), undefined)
    const loc = reader.txLocation(calls[1]!.tx.hash())!
    assert.deepEqual([toData(loc.blockHash), loc.index], [toData(b2.block.hash()), 1])
    assert.equal(reader.txLocation(new Uint8Array(32)), undefined)
    assert.deepEqual([...reader.blocksMentioning(EMITTER, 0n, 2n)], [2n])
    assert.deepEqual([...reader.blocksMentioning(TOPIC_ONE, 0n, 2n)], [2n])
    assert.deepEqual([...reader.blocksMentioning(EMITTER, 0n, 1n)], [])
    assert.equal(reader.getReceipts(b2.block.hash())!.length, 3)

    // a rewind: the old head is answered from the trie, the removed block leaves every index
    await chain.rewindTo(1n)
    assert.equal(toData(reader.headHeader().stateRoot), toData(root1))
    for (const root of [root1, root2]) await assertStateMatches(reader, store, chain, root)
    assert.equal(reader.canonicalHash(2n), undefined)
    assert.equal(reader.txLocation(calls[1]!.tx.hash()), undefined)
    assert.deepEqual([...reader.blocksMentioning(EMITTER, 0n, 2n)], [])
  } finally {
    await store.close()
    dir.cleanup()
  }
})

test('ChainReader: reads at a root that is the head when asked answer for that root while a block commits', async () => {
  const dir = tempDir()
  const store = new ChainStore(openDatabase(dir.dir))
  try {
    const chain = await Chain.open(store, genesis, silentLogger())
    await chain.buildBlock({ timestamp: 1n, coinbase: new Uint8Array(20), txs: source([tx(chain, 0, { to: bobBytes, value: 1n })]) })
    const root = chain.headHeader().stateRoot
    const want = (await trieAt(store, chain, root).getAccount(new Address(bobBytes)))!.balance
    // Invariant: a read names its root; a block committing meanwhile (moving the flat
    // tables on) never makes it answer with the newer state.
    const reads: Promise<bigint | undefined>[] = []
    const building = chain.buildBlock({ timestamp: 2n, coinbase: new Uint8Array(20), txs: source([tx(chain, 1, { to: bobBytes, value: 7n })]) })
    for (let i = 0; i < 200; i++) {
      reads.push(chain.accountAt(root, bobBytes).then((a) => a?.balance))
      if (i % 20 === 0) await Promise.resolve()
    }
    await building
    reads.push(chain.accountAt(root, bobBytes).then((a) => a?.balance))
    for (const got of await Promise.all(reads)) assert.equal(got, want)
    assert.equal((await chain.accountAt(chain.headHeader().stateRoot, bobBytes))!.balance, want + 7n)
  } finally {
    await store.close()
    dir.cleanup()
  }
})

// Today's behaviour, kept (no behaviour change in this step): an unknown root reads as an
// empty state. Callers only ask at roots of committed headers (the RPC resolves the block
// first); a remote reader should refuse unknown roots instead (docs/design/executors.md).
test('ChainReader: a state root the chain never had reads as empty state, without a crash', async () => {
  const dir = tempDir()
  const store = new ChainStore(openDatabase(dir.dir))
  try {
    const chain = await Chain.open(store, genesis, silentLogger())
    const unknown = keccak256(new TextEncoder().encode('no such root'))
    assert.equal(await chain.accountAt(unknown, bobBytes), undefined)
    assert.equal(toData(await chain.storageAt(unknown, bobBytes, new Uint8Array(32))), '0x')
    assert.equal(toData(await chain.codeAt(unknown, EMITTER)), '0x')
    const proof = await chain.proofAt(unknown, bobBytes, [])
    assert.equal(BigInt(proof.balance), 0n)
    // and the chain still answers afterwards
    assert.ok((await chain.accountAt(chain.headHeader().stateRoot, hexToBytes(alice!.address)))!.balance > 0n)
  } finally {
    await store.close()
    dir.cleanup()
  }
})

/**
 * The readers (the RPC, settlement outside derivation and the replicas, the message
 * tracker) name `ChainReader`, never `Chain`: what keeps them implementable by a remote
 * executor. (The store is private to `Chain`, so no reader can reach it at all.)
 */
test('ChainReader: RPC and settlement readers do not import Chain', () => {
  const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../src')
  const writers = new Set(['settlement/derivation', 'settlement/chainReplica.ts', 'settlement/networkReplica.ts'])
  const offenders: string[] = []
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir)) {
      const file = path.join(dir, name)
      const rel = path.relative(src, file).split(path.sep).join('/')
      if (writers.has(rel)) continue
      if (statSync(file).isDirectory()) walk(file)
      else if (rel.endsWith('.ts') && !rel.endsWith('.test.ts') && /\bChain\b[^.]*from '[./]*\/execution\/chain\.js'/.test(readFileSync(file, 'utf8'))) offenders.push(rel)
    }
  }
  for (const dir of ['rpc', 'settlement']) walk(path.join(src, dir))
  if (readFileSync(path.join(src, 'interop/messageTracker.ts'), 'utf8').includes("execution/chain.js'")) offenders.push('interop/messageTracker.ts')
  assert.deepEqual(offenders, [])
})
