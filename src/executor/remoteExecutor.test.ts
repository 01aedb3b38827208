import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { MessageChannel } from 'node:worker_threads'
import type { Chain } from '../execution/chain.js'
import { devAccounts } from '../execution/genesis.js'
import type { PooledTx } from '../execution/pooledTx.js'
import { initCrypto } from '../primitives/crypto.js'
import { RpcErrorCode } from '../primitives/errors.js'
import { toData, type Hex } from '../primitives/hex.js'
import { silentLogger } from '../primitives/logger.js'
import type { ChainExecutor } from '../sequencer/chainExecutor.js'
import { PayloadBuilder } from '../sequencer/payloadBuilder.js'
import { closeMemoryChains, fixedPool, openMemoryChains, signedTx } from '../../test/helpers/memoryChains.js'
import { tempDir } from '../../test/helpers/tmp.js'
import { RemoteExecutor } from './client.js'
import { executorHandlers } from './host.js'
import { PeerCallError, PeerLostError, RpcPeer } from './peer.js'
import { METHODS } from './protocol.js'
import { connectSocket, SocketListener } from './socketTransport.js'
import { portTransport, type Transport } from './transport.js'

await initCrypto()

const RELAYER = 2
const relayerAddress = devAccounts(3)[RELAYER]!.address.toLowerCase() as Hex
const sink: Hex = '0x00000000000000000000000000000000000000aa'
const secret = Uint8Array.from(randomBytes(32))

/** Each chain's pool for the next slot: set by the test before it drives the slot. */
const pools = new Map<Chain, PooledTx[]>()

function builderFor(chain: Chain): PayloadBuilder {
  return new PayloadBuilder({ chainId: chain.chainId, chain, pool: fixedPool(() => pools.get(chain) ?? []), relayer: relayerAddress, checkTx: () => () => undefined })
}

function serve(chain: Chain, builder: PayloadBuilder, transport: Transport): RpcPeer {
  return new RpcPeer(transport, { handlers: executorHandlers({ chainId: chain.chainId, common: chain.common, builder, headHash: () => toData(chain.headHeader().hash()) }), timeoutMs: 10_000, logger: silentLogger() })
}

/** A coordinator's RemoteExecutor for `chain`, its executor on the other end of a MessageChannel. */
function overPort(chain: Chain, builder = builderFor(chain)): { executor: RemoteExecutor; peer: RpcPeer; executorSide: Transport } {
  const { port1, port2 } = new MessageChannel()
  const executorSide = portTransport(port2)
  serve(chain, builder, executorSide)
  const peer = new RpcPeer(portTransport(port1), { handlers: {}, timeoutMs: 10_000, logger: silentLogger() })
  return { executor: new RemoteExecutor(chain.chainId, chain.common, peer, toData(chain.headHeader().hash())), peer, executorSide }
}

/** Two slots with every phase: a bundle leg kept, an earlier relay, pool transactions, a same-slot relay; then a bundle taken back. */
async function drive(chain: Chain, executor: ChainExecutor): Promise<Hex> {
  const attrs = (n: bigint) => ({ slot: n, timestamp: 1_000n + n, coinbase: new Uint8Array(20) })
  const relay = (nonce: number) => {
    const ptx = signedTx(chain, nonce, { to: sink, value: 1n, from: RELAYER })
    return { msgHash: ptx.hash, ptx }
  }
  pools.set(chain, [signedTx(chain, 0, { to: sink, value: 1n }), signedTx(chain, 1, { to: sink, value: 1n })])
  const opened = await executor.openPayload(attrs(1n))
  assert.equal(opened.relayerNonce, 0n)
  assert.deepEqual(await executor.applyBundleLeg([signedTx(chain, 0, { to: sink, value: 2n, from: 1 })]), { ok: true })
  await executor.settleBundle(true)
  assert.deepEqual((await executor.fill([relay(0)])).map((o) => o.kind), ['included'])
  const sealed = await executor.sealPayload([relay(1)], new Map([[900n, { number: 1n, timestamp: 1_001n, logs: [{ origin: sink, payloadHash: toData(new Uint8Array(32)) }] }]]))
  assert.deepEqual(sealed.relays.map((o) => o.kind), ['included'])
  assert.equal(sealed.block.transactions.length, 5)
  await executor.commitPayload(toData(sealed.block.hash()))
  pools.set(chain, [signedTx(chain, 2, { to: sink, value: 1n })])
  await executor.openPayload(attrs(2n))
  const leg = await executor.applyBundleLeg([signedTx(chain, 1, { to: sink, value: 2n, from: 1 }), signedTx(chain, 9, { to: sink, value: 2n, from: 1 })])
  assert.equal(leg.ok, false)
  await executor.settleBundle(false)
  await executor.fill([])
  const second = await executor.sealPayload([], new Map())
  await executor.commitPayload(toData(second.block.hash()))
  return toData(chain.headHeader().hash())
}

describe('RemoteExecutor: the slot phases over the executor protocol', { timeout: 120_000 }, () => {
  const dirs: { dir: string; cleanup(): void }[] = []
  const chains: Chain[] = []
  let listener: SocketListener

  before(async () => {
    for (let i = 0; i < 5; i++) {
      const d = tempDir()
      dirs.push(d)
      chains.push((await openMemoryChains([901n], [d])).get(901n)!)
    }
  })
  after(async () => {
    await listener?.stop()
    dirs.forEach((d) => d.cleanup())
  })

  it('builds the same blocks in this thread, over a MessagePort and over an authenticated WebSocket', async () => {
    const [direct, port, socket] = chains as [Chain, Chain, Chain]
    const inProcess = await drive(direct, builderFor(direct))
    const { executor, peer } = overPort(port)
    const overThePort = await drive(port, executor)
    peer.close()
    const socketBuilder = builderFor(socket)
    listener = new SocketListener({ host: '127.0.0.1', port: 0, secret, logger: silentLogger() }, (t) => void serve(socket, socketBuilder, t))
    await listener.start()
    const client = new RpcPeer(await connectSocket(listener.url(), secret), { handlers: {}, timeoutMs: 10_000, logger: silentLogger() })
    const overTheSocket = await drive(socket, new RemoteExecutor(socket.chainId, socket.common, client, toData(socket.headHeader().hash())))
    client.close()
    assert.equal(overThePort, inProcess)
    assert.equal(overTheSocket, inProcess)
  })

  it('hands the same-slot reserve over: a remote executor leaves the pool the same room as one in this thread', async () => {
    const d = [tempDir(), tempDir(), tempDir()]
    dirs.push(...d)
    const [direct, remote, unreserved] = await Promise.all(d.map(async (dir) => (await openMemoryChains([901n], [dir])).get(901n)!))
    // A small block: the default reserve takes the whole relay budget (half the block: 2 of the 4 pool
    // transfers fit); the reserve the coordinator sized from a quiet last slot leaves room for 3.
    const attrs = { slot: 1n, timestamp: 1_001n, coinbase: new Uint8Array(20), gasLimit: 100_000n }
    const reserve = { gas: 21_000n, bytes: 16_384 }
    const build = async (chain: Chain, executor: ChainExecutor, sameSlotReserve?: typeof reserve) => {
      pools.set(chain, [0, 1, 2, 3].map((n) => signedTx(chain, n, { to: sink, value: 1n })))
      await executor.openPayload({ ...attrs, ...(sameSlotReserve ? { sameSlotReserve } : {}) })
      await executor.fill([])
      const sealed = await executor.sealPayload([], new Map())
      await executor.commitPayload(toData(sealed.block.hash()))
      return sealed.block
    }
    const inProcess = await build(direct, builderFor(direct), reserve)
    const { executor, peer } = overPort(remote)
    const overThePort = await build(remote, executor, reserve)
    peer.close()
    const without = await build(unreserved, builderFor(unreserved))
    assert.equal(toData(overThePort.hash()), toData(inProcess.hash()))
    assert.equal(inProcess.transactions.length, 3, 'the given reserve, not the default')
    assert.equal(without.transactions.length, 2)
    await closeMemoryChains([direct, remote, unreserved])
  })

  it('refuses malformed, stale and out-of-turn messages with JSON-RPC errors, and the executor still builds afterwards', async () => {
    const chain = chains[3]!
    const { executor, peer } = overPort(chain)
    const refused = async (method: string, params: unknown, code: number) =>
      assert.rejects(peer.request(method, params), (err: unknown) => err instanceof PeerCallError && err.code === code)
    const head = toData(chain.headHeader().hash())
    const zero = toData(new Uint8Array(32))
    // Malformed: wrong shapes, bad hex, oversized, wrong lengths.
    await refused(METHODS.forkchoiceUpdated, 'x', RpcErrorCode.InvalidParams)
    await refused(METHODS.forkchoiceUpdated, [{ headBlockHash: head }, { slot: '0x01', timestamp: '0x1', suggestedFeeRecipient: toData(new Uint8Array(20)), transactions: [] }], RpcErrorCode.InvalidParams)
    await refused(METHODS.forkchoiceUpdated, [{ headBlockHash: head }, { slot: '0x1', timestamp: '0x1', suggestedFeeRecipient: '0x1234', transactions: [] }], RpcErrorCode.InvalidParams)
    await refused(METHODS.forkchoiceUpdated, [{ headBlockHash: head }, { slot: '0x1', timestamp: '0x1', suggestedFeeRecipient: toData(new Uint8Array(20)), transactions: ['0x' + 'ab'.repeat(300_000)] }], RpcErrorCode.InvalidParams)
    // A "deposit" that is not one.
    await refused(METHODS.forkchoiceUpdated, [{ headBlockHash: head }, { slot: '0x1', timestamp: '0x1', suggestedFeeRecipient: toData(new Uint8Array(20)), transactions: ['0x02c0'] }], RpcErrorCode.InvalidParams)
    // Building on a block that is not the head.
    await refused(METHODS.forkchoiceUpdated, [{ headBlockHash: zero }, { slot: '0x1', timestamp: '0x1', suggestedFeeRecipient: toData(new Uint8Array(20)), transactions: [] }], RpcErrorCode.Server)
    // Phases of a payload that does not exist, and a commit of a block never sealed.
    await refused(METHODS.fill, ['0x0000000000000001', []], RpcErrorCode.Server)
    await refused(METHODS.getPayload, ['0x0000000000000001', [], []], RpcErrorCode.Server)
    await refused(METHODS.forkchoiceUpdated, [{ headBlockHash: zero }, null], RpcErrorCode.Server)
    await refused(METHODS.bundleLeg, ['0x0000000000000001', []], RpcErrorCode.InvalidParams)
    assert.equal(await peer.request(METHODS.abort, ['0x0000000000000001']), false)
    // Nothing moved, and a real slot still builds.
    assert.equal(toData(chain.headHeader().hash()), head)
    await drive(chain, executor)
    assert.equal(chain.headHeader().number, 2n)
    peer.close()
  })

  it('a coordinator lost mid-slot leaves the head as it was; the next coordinator drops the stale payload and builds', async () => {
    const chain = chains[4]!
    const builder = builderFor(chain)
    const first = overPort(chain, builder)
    const head = toData(chain.headHeader().hash())
    pools.set(chain, [signedTx(chain, 0, { to: sink, value: 1n })])
    await first.executor.openPayload({ slot: 1n, timestamp: 1_001n, coinbase: new Uint8Array(20) })
    await first.executor.fill([])
    // The coordinator dies between fill and seal.
    first.peer.close()
    await assert.rejects(first.executor.sealPayload([], new Map()), PeerLostError)
    assert.equal(toData(chain.headHeader().hash()), head, 'nothing was committed')
    // A new coordinator connects to the same executor and builds the slot from the start.
    const second = overPort(chain, builder)
    const hash = await drive(chain, second.executor)
    assert.equal(chain.headHeader().number, 2n)
    assert.equal(hash, toData(chain.headHeader().hash()))
    second.peer.close()
  })

  it('a coordinator lost after the seal: the executor keeps its prepared block, refuses to build over it, and the next coordinator commits or drops it from its hello', async () => {
    const chain = chains[4]!
    const builder = builderFor(chain)
    for (const decided of [true, false]) {
      const first = overPort(chain, builder)
      const head = toData(chain.headHeader().hash())
      const number = chain.headHeader().number
      pools.set(chain, [])
      await first.executor.openPayload({ slot: number + 1n, timestamp: 1_100n + number, coinbase: new Uint8Array(20) })
      await first.executor.fill([])
      const sealed = toData((await first.executor.sealPayload([], new Map())).block.hash())
      first.peer.close()
      const second = overPort(chain, builder)
      // Building over it is refused: the lost coordinator may have decided the slot.
      await assert.rejects(second.executor.openPayload({ slot: number + 1n, timestamp: 1_100n + number, coinbase: new Uint8Array(20) }), PeerCallError)
      const hello = await second.executor.hello()
      assert.deepEqual(hello.prepared, { slot: number + 1n, number: number + 1n, hash: sealed })
      assert.equal(hello.head.hash, head)
      await second.executor.commitPayload(decided ? sealed : head)
      assert.equal(toData(chain.headHeader().hash()), decided ? sealed : head)
      assert.equal((await second.executor.hello()).prepared, undefined)
      second.peer.close()
    }
  })
})
