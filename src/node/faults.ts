import { ConfigError } from '../primitives/errors.js'
import type { SlotFaults } from '../sequencer/sharedSequencer.js'

/**
 * Where a fault can be armed (`admin_injectFault`): an exception thrown between two
 * chains' commits of a slot, or the process killed there (SIGKILL, as `kill -9`).
 */
export const FAULT_POINTS = ['between-chain-commits', 'kill-between-chain-commits'] as const
export type FaultPoint = (typeof FAULT_POINTS)[number]

/** A failure forced on purpose, to prove the network survives it. */
export class InjectedFault extends Error {
  override name = 'InjectedFault'
}

/**
 * Faults armed one at a time through the admin endpoint of a network started with
 * `faultInjection` (the fault suite, `npm run chaos`): each fires once, at the next time
 * the network passes its point.
 */
export class ArmedFaults {
  private readonly armed = new Set<FaultPoint>()
  private fired = 0

  arm(point: unknown): FaultPoint {
    if (typeof point !== 'string' || !(FAULT_POINTS as readonly string[]).includes(point)) {
      throw new ConfigError('point', `unknown fault point ${JSON.stringify(point)}; the points are ${FAULT_POINTS.join(', ')}`)
    }
    this.armed.add(point as FaultPoint)
    return point as FaultPoint
  }

  /** How many armed faults have fired. */
  get firedCount(): number {
    return this.fired
  }

  slotFaults(): SlotFaults {
    return {
      betweenCommits: (slot, committed) => {
        if (this.armed.delete('kill-between-chain-commits')) process.kill(process.pid, 'SIGKILL')
        if (!this.armed.delete('between-chain-commits')) return
        this.fired++
        throw new InjectedFault(`injected fault: slot ${slot} stopped after ${committed} chain commit(s)`)
      },
    }
  }
}
