import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { InvalidParamsError } from '../primitives/errors.js'
import { DevClock, MAX_DEV_TIMESTAMP } from './devClock.js'

describe('DevClock', () => {
  it('offsets the wall clock, pins one slot, and refuses to go past the bound or backwards, changing nothing', { timeout: 5_000 }, () => {
    let wall = 1_000n
    const clock = new DevClock(() => wall)
    assert.equal(clock.increase(60n), 60n)
    assert.equal(clock.now(), 1_060n)
    wall += 5n
    assert.equal(clock.now(), 1_065n)
    // Pinned: the next slot at exactly that time, later slots go on from it.
    clock.pin(5_000n)
    assert.equal(clock.now(), 5_000n)
    clock.slotBuilt()
    wall += 2n
    assert.equal(clock.now(), 5_002n)
    const offset = clock.totalOffset()
    assert.throws(() => clock.increase(-1n), InvalidParamsError)
    assert.throws(() => clock.increase(MAX_DEV_TIMESTAMP), InvalidParamsError)
    assert.throws(() => clock.pin(MAX_DEV_TIMESTAMP + 1n), InvalidParamsError)
    assert.equal(clock.totalOffset(), offset, 'a refused move changes nothing')
    clock.resetTo(2_000n)
    assert.equal(clock.now(), 2_000n)
  })
})
