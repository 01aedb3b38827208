/**
 * Runs an async task at most once at a time: a `run()` while it is running returns
 * the run in flight instead of starting another. For loops kicked by events (a new
 * L1 head) whose work must not overlap (one L1 transaction at a time per key).
 */
export class SingleFlight {
  private current: Promise<void> | undefined
  private stopped = false

  constructor(
    private readonly task: () => Promise<void>,
    private readonly onError: (err: unknown) => void,
  ) {}

  run(): Promise<void> {
    if (this.stopped) return Promise.resolve()
    this.current ??= this.task()
      .catch(this.onError)
      .finally(() => (this.current = undefined))
    return this.current
  }

  /** No new runs; resolves when the one in flight (if any) has finished. */
  async stop(): Promise<void> {
    this.stopped = true
    await this.current
  }

  get isStopped(): boolean {
    return this.stopped
  }
}
