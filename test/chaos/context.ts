import type { Hex } from 'viem'
import type { Ledger } from './ledger.js'
import type { LoadGenerator } from './load.js'
import type { NetworkProcess } from './networkProcess.js'
import type { SuiteOptions } from './options.js'
import type { ReplicaProcess } from './replicaProcess.js'
import type { Rng } from './rng.js'

/**
 * What faults and invariants work with. A fault is one function `(ctx) => FaultResult`,
 * an invariant one function `(ctx, fail) => CheckResult`; adding either is a new file
 * and a line in `faults/index.ts` or `invariants/index.ts`.
 */

/** One broken promise, with what shows it. */
export interface Violation {
  invariant: string
  trial: number
  fault: string
  detail: string
  evidence?: string[]
}

export interface ChaosContext {
  readonly options: SuiteOptions
  /** The run's randomness (faults fork their own streams from it). */
  readonly rng: Rng
  readonly net: NetworkProcess
  readonly replica: ReplicaProcess | undefined
  readonly ledger: Ledger
  readonly load: LoadGenerator
  readonly l1ChainId: number
  readonly contracts: { Portal: Hex; ChainRegistry: Hex }
  /** A contract that reverts on every call, at the same address on every chain. */
  readonly revertingTarget: Hex
  /** The chain the burst goes to, and its funded senders' count. */
  readonly burstChain: number
  /** The trial now running (0 before the first fault) and its fault. */
  trial: number
  fault: string
  /** performance.now() when the current fault struck (recovery is measured from it). */
  faultAt: number
  /** performance.now() when the current trial began: evidence is taken from the network's log since then. */
  logMark: number
  /** State an invariant keeps between checks (e.g. the newest slot already compared), by invariant name. */
  readonly memo: Map<string, unknown>
  /** Numbers for the report, by name (e.g. `burst.acceptedTxs`). */
  readonly measured: Record<string, number | string>
  log(line: string): void
}

export type Fail = (detail: string, evidence?: string[]) => void

export interface CheckResult {
  /** What was checked, for the table (e.g. "1,234 receipts"). */
  checked: string
  /** Numbers worth keeping (e.g. recovery ms). */
  measured?: Record<string, number>
}

export interface Invariant {
  name: string
  /** The promise, as the report states it. */
  promise: string
  /** After every fault, or once at the end of the run. */
  scope: 'after-fault' | 'final'
  check(ctx: ChaosContext, fail: Fail): Promise<CheckResult>
}

export interface FaultResult {
  /** `unavailable`: the fault could not be injected (e.g. the hook is missing): not a pass, not a failure. */
  status: 'injected' | 'unavailable'
  note?: string
  /** The promises the fault checked itself (e.g. that the network restarts), for the tables. */
  checked?: string[]
  /** Promises the fault itself saw broken (e.g. a restart refused, a signal ignored). */
  violations: { invariant: string; detail: string; evidence?: string[] }[]
  /** Numbers for the report (undefined: not measured this time, e.g. a restart that failed). */
  measured?: Record<string, number | undefined>
}

export interface Fault {
  name: string
  description: string
  run(ctx: ChaosContext): Promise<FaultResult>
}
