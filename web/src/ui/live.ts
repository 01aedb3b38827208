/** Collects the unsubscribe functions a page registers, to run them all when it is left. */
export class Subscriptions {
  private readonly offs: (() => void)[] = []
  add(off: () => void): void {
    this.offs.push(off)
  }
  /** A timer that only redraws relative times ("3 s ago"): no data is fetched by it. */
  every(ms: number, fn: () => void): void {
    const t = setInterval(fn, ms)
    this.offs.push(() => clearInterval(t))
  }
  stop = (): void => {
    for (const off of this.offs.splice(0)) off()
  }
}
