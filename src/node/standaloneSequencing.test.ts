import { test } from 'node:test'
import assert from 'node:assert/strict'
import { equalsBytes } from '@ethereumjs/util'
import { initCrypto } from '../primitives/crypto.js'
import { signedTx } from '../../test/helpers/memoryChains.js'
import { startTestNode } from '../../test/helpers/node.js'

await initCrypto()

const SENDERS = 10
const PER_SENDER = 500
const TO = '0x00000000000000000000000000000000000c0ffe'

async function until<T>(fn: () => T | undefined, what: string, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const v = fn()
    if (v !== undefined) return v
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 20))
  }
}

// The standalone node builds with the one-chain shared sequencer. Invariants, under a
// burst of 5,000 transfers (about two full 60M-gas blocks) with `produceBlock` racing
// the slot clock: every accepted transaction is included exactly once; each block's
// parent is the block before it (no two builds on one head); timestamps never decrease;
// no block passes its gas limit; each sender's nonces are included in order; the pool
// ends empty.
test('a standalone node under a burst, with produceBlock racing its clock, includes everything once on one line of blocks', { timeout: 120_000 }, async () => {
  const n = await startTestNode({ slotTimeMs: 50 })
  try {
    const { chain, pool } = n.node
    const sent = new Set<string>()
    for (let i = 0; i < PER_SENDER; i++) {
      for (let s = 0; s < SENDERS; s++) {
        const ptx = signedTx(chain, i, { to: TO, from: s, value: 1n })
        await pool.add(ptx)
        sent.add(ptx.hash)
      }
      // Steps the chain from outside while the clock runs: serialized with its slots.
      if (i % 100 === 0) void n.node.produceBlock()
    }
    const racing = await Promise.all(Array.from({ length: 8 }, () => n.node.produceBlock()))
    assert.ok(racing.every((b) => b !== undefined), 'an unsettled chain always builds')
    await until(() => (pool.status().pending + pool.status().queued === 0 ? true : undefined), 'the pool to drain')

    const included = new Map<string, number>()
    const nextNonce = new Map<string, bigint>()
    let parent = chain.getBlockByNumber(0n)!
    for (let k = 1n; k <= chain.headHeader().number; k++) {
      const block = chain.getBlockByNumber(k)!
      assert.ok(equalsBytes(block.header.parentHash, parent.hash()), `block ${k} builds on block ${k - 1n}`)
      assert.ok(block.header.timestamp >= parent.header.timestamp, `block ${k}'s timestamp does not go back`)
      assert.ok(block.header.gasUsed <= block.header.gasLimit, `block ${k} within its gas limit`)
      for (const tx of block.transactions) {
        const hash = `0x${Buffer.from(tx.hash()).toString('hex')}`
        included.set(hash, (included.get(hash) ?? 0) + 1)
        const sender = tx.getSenderAddress().toString()
        assert.equal(tx.nonce, nextNonce.get(sender) ?? 0n, `${sender}'s nonces in order`)
        nextNonce.set(sender, tx.nonce + 1n)
      }
      parent = block
    }
    assert.equal(included.size, sent.size, 'every transaction included')
    for (const h of sent) assert.equal(included.get(h), 1, `${h} included exactly once`)
    assert.ok(chain.headHeader().number >= 3n, 'the burst took several blocks')
  } finally {
    await n.stop()
  }
})

test('a standalone node restarted on its datadir builds on where it stopped, timestamps never going back', { timeout: 60_000 }, async () => {
  const first = await startTestNode({ slotTimeMs: 50, produceBlocks: false })
  const datadir = first.datadir
  let second: Awaited<ReturnType<typeof startTestNode>> | undefined
  try {
    for (let i = 0; i < 3; i++) assert.ok(await first.node.produceBlock())
    const head = first.node.chain.headHeader()
    await first.node.stop()
    second = await startTestNode({ datadir, slotTimeMs: 50, produceBlocks: false })
    const block = await second.node.produceBlock()
    assert.equal(block!.header.number, head.number + 1n)
    assert.ok(equalsBytes(block!.header.parentHash, head.hash()))
    assert.ok(block!.header.timestamp >= head.timestamp)
  } finally {
    await second?.node.stop()
    await first.stop()
  }
})
