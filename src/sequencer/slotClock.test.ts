import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { SlotClock, type ClockTimers } from './slotClock.js'

/**
 * Deterministic time: timers fire in due order when `advance` moves the clock, each `lateBy`
 * ms late (a busy event loop), and a run "takes time" by moving `t` forward itself.
 */
class FakeTimers implements ClockTimers {
  t = 1_000
  lateBy: () => number = () => 0
  private nextId = 0
  private pending = new Map<number, { at: number; fn: () => void }>()

  now(): number {
    return this.t
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.nextId
    this.pending.set(id, { at: this.t + ms, fn })
    return id
  }
  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number)
  }
  get armed(): number {
    return this.pending.size
  }

  /** Fires every timer due up to `until` (including ones armed meanwhile), in due order. */
  async advance(until: number): Promise<void> {
    for (;;) {
      await settle()
      const due = [...this.pending.entries()].filter(([, p]) => p.at <= until).sort((a, b) => a[1].at - b[1].at)[0]
      if (!due) break
      this.pending.delete(due[0])
      this.t = Math.max(this.t, due[1].at + this.lateBy())
      due[1].fn()
    }
    this.t = Math.max(this.t, until)
    await settle()
  }
}

/** Lets every promise callback queued so far run (a run's finally, the next arm). */
async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r))
}

function seeded(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void
  const promise = new Promise<void>((r) => (resolve = r))
  return { promise, resolve }
}

const SLOT = 100

describe('SlotClock', { timeout: 30_000 }, () => {
  it('keeps a fixed grid: 1,000 slots with late timers and slow runs never drift', async () => {
    // Invariant: run k starts no earlier than t0 + k·slot and no later than the timer's
    // lateness plus the previous run's overrun past its own slot, whatever came before.
    const timers = new FakeTimers()
    const rand = seeded(7)
    timers.lateBy = () => rand() * 40
    const starts: number[] = []
    const clock = new SlotClock(SLOT, async () => {
      starts.push(timers.now())
      timers.t += rand() * 30
    }, (err) => assert.fail(err as Error), { timers })
    const t0 = timers.now()
    clock.start()
    await timers.advance(t0 + 1_000 * SLOT)
    await clock.stop()
    assert.equal(starts.length, 1_000)
    starts.forEach((at, i) => {
      const due = t0 + (i + 1) * SLOT
      assert.ok(at >= due, `run ${i + 1} started before its slot`)
      assert.ok(at - due < 70, `run ${i + 1} started ${at - due} ms late`)
    })
    assert.equal(clock.skippedSlots, 0)
  })

  it('catches up after one slow run: the slots it overran run at once, then the grid resumes', async () => {
    // Invariant: no due slot is lost to a slow run of up to maxCatchUpSlots slots.
    const timers = new FakeTimers()
    const starts: number[] = []
    const clock = new SlotClock(SLOT, async () => {
      starts.push(timers.now() - t0)
      if (starts.length === 3) timers.t += 2.5 * SLOT
    }, (err) => assert.fail(err as Error), { timers })
    const t0 = timers.now()
    clock.start()
    await timers.advance(t0 + 8 * SLOT)
    await clock.stop()
    assert.deepEqual(starts, [100, 200, 300, 550, 550, 600, 700, 800])
    assert.equal(clock.skippedSlots, 0)
  })

  it('after a stall of many slots, skips to the newest due slot instead of a burst, and counts the skipped ones', async () => {
    // Invariant: after a stall, at most one run happens before the clock is back on the grid.
    const timers = new FakeTimers()
    const starts: number[] = []
    const skips: number[] = []
    const clock = new SlotClock(SLOT, async () => {
      starts.push(timers.now() - t0)
      if (starts.length === 2) timers.t += 20 * SLOT // a 2 s stall in slot 2
    }, (err) => assert.fail(err as Error), { timers, onSkip: (n) => skips.push(n) })
    const t0 = timers.now()
    clock.start()
    await timers.advance(t0 + 24 * SLOT)
    await clock.stop()
    // Slot 2 ends at 2200: slots 3..22 are due; 3..21 are skipped, 22 runs at once.
    assert.deepEqual(starts, [100, 200, 2200, 2300, 2400])
    assert.equal(clock.skippedSlots, 19)
    assert.deepEqual(skips, [19])
  })

  it('catches up exactly maxCatchUpSlots slots without skipping', async () => {
    const timers = new FakeTimers()
    const starts: number[] = []
    const clock = new SlotClock(SLOT, async () => {
      starts.push(timers.now() - t0)
      if (starts.length === 1) timers.t += 3 * SLOT // ends at 400: slots 2, 3, 4 due
    }, (err) => assert.fail(err as Error), { timers, maxCatchUpSlots: 3 })
    const t0 = timers.now()
    clock.start()
    await timers.advance(t0 + 5 * SLOT)
    await clock.stop()
    assert.deepEqual(starts, [100, 400, 400, 400, 500])
    assert.equal(clock.skippedSlots, 0)
  })

  it('stop during a run waits for it and schedules nothing after; a new start re-anchors the grid', async () => {
    const timers = new FakeTimers()
    const gate = deferred()
    const starts: number[] = []
    const clock = new SlotClock(SLOT, async () => {
      starts.push(timers.now())
      if (starts.length === 1) await gate.promise
    }, (err) => assert.fail(err as Error), { timers })
    const t0 = timers.now()
    clock.start()
    await timers.advance(t0 + SLOT) // run 1 starts and blocks
    let stopped = false
    const stopping = clock.stop().then(() => (stopped = true))
    await settle()
    assert.equal(stopped, false, 'stop returned while a run was in flight')
    gate.resolve()
    await stopping
    assert.equal(timers.armed, 0, 'a timer is armed after stop')
    await timers.advance(t0 + 50 * SLOT)
    assert.equal(starts.length, 1, 'a run happened after stop')

    timers.t += 37 // restart off the old grid's phase
    const t1 = timers.now()
    clock.start()
    clock.start() // a second start while running is a no-op
    await timers.advance(t1 + 3 * SLOT)
    await clock.stop()
    assert.deepEqual(starts.slice(1).map((at) => at - t1), [100, 200, 300])
  })

  it('a start right after a stop (not awaited) never runs two ticks at once', async () => {
    const timers = new FakeTimers()
    const gate = deferred()
    let active = 0
    let maxActive = 0
    let runs = 0
    const clock = new SlotClock(SLOT, async () => {
      active++
      maxActive = Math.max(maxActive, active)
      runs++
      if (runs === 1) await gate.promise
      active--
    }, (err) => assert.fail(err as Error), { timers })
    const t0 = timers.now()
    clock.start()
    await timers.advance(t0 + SLOT)
    void clock.stop()
    clock.start() // pause + resume, as a snapshot does
    await timers.advance(t0 + 4 * SLOT) // the new generation's runs are due, but wait for run 1
    assert.equal(runs, 1)
    gate.resolve()
    await timers.advance(t0 + 6 * SLOT)
    await clock.stop()
    assert.equal(maxActive, 1)
    assert.ok(runs >= 4, `only ${runs} runs`)
  })

  it('serializes exclusive work, manual runs and a burst of 1,000 concurrent run() calls with the clock', async () => {
    // Invariant: never two of {tick, exclusive fn} at a time; every call resolves, in call order.
    const timers = new FakeTimers()
    let active = 0
    let maxActive = 0
    let ticks = 0
    const enter = () => {
      active++
      maxActive = Math.max(maxActive, active)
    }
    const clock = new SlotClock(SLOT, async () => {
      enter()
      await settle()
      active--
      return ++ticks
    }, (err) => assert.fail(err as Error), { timers })
    const t0 = timers.now()
    clock.start()
    const gate = deferred()
    const held = clock.exclusive(async () => {
      enter()
      await gate.promise
      active--
      return 'held'
    })
    await timers.advance(t0 + 3 * SLOT) // the clock's slot is due while exclusive holds it
    assert.equal(ticks, 0, 'a slot was built during exclusive work')
    gate.resolve()
    assert.equal(await held, 'held')
    const burst = await Promise.all(Array.from({ length: 1_000 }, () => clock.run()))
    await timers.advance(t0 + 6 * SLOT)
    await clock.stop()
    assert.equal(maxActive, 1)
    for (let i = 1; i < burst.length; i++) assert.ok(burst[i]! > burst[i - 1]!, 'runs resolved out of order')
    assert.ok(ticks >= 1_001)
  })

  it('reports a failing run and keeps the grid; a throwing reporter does not stop it; run() rejects to its caller', async () => {
    const timers = new FakeTimers()
    const starts: number[] = []
    const errors: unknown[] = []
    const boom = new Error('slot failed')
    const clock = new SlotClock(SLOT, async () => {
      starts.push(timers.now() - t0)
      if (starts.length % 2 === 0) throw boom
    }, (err) => {
      errors.push(err)
      if (errors.length === 2) throw new Error('reporter failed')
    }, { timers })
    const t0 = timers.now()
    clock.start()
    await timers.advance(t0 + 5 * SLOT)
    assert.deepEqual(starts, [100, 200, 300, 400, 500])
    assert.deepEqual(errors, [boom, boom])
    await clock.stop()
    await assert.rejects(clock.run(), boom) // the 6th call throws, to the caller only
    assert.equal(errors.length, 2)
  })

  it('runs on real timers by default', async () => {
    let runs = 0
    const clock = new SlotClock(5, async () => void runs++, (err) => assert.fail(err as Error))
    clock.start()
    while (runs < 5) await new Promise((r) => setTimeout(r, 5))
    await clock.stop()
  })
})
