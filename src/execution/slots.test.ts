import { test } from 'node:test'
import assert from 'node:assert/strict'
import { blockOf, genesisSlotFor, headSlot, slotOf, ZERO_SLOT_OFFSETS } from './slots.js'

// Invariant: for every chain, slotOf and blockOf are inverse on the chain's life
// (slot >= its genesis slot), and no slot before it maps to a block.

test('a chain started with the network: block n is in slot n, slot 0 holds block 0', () => {
  const g = ZERO_SLOT_OFFSETS(901n)
  assert.equal(g, 0n)
  assert.equal(slotOf(g, 0n), 0n)
  assert.equal(blockOf(g, 0n), 0n)
  for (const n of [1n, 2n, 1_000_000n, 2n ** 64n]) {
    assert.equal(slotOf(g, n), n)
    assert.equal(blockOf(g, slotOf(g, n)), n)
  }
})

test('a joined chain: its genesis slot holds block 0, its first block the slot after, slots before it none', () => {
  const firstSlot = 41n
  const g = genesisSlotFor(firstSlot)
  assert.equal(g, 40n)
  assert.equal(slotOf(g, 1n), firstSlot)
  assert.equal(blockOf(g, firstSlot), 1n)
  assert.equal(blockOf(g, g), 0n)
  for (const before of [0n, 1n, 39n]) assert.equal(blockOf(g, before), undefined, `slot ${before}`)
  for (let n = 0n; n < 50n; n++) assert.equal(blockOf(g, slotOf(g, n)), n)
  // A chain joined at slot 1 (the earliest): genesis slot 0, the same as a chain started with the network.
  assert.equal(genesisSlotFor(1n), 0n)
})

test('headSlot is the slot of the head block', () => {
  const chain = (number: bigint) => ({ headHeader: () => ({ number }) })
  assert.equal(headSlot(chain(0n), 0n), 0n)
  assert.equal(headSlot(chain(0n), 40n), 40n)
  assert.equal(headSlot(chain(7n), 40n), 47n)
})
