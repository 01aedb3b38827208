import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { after, before, describe, it } from 'node:test'
import { WebSocket } from 'ws'
import { silentLogger } from '../primitives/logger.js'
import { signJwt } from './jwt.js'
import { PeerLostError, RpcPeer } from './peer.js'
import { connectSocket, SocketConnectError, SocketListener } from './socketTransport.js'
import type { Transport } from './transport.js'

const secret = Uint8Array.from(randomBytes(32))

async function waitFor(done: () => boolean, timeoutMs = 5_000): Promise<void> {
  const until = Date.now() + timeoutMs
  while (!done()) {
    if (Date.now() > until) throw new Error('condition not met in time')
    await new Promise((r) => setTimeout(r, 10))
  }
}

/** Opens a raw WebSocket with `headers`; resolves to the HTTP status it was refused with, or 101 if it opened. */
function rawConnect(url: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers })
    ws.once('open', () => {
      ws.terminate()
      resolve(101)
    })
    ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0))
    ws.once('error', () => resolve(0))
  })
}

describe('executor protocol over a WebSocket', { timeout: 60_000 }, () => {
  let listener: SocketListener
  const served: RpcPeer[] = []

  before(async () => {
    listener = new SocketListener({ host: '127.0.0.1', port: 0, secret, logger: silentLogger(), maxMessageBytes: 1024 * 1024, pingMs: 200 }, (t: Transport) => {
      served.push(new RpcPeer(t, { handlers: { echo: (p) => p, size: (p) => (p as string).length }, timeoutMs: 5_000, logger: silentLogger() }))
    })
    await listener.start()
  })

  after(async () => {
    await listener.stop()
  })

  it('carries requests both ways over an authenticated connection', async () => {
    const client = new RpcPeer(await connectSocket(listener.url(), secret), { handlers: { hello: () => 'from the executor' }, timeoutMs: 5_000, logger: silentLogger() })
    assert.deepEqual(await client.request('echo', { slot: '0x10', txs: ['0x01', '0x02'] }), { slot: '0x10', txs: ['0x01', '0x02'] })
    await waitFor(() => served.length > 0)
    assert.equal(await served.at(-1)!.request('hello', []), 'from the executor')
    const burst = await Promise.all(Array.from({ length: 5_000 }, (_, i) => client.request('echo', i)))
    burst.forEach((r, i) => assert.equal(r, i))
    client.close()
  })

  it('refuses connections without a token, with another secret, a stale token or alg none (401), and plain HTTP (426)', async () => {
    const url = listener.url()
    assert.equal(await rawConnect(url, {}), 401)
    assert.equal(await rawConnect(url, { authorization: `Bearer ${signJwt(Uint8Array.from(randomBytes(32)))}` }), 401)
    assert.equal(await rawConnect(url, { authorization: `Bearer ${signJwt(secret, Math.floor(Date.now() / 1000) - 3600)}` }), 401)
    const none = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(`{"iat":${Math.floor(Date.now() / 1000)}}`).toString('base64url')}.`
    assert.equal(await rawConnect(url, { authorization: `Bearer ${none}` }), 401)
    assert.equal(await rawConnect(url, { authorization: 'Basic abc' }), 401)
    assert.equal((await fetch(url.replace('ws:', 'http:'))).status, 426)
    await assert.rejects(connectSocket(url, Uint8Array.from(randomBytes(32))), (err: unknown) => err instanceof SocketConnectError && /401/.test(err.message))
    // The listener still serves a good client afterwards.
    const ok = new RpcPeer(await connectSocket(url, secret), { handlers: {}, timeoutMs: 5_000, logger: silentLogger() })
    assert.equal(await ok.request('echo', 'still up'), 'still up')
    ok.close()
  })

  it('answers malformed frames with a parse error and keeps the connection; an oversized frame closes only that connection', async () => {
    const ws = new WebSocket(listener.url(), { headers: { authorization: `Bearer ${signJwt(secret)}` } })
    await new Promise((r) => ws.once('open', r))
    const replies: { id: unknown; error?: { code: number } }[] = []
    ws.on('message', (d) => replies.push(JSON.parse(d.toString())))
    ws.send('{not json')
    ws.send(Buffer.from([1, 2, 3]), { binary: true })
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'echo', params: 'after garbage' }))
    await waitFor(() => replies.length >= 3)
    assert.equal(replies.filter((r) => r.error?.code === -32700).length, 2)
    assert.ok(replies.some((r) => r.id === 5))
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)))
    ws.send(JSON.stringify({ jsonrpc: '2.0', id: 6, method: 'size', params: 'x'.repeat(2 * 1024 * 1024) }))
    assert.equal(await closed, 1009)
    // Others are unaffected.
    const ok = new RpcPeer(await connectSocket(listener.url(), secret), { handlers: {}, timeoutMs: 5_000, logger: silentLogger() })
    assert.equal(await ok.request('size', 'x'.repeat(1000)), 1000)
    ok.close()
  })

  it('a side that stops answering pings is dropped, and requests to it fail instead of hanging', async () => {
    const before = served.length
    // A client that never answers pings: a machine that vanished without closing its socket.
    const ws = new WebSocket(listener.url(), { headers: { authorization: `Bearer ${signJwt(secret)}` }, autoPong: false })
    await new Promise((r) => ws.once('open', r))
    await waitFor(() => served.length > before)
    const server = served.at(-1)!
    const inFlight = server.request('never-answered', [], 60_000)
    await assert.rejects(inFlight, PeerLostError)
    assert.ok(server.closed)
    ws.terminate()
  })
})
