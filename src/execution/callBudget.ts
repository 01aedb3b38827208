import type { VM } from '@ethereumjs/vm'
import { BaseError, RpcErrorCode } from '../primitives/errors.js'

/**
 * The time an RPC simulation (eth_call, eth_estimateGas, eth_createAccessList,
 * debug_trace*) may take, and the means to keep it from holding the event loop.
 *
 * Why: these run on the thread that builds blocks. ethereumjs awaits inside its
 * interpreter, but a loop over cached state only ever yields microtasks, so no timer (the
 * slot clock) can fire until the call ends. A budget is installed on the VM of the RPC
 * call only: its JUMP and JUMPI handlers (every loop goes through one) and the start of
 * every message (calls, creates, precompiles) count, and every `YIELD_EVERY_MS` of
 * execution the run waits for `setImmediate`, letting timers and I/O run; past the
 * deadline, or once `signal` aborts (the client went away), the run throws
 * `CallTimeoutError`. Block building never gets a budget, so it pays nothing.
 *
 * geth's equivalent is RPCEVMTimeout (default 5 s), answered -32000
 * `execution aborted (timeout = 5s)`.
 */
export interface CallBudget {
  /** 0 = no deadline (the call still yields). */
  readonly timeoutMs: number
  /** performance.now() when the request began: every run of the request shares the deadline. */
  readonly startedAt: number
  readonly signal?: AbortSignal
}

/** A budget of `timeoutMs` from now. */
export function callBudget(timeoutMs: number, signal?: AbortSignal): CallBudget {
  return { timeoutMs, startedAt: performance.now(), ...(signal ? { signal } : {}) }
}

/** How long a call runs between two yields to the event loop. */
const YIELD_EVERY_MS = 5
/** Jumps between two looks at the clock (~0.1 ms of a tight loop). */
const CHECK_EVERY = 128

const JUMP = 0x56
const JUMPI = 0x57

/** -32000 `execution aborted (timeout = 5s)`, as geth words it. */
export class CallTimeoutError extends BaseError {
  override name = 'CallTimeoutError'
  constructor(timeoutMs: number, params: { cause?: unknown } = {}) {
    super(`execution aborted (timeout = ${goDuration(timeoutMs)})`, { ...params, rpcCode: RpcErrorCode.Server })
  }
}

type OpEntry = { opcodeInfo: { isAsync: boolean }; opHandler: (...args: unknown[]) => unknown; gasHandler?: unknown }
type EvmInternals = { _opcodeMap: OpEntry[] }

/** The budget's clock across every run on one VM (estimateGas runs many). */
class BudgetClock {
  readonly #deadline: number
  #lastYield = performance.now()
  #count = 0

  constructor(readonly budget: CallBudget) {
    this.#deadline = budget.timeoutMs > 0 ? budget.startedAt + budget.timeoutMs : Infinity
  }

  /** Throws past the deadline; returns a promise when it is time to yield. */
  tick(force = false): Promise<void> | undefined {
    if (!force && ++this.#count % CHECK_EVERY !== 0) return undefined
    return this.check()
  }

  check(): Promise<void> | undefined {
    const now = performance.now()
    if (this.budget.signal?.aborted || now >= this.#deadline) throw new CallTimeoutError(this.budget.timeoutMs)
    if (now - this.#lastYield < YIELD_EVERY_MS) return undefined
    return new Promise<void>((resolve) => setImmediate(() => {
      this.#lastYield = performance.now()
      resolve()
    }))
  }
}

/**
 * Installs `budget` on `vm`, a VM private to one RPC call (see `Chain.vmAt`); never on the
 * VM that builds blocks. A later `installBudget` on the same VM changes nothing.
 */
export function installBudget(vm: VM, budget: CallBudget): void {
  const evm = vm.evm as unknown as EvmInternals & { events?: { on(e: string, l: (...a: never[]) => void): void }; __budget?: BudgetClock }
  if (evm.__budget) return
  const clock = new BudgetClock(budget)
  evm.__budget = clock
  const wrapped = new WeakSet<OpEntry[]>()
  // ethereumjs rebuilds its opcode table when the hardfork changes (a replay sets it),
  // so the handlers are (re)wrapped at the start of every message, before it runs.
  const wrap = (): void => {
    if (wrapped.has(evm._opcodeMap)) return
    const map = evm._opcodeMap.slice()
    for (const op of [JUMP, JUMPI]) {
      const entry = map[op]
      if (!entry) continue
      const handler = entry.opHandler
      map[op] = {
        ...entry,
        // awaited by the interpreter; returns a promise only when it is time to yield
        opcodeInfo: Object.assign(Object.create(Object.getPrototypeOf(entry.opcodeInfo) as object) as object, entry.opcodeInfo, { isAsync: true }) as OpEntry['opcodeInfo'],
        opHandler: (...args: unknown[]) => {
          handler(...args)
          return clock.tick()
        },
      }
    }
    evm._opcodeMap = map
    wrapped.add(map)
  }
  wrap()
  // A two-argument listener is awaited by ethereumjs: the message starts when it calls back.
  evm.events?.on('beforeMessage', ((_message: unknown, resolve: (v?: unknown) => void) => {
    wrap()
    // a throw here happens inside ethereumjs' Promise executor: it fails the run
    const wait = clock.tick(true)
    if (wait) void wait.then(() => resolve())
    else resolve()
  }) as never)
}

/** A duration as Go's time.Duration prints it (5s, 1.5s, 300ms, 1m0s), as geth's message carries it. */
export function goDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`
  if (ms < 60_000) return `${ms / 1000}s`
  const m = Math.floor(ms / 60_000)
  const rest = (ms - m * 60_000) / 1000
  if (m < 60) return `${m}m${rest}s`
  return `${Math.floor(m / 60)}h${m % 60}m${rest}s`
}
