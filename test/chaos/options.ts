/**
 * How much the suite does. `full` is `npm run chaos`; `short` runs inside `npm test`
 * (every fault and invariant, fewer trials). Timeouts are generous upper bounds for
 * polling, never assertions about speed: what is measured goes into the report.
 */
export interface SuiteOptions {
  seed: number
  mode: 'short' | 'full'
  /** kill -9 trials; each kills the network alone or with its anvil (the seed chooses). */
  kills: number
  /** Where the network runs each chain's executor (`plexus up --executors`). */
  executors: 'inline' | 'thread'
  /** The embedded anvil killed under the running network. */
  anvilKills: number
  /** An exception between two chains' commits of one slot (the `--fault-injection` hook). */
  exceptions: number
  /** Hostile requests over every RPC method. */
  hostileRequests: number
  /**
   * Pre-signed transfers sent at once to one chain, from `senders` accounts, each with
   * `calldataBytes` of random calldata: RPC intake on 2 cores is a few hundred
   * transactions a second, so plain transfers cannot fill one slot's worth of L1 data;
   * calldata makes each slot of the burst as heavy for the batcher as a real burst is.
   */
  burst: { transfers: number; senders: number; calldataBytes: number }
  /** How long the load runs before each fault (ms, drawn from the seed). */
  loadMs: [number, number]
  /** Build a second replica from scratch at the end (the first one follows the whole run). */
  freshReplica: boolean
  /** Prove and finalize one withdrawal on L1 at the end. */
  finalizeWithdrawal: boolean
  logLevel: string
  timeouts: {
    /** A cold start deploys the L1 contracts (about 30 s on 2 cores). */
    start: number
    producing: number
    /** Safe head catching up to the unsafe head of the check's start. */
    safe: number
    replica: number
    /** A cross-chain message relayed, a deposit arriving. */
    delivery: number
    /**
     * Stopping, as an operator's patience (issue 13 item 7: "stop within a few seconds
     * whatever has already died, and a second Ctrl-C forces exit"): how long SIGTERM may
     * take, and how long the process may run on after a second signal.
     */
    stopGrace: number
    forceGrace: number
    /** How long a dead L1 is watched before the network is restarted. */
    l1Dead: number
  }
  /** Keep the work directory (datadirs, logs) afterwards. */
  keep: boolean
}

const timeouts: SuiteOptions['timeouts'] = { start: 240_000, producing: 60_000, safe: 120_000, replica: 120_000, delivery: 90_000, stopGrace: 10_000, forceGrace: 5000, l1Dead: 15_000 }

export function fullOptions(seed: number): SuiteOptions {
  return {
    seed,
    mode: 'full',
    kills: 100,
    executors: 'inline',
    anvilKills: 5,
    exceptions: 5,
    hostileRequests: 10_000,
    burst: { transfers: 5000, senders: 100, calldataBytes: 1024 },
    loadMs: [300, 8000],
    freshReplica: true,
    finalizeWithdrawal: true,
    logLevel: 'warn',
    timeouts,
    keep: false,
  }
}

export function shortOptions(seed: number): SuiteOptions {
  return {
    ...fullOptions(seed),
    mode: 'short',
    kills: 2,
    anvilKills: 1,
    exceptions: 1,
    hostileRequests: 1000,
    loadMs: [1000, 4000],
    freshReplica: false,
    finalizeWithdrawal: false,
    timeouts: { ...timeouts, producing: 30_000, safe: 60_000, replica: 60_000, delivery: 60_000, l1Dead: 10_000 },
  }
}
