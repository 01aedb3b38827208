import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:net'
import { after, describe, it } from 'node:test'
import { createChainCommon, devAccounts } from '../execution/genesis.js'
import type { PooledTx } from '../execution/pooledTx.js'
import { executingMessagesAccessList } from '../interop/accessList.js'
import { initCrypto } from '../primitives/crypto.js'
import { BaseError, RpcErrorCode } from '../primitives/errors.js'
import { toData, type Hex } from '../primitives/hex.js'
import { buildSlot, STANDALONE_SLOT_RULES, type SlotResult } from '../sequencer/slotBuilder.js'
import { closeMemoryChains, memoryGenesis, openMemoryChains, signedTx } from '../../test/helpers/memoryChains.js'
import { waitFor } from '../../test/helpers/node.js'
import { TestWorkers } from '../../test/helpers/workers.js'
import { PeerLostError } from './peer.js'
import { SETTLED_HEADS } from './settledHeads.js'
import type { ExecutorRpcData } from './workerData.js'
import { ALLOW_RPC_ORIGIN, OPERATOR_CALL } from './operatorCalls.js'
import { ExecutorStartError, WorkerExecutor } from './workerExecutor.js'

/**
 * A chain's JSON-RPC served by its executor worker. Invariants: a client of the worker's
 * RPC sees the chain the worker builds (its transactions included, its state, its logs);
 * the network's methods are answered by the coordinator; every request is answered (a
 * result or geth's error), none lost, whatever the load or the input; the port is held
 * exactly as long as the worker lives.
 */

await initCrypto()

const sink: Hex = '0x00000000000000000000000000000000000000aa'
const accounts = devAccounts(10)
const common = createChainCommon(memoryGenesis(901n))
/** Creation code that emits one empty LOG0 and deploys nothing: a log to query. */
const EMIT_LOG0 = '0x60006000a0' as Hex

const fixture = new TestWorkers()
const dir = (): string => fixture.dir()

const RPC: ExecutorRpcData = { options: { host: '127.0.0.1', port: 0 } }

/** Chain 901's executor worker serving its RPC on a free port. */
const startWorker = (extra: Parameters<TestWorkers['start']>[2] = {}, datadir = dir()): Promise<WorkerExecutor> => fixture.start(901n, datadir, { rpc: RPC, ...extra })

/** A signed transaction on chain 901 from dev account `from` (the worker's chain, read only for its id and rules). */
const tx = (from: number, nonce: number, fields: Omit<Parameters<typeof signedTx>[2], 'from'> = {}): PooledTx => signedTx({ chainId: 901n, common }, nonce, { ...fields, from })

let slotNumber = 0n
/** One slot on the worker's chain, committed. */
async function slot(w: WorkerExecutor): Promise<SlotResult> {
  slotNumber++
  const res = await buildSlot({ slot: slotNumber, timestamp: 1_000n + slotNumber, chains: [{ chainId: 901n, executor: w.executor, attrs: { coinbase: new Uint8Array(20) } }], bundles: [] }, STANDALONE_SLOT_RULES)
  for (const b of res.blocks) await w.executor.commitPayload(toData(b.payload.block.hash()))
  return res
}

type Answer<T = unknown> = { result?: T; error?: { code: number; message: string; data?: unknown } }

async function post(url: string, body: string): Promise<{ status: number; json: unknown }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
  return { status: res.status, json: await res.json() }
}

async function call<T = unknown>(url: string, method: string, params: unknown[]): Promise<Answer<T>> {
  return (await post(url, JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }))).json as Answer<T>
}

async function result<T = unknown>(url: string, method: string, params: unknown[]): Promise<T> {
  const a = await call<T>(url, method, params)
  assert.equal(a.error, undefined, `${method}: ${a.error?.message}`)
  return a.result as T
}

const GETH_CODES = new Set<number>(Object.values(RpcErrorCode))

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(port, '127.0.0.1', () => resolve(srv))
  })
}

describe('the chain\'s JSON-RPC in its executor worker', { timeout: 300_000 }, () => {
  after(async () => {
    await fixture.cleanup()
  })

  it('a transaction sent to the worker\'s RPC is included by a slot; receipts, balances, calls and logs agree with the block', async () => {
    const w = await startWorker()
    assert.match(w.rpcUrl ?? '', /^http:\/\/127\.0\.0\.1:\d+$/)
    const url = w.rpcUrl!
    assert.equal(await result(url, 'eth_chainId', []), '0x385')
    const transfer = tx(0, 0, { to: sink, value: 1234n })
    const create = tx(1, 0, { data: EMIT_LOG0, gasLimit: 100_000n })
    assert.equal(await result(url, 'eth_sendRawTransaction', [toData(transfer.raw)]), transfer.hash)
    assert.equal(await result(url, 'eth_sendRawTransaction', [toData(create.raw)]), create.hash)
    const res = await slot(w)
    const block = res.blocks[0]!.payload.block
    assert.deepEqual(block.transactions.map((t) => toData(t.hash())).sort(), [transfer.hash, create.hash].sort())
    // The worker's RPC follows its own commit at once.
    const latest = await result<{ hash: Hex; number: Hex }>(url, 'eth_getBlockByNumber', ['latest', false])
    assert.deepEqual([latest.hash, latest.number], [toData(block.hash()), '0x1'])
    const receipt = await result<{ status: Hex; blockHash: Hex; logs: { blockHash: Hex; address: Hex }[] }>(url, 'eth_getTransactionReceipt', [create.hash])
    assert.equal(receipt.status, '0x1')
    assert.equal(receipt.blockHash, toData(block.hash()))
    assert.equal(receipt.logs.length, 1, 'the creation emitted one log')
    assert.equal((await result<{ status: Hex }>(url, 'eth_getTransactionReceipt', [transfer.hash])).status, '0x1')
    assert.equal(BigInt(await result<Hex>(url, 'eth_getBalance', [sink, 'latest'])), 1234n)
    assert.equal(BigInt(await result<Hex>(url, 'eth_getBalance', [sink, '0x0'])), 0n, 'state at genesis')
    // eth_getLogs over the range holds exactly the receipts' logs.
    const logs = await result<{ blockHash: Hex; transactionHash: Hex }[]>(url, 'eth_getLogs', [{ fromBlock: '0x0', toBlock: 'latest' }])
    assert.deepEqual(logs.map((l) => [l.blockHash, l.transactionHash]), [[toData(block.hash()), create.hash]])
    // eth_call runs on the worker's state: the sink has no code, the call returns nothing; a revert is geth's code 3.
    assert.equal(await result(url, 'eth_call', [{ to: sink, data: '0x' }, 'latest']), '0x')
    const reverted = await call(url, 'eth_call', [{ data: '0x60006000fd' }, 'latest'])
    assert.equal(reverted.error?.code, RpcErrorCode.ExecutionReverted)
    assert.equal(BigInt(await result<Hex>(url, 'eth_getTransactionCount', [accounts[0]!.address, 'latest'])), 1n)
    await w.stop()
  })

  it('the network\'s methods are answered by the coordinator\'s service, errors included', async () => {
    const w = await startWorker()
    const asked: string[] = []
    w.serveNetwork({
      answer: (method, params) => {
        asked.push(method)
        if (method === 'plexus_getBundle') return Promise.resolve({ status: 'pending', from: 'coordinator', params })
        return Promise.reject(new BaseError('no such message', { rpcCode: RpcErrorCode.InvalidParams, rpcData: { why: 'test' } }))
      },
      feeds: { on: () => () => undefined },
    })
    assert.throws(() => w.serveNetwork({ answer: () => Promise.resolve(null), feeds: { on: () => () => undefined } }), BaseError, 'once')
    const id = `0x${'ab'.repeat(32)}`
    assert.deepEqual(await result(w.rpcUrl!, 'plexus_getBundle', [id]), { status: 'pending', from: 'coordinator', params: [id] })
    const err = await call(w.rpcUrl!, 'plexus_getMessage', [id])
    assert.deepEqual(err.error, { code: RpcErrorCode.InvalidParams, message: 'no such message', data: { why: 'test' } })
    // Arity is checked by the worker before anything is forwarded.
    assert.equal((await call(w.rpcUrl!, 'plexus_getBundle', [])).error?.code, RpcErrorCode.InvalidParams)
    assert.deepEqual(asked, ['plexus_getBundle', 'plexus_getMessage'])
  })

  it('the operator\'s calls reach the worker\'s full registry (restricted methods too), and a new origin is let in; hostile params are refused', async () => {
    const w = await startWorker()
    // debug_* is closed on the public port (RPC exposes no restricted group) but open to the operator.
    const trace = [{ to: sink, data: '0x' }, 'latest', { tracer: 'callTracer' }]
    assert.equal((await call(w.rpcUrl!, 'debug_traceCall', trace)).error?.code, RpcErrorCode.MethodNotFound)
    assert.equal(((await w.callRpc('debug_traceCall', trace)) as { type: string }).type, 'CALL')
    assert.equal(await w.callRpc('eth_chainId', []), '0x385')
    await assert.rejects(w.callRpc('eth_getBalance', ['not an address', 'latest']), (err: BaseError) => err.rpcCode === RpcErrorCode.InvalidParams)
    // A browser origin the server did not allow is refused, then let in.
    const origin = 'http://dashboard.example:5173'
    const ask = () => fetch(w.rpcUrl!, { method: 'POST', headers: { 'content-type': 'application/json', origin }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }) })
    assert.equal((await ask()).status, 403)
    await w.allowRpcOrigin(origin)
    assert.equal((await ask()).status, 200)
    for (const bad of [null, [], { method: 1 }, { method: 'x'.repeat(200), params: [] }, { method: 'eth_chainId', params: 'no' }]) {
      await assert.rejects(w.peer.request(OPERATOR_CALL, bad), (err: BaseError) => err.rpcCode === RpcErrorCode.InvalidParams)
    }
    await assert.rejects(w.peer.request(ALLOW_RPC_ORIGIN, { origin: '' }), (err: BaseError) => err.rpcCode === RpcErrorCode.InvalidParams)
    assert.equal(await w.callRpc('eth_chainId', []), '0x385', 'still serving')
  })

  it('\'safe\' and \'finalized\' follow the heads the coordinator pushes, never past the chain\'s head; a malformed push changes nothing', async () => {
    const w = await startWorker()
    const url = w.rpcUrl!
    for (let i = 0; i < 3; i++) await slot(w)
    const numberOf = async (tag: string) => (await result<{ number: Hex }>(url, 'eth_getBlockByNumber', [tag, false])).number
    assert.deepEqual([await numberOf('safe'), await numberOf('finalized')], ['0x0', '0x0'], 'genesis until told')
    w.pushSettledHeads({ safe: 2n, finalized: 1n })
    await waitFor(async () => (await numberOf('safe')) === '0x2', 10_000, 'safe at 2')
    assert.equal(await numberOf('finalized'), '0x1')
    // Hostile pushes: refused by the worker, the heads stay.
    for (const bad of [{ safe: '0x1', finalized: '0x2' }, { safe: 'two' }, null, { safe: '0x' + 'f'.repeat(40), finalized: '0x0' }]) w.peer.notify(SETTLED_HEADS, bad)
    assert.throws(() => w.pushSettledHeads({ safe: 1n, finalized: 2n }), BaseError)
    // A push past the chain's head: the tags stop at the head.
    w.pushSettledHeads({ safe: 100n, finalized: 100n })
    await waitFor(async () => (await numberOf('finalized')) === '0x3', 10_000, 'finalized clamped to the head')
    assert.equal(await numberOf('safe'), '0x3')
  })

  it('eth_sendRawTransaction is checked by the worker\'s network replica, as plexus_sendRawTransactions is', async () => {
    const w = await startWorker({ network: { genesisSlot: 0n, chains: [] } })
    const forged = tx(2, 0, { to: sink, gasLimit: 100_000n, accessList: executingMessagesAccessList([{ id: { origin: sink, blockNumber: 1n, logIndex: 0, timestamp: 1_001n, chainId: 999n }, msgHash: `0x${'11'.repeat(32)}` }]) })
    const viaRpc = await call(w.rpcUrl!, 'eth_sendRawTransaction', [toData(forged.raw)])
    const [viaProtocol] = await w.sendRawTransactions([forged.raw])
    assert.equal(viaRpc.error?.code, RpcErrorCode.Server)
    assert.ok(viaProtocol && 'error' in viaProtocol)
    assert.equal(viaRpc.error?.message, viaProtocol.error.message, 'the same refusal on both paths')
    // A plain transfer still goes in.
    const ok = tx(2, 0, { to: sink })
    assert.equal(await result(w.rpcUrl!, 'eth_sendRawTransaction', [toData(ok.raw)]), ok.hash)
  })

  it('a burst of 2,000 eth_sendRawTransaction over HTTP, with hostile ones mixed in: every request answered, every accepted transaction included once', async () => {
    const w = await startWorker({ txpool: { maxPending: 8192 } })
    const url = w.rpcUrl!
    const senders = 10
    const perSender = 200
    const txs = Array.from({ length: senders }, (_, from) => Array.from({ length: perSender }, (_, n) => tx(from, n, { to: sink, value: 1n })))
    const accepted = new Set<Hex>()
    const answers: Answer[] = []
    const hostile = ['0x', '0x02', '0xzz', toData(new Uint8Array(200_000).fill(7)), 42, null]
    await Promise.all([
      // Each sender's nonces in order, the senders at once.
      ...txs.map(async (list) => {
        for (const t of list) {
          const a = await call<Hex>(url, 'eth_sendRawTransaction', [toData(t.raw)])
          answers.push(a)
          if (a.result === t.hash) accepted.add(t.hash)
        }
      }),
      ...hostile.map(async (raw) => {
        for (let i = 0; i < 20; i++) answers.push(await call(url, 'eth_sendRawTransaction', [raw]))
      }),
    ])
    assert.equal(answers.length, senders * perSender + hostile.length * 20, 'every request answered')
    for (const a of answers) assert.ok(a.result !== undefined || (a.error && GETH_CODES.has(a.error.code)), JSON.stringify(a).slice(0, 200))
    assert.equal(answers.filter((a) => a.error).length, hostile.length * 20, 'only the hostile ones refused')
    assert.equal(accepted.size, senders * perSender)
    const included = new Set<Hex>()
    for (let i = 0; included.size < accepted.size; i++) {
      assert.ok(i < 10, `only ${included.size} of ${accepted.size} included after 10 slots`)
      for (const t of (await slot(w)).blocks[0]!.payload.block.transactions) {
        const h = toData(t.hash())
        assert.ok(!included.has(h), `${h} included twice`)
        included.add(h)
      }
    }
    assert.deepEqual([...accepted].filter((h) => !included.has(h)), [])
  })

  it('oversized and malformed JSON-RPC requests get geth\'s codes; the server keeps serving', async () => {
    const w = await startWorker({ rpc: { options: { host: '127.0.0.1', port: 0, maxBodyBytes: 64 * 1024, maxBatchLength: 10 } } })
    const url = w.rpcUrl!
    const big = await post(url, JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: ['x'.repeat(100_000)] }))
    assert.equal(big.status, 413)
    assert.equal((big.json as Answer).error?.code, RpcErrorCode.InvalidRequest)
    assert.equal(((await post(url, '{"jsonrpc":"2.0","id":1,"method":')).json as Answer).error?.code, RpcErrorCode.ParseError)
    assert.equal((await call(url, 'eth_getBalance', ['0xzz', 'latest'])).error?.code, RpcErrorCode.InvalidParams)
    assert.equal((await call(url, 'eth_noSuchMethod', [])).error?.code, RpcErrorCode.MethodNotFound)
    assert.equal((await call(url, 'eth_sendRawTransaction', [])).error?.code, RpcErrorCode.InvalidParams)
    const batch = Array.from({ length: 11 }, (_, id) => ({ jsonrpc: '2.0', id, method: 'eth_chainId', params: [] }))
    const tooMany = (await post(url, JSON.stringify(batch))).json as Answer | Answer[]
    const first = Array.isArray(tooMany) ? tooMany[0]! : tooMany
    assert.ok(first.error && GETH_CODES.has(first.error.code), JSON.stringify(first))
    assert.equal(await result(url, 'eth_chainId', []), '0x385', 'still serving')
  })

  it('an RPC port already taken: the worker start fails in one line naming the chain and the port; the datadir is left closed', async () => {
    const taken = await listen(0)
    const port = (taken.address() as { port: number }).port
    const datadir = dir()
    try {
      await assert.rejects(startWorker({ rpc: { options: { host: '127.0.0.1', port } } }, datadir), (err: Error) => err instanceof ExecutorStartError && err.message.startsWith('chain 901\'s executor could not serve its RPC: ') && err.message.includes(`127.0.0.1:${port}`) && !err.message.includes('\n'))
    } finally {
      await new Promise((r) => taken.close(r))
    }
    // The store the failed worker opened was closed: the same datadir opens again.
    const again = await startWorker({}, datadir)
    await again.stop()
  })

  it('a worker terminated: its RPC port is freed, protocol requests in flight fail naming the chain, RPC clients are cut, not hung', async () => {
    const w = await startWorker({ txpool: { maxPending: 8192 } })
    const port = Number(new URL(w.rpcUrl!).port)
    const burst = Array.from({ length: 1000 }, (_, n) => tx(3, n, { to: sink }).raw)
    const inFlight = w.sendRawTransactions(burst)
    const rpcInFlight = call(w.rpcUrl!, 'eth_sendRawTransaction', [toData(tx(4, 0, { to: sink }).raw)]).then(
      () => 'answered',
      () => 'cut',
    )
    await w.terminate()
    await assert.rejects(inFlight, (err: Error) => err instanceof PeerLostError && /chain 901/.test(err.message))
    await assert.rejects(w.executor.openPayload({ slot: 1n, timestamp: 1_001n, coinbase: new Uint8Array(20) }), (err: Error) => err instanceof PeerLostError && /chain 901/.test(err.message))
    assert.ok(['answered', 'cut'].includes(await rpcInFlight))
    // The port is free again: another server can bind it.
    const srv = await waitFor(() => listen(port).catch(() => undefined), 10_000, 'the port to be freed')
    await new Promise((r) => srv.close(r))
  })

  it('stop closes the RPC server and the store: the port refuses, the datadir opens in this thread at the worker\'s head', async () => {
    const datadir = dir()
    const w = await startWorker({}, datadir)
    const url = w.rpcUrl!
    const t = tx(5, 0, { to: sink, value: 7n })
    await result(url, 'eth_sendRawTransaction', [toData(t.raw)])
    const head = (await slot(w)).blocks[0]!.payload.block.hash()
    await Promise.all([w.stop(), w.stop()])
    await assert.rejects(fetch(url, { method: 'POST', body: '{}' }))
    const chains = await openMemoryChains([901n], [{ dir: datadir }])
    assert.equal(toData(chains.get(901n)!.headHeader().hash()), toData(head))
    await closeMemoryChains(chains.values())
  })
})
