import { Common } from '@ethereumjs/common'
import { paramsTx } from '@ethereumjs/tx'

/**
 * ethereumjs gives every transaction its own `Common`: a copy plus a re-merge of the tx
 * parameters through JSON (0.1–1 ms per transaction, the largest cost of decoding).
 * Transactions only read their Common, so all transactions of one hardfork can share
 * one whose `copy()` is itself and whose tx parameters are merged once.
 */
class SharedTxCommon extends Common {
  override copy(): Common {
    return this
  }

  override updateParams(): void {
    // already merged once, in sharedTxCommon()
  }
}

const shared = new WeakMap<Common, Map<string, Common>>()

/** The shared transaction Common of `base`'s chain at `hardfork` (default: base's current). */
export function sharedTxCommon(base: Common, hardfork: string = base.hardfork()): Common {
  let byFork = shared.get(base)
  if (!byFork) shared.set(base, (byFork = new Map()))
  let common = byFork.get(hardfork)
  if (!common) {
    const c = base.copy()
    c.setHardfork(hardfork)
    c.updateParams(paramsTx)
    Object.setPrototypeOf(c, SharedTxCommon.prototype)
    common = c
    byFork.set(hardfork, common)
  }
  return common
}
