import { sleep } from '../../helpers/node.js'
import type { ChaosContext } from '../context.js'

/**
 * Polls until no item is open any more: each round reads, chain by chain, the open items
 * whose chain it is (`chainOf`) and lets `read` update them (which closes them).
 * Returns the items still open when `timeoutMs` ran out ([] when all closed).
 */
export async function settle<T>(
  ctx: ChaosContext,
  opts: { open: () => T[]; chainOf: (item: T) => number; read: (url: string, items: T[]) => Promise<void>; timeoutMs: number; pollMs?: number },
): Promise<T[]> {
  const deadline = Date.now() + opts.timeoutMs
  for (;;) {
    for (const c of ctx.net.chains) {
      const mine = opts.open().filter((x) => opts.chainOf(x) === c.chainId)
      if (mine.length > 0) await opts.read(c.url, mine)
    }
    const still = opts.open()
    if (still.length === 0 || Date.now() > deadline) return still
    await sleep(opts.pollMs ?? 500)
  }
}
