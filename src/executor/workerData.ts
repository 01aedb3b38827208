import type { GethGenesis } from '../execution/genesis.js'
import type { Hex } from '../primitives/hex.js'
import type { LogLevel } from '../primitives/logger.js'
import type { TxPoolOptions } from '../sequencer/txpool/index.js'

/**
 * What an executor worker (`worker.ts`) is started with, and the messages of its life
 * outside the executor protocol: the one it sends when its chain is open (or failed to
 * open), and the shutdown the main side asks for. Shared by both sides so they agree.
 */
export interface ExecutorWorkerData {
  datadir: string
  genesis: GethGenesis
  /** Gas limit of its blocks (default the head's). */
  gasLimit?: bigint
  txpool?: Partial<TxPoolOptions>
  /** The network relayer's address: its nonce is reported when a payload opens. */
  relayer: Hex
  /** Sender recovery threads inside the worker (default `SenderRecovery`'s). */
  recoveryThreads?: number
  logLevel?: LogLevel
  faults?: ExecutorWorkerFaults
}

/**
 * Failures a test injects into the worker, to prove the main side survives them: on the
 * first request for `method`, the worker exits, throws out of its event loop, or runs
 * out of memory (a worker started with a small heap limit).
 */
export interface ExecutorWorkerFaults {
  exitOn?: string
  throwOn?: string
  exhaustMemoryOn?: string
}

/** The worker's first message: its chain is open and it serves the protocol, or why it could not. */
export type ExecutorWorkerStarted = { type: 'ready'; chainId: string; head: Hex } | { type: 'failed'; message: string }

/** Asks the worker to drop any payload in progress and close its chain (answered `true` once the store is closed). */
export const WORKER_SHUTDOWN = 'plexus_executorShutdown'
