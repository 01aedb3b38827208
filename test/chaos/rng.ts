import { mulberry32 } from '../helpers/random.js'

/**
 * The suite's randomness: every choice (fault order, kill moments, load mix, hostile
 * requests, burst senders) is drawn from a seed printed at the start, so `--seed N`
 * replays the same choices. Each part of the suite draws from its own fork, so adding a
 * draw in one part does not shift what the others choose.
 */
export class Rng {
  readonly next: () => number

  constructor(readonly seed: number) {
    this.next = mulberry32(seed)
  }

  /** An integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n)
  }

  /** An integer in [lo, hi]. */
  between(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1)
  }

  chance(p: number): boolean {
    return this.next() < p
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!
  }

  /** A shuffled copy (Fisher–Yates). */
  shuffle<T>(xs: readonly T[]): T[] {
    const out = [...xs]
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1)
      ;[out[i], out[j]] = [out[j]!, out[i]!]
    }
    return out
  }

  /** An independent stream named `label`, derived from this one's seed (not from its position). */
  fork(label: string): Rng {
    // FNV-1a of the label, mixed with the seed
    let h = 0x811c9dc5 ^ this.seed
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193)
    return new Rng(h >>> 0)
  }
}

/** A fresh seed for a run that was given none (printed, so it can be replayed). */
export function randomSeed(): number {
  return (Math.random() * 2 ** 32) >>> 0
}
