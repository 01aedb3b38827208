import { InvalidParamsError } from '../primitives/errors.js'

/**
 * Latest timestamp the dev clock reaches: far beyond any test's needs and far below
 * uint64, so that L1 contracts adding a challenge window or a deadline to a block's
 * timestamp never overflow (2^40 s is about 34,000 years).
 */
export const MAX_DEV_TIMESTAMP = 2n ** 40n

/** Whole seconds of the wall clock. */
export function wallSeconds(): bigint {
  return BigInt(Math.floor(Date.now() / 1000))
}

/**
 * The network's clock on a dev network: the wall clock plus an offset (evm_increaseTime),
 * and a timestamp pinned for the next slot (evm_setNextBlockTimestamp). The shared
 * sequencer takes every slot's timestamp from `now`; the embedded L1 is moved by the same
 * amounts by its owner (DevNetwork), so the L1 origins keep up with L2 time.
 */
export class DevClock {
  private offset = 0n
  private pinned: bigint | undefined

  constructor(private readonly wall: () => bigint = wallSeconds) {}

  /** The next slot's timestamp (before the sequencer keeps it at or after every chain's head). */
  now(): bigint {
    return this.pinned ?? this.wall() + this.offset
  }

  /** Seconds the network's clock is ahead of the wall clock (anvil's evm_increaseTime answer). */
  totalOffset(): bigint {
    return this.offset
  }

  /** Moves the clock `seconds` forward; throws, changing nothing, if that passes MAX_DEV_TIMESTAMP. */
  increase(seconds: bigint): bigint {
    if (seconds < 0n) throw new InvalidParamsError(`evm_increaseTime: ${seconds} is negative; the network's clock only moves forward (use evm_setNextBlockTimestamp for a given time)`)
    const until = this.now() + seconds
    if (until > MAX_DEV_TIMESTAMP) throw new InvalidParamsError(`evm_increaseTime: ${seconds} s would put the clock at ${until}, past the latest timestamp a dev network allows (${MAX_DEV_TIMESTAMP})`)
    this.offset += seconds
    if (this.pinned !== undefined) this.pinned += seconds
    return this.offset
  }

  /** The next slot is at `timestamp`, and later ones go on from it (the offset follows). */
  pin(timestamp: bigint): void {
    if (timestamp > MAX_DEV_TIMESTAMP) throw new InvalidParamsError(`timestamp ${timestamp} is past the latest a dev network allows (${MAX_DEV_TIMESTAMP})`)
    this.pinned = timestamp
    this.offset = timestamp - this.wall()
  }

  /** A slot was built: the pinned timestamp is used up. */
  slotBuilt(): void {
    this.pinned = undefined
  }

  /** The clock reads `timestamp` now (after a revert put the L1's clock back). */
  resetTo(timestamp: bigint): void {
    this.pinned = undefined
    this.offset = timestamp - this.wall()
  }
}
