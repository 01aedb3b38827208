import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { setTimeout as sleep } from 'node:timers/promises'
import { pino } from 'pino'
import WebSocket from 'ws'
import { BaseError, ConfigError, InvalidParamsError } from '../primitives/errors.js'
import { UnsupportedSubscriptionError } from './errors.js'
import { resolveRpcOptions } from './options.js'
import { RpcServer, type RpcServerParameters } from './server.js'
import { newSubscriptionId, parseSubscriptionName, SubscriptionManager, type Emit } from './subscriptions.js'
import { MethodRegistry } from './types.js'

// ------------------------------------------------------------------ fixture

async function waitFor(cond: () => boolean, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!cond()) {
    if (Date.now() > until) throw new Error('condition not met in time')
    await sleep(10)
  }
}

const logs: string[] = []
const logger = pino({ level: 'debug' }, { write: (line: string) => void logs.push(line) })

const observed: [method: string, seconds: number, ok: boolean][] = []
const subscriptions = new SubscriptionManager({ logger })
const tickers = new Set<Emit>()
let cleanups = 0
/** test_sleep calls cut short through ctx.signal. */
let aborted = 0

function testRegistry(): MethodRegistry {
  return new MethodRegistry()
    .register('test_echo', (params) => params)
    .register('test_undefined', () => undefined)
    .register('test_fail', () => {
      throw new InvalidParamsError('bad thing')
    })
    .register('test_reverted', () => {
      throw new BaseError('execution reverted', { rpcCode: 3, rpcData: '0xdeadbeef' })
    })
    .register('test_uncoded', () => {
      throw new BaseError('nonce too low', { details: 'internal detail' })
    })
    .register('test_crash', () => {
      throw new Error('boom: secret internals')
    })
    .register('test_bigint', () => 1n)
    .register('test_sleep', async (params, ctx) => {
      try {
        await sleep(Number(params[0]), undefined, { signal: ctx.signal })
      } catch (err) {
        aborted++
        throw err
      }
      return 'late'
    })
    .register('test_big', (params) => 'x'.repeat(Number(params[0])))
    .register('test_arity', (params) => params.length, { max: 2, required: 1 })
    .register('eth_subscribe', (params, ctx) => {
      const kind = parseSubscriptionName(params)
      if (kind !== 'ticks') throw new UnsupportedSubscriptionError('eth', kind)
      return subscriptions.add(ctx, (emit) => {
        emit('first') // before the subscribe response exists: must be held until after it
        tickers.add(emit)
        return () => {
          tickers.delete(emit)
          cleanups++
        }
      })
    })
    .register('eth_unsubscribe', subscriptions.unsubscribe)
}

function startServer(overrides: Partial<RpcServerParameters> = {}): Promise<RpcServer> {
  const server = new RpcServer({
    registry: testRegistry(),
    logger,
    host: '127.0.0.1',
    port: 0,
    maxBodyBytes: 64 * 1024,
    maxBatchLength: 5,
    maxResponseBytes: 100_000,
    maxBatchResponseBytes: 150_000,
    callTimeoutMs: 300,
    wsMaxMessageBytes: 64 * 1024,
    onRequest: (method, seconds, ok) => void observed.push([method, seconds, ok]),
    metricsHandler: (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'text/plain' }).end('plexus_up 1\n')
    },
    ...overrides,
  })
  return server.start().then(() => server)
}

let server: RpcServer
let base: string
let wsUrl: string

interface HttpAnswer {
  status: number
  headers: Headers
  text: string
}

async function post(body: unknown, headers: Record<string, string> = {}): Promise<HttpAnswer> {
  const res = await fetch(base, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  })
  return { status: res.status, headers: res.headers, text: await res.text() }
}

async function rpc(body: unknown): Promise<any> {
  const answer = await post(body)
  assert.equal(answer.status, 200, answer.text)
  return JSON.parse(answer.text)
}

const call = (method: string, params: unknown[] = [], id: unknown = 1) => ({ jsonrpc: '2.0', id, method, params })

/** A WebSocket client that queues what it receives. */
class WsClient {
  readonly ws: WebSocket
  readonly #queue: any[] = []
  readonly #waiters: ((m: any) => void)[] = []
  readonly closed: Promise<number>

  private constructor(ws: WebSocket) {
    this.ws = ws
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString())
      const waiter = this.#waiters.shift()
      if (waiter) waiter(m)
      else this.#queue.push(m)
    })
    this.closed = new Promise((resolve) => ws.on('close', (code) => resolve(code)))
  }

  static open(url: string, options?: WebSocket.ClientOptions): Promise<WsClient> {
    const ws = new WebSocket(url, options)
    return new Promise((resolve, reject) => {
      ws.once('open', () => resolve(new WsClient(ws)))
      ws.once('error', reject)
    })
  }

  next(timeoutMs = 2000): Promise<any> {
    const queued = this.#queue.shift()
    if (queued !== undefined) return Promise.resolve(queued)
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no WebSocket message in time')), timeoutMs)
      this.#waiters.push((m) => {
        clearTimeout(timer)
        resolve(m)
      })
    })
  }

  /** Resolves true if nothing arrives within `ms`. */
  async silentFor(ms: number): Promise<boolean> {
    await sleep(ms)
    return this.#queue.length === 0
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message))
  }
}

before(async () => {
  server = await startServer()
  const { host, port } = server.address()
  base = `http://${host}:${port}`
  wsUrl = `ws://${host}:${port}`
})

after(async () => {
  await server.stop()
})

// ------------------------------------------------------------------ HTTP JSON-RPC

describe('HTTP JSON-RPC', () => {
  it('answers a single call with geth’s exact envelope', async () => {
    const answer = await post(call('test_echo', ['a', 1], 7))
    assert.equal(answer.status, 200)
    assert.match(answer.headers.get('content-type') ?? '', /^application\/json/)
    assert.equal(answer.text, '{"jsonrpc":"2.0","id":7,"result":["a",1]}\n')
  })

  it('echoes string, null and (like geth) boolean ids; undefined results become null', async () => {
    assert.deepEqual(await rpc(call('test_echo', [], 'abc')), { jsonrpc: '2.0', id: 'abc', result: [] })
    assert.deepEqual(await rpc(call('test_undefined', [], null)), { jsonrpc: '2.0', id: null, result: null })
    assert.deepEqual(await rpc(call('test_echo', [], true)), { jsonrpc: '2.0', id: true, result: [] })
  })

  it('accepts absent and null params, rejects non-array params with -32602', async () => {
    assert.deepEqual((await rpc({ jsonrpc: '2.0', id: 1, method: 'test_echo' })).result, [])
    assert.deepEqual((await rpc({ jsonrpc: '2.0', id: 1, method: 'test_echo', params: null })).result, [])
    assert.deepEqual(await rpc({ jsonrpc: '2.0', id: 1, method: 'test_echo', params: { a: 1 } }), {
      jsonrpc: '2.0',
      id: 1,
      error: { code: -32602, message: 'non-array args' },
    })
  })

  it('checks declared arity with geth’s wording', async () => {
    assert.equal((await rpc(call('test_arity', ['x']))).result, 1)
    assert.deepEqual((await rpc(call('test_arity', [1, 2, 3]))).error, { code: -32602, message: 'too many arguments, want at most 2' })
    assert.deepEqual((await rpc(call('test_arity', [null]))).error, { code: -32602, message: 'missing value for required argument 0' })
    assert.deepEqual((await rpc(call('test_arity', []))).error, { code: -32602, message: 'missing value for required argument 0' })
  })

  it('answers malformed JSON with -32700 parse error and id null', async () => {
    const answer = await post('{"jsonrpc":"2.0","id":1,"method":')
    assert.equal(answer.status, 200)
    assert.equal(answer.text, '{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error"}}\n')
  })

  it('answers invalid request objects with -32600, keeping a usable id', async () => {
    const invalid = (id: unknown) => ({ jsonrpc: '2.0', id, error: { code: -32600, message: 'invalid request' } })
    assert.deepEqual(await rpc({ id: 3, method: 'test_echo' }), invalid(3)) // no jsonrpc
    assert.deepEqual(await rpc({ jsonrpc: '1.0', id: 3, method: 'test_echo' }), invalid(3))
    assert.deepEqual(await rpc({ jsonrpc: '2.0', id: 3 }), invalid(3)) // no method
    assert.deepEqual(await rpc({ jsonrpc: '2.0', id: 3, method: 42 }), invalid(3))
    assert.deepEqual(await rpc({ jsonrpc: '2.0', id: 3, method: '' }), invalid(3))
    assert.deepEqual(await rpc({ jsonrpc: '2.0', id: { a: 1 }, method: 'test_echo' }), invalid(null))
    assert.deepEqual(await rpc({ jsonrpc: '2.0', id: [1], method: 'test_echo' }), invalid(null))
    assert.deepEqual(await rpc(42), invalid(null))
    assert.deepEqual(await rpc('"str"'), invalid(null))
    assert.deepEqual(await rpc([1, 'x']), [invalid(null), invalid(null)])
  })

  it('answers an unknown method with -32601 in geth’s wording', async () => {
    assert.deepEqual(await rpc(call('foo_bar', [], 9)), {
      jsonrpc: '2.0',
      id: 9,
      error: { code: -32601, message: 'the method foo_bar does not exist/is not available' },
    })
  })

  it('maps thrown errors: rpcCode + shortMessage + data; uncoded BaseError → -32000; crashes → -32603, logged', async () => {
    assert.deepEqual((await rpc(call('test_fail'))).error, { code: -32602, message: 'bad thing' })
    assert.deepEqual((await rpc(call('test_reverted'))).error, { code: 3, message: 'execution reverted', data: '0xdeadbeef' })
    assert.deepEqual((await rpc(call('test_uncoded'))).error, { code: -32000, message: 'nonce too low' })
    const before = logs.length
    const crash = await post(call('test_crash'))
    assert.equal(crash.status, 200)
    assert.equal(crash.text, '{"jsonrpc":"2.0","id":1,"error":{"code":-32603,"message":"method handler crashed"}}\n')
    assert.ok(!crash.text.includes('secret'), 'internal error text must not reach the client')
    const logged = logs.slice(before).join('')
    assert.match(logged, /RPC method crashed/)
    assert.match(logged, /boom: secret internals/)
    assert.match(logged, /test_crash/)
  })

  it('answers a result JSON cannot encode with -32603 instead of failing the request', async () => {
    const answer = await rpc(call('test_bigint'))
    assert.equal(answer.error.code, -32603)
    assert.match(answer.error.message, /^json: .*BigInt/)
  })

  it('returns nothing for notifications, single or batched', async () => {
    const single = await post({ jsonrpc: '2.0', method: 'test_echo', params: [] })
    assert.equal(single.status, 200)
    assert.equal(single.text, '')
    const batch = await post([{ jsonrpc: '2.0', method: 'test_echo' }, { jsonrpc: '2.0', method: 'test_crash' }])
    assert.equal(batch.status, 200)
    assert.equal(batch.text, '')
    const empty = await post('')
    assert.equal(empty.status, 200)
    assert.equal(empty.text, '')
  })

  it('answers a batch in order, mixing results and errors, omitting notifications', async () => {
    const answer = await rpc([
      call('test_echo', ['a'], 1),
      call('test_fail', [], 2),
      { jsonrpc: '2.0', method: 'test_echo', params: ['notified'] },
      call('nope_nope', [], 'three'),
      { jsonrpc: '2.0', id: 4 },
    ])
    assert.deepEqual(answer, [
      { jsonrpc: '2.0', id: 1, result: ['a'] },
      { jsonrpc: '2.0', id: 2, error: { code: -32602, message: 'bad thing' } },
      { jsonrpc: '2.0', id: 'three', error: { code: -32601, message: 'the method nope_nope does not exist/is not available' } },
      { jsonrpc: '2.0', id: 4, error: { code: -32600, message: 'invalid request' } },
    ])
  })

  it('runs batch calls one after another, in order (like geth)', async () => {
    const answer = await rpc([call('test_sleep', [50], 1), call('test_echo', ['b'], 2)])
    assert.deepEqual(answer.map((r: any) => r.id), [1, 2])
    assert.equal(answer[0].result, 'late')
  })

  it('answers an empty batch with one -32600 "empty batch" object', async () => {
    const answer = await post('[]')
    assert.equal(answer.text, '{"jsonrpc":"2.0","id":null,"error":{"code":-32600,"message":"empty batch"}}\n')
  })

  it('answers a batch over the limit with one error in an array, carrying the first call’s id', async () => {
    const batch = [{ jsonrpc: '2.0', method: 'test_echo' }, ...[11, 12, 13, 14, 15].map((id) => call('test_echo', [], id))]
    assert.deepEqual(await rpc(batch), [{ jsonrpc: '2.0', id: 11, error: { code: -32600, message: 'batch too large' } }])
    assert.equal((await rpc(batch.slice(1))).length, 5, 'a batch at the limit is served')
  })

  it('replaces a response over maxResponseBytes with -32003', async () => {
    assert.equal((await rpc(call('test_big', [90_000]))).result.length, 90_000)
    assert.deepEqual(await rpc(call('test_big', [200_000], 5)), {
      jsonrpc: '2.0',
      id: 5,
      error: { code: -32003, message: 'response too large' },
    })
  })

  it('fails the batch calls after the batch response limit is crossed (geth semantics)', async () => {
    const answer = await rpc([call('test_big', [90_000], 1), call('test_big', [90_000], 2), call('test_echo', [], 3)])
    assert.equal(answer[0].result.length, 90_000)
    assert.equal(answer[1].result.length, 90_000, 'the call that crossed the limit keeps its answer')
    assert.deepEqual(answer[2], { jsonrpc: '2.0', id: 3, error: { code: -32003, message: 'response too large' } })
  })

  it('times out slow calls with -32002; in a batch, the unanswered ones', async () => {
    const t0 = Date.now()
    const abortedBefore = aborted
    assert.deepEqual(await rpc(call('test_sleep', [2000], 1)), {
      jsonrpc: '2.0',
      id: 1,
      error: { code: -32002, message: 'request timed out' },
    })
    assert.ok(Date.now() - t0 < 1500, 'the timeout answers before the method finishes')
    assert.equal(aborted, abortedBefore + 1, 'the method saw ctx.signal abort')
    const batch = await rpc([call('test_echo', ['x'], 1), call('test_sleep', [2000], 2), call('test_echo', [], 3)])
    assert.deepEqual(batch, [
      { jsonrpc: '2.0', id: 1, result: ['x'] },
      { jsonrpc: '2.0', id: 2, error: { code: -32002, message: 'request timed out' } },
      { jsonrpc: '2.0', id: 3, error: { code: -32002, message: 'request timed out' } },
    ])
  })

  it('answers *_subscribe over HTTP with geth’s "notifications not supported"', async () => {
    const expected = { code: -32601, message: 'notifications not supported' }
    assert.deepEqual((await rpc(call('eth_subscribe', ['ticks']))).error, expected)
    assert.deepEqual((await rpc(call('foo_subscribe', ['x']))).error, expected)
    assert.deepEqual((await rpc(call('eth_unsubscribe', ['0x1']))).error, { code: -32000, message: 'subscription not found' })
  })

  it('reports each executed call to onRequest, and never unknown method names', async () => {
    observed.length = 0
    await rpc([call('test_echo', [], 1), call('test_fail', [], 2), call('unknown_thing', [], 3)])
    assert.deepEqual(
      observed.map(([m, , ok]) => [m, ok]),
      [
        ['test_echo', true],
        ['test_fail', false],
      ],
    )
    assert.ok(observed.every(([, s]) => typeof s === 'number' && s >= 0 && s < 5))
  })
})

// ------------------------------------------------------------------ HTTP transport

describe('HTTP transport', () => {
  it('rejects a declared body over the limit with 413 and a JSON error', async () => {
    const answer = await post(JSON.stringify(call('test_echo', ['x'.repeat(70 * 1024)])))
    assert.equal(answer.status, 413)
    const body = JSON.parse(answer.text)
    assert.equal(body.error.code, -32600)
    assert.match(body.error.message, /^content length too large \(\d+>65536\)$/)
  })

  it('rejects a streamed (chunked) body over the limit with 413', async () => {
    const chunk = new TextEncoder().encode('x'.repeat(16 * 1024))
    let sent = 0
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 8) controller.enqueue(chunk)
        else controller.close()
      },
    })
    const res = await fetch(base, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: stream,
      duplex: 'half',
    } as RequestInit)
    assert.equal(res.status, 413)
    assert.match(JSON.parse(await res.text()).error.message, /request body too large/)
  })

  it('rejects non-JSON content types with 415, like geth; accepts its three JSON types', async () => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded']) {
      const answer = await post(call('test_echo'), { 'Content-Type': type })
      assert.equal(answer.status, 415, type)
      assert.equal(JSON.parse(answer.text).error.message, 'invalid content type, only application/json is supported')
    }
    const missing = await fetch(base, { method: 'POST', body: new Blob([JSON.stringify(call('test_echo'))]) })
    assert.equal(missing.status, 415)
    for (const type of ['application/json; charset=UTF-8', 'Application/JSON', 'application/json-rpc', 'application/jsonrequest']) {
      const answer = await post(call('test_echo', [1]), { 'Content-Type': type })
      assert.equal(answer.status, 200, type)
      assert.deepEqual(JSON.parse(answer.text).result, [1])
    }
  })

  it('answers CORS preflights of pages on this machine and tags their responses', async () => {
    const local = 'http://localhost:5173'
    const preflight = await fetch(base, {
      method: 'OPTIONS',
      headers: { Origin: local, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type' },
    })
    assert.equal(preflight.status, 204)
    assert.equal(preflight.headers.get('access-control-allow-origin'), local)
    assert.match(preflight.headers.get('access-control-allow-methods') ?? '', /POST/)
    assert.equal(preflight.headers.get('access-control-allow-headers'), 'content-type')
    for (const origin of [local, 'http://127.0.0.1:8420', 'https://[::1]:3000', 'http://LOCALHOST']) {
      const answer = await post(call('test_echo', [1]), { Origin: origin })
      assert.equal(answer.status, 200, origin)
      assert.equal(answer.headers.get('access-control-allow-origin'), origin)
      assert.deepEqual(JSON.parse(answer.text).result, [1])
    }
  })

  it('refuses every other origin with 403 and a JSON-RPC error, and never runs its call', async () => {
    // Invariant: a request whose Origin is not allowed reaches no method (test_echo is
    // observed for each call that runs), malformed or hostile headers included.
    const hostile = [
      'https://evil.example',
      'http://localhost.evil.example',
      'http://127.0.0.1.evil.example:80',
      'null',
      'file://',
      'javascript:alert(1)',
      'http://localhost:3000/path',
      'http://user@localhost:3000',
      'http://localhost:3000, https://evil.example',
      'http://local host',
      `http://${'a'.repeat(10_000)}.example`,
      '',
    ]
    const before = observed.filter(([m]) => m === 'test_echo').length
    for (const origin of hostile) {
      const answer = await post(call('test_echo', ['x']), { Origin: origin })
      assert.equal(answer.status, 403, origin)
      assert.equal(answer.headers.get('access-control-allow-origin'), null)
      const body = JSON.parse(answer.text)
      assert.equal(body.error.code, -32600)
      assert.match(body.error.message, /origin not allowed/)
      const preflight = await fetch(base, { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'POST' } })
      assert.equal(preflight.status, 403)
      assert.equal(preflight.headers.get('access-control-allow-origin'), null)
      // (ws sends no Origin header for an empty one)
      if (origin !== '') await assert.rejects(WsClient.open(wsUrl, { origin }), /403/, origin)
    }
    assert.equal(observed.filter(([m]) => m === 'test_echo').length, before)
    // no Origin at all: not a browser (curl, viem in Node), served
    assert.deepEqual((await rpc(call('test_echo', ['ok']))).result, ['ok'])
  })

  it('serves GET /health, GET /metrics, bodiless GET / (geth health check) and refuses PUT', async () => {
    const health = await fetch(`${base}/health`)
    assert.equal(health.status, 200)
    assert.deepEqual(await health.json(), { ok: true })
    const metrics = await fetch(`${base}/metrics`)
    assert.equal(metrics.status, 200)
    assert.equal(await metrics.text(), 'plexus_up 1\n')
    const root = await fetch(base)
    assert.equal(root.status, 200)
    assert.equal(await root.text(), '')
    const put = await fetch(base, { method: 'PUT', headers: { 'Content-Type': 'application/json' }, body: '{}' })
    assert.equal(put.status, 405)
    assert.equal(((await put.json()) as any).error.message, 'method not allowed')
  })
})

// ------------------------------------------------------------------ WebSocket

describe('WebSocket', () => {
  it('serves calls and batches on the HTTP port', async () => {
    const client = await WsClient.open(wsUrl)
    client.send(call('test_echo', ['ws'], 1))
    assert.deepEqual(await client.next(), { jsonrpc: '2.0', id: 1, result: ['ws'] })
    client.send([call('test_echo', [], 2), call('test_fail', [], 3)])
    assert.deepEqual(await client.next(), [
      { jsonrpc: '2.0', id: 2, result: [] },
      { jsonrpc: '2.0', id: 3, error: { code: -32602, message: 'bad thing' } },
    ])
    client.send('{not json')
    assert.deepEqual(await client.next(), { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'parse error' } })
    client.send(call('test_echo', ['still open'], 4))
    assert.deepEqual((await client.next()).result, ['still open'])
    client.ws.close()
    await client.closed
  })

  it('delivers subscription notifications after the subscribe response, stops them on unsubscribe', async () => {
    const client = await WsClient.open(wsUrl)
    client.send(call('eth_subscribe', ['ticks'], 1))
    const response = await client.next()
    assert.equal(response.id, 1)
    const id: string = response.result
    assert.match(id, /^0x[1-9a-f][0-9a-f]{0,31}$/)
    assert.deepEqual(await client.next(), {
      jsonrpc: '2.0',
      method: 'eth_subscription',
      params: { subscription: id, result: 'first' },
    })
    assert.equal(subscriptions.notify(id, { n: 2 }), true)
    for (const emit of tickers) emit({ n: 3 })
    assert.deepEqual((await client.next()).params, { subscription: id, result: { n: 2 } })
    assert.deepEqual((await client.next()).params, { subscription: id, result: { n: 3 } })

    client.send(call('eth_unsubscribe', [id], 2))
    assert.deepEqual(await client.next(), { jsonrpc: '2.0', id: 2, result: true })
    assert.equal(subscriptions.notify(id, 'after'), false)
    assert.ok(await client.silentFor(100), 'nothing after unsubscribe')
    client.send(call('eth_unsubscribe', [id], 3))
    assert.deepEqual((await client.next()).error, { code: -32000, message: 'subscription not found' })

    client.send(call('eth_subscribe', ['nope'], 4))
    assert.deepEqual((await client.next()).error, { code: -32601, message: 'no "nope" subscription in eth namespace' })
    client.send(call('eth_subscribe', [], 5))
    assert.deepEqual((await client.next()).error, { code: -32602, message: 'expected subscription name as first argument' })
    client.send(call('foo_subscribe', ['bar'], 6))
    assert.deepEqual((await client.next()).error, { code: -32601, message: 'no "bar" subscription in foo namespace' })
    client.ws.close()
    await client.closed
  })

  it('does not let one connection cancel another’s subscription', async () => {
    const a = await WsClient.open(wsUrl)
    const b = await WsClient.open(wsUrl)
    a.send(call('eth_subscribe', ['ticks'], 1))
    const id = (await a.next()).result
    await a.next() // 'first'
    b.send(call('eth_unsubscribe', [id], 1))
    assert.deepEqual((await b.next()).error, { code: -32000, message: 'subscription not found' })
    assert.equal(subscriptions.notify(id, 'still mine'), true)
    assert.equal((await a.next()).params.result, 'still mine')
    a.ws.close()
    b.ws.close()
    await Promise.all([a.closed, b.closed])
  })

  it('cleans subscriptions up when the connection closes', async () => {
    const client = await WsClient.open(wsUrl)
    const before = { cleanups, size: subscriptions.size }
    client.send([call('eth_subscribe', ['ticks'], 1), call('eth_subscribe', ['ticks'], 2)])
    const [r1, r2] = await client.next()
    assert.notEqual(r1.result, r2.result)
    assert.equal(subscriptions.size, before.size + 2)
    assert.equal(server.connectionCount, 1)
    client.ws.terminate()
    await client.closed
    for (let i = 0; i < 50 && subscriptions.size !== before.size; i++) await sleep(10)
    assert.equal(subscriptions.size, before.size)
    assert.equal(cleanups, before.cleanups + 2)
    assert.equal(server.connectionCount, 0)
  })

  it('closes a connection whose message is over the limit with 1009, and keeps serving', async () => {
    const client = await WsClient.open(wsUrl)
    client.ws.on('error', () => {}) // the close is the assertion
    client.send(JSON.stringify(call('test_echo', ['x'.repeat(70 * 1024)])))
    assert.equal(await client.closed, 1009)
    const other = await WsClient.open(wsUrl)
    other.send(call('test_echo', ['ok'], 1))
    assert.deepEqual((await other.next()).result, ['ok'])
    other.ws.close()
    await other.closed
  })
})

// ------------------------------------------------------------------ lifecycle, helpers

describe('lifecycle and helpers', () => {
  it('keeps serving after everything above', async () => {
    assert.deepEqual((await rpc(call('test_echo', ['alive']))).result, ['alive'])
  })

  it('bounds WebSocket connections per address (429) and in total (503), and frees them on close', async () => {
    // Invariant: under a burst of 60 simultaneous upgrades the open connections never
    // exceed the limits, every refused one gets a clear status, and closed ones are reusable.
    const limited = await startServer({ wsMaxConnections: 8, wsMaxConnectionsPerAddress: 3 })
    const { host, port } = limited.address()
    const url = `ws://${host}:${port}`
    try {
      const burst = await Promise.allSettled(Array.from({ length: 60 }, () => WsClient.open(url)))
      const opened = burst.filter((r): r is PromiseFulfilledResult<WsClient> => r.status === 'fulfilled').map((r) => r.value)
      const refused = burst.filter((r): r is PromiseRejectedResult => r.status === 'rejected')
      assert.equal(opened.length, 3)
      assert.equal(refused.length, 57)
      for (const r of refused) assert.match(String(r.reason), /429/)
      assert.equal(limited.connectionCount, 3)
      for (const c of opened) c.ws.close()
      await Promise.all(opened.map((c) => c.closed))
      await waitFor(() => limited.connectionCount === 0)
      const again = await WsClient.open(url)
      again.ws.close()
      await again.closed
    } finally {
      await limited.stop()
    }
    const total = await startServer({ wsMaxConnections: 4, wsMaxConnectionsPerAddress: 100 })
    try {
      const { host: h, port: p } = total.address()
      const burst = await Promise.allSettled(Array.from({ length: 40 }, () => WsClient.open(`ws://${h}:${p}`)))
      const opened = burst.filter((r): r is PromiseFulfilledResult<WsClient> => r.status === 'fulfilled').map((r) => r.value)
      assert.equal(opened.length, 4)
      for (const r of burst) if (r.status === 'rejected') assert.match(String(r.reason), /503/)
      for (const c of opened) c.ws.close()
      await Promise.all(opened.map((c) => c.closed))
    } finally {
      await total.stop()
    }
  })

  it('restricts CORS and WebSocket origins to the configured list', async () => {
    const strict = await startServer({ corsOrigins: ['https://good.example'] })
    const { host, port } = strict.address()
    try {
      const url = `http://${host}:${port}`
      const good = await fetch(url, { method: 'OPTIONS', headers: { Origin: 'https://good.example' } })
      assert.equal(good.headers.get('access-control-allow-origin'), 'https://good.example')
      const bad = await fetch(url, { method: 'OPTIONS', headers: { Origin: 'https://evil.example' } })
      assert.equal(bad.status, 403)
      assert.equal(bad.headers.get('access-control-allow-origin'), null)
      // the list replaces the default: pages on this machine are not in it
      assert.equal((await fetch(url, { method: 'OPTIONS', headers: { Origin: 'http://localhost:3000' } })).status, 403)
      // an origin added at run time (the dashboard's) is let in
      strict.allowOrigin('http://10.0.0.5:8420')
      assert.equal((await fetch(url, { method: 'OPTIONS', headers: { Origin: 'http://10.0.0.5:8420' } })).status, 204)
      const any = await startServer({ corsOrigins: ['*'] })
      try {
        const a = any.address()
        const star = await fetch(`http://${a.host}:${a.port}`, { method: 'OPTIONS', headers: { Origin: 'https://anyone.example' } })
        assert.equal(star.headers.get('access-control-allow-origin'), '*')
      } finally {
        await any.stop()
      }
      await assert.rejects(WsClient.open(`ws://${host}:${port}`, { origin: 'https://evil.example' }), /403/)
      const ok = await WsClient.open(`ws://${host}:${port}`, { origin: 'https://good.example' })
      ok.ws.close()
      await ok.closed
    } finally {
      await strict.stop()
    }
  })

  it('stop() closes promptly with open WebSocket clients, subscriptions and in-flight HTTP', async () => {
    const doomed = await startServer({ stopGraceMs: 200, callTimeoutMs: 0 })
    const { host, port } = doomed.address()
    const clients = await Promise.all([WsClient.open(`ws://${host}:${port}`), WsClient.open(`ws://${host}:${port}`)])
    clients[0]!.send(call('eth_subscribe', ['ticks'], 1))
    await clients[0]!.next()
    const subsBefore = subscriptions.size
    const abortedBefore = aborted
    const keepAlive = await fetch(`http://${host}:${port}/health`)
    await keepAlive.text()
    const inflight = fetch(`http://${host}:${port}`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(call('test_sleep', [2_000])),
    }).then(
      (r) => r.text(),
      (err: unknown) => err,
    )
    await sleep(50)
    const t0 = Date.now()
    await doomed.stop()
    const took = Date.now() - t0
    assert.ok(took < 1000, `stop took ${took} ms`)
    await Promise.all(clients.map((c) => c.closed))
    assert.ok((await inflight) instanceof Error, 'the in-flight request was cut after the grace period')
    for (let i = 0; i < 50 && aborted === abortedBefore; i++) await sleep(10)
    assert.equal(aborted, abortedBefore + 1, 'the cut request’s method saw ctx.signal abort')
    assert.equal(subscriptions.size, subsBefore - 1, 'closing cleaned the subscription up')
    await assert.rejects(fetch(`http://${host}:${port}/health`))
    await doomed.stop() // idempotent
  })

  it('bounds subscriptions per connection: a burst far above the limit gets -32005, one freed is reusable', () => {
    // Invariant: a connection never holds more than maxPerConnection live subscriptions;
    // other connections are not affected.
    const manager = new SubscriptionManager({ maxPerConnection: 10 })
    const conn = (id: number) => ({ id, closed: false, send: () => {}, onClose: () => {} })
    const a = conn(1)
    const ctx = { transport: 'ws' as const, connection: a }
    const ids: string[] = []
    let refused = 0
    for (let i = 0; i < 1000; i++) {
      try {
        ids.push(manager.add(ctx, () => undefined))
      } catch (err) {
        assert.ok(err instanceof BaseError && err.rpcCode === -32005, String(err))
        refused++
      }
    }
    assert.equal(ids.length, 10)
    assert.equal(refused, 990)
    assert.ok(manager.add({ transport: 'ws', connection: conn(2) }, () => undefined))
    assert.equal(manager.remove(a, ids[0]!), true)
    assert.ok(manager.add(ctx, () => undefined))
  })

  it('makes geth-style subscription ids', () => {
    const seen = new Set<string>()
    for (let i = 0; i < 2000; i++) {
      const id = newSubscriptionId()
      assert.match(id, /^0x(0|[1-9a-f][0-9a-f]{0,31})$/)
      seen.add(id)
    }
    assert.equal(seen.size, 2000)
  })

  it('validates options and registrations', () => {
    assert.throws(() => resolveRpcOptions({ port: 70_000 }), (err) => err instanceof ConfigError && err.path === 'rpc.port')
    assert.throws(() => resolveRpcOptions({ maxBodyBytes: 0 }), (err) => err instanceof ConfigError && err.path === 'rpc.maxBodyBytes')
    assert.equal(resolveRpcOptions({ port: undefined }).port, 9545)
    const registry = new MethodRegistry().register('a_b', () => 1)
    assert.throws(() => registry.register('a_b', () => 2), /registered twice/)
    assert.throws(() => registry.register('nounderscore', () => 2), /invalid RPC method name/)
  })
})
