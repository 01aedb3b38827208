import type { Lifecycle } from '../primitives/lifecycle.js'
import type { Logger } from '../primitives/logger.js'

/**
 * Milliseconds spent in each start-up phase, named by where it ended (`mark`), and in
 * total; `process` is what the process spent before the network's start (Node loading the
 * modules, the config), as `performance.now()` counts from the process' start.
 */
export function startPhases(): { mark(phase: string): void; done(): Record<string, number> } {
  const started = performance.now()
  let last = started
  const ms: Record<string, number> = { process: Math.round(started) }
  return {
    mark(phase) {
      const now = performance.now()
      ms[phase] = Math.round(now - last)
      last = now
    },
    done() {
      ms.rest = Math.round(performance.now() - last)
      ms.total = Math.round(performance.now() - started)
      return ms
    },
  }
}

/** How long stopping one part of a network may take before it is left behind. */
export const STOP_PART_TIMEOUT_MS = 15_000

/**
 * Stops `parts` one after another, in the order given, each within `timeoutMs`: a part
 * that fails or does not stop in time is reported and left behind, and the rest still stop.
 */
export async function stopInOrder(parts: readonly (readonly [string, Lifecycle | undefined])[], logger: Logger, timeoutMs = STOP_PART_TIMEOUT_MS): Promise<void> {
  for (const [name, part] of parts) if (part) await stopWithin(part, name, timeoutMs, logger)
}

async function stopWithin(part: Lifecycle, name: string, timeoutMs: number, logger: Logger): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), timeoutMs)))
  try {
    const result = await Promise.race([part.stop().then(() => 'stopped' as const), late])
    if (result === 'late') logger.error({ part: name, timeoutMs }, 'a part of the network did not stop in time; going on without it')
  } catch (err) {
    logger.error({ part: name, err: (err as Error).message }, 'error while stopping a part of the network')
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Runs `tasks` all at once and waits for every one to settle (none is left running
 * behind a failure); throws the first failure in the tasks' order.
 */
export async function allSettledOrThrow<T>(tasks: readonly Promise<T>[]): Promise<T[]> {
  const settled = await Promise.allSettled(tasks)
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected')
  if (failed) throw failed.reason
  return settled.map((s) => (s as PromiseFulfilledResult<T>).value)
}
