/** Time and timers the clock runs on; injectable so tests can step time deterministically. */
export interface ClockTimers {
  /** Monotonic milliseconds (performance.now by default). */
  now(): number
  setTimeout(fn: () => void, ms: number): unknown
  clearTimeout(handle: unknown): void
}

const SYSTEM_TIMERS: ClockTimers = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as NodeJS.Timeout),
}

/**
 * More grid slots than this already due when a run ends, and the clock skips to the newest
 * one: a few slots of catch-up absorb a slow slot or a GC pause of a few hundred ms, while
 * a stall of seconds must not turn into seconds of back-to-back slots.
 */
export const DEFAULT_MAX_CATCH_UP_SLOTS = 3

export type SlotClockOptions = {
  timers?: ClockTimers
  /** See DEFAULT_MAX_CATCH_UP_SLOTS. */
  maxCatchUpSlots?: number
  /** Told how many grid slots a stall made it skip (the lead wires it to a debug log / metric). */
  onSkip?: (skipped: number) => void
}

/**
 * Runs `tick` once per slot on a fixed grid, as a consensus client's slots: run k of a
 * start is due at t0 + k·slotTimeMs, t0 being when `start` was called (a `stop` and a new
 * `start` re-anchor t0). Timer lateness and slow runs therefore never accumulate as drift:
 * a run that ends late is followed at once by the next due one, so the clock catches up.
 * Never two runs at a time.
 *
 * The skip rule: if, when a run ends, more than `maxCatchUpSlots` grid slots are already
 * due (a stall of seconds: a long GC pause, a slot that took seconds), the clock does not
 * build them all back to back; it runs the newest due one at once and drops the older
 * ones (counted in `skippedSlots`, reported to `onSkip`). Slots are a schedule, not a
 * quota: a skipped grid slot just has no block (block numbers stay consecutive, the
 * timestamps come from the wall clock), and the grid keeps its phase.
 *
 * `run` runs `tick` now, serialized with the clock's own runs (tests and tools that step
 * production); `exclusive` runs any function so serialized. Neither moves the grid.
 */
export class SlotClock<T> {
  private timer: unknown
  private running = false
  /** Bumped by every start: a run that finishes after a stop and a new start schedules nothing. */
  private generation = 0
  private inFlight: Promise<unknown> = Promise.resolve()
  private t0 = 0
  /** Grid index of the next run of this start: due at t0 + nextIndex·slotTimeMs. */
  private nextIndex = 0
  private readonly timers: ClockTimers
  private readonly maxCatchUpSlots: number
  /** Grid slots skipped by the skip rule since construction. */
  skippedSlots = 0

  constructor(
    private readonly slotTimeMs: number,
    private readonly tick: () => Promise<T>,
    private readonly onError: (err: unknown) => void,
    private readonly options: SlotClockOptions = {},
  ) {
    this.timers = options.timers ?? SYSTEM_TIMERS
    this.maxCatchUpSlots = options.maxCatchUpSlots ?? DEFAULT_MAX_CATCH_UP_SLOTS
  }

  start(): void {
    if (this.running) return
    this.running = true
    this.generation++
    this.t0 = this.timers.now()
    this.nextIndex = 1
    this.arm(this.generation)
  }

  /** Stops the clock and waits for a run in flight. */
  async stop(): Promise<void> {
    this.running = false
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer)
    this.timer = undefined
    await this.inFlight.catch(() => undefined)
  }

  run(): Promise<T> {
    return this.exclusive(() => this.tick())
  }

  /** Runs `fn` serialized with the clock's runs: no slot is built while it runs. */
  exclusive<R>(fn: () => Promise<R>): Promise<R> {
    const run = this.inFlight.catch(() => undefined).then(fn)
    this.inFlight = run
    return run
  }

  private arm(generation: number): void {
    if (!this.running || generation !== this.generation) return
    const due = this.t0 + this.nextIndex * this.slotTimeMs
    this.timer = this.timers.setTimeout(() => this.fire(generation), Math.max(0, due - this.timers.now()))
  }

  private fire(generation: number): void {
    this.timer = undefined
    this.run()
      .catch((err: unknown) => this.report(err))
      .finally(() => {
        if (!this.running || generation !== this.generation) return
        this.advance()
        this.arm(generation)
      })
  }

  /** Picks the next grid slot: the one after this run's, or the newest due one after a stall. */
  private advance(): void {
    const next = this.nextIndex + 1
    const newestDue = Math.floor((this.timers.now() - this.t0) / this.slotTimeMs)
    const waiting = newestDue - next + 1
    if (waiting > this.maxCatchUpSlots) {
      const skipped = newestDue - next
      this.skippedSlots += skipped
      this.nextIndex = newestDue
      try {
        this.options.onSkip?.(skipped)
      } catch (err) {
        this.report(err)
      }
    } else {
      this.nextIndex = next
    }
  }

  /** An error from a run or a hook is reported; a throwing reporter must not stop the clock. */
  private report(err: unknown): void {
    try {
      this.onError(err)
    } catch {
      // Nothing left to tell: the clock carries on.
    }
  }
}
