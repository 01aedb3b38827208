import type { GethGenesis } from '../execution/genesis.js'
import type { Hex } from '../primitives/hex.js'
import type { LogLevel } from '../primitives/logger.js'
import type { RpcLimits } from '../rpc/api.js'
import type { RpcOptions } from '../rpc/options.js'
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
  /**
   * The network the chain is part of, as the coordinator knows it: the chain's own genesis
   * slot and every other chain's store and genesis slot. Given, the worker checks executing
   * messages against a replica of the network's log index (`NetworkReplica`); absent, by
   * the standalone rules (a chain on its own).
   */
  network?: { genesisSlot: bigint; chains: NetworkChainData[] }
  /**
   * The chain's JSON-RPC server, served by the worker itself (its reads, calls, filters,
   * subscriptions and pool intake in the worker; the network's methods forwarded to the
   * coordinator). Absent: the worker serves the executor protocol only.
   */
  rpc?: ExecutorRpcData
  faults?: ExecutorWorkerFaults
}

/**
 * What the worker's chain RPC is started with: the fields `NodeOptions.rpc`, `rpcLimits`
 * and `devMethods` take (plain data: they cross to the worker by structured clone). The
 * block's fee recipient and the slot time are not among them: each slot's attributes
 * carry its coinbase and timestamp.
 */
export interface ExecutorRpcData {
  /** host, port (0: a free one), expose, corsOrigins and the server's limits. */
  options: Partial<RpcOptions>
  limits?: Partial<RpcLimits>
  /** false: no dev method is served even on a dev chain (the network's `devMethods`). */
  devMethods?: boolean
}

/** Another chain of the network, as an executor reads it: its store (written by its own executor), genesis and genesis slot. */
export interface NetworkChainData {
  datadir: string
  genesis: GethGenesis
  /** The network slot of its block 0. */
  genesisSlot: bigint
}

/**
 * Failures a test injects into the worker, to prove the main side survives them: on the
 * first request for `method`, the worker never answers, exits, throws out of its event
 * loop, or runs out of memory (a worker started with a small heap limit).
 */
export interface ExecutorWorkerFaults {
  /** Never answers `method` (a hung executor: the coordinator's deadline must catch it). */
  hangOn?: string
  exitOn?: string
  throwOn?: string
  exhaustMemoryOn?: string
}

/** The worker's first message: its chain is open and it serves the protocol, or why it could not. */
export type ExecutorWorkerStarted = { type: 'ready'; chainId: string; head: Hex; /** The chain RPC's bound URL, when it serves one. */ rpcUrl?: string } | { type: 'failed'; /** What failed: opening the chain, or binding its RPC. */ stage: 'open' | 'rpc'; message: string }

/** Asks the worker to drop any payload in progress and close its chain (answered `true` once the store is closed). */
export const WORKER_SHUTDOWN = 'plexus_executorShutdown'
