/**
 * Worker thread entry: one chain's executor (docs/design/executors.md). Opens the chain
 * named in `workerData` (`ExecutorWorkerData`) as every executor does (`openChain`:
 * store, chain, pool with its journal replayed, sender recovery), builds its blocks with
 * a `PayloadBuilder`, and serves the executor protocol (`executorHandlers`, and the pool's
 * intake) over the worker's parent port. Its first message says it is ready, or in one
 * line why its chain did not open.
 *
 * Transactions are checked by the standalone rules: executing messages are not checked
 * here until the executor holds the network log index (design, "Order of work" step 3).
 */
import { parentPort, workerData } from 'node:worker_threads'
import { BaseError, RpcErrorCode } from '../primitives/errors.js'
import { toData } from '../primitives/hex.js'
import { createLogger } from '../primitives/logger.js'
import { PayloadBuilder } from '../sequencer/payloadBuilder.js'
import { STANDALONE_SLOT_RULES } from '../sequencer/slotBuilder.js'
import { executorHandlers, poolHandlers } from './host.js'
import { admitRawTransactions, openChain, type OpenedChain } from './openChain.js'
import { RpcPeer, type PeerHandler } from './peer.js'
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
  started({ type: 'failed', message: String((err as Error)?.message ?? err).split('\n')[0]! })
  port.close()
  process.exit(1)
}

const { chain, pool } = opened
const builder = new PayloadBuilder({ chainId: chain.chainId, chain, pool, relayer: data.relayer, checkTx: (block, sealed) => STANDALONE_SLOT_RULES.checkTx(chain.chainId, block, sealed) })
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
const handlers: Record<string, PeerHandler> = {
  ...served({
    ...executorHandlers({ chainId: chain.chainId, common: chain.common, builder, headHash: () => toData(chain.headHeader().hash()) }),
    ...poolHandlers((raws) => admitRawTransactions(opened, raws)),
  }),
  [WORKER_SHUTDOWN]: async () => {
    shuttingDown = true
    await Promise.allSettled([...serving])
    // Whatever is in progress was never committed: dropping it loses nothing.
    await builder.abort()
    await opened.close()
    return true
  },
}
const peer = new RpcPeer(portTransport(port), { handlers: data.faults ? withFaults(handlers, data.faults) : handlers, timeoutMs: 30_000, logger })
// The coordinator side is gone (the port closed): leave the store closed behind it.
peer.onClose(() => void opened.close().catch((err: unknown) => logger.error({ err }, 'closing the chain failed')))
started({ type: 'ready', chainId: chain.chainId.toString(), head: toData(chain.headHeader().hash()) })

function withFaults(handlers: Record<string, PeerHandler>, faults: ExecutorWorkerFaults): Record<string, PeerHandler> {
  const out: Record<string, PeerHandler> = {}
  for (const [method, handler] of Object.entries(handlers)) {
    out[method] = (params) => {
      if (faults.exitOn === method) process.exit(7)
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
