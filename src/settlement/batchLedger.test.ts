import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { BatchLedger } from './batchLedger.js'

const entry = (l1Number: bigint, lastBlock: bigint) => ({ l1Number, l1Hash: '0x00' as const, lastBlock })

describe('BatchLedger', () => {
  it('tracks the safe head, the safe head as of an L1 block, and L1 reorgs', () => {
    const ledger = new BatchLedger()
    assert.equal(ledger.safeHead(), 0n)
    ledger.record(entry(10n, 5n))
    ledger.record(entry(12n, 9n))
    ledger.record(entry(15n, 20n))
    assert.equal(ledger.safeHead(), 20n)
    assert.equal(ledger.safeHeadAt(9n), 0n)
    assert.equal(ledger.safeHeadAt(12n), 9n)
    assert.equal(ledger.safeHeadAt(14n), 9n)
    assert.deepEqual(ledger.dropAbove(11n).map((e) => e.lastBlock), [9n, 20n])
    assert.equal(ledger.safeHead(), 5n)
    assert.deepEqual(ledger.dropAbove(11n), [])
  })

  it('forgets entries past an L2 rewind', () => {
    const ledger = new BatchLedger()
    ledger.record(entry(10n, 5n))
    ledger.record(entry(12n, 9n))
    ledger.truncateTo(7n)
    assert.equal(ledger.safeHead(), 5n)
  })
})
