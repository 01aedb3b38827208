import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createFeeMarket1559Tx } from '@ethereumjs/tx'
import { createAddressFromString } from '@ethereumjs/util'
import { initCrypto } from '../primitives/crypto.js'
import { silentLogger } from '../primitives/logger.js'
import { hexToBytes, toData } from '../primitives/hex.js'
import { openDatabase } from '../storage/database.js'
import { ChainStore } from '../storage/chainStore.js'
import { tempDir } from '../../test/helpers/tmp.js'
import { Chain, type TxSource } from './chain.js'
import { devAccounts, devGenesis } from './genesis.js'
import { toPooledTx } from './decodeTx.js'
import type { PooledTx } from './pooledTx.js'

await initCrypto()

const genesis = devGenesis({ chainId: 901, gasLimit: 60_000_000n })
const [alice, bob] = devAccounts(2)

function source(txs: PooledTx[]): TxSource {
  let i = 0
  const skipped = new Set<string>()
  return {
    next: () => {
      while (i < txs.length && skipped.has(txs[i]!.sender)) i++
      const value = txs[i++]
      return value ? { done: false, value } : { done: true, value: undefined }
    },
    skipSender: (s) => void skipped.add(s),
  }
}

function transfer(chain: Chain, nonce: number, value: bigint): PooledTx {
  const tx = createFeeMarket1559Tx(
    { chainId: 901n, nonce, to: bob!.address, value, gasLimit: 21000n, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 1n },
    { common: chain.common },
  ).sign(hexToBytes(alice!.privateKey))
  return toPooledTx(tx, tx.serialize())
}

async function openChain(dir: string) {
  const store = new ChainStore(openDatabase(dir))
  return { store, chain: await Chain.open(store, genesis, silentLogger()) }
}

test('builds blocks whose roots ethereumjs runBlock re-derives, and survives reopen', async () => {
  const a = tempDir()
  const b = tempDir()
  try {
    const { store, chain } = await openChain(a.dir)
    const genesisHash = chain.headHeader().hash()
    const built = []
    for (let n = 0; n < 3; n++) {
      const txs = [transfer(chain, 2 * n, 1000n), transfer(chain, 2 * n + 1, 2000n)]
      const res = await chain.buildBlock({ timestamp: BigInt(n + 1), coinbase: new Uint8Array(20), txs: source(txs) })
      assert.equal(res.included.length, 2)
      assert.equal(res.invalid.length, 0)
      assert.equal(res.receipts[1]!.cumulativeGasUsed, 42000n)
      built.push(res.block)
    }
    // an invalid tx (nonce too high for this block's order: reused nonce) is reported, not included
    const dup = transfer(chain, 0, 1n)
    const res = await chain.buildBlock({ timestamp: 10n, coinbase: new Uint8Array(20), txs: source([dup]) })
    assert.equal(res.included.length, 0)
    assert.equal(res.invalid.length, 1)
    built.push(res.block)

    const head = chain.headHeader()
    const bobBalance = (await chain.headAccount(hexToBytes(bob!.address)))!.balance
    assert.equal(bobBalance, 10_000n * 10n ** 18n + 3n * 3000n)
    await store.close()

    // reopen: same head and state
    const reopened = await openChain(a.dir)
    assert.equal(toData(reopened.chain.headHeader().hash()), toData(head.hash()))
    assert.equal(toData(reopened.chain.getBlockByNumber(0n)!.hash()), toData(genesisHash))
    const receipts = reopened.chain.getReceipts(built[1]!.hash())!
    assert.equal(receipts.length, 2)
    assert.equal(receipts[0]!.status, 1)
    await reopened.store.close()

    // import the same blocks into a fresh datadir: runBlock checks every root
    const fresh = await openChain(b.dir)
    for (const block of built) await fresh.chain.importBlock(block)
    assert.equal(toData(fresh.chain.headHeader().hash()), toData(head.hash()))
    const acct = await fresh.chain.accountAt(fresh.chain.headHeader().stateRoot, createAddressFromString(bob!.address).bytes)
    assert.equal(acct!.balance, bobBalance)
    await fresh.store.close()
  } finally {
    a.cleanup()
    b.cleanup()
  }
})

test('import rejects a block whose state root does not match', async () => {
  const a = tempDir()
  const b = tempDir()
  try {
    const { store, chain } = await openChain(a.dir)
    const res = await chain.buildBlock({ timestamp: 1n, coinbase: new Uint8Array(20), txs: source([transfer(chain, 0, 5n)]) })
    await store.close()
    const { createBlockFromBytesArray } = await import('@ethereumjs/block')
    const raw = res.block.raw()
    const header = [...raw[0]]
    header[3] = new Uint8Array(32).fill(7) // stateRoot
    const forged = createBlockFromBytesArray([header, ...raw.slice(1)] as never, { common: chain.common })
    const fresh = await openChain(b.dir)
    await assert.rejects(fresh.chain.importBlock(forged), (err: Error) => err.name === 'InvalidBlockError')
    // the chain is untouched and still accepts the honest block
    await fresh.chain.importBlock(res.block)
    assert.equal(fresh.chain.headHeader().number, 1n)
    await fresh.store.close()
  } finally {
    a.cleanup()
    b.cleanup()
  }
})

test('a transaction calling the KZG point-evaluation precompile is executed, not dropped', async () => {
  const a = tempDir()
  try {
    const { store, chain } = await openChain(a.dir)
    const sign = (nonce: number, data: Uint8Array) => {
      const tx = createFeeMarket1559Tx(
        { chainId: 901n, nonce, to: '0x000000000000000000000000000000000000000a', data, gasLimit: 100_000n, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 1n },
        { common: chain.common },
      ).sign(hexToBytes(alice!.privateKey))
      return toPooledTx(tx, tx.serialize())
    }
    // EIP-4844 point evaluation: the zero polynomial's commitment and proof are the point at infinity.
    const inf = new Uint8Array(48)
    inf[0] = 0xc0
    const versionedHash = new Uint8Array(await crypto.subtle.digest('SHA-256', inf))
    versionedHash[0] = 0x01
    const valid = new Uint8Array(192)
    valid.set(versionedHash, 0)
    valid.set(inf, 96)
    valid.set(inf, 144)
    const res = await chain.buildBlock({ timestamp: 1n, coinbase: new Uint8Array(20), txs: source([sign(0, new Uint8Array(0)), sign(1, valid)]) })
    assert.equal(res.invalid.length, 0)
    assert.equal(res.included.length, 2)
    assert.equal(res.receipts[0]!.status, 0) // bad input: the precompile fails
    assert.equal(res.receipts[1]!.status, 1) // a valid proof verifies
    await store.close()
  } finally {
    a.cleanup()
  }
})

test('start-up repair: a head with a missing body rewinds to its parent, and head state is read from the trie', async () => {
  const a = tempDir()
  try {
    const first = await openChain(a.dir)
    await first.chain.buildBlock({ timestamp: 1n, coinbase: new Uint8Array(20), txs: source([transfer(first.chain, 0, 100n)]) })
    const afterOne = (await first.chain.headAccount(hexToBytes(bob!.address)))!.balance
    const block1 = first.chain.headHeader().hash()
    await first.chain.buildBlock({ timestamp: 2n, coinbase: new Uint8Array(20), txs: source([transfer(first.chain, 1, 5n)]) })
    const head2 = first.chain.headHeader().hash()
    // outside damage: block 2's body disappears
    first.store.tables.bodies.removeSync(Buffer.from(head2))
    await first.store.close()

    const second = await openChain(a.dir)
    assert.equal(toData(second.chain.headHeader().hash()), toData(block1))
    // the flat tables still hold block 2's balance; the node must not serve it
    assert.equal(second.chain.flatReadable, false)
    assert.equal((await second.chain.headAccount(hexToBytes(bob!.address)))!.balance, afterOne)
    // and the chain goes on from block 1
    const res = await second.chain.buildBlock({ timestamp: 3n, coinbase: new Uint8Array(20), txs: source([transfer(second.chain, 1, 7n)]) })
    assert.equal(res.block.header.number, 2n)
    assert.equal((await second.chain.headAccount(hexToBytes(bob!.address)))!.balance, afterOne + 7n)
    await second.store.close()
  } finally {
    a.cleanup()
  }
})

test('a fork scheduled in the genesis activates at its timestamp in produced blocks, and they import', async () => {
  const a = tempDir()
  const b = tempDir()
  try {
    const forked = devGenesis({ chainId: 901, gasLimit: 60_000_000n })
    forked.config.osakaTime = 100 // Prague from genesis, Osaka from t = 100
    const open = async (dir: string) => {
      const store = new ChainStore(openDatabase(dir))
      return { store, chain: await Chain.open(store, forked, silentLogger()) }
    }
    const { store, chain } = await open(a.dir)
    const blocks = []
    for (const [i, timestamp] of [50n, 99n, 100n, 150n].entries()) {
      const res = await chain.buildBlock({ timestamp, coinbase: new Uint8Array(20), txs: source([transfer(chain, i, 1n)]) })
      assert.equal(res.included.length, 1, `block at t=${timestamp}`)
      assert.equal(res.block.common.hardfork(), timestamp < 100n ? 'prague' : 'osaka')
      blocks.push(res.block)
    }
    await store.close()
    // runBlock re-derives each block under the schedule (setHardfork) and checks every root
    const fresh = await open(b.dir)
    for (const block of blocks) await fresh.chain.importBlock(block)
    assert.equal(toData(fresh.chain.headHeader().hash()), toData(blocks[3]!.hash()))
    await fresh.store.close()
  } finally {
    a.cleanup()
    b.cleanup()
  }
})
