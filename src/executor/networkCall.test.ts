import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { MessageChannel } from 'node:worker_threads'
import { privateKeyToAccount } from 'viem/accounts'
import { sendTokenAcross } from '../../test/helpers/crossChain.js'
import { startTestNetwork, type TestNetwork } from '../../test/helpers/network.js'
import { waitFor } from '../../test/helpers/node.js'
import { devAccounts } from '../execution/genesis.js'
import { RpcErrorCode } from '../primitives/errors.js'
import { silentLogger } from '../primitives/logger.js'
import { DEFAULT_RPC_LIMITS, type RpcApi } from '../rpc/api.js'
import { dispatch } from '../rpc/dispatch.js'
import { FilterManager } from '../rpc/filters.js'
import { COORDINATOR_METHODS, createMethodRegistry } from '../rpc/methods.js'
import { localNetworkFeeds } from '../rpc/networkFeeds.js'
import { SubscriptionManager } from '../rpc/subscriptions.js'
import type { MethodRegistry } from '../rpc/types.js'
import { forwardToCoordinator, NETWORK_CALL, NETWORK_EVENT, NETWORK_SUBSCRIBE, networkCallHandlers, RemoteNetworkFeeds } from './networkCall.js'
import { PeerCallError, RpcPeer } from './peer.js'
import { portTransport } from './transport.js'

/**
 * A chain's RPC that runs apart from the coordinator answers the network's methods by
 * forwarding them (`plexus_networkCall`). Invariant: a client gets the same answer,
 * errors included, as from the chain's RPC on the coordinator; the executor reaches no
 * other method of the coordinator through it; a lost coordinator is an error, never a hang.
 */

const user = privateKeyToAccount(devAccounts()[6]!.privateKey)

type Answer = { result?: unknown; error?: { code: number; message: string; data?: unknown } }

async function call(registry: MethodRegistry, method: string, params: unknown[]): Promise<Answer> {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method, params })
  const options = { registry, logger: silentLogger(), maxBatchLength: 0, maxBatchResponseBytes: 0, maxResponseBytes: 0 }
  return JSON.parse((await dispatch(body, { transport: 'http' }, options))!) as Answer
}

describe('plexus_networkCall: the network methods of a chain whose RPC runs in an executor', { timeout: 120_000 }, () => {
  let net: TestNetwork
  let executor: RpcPeer
  let coordinator: RpcPeer
  let forwarded = 0
  /** The chain's own registry on the coordinator: what a client of an in-process chain talks to. */
  let direct: MethodRegistry
  /** The executor's registry: local methods from the chain, the network's forwarded. */
  let remote: MethodRegistry
  let remoteFeeds: RemoteNetworkFeeds

  before(async () => {
    net = await startTestNetwork({ chainIds: [901, 902] })
    const node = net.network.node(901)
    const { port1, port2 } = new MessageChannel()
    coordinator = new RpcPeer(portTransport(port1), {
      handlers: networkCallHandlers({
        answer: (method, params) => {
          forwarded++
          return node.callRpc(method, params)
        },
        feeds: localNetworkFeeds(net.network.sequencing),
        peer: () => coordinator,
      }),
      timeoutMs: 30_000,
      logger: silentLogger(),
    })
    remoteFeeds = new RemoteNetworkFeeds(() => executor, silentLogger())
    executor = new RpcPeer(portTransport(port2), { handlers: remoteFeeds.handlers, timeoutMs: 30_000, logger: silentLogger() })
    const chain = node.chain
    const api: RpcApi = {
      chain,
      pool: node.pool,
      filters: new FilterManager(chain, node.pool, DEFAULT_RPC_LIMITS),
      subscriptions: new SubscriptionManager({ logger: silentLogger() }),
      limits: DEFAULT_RPC_LIMITS,
      clientVersion: 'test',
      submitRawTransaction: () => Promise.reject(new Error('not used')),
    }
    direct = createMethodRegistry({ ...api, network: net.network.sequencing, settlement: node.settlement })
    remote = createMethodRegistry({ ...api, networkFeeds: remoteFeeds }, [], forwardToCoordinator(executor))
  })

  after(async () => {
    executor?.close()
    coordinator?.close()
    await net?.stop()
  })

  it('answers every read of the network as the chain on the coordinator does', async () => {
    const unknownHash = `0x${'ab'.repeat(32)}`
    for (const [method, params] of [
      ['plexus_getChainRegistry', []],
      ['plexus_getL1Addresses', []],
      ['plexus_getContracts', []],
      ['plexus_listBundles', []],
      ['plexus_listMessages', [{ limit: 5 }]],
      ['plexus_getMessage', [unknownHash]],
      ['plexus_getBundle', [unknownHash]],
      ['plexus_getWithdrawal', [unknownHash]],
    ] as const) {
      const before = forwarded
      assert.deepEqual(await call(remote, method, [...params]), await call(direct, method, [...params]), method)
      assert.equal(forwarded, before + 1, `${method} went to the coordinator once`)
    }
  })

  it('returns the coordinator\'s errors unchanged (code, message)', async () => {
    for (const [method, params] of [
      ['plexus_getMessage', ['0x12']],
      ['plexus_sendBundle', [{ txs: 'nope' }]],
      ['plexus_sendBundle', [{ txs: [{ chainId: '0x385', tx: '0x02' }] }]],
      ['plexus_listMessages', [{ limit: -1 }]],
    ] as const) {
      const viaExecutor = await call(remote, method, [...params])
      const onCoordinator = await call(direct, method, [...params])
      assert.ok(viaExecutor.error, `${method} fails`)
      assert.deepEqual(viaExecutor.error, onCoordinator.error, method)
    }
  })

  it('answers the chain\'s own methods locally, and checks arity before forwarding', async () => {
    const before = forwarded
    assert.equal((await call(remote, 'eth_chainId', [])).result, '0x385')
    const extra = await call(remote, 'plexus_getChainRegistry', [1, 2])
    assert.equal(extra.error?.code, RpcErrorCode.InvalidParams)
    assert.equal(forwarded, before, 'nothing reached the coordinator')
  })

  it('keeps a restricted method closed on the executor even though the coordinator would answer it', async () => {
    const before = forwarded
    assert.equal((await call(remote, 'plexus_audit', [])).error?.code, RpcErrorCode.MethodNotFound)
    assert.equal(forwarded, before)
  })

  it('refuses hostile calls at the coordinator: other methods, malformed or oversized params', async () => {
    for (const [params, code] of [
      [{ method: 'eth_getBalance', params: [] }, RpcErrorCode.MethodNotFound],
      [{ method: 'admin_stop', params: [] }, RpcErrorCode.MethodNotFound],
      [{ method: '__proto__', params: [] }, RpcErrorCode.MethodNotFound],
      [{ method: 'constructor', params: [] }, RpcErrorCode.MethodNotFound],
      [{ method: 'plexus_getBundle' }, RpcErrorCode.InvalidParams],
      [{ method: 'plexus_getBundle', params: 'x' }, RpcErrorCode.InvalidParams],
      [{ method: 'x'.repeat(10_000), params: [] }, RpcErrorCode.InvalidParams],
      [{ method: 'plexus_getBundle', params: Array.from({ length: 5000 }, () => 0) }, RpcErrorCode.InvalidParams],
      [null, RpcErrorCode.InvalidParams],
      [[1, 2, 3], RpcErrorCode.InvalidParams],
    ] as const) {
      const before = forwarded
      await assert.rejects(executor.request(NETWORK_CALL, params), (err: unknown) => err instanceof PeerCallError && err.code === code, JSON.stringify(params).slice(0, 80))
      assert.equal(forwarded, before, 'refused before the chain saw it')
    }
    for (const name of COORDINATOR_METHODS) assert.ok(name.startsWith('plexus_') || /^(evm|anvil|hardhat)_/.test(name), name)
  })

  it('serves a burst of concurrent forwarded calls, each with its own answer', async () => {
    const hashes = Array.from({ length: 2000 }, (_, i) => `0x${i.toString(16).padStart(64, '0')}`)
    const answers = await Promise.all(hashes.map((h) => call(remote, 'plexus_getMessage', [h])))
    assert.ok(answers.every((a) => a.result === null && a.error === undefined))
    const bad = await Promise.all(hashes.slice(0, 200).map((h) => call(remote, 'plexus_getMessage', [h.slice(0, 10)])))
    assert.ok(bad.every((a) => a.error?.code === RpcErrorCode.InvalidParams))
  })

  it('delivers the network\'s subscriptions (plexus_messages) to a client of the executor as to one of the coordinator', { timeout: 90_000 }, async () => {
    const viaExecutor: unknown[] = []
    const onCoordinator: unknown[] = []
    const subscribeOn = async (registry: MethodRegistry, into: unknown[], id: number) => {
      const connection = { id, closed: false, send: (n: { params?: { result?: unknown } }) => void into.push(n.params?.result), onClose: () => undefined }
      const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_subscribe', params: ['plexus_messages'] })
      const options = { registry, logger: silentLogger(), maxBatchLength: 0, maxBatchResponseBytes: 0, maxResponseBytes: 0 }
      const answer = JSON.parse((await dispatch(body, { transport: 'ws', connection, afterResponse: (cb) => cb() }, options))!) as Answer
      assert.match(String(answer.result), /^0x[0-9a-f]+$/)
    }
    await subscribeOn(remote, viaExecutor, 1)
    // a second local subscriber shares the one subscription at the coordinator
    const again: unknown[] = []
    await subscribeOn(remote, again, 2)
    await subscribeOn(direct, onCoordinator, 3)
    await sendTokenAcross(net, user, 901, 902, 2n)
    await waitFor(async () => onCoordinator.length >= 2 && viaExecutor.length >= onCoordinator.length && again.length >= onCoordinator.length, 30_000, 'message events')
    assert.deepEqual(viaExecutor, onCoordinator)
    assert.deepEqual(again, onCoordinator)
    // a hostile event from the other side is refused, and the feed goes on
    await assert.rejects(coordinator.request(NETWORK_EVENT, { feed: 'nope', result: 1 }), (err: unknown) => err instanceof PeerCallError && err.code === RpcErrorCode.InvalidParams)
    await assert.rejects(executor.request(NETWORK_SUBSCRIBE, { feed: 'eth_everything' }), (err: unknown) => err instanceof PeerCallError && err.code === RpcErrorCode.InvalidParams)
  })

  it('answers -32000 once the coordinator is gone, without hanging, and local methods go on', async () => {
    coordinator.close('coordinator stopped')
    const answer = await call(remote, 'plexus_listBundles', [])
    assert.equal(answer.error?.code, RpcErrorCode.Server)
    assert.match(answer.error!.message, /coordinator did not answer/)
    assert.equal((await call(remote, 'eth_chainId', [])).result, '0x385')
  })
})
