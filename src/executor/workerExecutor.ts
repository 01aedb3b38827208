import type { ResourceLimits } from 'node:worker_threads'
import { Worker } from 'node:worker_threads'
import { createChainCommon } from '../execution/genesis.js'
import { BaseError } from '../primitives/errors.js'
import type { LogLevel, Logger } from '../primitives/logger.js'
import { RemoteExecutor } from './client.js'
import { ALLOW_RPC_ORIGIN, OPERATOR_CALL } from './operatorCalls.js'
import { networkCallHandlers, type NetworkCallService } from './networkCall.js'
import { RpcPeer, type PeerHandler } from './peer.js'
import { decodeSendResults, encodeNetworkChanged, encodeSendRawTransactions, EXECUTOR_HELLO, METHODS, NETWORK_CHANGED, RESTORE_TO_POOL, REWIND, SEND_RAW_TRANSACTIONS, type WireSendResult } from './protocol.js'
import { encodeSettledHeads, SETTLED_HEADS, type SettledHeadNumbers } from './settledHeads.js'
import { TransportClosedError, type Transport } from './transport.js'
import { WORKER_SHUTDOWN, type ExecutorWorkerData, type ExecutorWorkerStarted, type NetworkChainData } from './workerData.js'

/** An executor worker that could not start: its chain did not open, or it did not say so in time. */
export class ExecutorStartError extends BaseError {
  override name = 'ExecutorStartError'
}

export interface WorkerExecutorOptions extends ExecutorWorkerData {
  logger: Logger
  /** Most ms the worker may take to open its chain (default 60 s: a large pool journal replays first). */
  readyTimeoutMs?: number
  /** Deadline of each protocol request (default 30 s). */
  requestTimeoutMs?: number
  /** Most ms a clean stop may take before the worker is terminated (default 10 s). */
  stopTimeoutMs?: number
  /** The worker's heap limits (tests: a small heap, to run it out of memory). */
  resourceLimits?: ResourceLimits
}

const WORKER_URL = new URL('./worker.js', import.meta.url)

/**
 * One chain's executor in a worker thread, seen from the coordinator's thread: started
 * with `WorkerExecutor.start` (resolves once the chain is open), driven through
 * `executor` (a `ChainExecutor`), fed transactions with `sendRawTransactions`, stopped
 * with `stop` (the chain's store closed by the worker before it ends).
 *
 * A worker lost on its own (it exited, threw, ran out of memory) fails every request in
 * flight at once with `PeerLostError` naming the chain and how it was lost, and every
 * request after; `lost` says why, and `onLost` listeners are told once.
 */
export class WorkerExecutor {
  private lostReason: string | undefined
  private readonly lostListeners: ((reason: string) => void)[] = []
  private stopping: Promise<void> | undefined
  private readonly exited: Promise<number>

  private constructor(
    readonly chainId: bigint,
    private readonly worker: Worker,
    private readonly transport: WorkerTransport,
    readonly peer: RpcPeer,
    /** The chain's executor, as the shared sequencer drives it. */
    readonly executor: RemoteExecutor,
    /** What this side answers the worker (the network's calls and feeds, once `serveNetwork`). */
    private readonly handlers: Record<string, PeerHandler>,
    /** The chain's JSON-RPC URL, when the worker serves it (`rpc` given). */
    readonly rpcUrl: string | undefined,
    private readonly options: WorkerExecutorOptions,
  ) {
    this.exited = new Promise((resolve) => worker.once('exit', resolve))
    worker.on('error', (err) => this.lose(errorReason(chainId, err)))
    worker.on('exit', (code) => this.lose(`chain ${chainId}'s executor worker exited (code ${code})`))
  }

  /** Spawns the worker and resolves once its chain is open; rejects in one line naming the chain if it does not open in time. */
  static async start(options: WorkerExecutorOptions): Promise<WorkerExecutor> {
    const { logger, readyTimeoutMs = 60_000, resourceLimits, ...data } = options
    const common = createChainCommon(data.genesis)
    const chainId = common.chainId()
    const workerData: ExecutorWorkerData = {
      datadir: data.datadir,
      genesis: data.genesis,
      relayer: data.relayer,
      logLevel: data.logLevel ?? (logger.level as LogLevel),
      ...(data.gasLimit !== undefined ? { gasLimit: data.gasLimit } : {}),
      ...(data.txpool ? { txpool: data.txpool } : {}),
      ...(data.recoveryThreads !== undefined ? { recoveryThreads: data.recoveryThreads } : {}),
      ...(data.faults ? { faults: data.faults } : {}),
      ...(data.network ? { network: data.network } : {}),
      ...(data.rpc ? { rpc: data.rpc } : {}),
    }
    const worker = new Worker(WORKER_URL, { workerData, ...(resourceLimits ? { resourceLimits } : {}) })
    const transport = new WorkerTransport(worker)
    let started: ExecutorWorkerStarted
    try {
      started = await firstMessage(worker, chainId, readyTimeoutMs)
    } catch (err) {
      await worker.terminate()
      throw err
    }
    if (started.type === 'failed') {
      await worker.terminate()
      throw new ExecutorStartError(`chain ${chainId}'s executor could not ${started.stage === 'rpc' ? 'serve its RPC' : 'open its chain'}: ${started.message}`)
    }
    const handlers: Record<string, PeerHandler> = {}
    let self: WorkerExecutor | undefined
    const peer = new RpcPeer(transport, {
      handlers,
      timeoutMs: options.requestTimeoutMs ?? 30_000,
      onTimeout: (method, ms) => self?.slow(method, ms),
      logger: logger.child({ module: 'executor', chainId: chainId.toString() }),
    })
    const executor = new RemoteExecutor(chainId, common, peer, started.head)
    return (self = new WorkerExecutor(chainId, worker, transport, peer, executor, handlers, started.rpcUrl, options))
  }

  /** Why the worker was lost, if it was (undefined while it serves, and after a clean stop). */
  get lost(): string | undefined {
    return this.lostReason
  }

  /** Told once when the worker is lost on its own (not on `stop`). */
  onLost(listener: (reason: string) => void): void {
    if (this.lostReason !== undefined) listener(this.lostReason)
    else this.lostListeners.push(listener)
  }

  /**
   * Raw transactions into the chain's pool, at most `MAX_SEND_BATCH` and
   * `MAX_SEND_BATCH_BYTES` at once (a larger batch is refused whole with InvalidParams):
   * per transaction its hash, or the pool's JSON-RPC error.
   */
  async sendRawTransactions(raws: readonly Uint8Array[]): Promise<WireSendResult[]> {
    if (raws.length === 0) return []
    return decodeSendResults(await this.peer.request(SEND_RAW_TRANSACTIONS, encodeSendRawTransactions(raws)), raws.length)
  }

  /**
   * Tells the worker the network's chains now (a chain joined): it opens a reader of each
   * it lacks, so their messages can be executed on its chain from its next payload.
   * Resolves once the readers are open (or wait for their stores to be written).
   */
  async networkChanged(chains: readonly NetworkChainData[]): Promise<void> {
    await this.peer.request(NETWORK_CHANGED, encodeNetworkChanged(chains))
  }

  /**
   * Answers the worker's forwarded network methods and feeds (`plexus_networkCall`,
   * `plexus_networkSubscribe`) from `service`: the coordinator's side of a chain whose
   * RPC runs in the worker. Until then those calls fail with MethodNotFound. Once.
   */
  serveNetwork(service: Omit<NetworkCallService, 'peer'>): void {
    if (Object.keys(this.handlers).length > 0) throw new BaseError(`chain ${this.chainId}'s executor already has its network service`)
    Object.assign(this.handlers, networkCallHandlers({ ...service, peer: () => this.peer }))
  }

  /**
   * Tells the worker its chain's `safe` and `finalized` heads (block numbers; the
   * coordinator's L1 side knows them): its RPC answers those tags from the last told.
   * A notification: nothing to wait for, dropped if the worker is gone.
   */
  pushSettledHeads(heads: SettledHeadNumbers): void {
    this.peer.notify(SETTLED_HEADS, encodeSettledHeads(heads))
  }

  /**
   * Runs one of the chain's RPC methods in the worker as the operator, restricted ones
   * included (the admin endpoint's path): the method's result, or its error (code,
   * message, data) as a client of the chain would get it.
   */
  callRpc(method: string, params: unknown[]): Promise<unknown> {
    return this.peer.request(OPERATOR_CALL, { method, params })
  }

  /** Lets one more exact browser origin call the worker's chain RPC (the dashboard's). */
  async allowRpcOrigin(origin: string): Promise<void> {
    await this.peer.request(ALLOW_RPC_ORIGIN, { origin })
  }

  /**
   * Asks the worker to finish the requests it is serving, drop what it is building and
   * close its chain (stop the slots that drive it first), then ends it; past
   * `stopTimeoutMs` (or if it is lost already) it is terminated. Stopping twice is one stop.
   */
  stop(): Promise<void> {
    return (this.stopping ??= this.shutdown())
  }

  /** Ends the worker at once, as a crash would (tests; a stuck worker). */
  async terminate(): Promise<void> {
    await this.worker.terminate()
    await this.exited
  }

  private async shutdown(): Promise<void> {
    const timeoutMs = this.options.stopTimeoutMs ?? 10_000
    if (this.lostReason === undefined) {
      try {
        await this.peer.request(WORKER_SHUTDOWN, [], timeoutMs)
      } catch (err) {
        this.options.logger.warn({ err, chainId: this.chainId.toString() }, 'the executor worker did not close its chain cleanly; terminating it')
      }
    }
    // Stopped on purpose: the exit that follows is not a loss.
    this.lostListeners.length = 0
    this.transport.lose(`chain ${this.chainId}'s executor was stopped`)
    await this.worker.terminate()
    await this.exited
  }

  /**
   * A request got no answer within its deadline. For a step of the slot (or a rewind)
   * that is a lost executor: a slot cannot wait for it without bound, and answering late
   * would be answering a slot the coordinator has given up. The worker is ended, so it
   * cannot commit behind the coordinator's back, and reported lost.
   */
  private slow(method: string, ms: number): void {
    if (!SLOT_STEPS.has(method) || this.stopping) return
    this.lose(`chain ${this.chainId}'s executor did not answer ${method} within ${ms} ms`)
    void this.worker.terminate()
  }

  private lose(reason: string): void {
    if (this.lostReason !== undefined || this.transport.closed) return
    this.lostReason = reason
    this.options.logger.error({ chainId: this.chainId.toString(), reason }, 'an executor worker was lost')
    this.transport.lose(reason)
    for (const l of this.lostListeners.splice(0)) l(reason)
  }
}

/** The executor protocol's steps of a slot and of a rewind: a worker silent past the deadline on one is lost. */
const SLOT_STEPS: ReadonlySet<string> = new Set([...Object.values(METHODS), REWIND, RESTORE_TO_POOL, EXECUTOR_HELLO])

/** The worker's first message, or a one-line error naming the chain if it exits or stays silent first. */
function firstMessage(worker: Worker, chainId: bigint, timeoutMs: number): Promise<ExecutorWorkerStarted> {
  return new Promise((resolve, reject) => {
    const done = (fn: () => void) => {
      clearTimeout(timer)
      worker.off('message', onMessage)
      worker.off('error', onError)
      worker.off('exit', onExit)
      fn()
    }
    const onMessage = (m: ExecutorWorkerStarted) => done(() => resolve(m))
    const onError = (err: Error) => done(() => reject(new ExecutorStartError(`${errorReason(chainId, err)} before its chain was open`)))
    const onExit = (code: number) => done(() => reject(new ExecutorStartError(`chain ${chainId}'s executor worker exited (code ${code}) before its chain was open`)))
    const timer = setTimeout(() => done(() => reject(new ExecutorStartError(`chain ${chainId}'s executor did not open its chain within ${timeoutMs} ms`))), timeoutMs)
    worker.once('message', onMessage)
    worker.once('error', onError)
    worker.once('exit', onExit)
  })
}

function errorReason(chainId: bigint, err: Error & { code?: string }): string {
  if (err.code === 'ERR_WORKER_OUT_OF_MEMORY') return `chain ${chainId}'s executor worker ran out of memory`
  return `chain ${chainId}'s executor worker failed: ${String(err.message).split('\n')[0]}`
}

/**
 * The protocol's channel to a worker: its own message port (`postMessage` / `message`).
 * Closed only by the owner (`lose`, with the reason every request in flight fails with),
 * so a lost worker's requests name the chain and how it was lost.
 */
class WorkerTransport implements Transport {
  private readonly closeListeners: ((reason: string) => void)[] = []
  private isClosed = false

  constructor(private readonly worker: Worker) {}

  send(message: unknown): void {
    if (this.isClosed) throw new TransportClosedError()
    this.worker.postMessage(message)
  }

  onMessage(listener: (message: unknown) => void): void {
    this.worker.on('message', listener)
  }

  onClose(listener: (reason: string) => void): void {
    this.closeListeners.push(listener)
  }

  close(reason = 'closed'): void {
    this.lose(reason)
  }

  lose(reason: string): void {
    if (this.isClosed) return
    this.isClosed = true
    for (const l of this.closeListeners) l(reason)
  }

  get closed(): boolean {
    return this.isClosed
  }
}
