import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createFeeMarket1559Tx } from '@ethereumjs/tx'
import { initCrypto } from '../primitives/crypto.js'
import { silentLogger } from '../primitives/logger.js'
import { hexToBytes } from '../primitives/hex.js'
import { openDatabase } from '../storage/database.js'
import { ChainStore } from '../storage/chainStore.js'
import { tempDir } from '../../test/helpers/tmp.js'
import { nextBaseFee } from './baseFee.js'
import { Chain, InvalidBlockError, type TxSource } from './chain.js'
import { toPooledTx } from './decodeTx.js'
import { devBaseFeeOf, DevTransaction, pooledDevTx } from './devTx.js'
import { devAccounts, devGenesis } from './genesis.js'
import type { PooledTx } from './pooledTx.js'

await initCrypto()

// A base-fee dev transaction (anvil_setNextBlockBaseFeePerGas) at the chain level: the
// invariant is that a block's header base fee is the parent's EIP-1559 value unless its
// first transaction after the deposits is a base-fee dev transaction saying exactly that
// header's value, so a replica that builds from the same transactions gets the same block.

const genesis = devGenesis({ chainId: 901, gasLimit: 60_000_000n })
const [alice, bob] = devAccounts(2)
const coinbase = new Uint8Array(20)
let ids = 0

function inOrder(txs: PooledTx[]): TxSource {
  let i = 0
  return { next: () => (i < txs.length ? { done: false, value: txs[i++]! } : { done: true, value: undefined }), skipSender: () => undefined }
}

function baseFeeTx(baseFeePerGas: bigint): PooledTx {
  const id = new Uint8Array(16)
  new DataView(id.buffer).setUint32(0, ++ids)
  return pooledDevTx(new DevTransaction(id, { kind: 'baseFee', baseFeePerGas }))
}

function patchTx(): PooledTx {
  const id = new Uint8Array(16)
  new DataView(id.buffer).setUint32(0, ++ids)
  return pooledDevTx(new DevTransaction(id, { kind: 'patch', address: new Uint8Array(20).fill(9), balance: 1n }))
}

function transfer(chain: Chain, nonce: number, maxFeePerGas: bigint): PooledTx {
  const tx = createFeeMarket1559Tx(
    { chainId: 901n, nonce, to: bob!.address, value: 1n, gasLimit: 21000n, maxFeePerGas, maxPriorityFeePerGas: 0n },
    { common: chain.common },
  ).sign(hexToBytes(alice!.privateKey))
  return toPooledTx(tx, tx.serialize())
}

async function withChains(fn: (seq: Chain, replica: Chain) => Promise<void>): Promise<void> {
  const dirs = [tempDir(), tempDir()]
  const stores = dirs.map((d) => new ChainStore(openDatabase(d.dir)))
  try {
    const [seq, replica] = await Promise.all(stores.map((s) => Chain.open(s, genesis, silentLogger())))
    await fn(seq!, replica!)
  } finally {
    for (const s of stores) await s.close()
    for (const d of dirs) d.cleanup()
  }
}

/** Builds on `replica` what a replica derives from `txs` (strict, the base fee taken from the transactions). */
async function derive(replica: Chain, timestamp: bigint, txs: PooledTx[]) {
  const baseFee = devBaseFeeOf(txs.map((p) => p.tx))
  return replica.buildBlock({ timestamp, coinbase, txs: inOrder(txs), strict: true, ...(baseFee !== undefined ? { baseFee } : {}) })
}

test('the block carrying a base fee has it; the next follows EIP-1559 from it; a replica builds the same blocks', async () => {
  await withChains(async (seq, replica) => {
    const high = 50_000_000_000n
    const fee = baseFeeTx(high)
    // Priced under the new base fee: invalid in this block (the pool would not offer it); over it: included.
    const cheap = transfer(seq, 0, 10_000_000_000n)
    const dear = transfer(seq, 0, 2n * high)
    const open = await seq.openBlock({ timestamp: 1n, coinbase, baseFee: high })
    assert.equal(open.baseFee, high)
    await open.fill(inOrder([fee, cheap, dear]))
    const b1 = await open.seal()
    assert.equal(b1.block.header.baseFeePerGas, high)
    assert.deepEqual(b1.included.map((p) => p.hash), [fee.hash, dear.hash])
    assert.match(b1.invalid[0]!.reason, /less than the block's baseFeePerGas/)
    assert.equal(b1.receipts[0]!.status, 1)
    assert.equal(b1.receipts[0]!.cumulativeGasUsed, 0n)
    const expected = nextBaseFee(b1.block.header, seq.baseFeeParams)
    assert.equal(seq.nextBaseFee(), expected)
    const b2 = await seq.buildBlock({ timestamp: 2n, coinbase, txs: inOrder([]) })
    assert.equal(b2.block.header.baseFeePerGas, expected)
    assert.ok(expected < high)

    const r1 = await derive(replica, 1n, [fee, dear])
    assert.deepEqual(r1.block.hash(), b1.block.hash())
    const r2 = await derive(replica, 2n, [])
    assert.deepEqual(r2.block.hash(), b2.block.hash())
  })
})

test('base fee 0 and 2^256-1: the header takes either; the chain goes on by EIP-1559', async () => {
  await withChains(async (seq, replica) => {
    for (const [i, value] of [0n, (1n << 256n) - 1n].entries()) {
      const fee = baseFeeTx(value)
      const built = await seq.buildBlock({ timestamp: BigInt(i + 1), coinbase, baseFee: value, txs: inOrder([fee]) })
      assert.equal(built.block.header.baseFeePerGas, value)
      assert.deepEqual((await derive(replica, BigInt(i + 1), [fee])).block.hash(), built.block.hash())
    }
    // After 2^256-1 and an empty block, the base fee falls (no gas used), never wraps.
    const after = await seq.buildBlock({ timestamp: 3n, coinbase, txs: inOrder([]) })
    assert.ok(after.block.header.baseFeePerGas! < (1n << 256n) - 1n && after.block.header.baseFeePerGas! > 0n)
  })
})

test('a block whose base fee differs from what its transactions say is invalid', async () => {
  await withChains(async (seq, replica) => {
    const parentDerived = seq.nextBaseFee()
    // Opened with a hand-set base fee, but without the dev transaction that sets it.
    await assert.rejects(seq.buildBlock({ timestamp: 1n, coinbase, baseFee: 5n, txs: inOrder([patchTx()]) }), InvalidBlockError)
    await assert.rejects(seq.buildBlock({ timestamp: 1n, coinbase, baseFee: 5n, txs: inOrder([]) }), InvalidBlockError)
    // A base fee not first after the deposits (strict: a replica's build) makes the block invalid.
    await assert.rejects(replica.buildBlock({ timestamp: 1n, coinbase, txs: inOrder([patchTx(), baseFeeTx(parentDerived)]), strict: true }), /first after its deposits/)
    // One that says another value than the header has.
    await assert.rejects(replica.buildBlock({ timestamp: 1n, coinbase, baseFee: 5n, txs: inOrder([baseFeeTx(6n)]), strict: true }), /opened with base fee 5/)
    await assert.rejects(replica.buildBlock({ timestamp: 1n, coinbase, txs: inOrder([baseFeeTx(parentDerived + 1n)]), strict: true }), InvalidBlockError)
    // Two in one block: the second is invalid.
    const seqBuilt = await seq.buildBlock({ timestamp: 1n, coinbase, baseFee: 7n, txs: inOrder([baseFeeTx(7n), baseFeeTx(7n)]) })
    assert.equal(seqBuilt.included.length, 1)
    assert.equal(seqBuilt.invalid.length, 1)
    // Nothing of the failed attempts reached either chain.
    assert.equal(replica.headHeader().number, 0n)
    assert.equal(seq.headHeader().number, 1n)
  })
})
