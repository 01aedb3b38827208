/**
 * Worker thread entry: one chain's executor (docs/design/executors.md). Opens the chain
 * named in `workerData` (`ExecutorWorkerData`) as every executor does (`openChain`:
 * store, chain, pool with its journal replayed, sender recovery), builds its blocks with
 * a `PayloadBuilder`, and serves the executor protocol (`executorHandlers`, and the pool's
 * intake) over the worker's parent port. Its first message says it is ready, or in one
 * line why its chain did not open.
 *
 * Given the network (`workerData.network`), it checks executing messages against its own
 * replica of the network's log index (`NetworkReplica`: readers of the other chains'
 * stores), with the coordinator's rule, both when a block is built and when the pool
 * admits a transaction; the replica follows the stores before each payload opens and
 * before each batch is admitted, and grows with `plexus_networkChanged`. Without it, a
 * chain on its own: the standalone rules.
 *
 * Given `workerData.rpc`, it serves the chain's JSON-RPC too (`ChainRpc`, the wiring a
 * `PlexusNode` uses): reads, calls, filters and subscriptions from the chain in this
 * thread, eth_sendRawTransaction into its pool under the same admission check as
 * `plexus_sendRawTransactions`, the dev state methods through its dev queue (a dev
 * chain), and the network's methods (`COORDINATOR_METHODS`) and subscriptions forwarded
 * to the coordinator over the same port (`plexus_networkCall`). `safe`/`finalized` come
 * from the heads the coordinator pushes (`plexus_settledHeads`). The ready message
 * carries the RPC's bound URL; a port it cannot bind fails the start, naming the port.
 */
import { parentPort, workerData } from 'node:worker_threads'
import type { TypedTransaction } from '@ethereumjs/tx'
import { isDevGenesis } from '../execution/devTx.js'
import { BaseError, RpcErrorCode } from '../primitives/errors.js'
import { toData } from '../primitives/hex.js'
import { createLogger } from '../primitives/logger.js'
import { ChainRpc } from '../rpc/chainRpc.js'
import { DevTxQueue } from '../sequencer/devTxQueue.js'
import { PayloadBuilder } from '../sequencer/payloadBuilder.js'
import { STANDALONE_SLOT_RULES } from '../sequencer/slotBuilder.js'
import { executorHandlers, poolHandlers } from './host.js'
import { forwardToCoordinator, RemoteNetworkFeeds } from './networkCall.js'
import { NetworkReplica } from './networkReplica.js'
import { admitRawTransaction, admitRawTransactions, openChain, refusing, type OpenedChain } from './openChain.js'
import { RpcPeer, type PeerHandler } from './peer.js'
import { decodeNetworkChanged, METHODS, NETWORK_CHANGED } from './protocol.js'
import { operatorHandlers } from './operatorCalls.js'
import { PushedSettledHeads } from './settledHeads.js'
import { portTransport } from './transport.js'
import { WORKER_SHUTDOWN, type ExecutorWorkerData, type ExecutorWorkerFaults, type ExecutorWorkerStarted } from './workerData.js'

const data = workerData as ExecutorWorkerData
const port = parentPort!
const logger = createLogger(data.logLevel ?? 'info', process.stderr).child({ module: 'executor', chainId: data.genesis.config.chainId })
const started = (m: ExecutorWorkerStarted): void => port.postMessage(m)

let opened: OpenedChain
try {
  opened = await openChain({ datadir: data.datadir, genesis: data.genesis, gasLimit: data.gasLimit, txpool: data.txpool, logger, recoveryThreads: data.recoveryThreads })
} catch (err) {
  fail('open', err)
}

/** Tells the main side why the worker could not start, in one line, and ends it. */
function fail(stage: 'open' | 'rpc', err: unknown): never {
  const message = err instanceof BaseError ? `${err.shortMessage}${err.details ? ` (${err.details})` : ''}` : String((err as Error)?.message ?? err)
  started({ type: 'failed', stage, message: message.split('\n')[0]! })
  port.close()
  process.exit(1)
}

const { chain, pool } = opened
const replica = data.network ? new NetworkReplica(chain, data.network.genesisSlot, logger) : undefined
replica?.add(data.network!.chains)
// Dev transactions (anvil's dev state methods) come only through the chain's own RPC.
const devTxs = data.rpc && data.rpc.devMethods !== false && isDevGenesis(data.genesis) ? new DevTxQueue() : undefined
const builder = new PayloadBuilder({ chainId: chain.chainId, chain, pool, relayer: data.relayer, ...(devTxs ? { devTxs } : {}), checkTx: replica?.checkTx ?? ((block, sealed) => STANDALONE_SLOT_RULES.checkTx(chain.chainId, block, sealed)) })
const settled = data.rpc ? new PushedSettledHeads(() => chain.headHeader().number) : undefined
const feeds = data.rpc ? new RemoteNetworkFeeds(() => peer, logger) : undefined
let rpc: ChainRpc | undefined
let closing: Promise<void> | undefined
/** Stops the RPC (no request reaches the store after), then closes the readers and the store; once. */
const closeChain = (): Promise<void> =>
  (closing ??= (async () => {
    await rpc?.stop()
    devTxs?.close()
    await replica?.close()
    await opened.close()
  })())
/**
 * The pool's admission check of one batch (an RPC transaction or a protocol batch):
 * executing messages checked against the replica, brought up to the stores first.
 */
function admissionCheck(): ((tx: TypedTransaction) => void) | undefined {
  if (!replica) return undefined
  replica.advance()
  return refusing(replica.admissionCheck(BigInt(Math.floor(Date.now() / 1000))))
}
/** Requests being served: a shutdown lets them finish before it closes the store under them. */
const serving = new Set<Promise<unknown>>()
let shuttingDown = false
const served = (handlers: Record<string, PeerHandler>): Record<string, PeerHandler> =>
  Object.fromEntries(
    Object.entries(handlers).map(([method, handler]) => [
      method,
      (params: unknown) => {
        if (shuttingDown) throw new BaseError(`chain ${chain.chainId}'s executor is shutting down`, { rpcCode: RpcErrorCode.Server })
        const p = Promise.resolve().then(() => handler(params))
        serving.add(p)
        void p.finally(() => serving.delete(p)).catch(() => undefined)
        return p
      },
    ]),
  )
const slotHandlers = executorHandlers({ chainId: chain.chainId, common: chain.common, builder, headHash: () => toData(chain.headHeader().hash()) })
const openOrCommit = slotHandlers[METHODS.forkchoiceUpdated]!
const handlers: Record<string, PeerHandler> = {
  ...served({
    ...slotHandlers,
    // A payload opens on a view holding every slot committed before this one.
    [METHODS.forkchoiceUpdated]: (params) => {
      if (!(Array.isArray(params) && params[1] === null)) replica?.advance()
      return openOrCommit(params)
    },
    ...poolHandlers((raws) => admitRawTransactions(opened, raws, admissionCheck())),
    [NETWORK_CHANGED]: (params) => {
      const chains = decodeNetworkChanged(params)
      if (!replica) throw new BaseError(`chain ${chain.chainId}'s executor was started without a network: it checks no executing messages`, { rpcCode: RpcErrorCode.Server })
      replica.add(chains)
      return true
    },
  }),
  ...feeds?.handlers,
  ...settled?.handlers,
  ...served(operatorHandlers(() => rpc, chain.chainId)),
  [WORKER_SHUTDOWN]: async () => {
    shuttingDown = true
    // No new RPC request from here; those running finish (within the server's grace).
    await rpc?.stop()
    await Promise.allSettled([...serving])
    // Whatever is in progress was never committed: dropping it loses nothing.
    await builder.abort()
    await closeChain()
    return true
  },
}
const peer = new RpcPeer(portTransport(port), { handlers: data.faults ? withFaults(handlers, data.faults) : handlers, timeoutMs: 30_000, logger })
// The coordinator side is gone (the port closed): leave the store closed behind it.
peer.onClose(() => void closeChain().catch((err: unknown) => logger.error({ err }, 'closing the chain failed')))
if (data.rpc) {
  rpc = new ChainRpc({
    chain,
    pool,
    rpc: data.rpc.options,
    ...(data.rpc.limits ? { rpcLimits: data.rpc.limits } : {}),
    settlement: settled!,
    networkFeeds: feeds!,
    coordinator: forwardToCoordinator(peer),
    ...(devTxs ? { devTxs } : {}),
    submitRawTransaction: (raw) => admitRawTransaction(opened, raw, admissionCheck()),
    logger,
  })
  try {
    await rpc.start()
  } catch (err) {
    rpc = undefined
    await closeChain().catch(() => undefined)
    fail('rpc', err)
  }
}
started({ type: 'ready', chainId: chain.chainId.toString(), head: toData(chain.headHeader().hash()), ...(rpc ? { rpcUrl: rpc.url() } : {}) })

function withFaults(handlers: Record<string, PeerHandler>, faults: ExecutorWorkerFaults): Record<string, PeerHandler> {
  const out: Record<string, PeerHandler> = {}
  for (const [method, handler] of Object.entries(handlers)) {
    out[method] = (params) => {
      if (faults.exitOn === method) process.exit(7)
      if (faults.hangOn === method) return new Promise(() => undefined)
      if (faults.throwOn === method) {
        setImmediate(() => {
          throw new Error(`injected failure at ${method}`)
        })
        return new Promise(() => undefined)
      }
      if (faults.exhaustMemoryOn === method) {
        const hoard: number[][] = []
        for (;;) hoard.push(Array.from({ length: 1 << 16 }, (_, i) => i * 1.5))
      }
      return handler(params)
    }
  }
  return out
}
