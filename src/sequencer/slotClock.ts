/**
 * Runs `tick` once per slot: each run starts `slotTimeMs` after the previous one started
 * (at once if it took longer), never two at a time. `run` runs it now, serialized with
 * the clock's own runs (tests and tools that step production).
 */
export class SlotClock<T> {
  private timer: NodeJS.Timeout | undefined
  private running = false
  /** Bumped by every start: a run that finishes after a stop and a new start schedules nothing. */
  private generation = 0
  private inFlight: Promise<unknown> = Promise.resolve()

  constructor(
    private readonly slotTimeMs: number,
    private readonly tick: () => Promise<T>,
    private readonly onError: (err: unknown) => void,
  ) {}

  start(): void {
    if (this.running) return
    this.running = true
    this.generation++
    this.schedule(this.slotTimeMs, this.generation)
  }

  /** Stops the clock and waits for a run in flight. */
  async stop(): Promise<void> {
    this.running = false
    if (this.timer) clearTimeout(this.timer)
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

  private schedule(delayMs: number, generation: number): void {
    if (!this.running || generation !== this.generation) return
    this.timer = setTimeout(() => {
      const started = performance.now()
      this.run()
        .catch(this.onError)
        .finally(() => this.schedule(Math.max(0, this.slotTimeMs - (performance.now() - started)), generation))
    }, delayMs)
  }
}
