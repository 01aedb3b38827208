import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { initCrypto } from '../primitives/crypto.js'
import { DevTransaction } from '../execution/devTx.js'
import type { BuiltBlock } from '../execution/openBlock.js'
import type { PooledTx } from '../execution/pooledTx.js'
import { DevTxAbandonedError, DevTxQueue, DevTxRejectedError, MAX_PENDING_DEV_TXS } from './devTxQueue.js'

let n = 0
function patch(account: number): DevTransaction {
  const id = new Uint8Array(16)
  new DataView(id.buffer).setUint32(0, ++n)
  return new DevTransaction(id, { kind: 'patch', address: new Uint8Array(20).fill(account), balance: BigInt(n) })
}

function built(number: bigint, included: PooledTx[], invalid: { ptx: PooledTx; reason: string }[] = []): BuiltBlock {
  return { block: { header: { number }, hash: () => new Uint8Array(32) }, included, invalid } as unknown as BuiltBlock
}

function drain(q: DevTxQueue, skipAccount?: string): PooledTx[] {
  const src = q.source()
  const out: PooledTx[] = []
  for (let it = src.next(); !it.done; it = src.next()) {
    if (it.value.sender === skipAccount) {
      src.skipSender(it.value.sender)
      continue
    }
    out.push(it.value)
  }
  return out
}

describe('DevTxQueue', () => {
  before(initCrypto)

  it('offers in arrival order; resolves a call when its block is built, rejects an invalid one with the reason', async () => {
    const q = new DevTxQueue()
    const a = q.submit(patch(1))
    const b = q.submit(patch(2))
    const offered = drain(q)
    assert.equal(offered.length, 2)
    q.onBuilt(built(7n, [offered[0]!], [{ ptx: offered[1]!, reason: 'nonce too low' }]))
    assert.equal((await a).blockNumber, 7n)
    await assert.rejects(b, DevTxRejectedError)
    assert.equal(q.size, 0)
  })

  it('a skipped change holds back the later changes of its account, never those of others (no reordering)', async () => {
    const q = new DevTxQueue()
    void q.submit(patch(1))
    void q.submit(patch(2))
    void q.submit(patch(1))
    const offered = drain(q, `0x${'01'.repeat(20)}`)
    assert.deepEqual(offered.map((p) => p.sender), [`0x${'02'.repeat(20)}`])
    // What the block did not take waits for the next one, still in order.
    q.onBuilt(built(1n, offered))
    assert.deepEqual(drain(q).map((p) => p.sender), [`0x${'01'.repeat(20)}`, `0x${'01'.repeat(20)}`])
  })

  it('a burst over the limit is refused with a clear error, and closing rejects what waits', async () => {
    const q = new DevTxQueue()
    const waiting = Array.from({ length: MAX_PENDING_DEV_TXS }, () => q.submit(patch(3)))
    await assert.rejects(q.submit(patch(3)), /already wait/)
    q.close()
    const results = await Promise.allSettled(waiting)
    assert.ok(results.every((r) => r.status === 'rejected' && r.reason instanceof DevTxAbandonedError))
    await assert.rejects(q.submit(patch(3)), DevTxAbandonedError)
  })

  it('a base fee opens the next block only when it is first: it ends the dev transactions of the block before it', async () => {
    const q = new DevTxQueue()
    const fee = (baseFeePerGas: bigint) => new DevTransaction(Uint8Array.from({ length: 16 }, () => ++n & 0xff), { kind: 'baseFee', baseFeePerGas })
    assert.equal(q.nextBaseFee(), undefined)
    const p1 = patch(1)
    const f1 = fee(0n)
    const p2 = patch(2)
    const f2 = fee(9n)
    const results = [q.submit(p1), q.submit(f1), q.submit(p2), q.submit(f2)]
    // What later blocks start from: the newest base fee waiting.
    assert.equal(q.queuedBaseFee(), 9n)
    // Block 1: the patch asked before the base fee, under the parent's base fee.
    assert.equal(q.nextBaseFee(), undefined)
    let block = drain(q)
    assert.deepEqual(block.map((p) => p.hash), [p1].map((t) => `0x${Buffer.from(t.hash()).toString('hex')}`))
    q.onBuilt(built(1n, block))
    // Block 2: opened with base fee 0 (0 is a base fee, not "none"), its patch after it; the second base fee waits.
    assert.equal(q.nextBaseFee(), 0n)
    block = drain(q)
    assert.deepEqual(block.map((p) => p.hash), [f1, p2].map((t) => `0x${Buffer.from(t.hash()).toString('hex')}`))
    q.onBuilt(built(2n, block))
    assert.equal(q.nextBaseFee(), 9n)
    block = drain(q)
    assert.equal(block.length, 1)
    q.onBuilt(built(3n, block))
    assert.deepEqual((await Promise.all(results)).map((r) => r.blockNumber), [1n, 2n, 2n, 3n])
    assert.equal(q.queuedBaseFee(), undefined)
    assert.equal(q.size, 0)
  })
})
