import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { MessageChannel } from 'node:worker_threads'
import { BaseError, RpcErrorCode } from '../primitives/errors.js'
import { silentLogger } from '../primitives/logger.js'
import { PeerCallError, PeerLostError, PeerTimeoutError, RpcPeer, type PeerHandler } from './peer.js'
import { MalformedMessage, portTransport, type Transport } from './transport.js'

function pair(aHandlers: Record<string, PeerHandler>, bHandlers: Record<string, PeerHandler>, timeoutMs = 5_000): { a: RpcPeer; b: RpcPeer; ta: Transport; tb: Transport } {
  const { port1, port2 } = new MessageChannel()
  const ta = portTransport(port1)
  const tb = portTransport(port2)
  return {
    a: new RpcPeer(ta, { handlers: aHandlers, timeoutMs, logger: silentLogger() }),
    b: new RpcPeer(tb, { handlers: bHandlers, timeoutMs, logger: silentLogger() }),
    ta,
    tb,
  }
}

/** A transport whose sent messages are kept, and whose incoming ones the test injects. */
function probe(): { transport: Transport; sent: unknown[]; inject(m: unknown): void; drop(reason: string): void } {
  const sent: unknown[] = []
  let onMessage: (m: unknown) => void = () => undefined
  let onClose: (r: string) => void = () => undefined
  let closed = false
  return {
    sent,
    inject: (m) => onMessage(m),
    drop: (r) => {
      closed = true
      onClose(r)
    },
    transport: {
      send: (m) => void sent.push(m),
      onMessage: (l) => (onMessage = l),
      onClose: (l) => (onClose = l),
      close: () => (closed = true),
      get closed() {
        return closed
      },
    },
  }
}

describe('RpcPeer (the executor protocol channel)', { timeout: 30_000 }, () => {
  it('answers requests both ways and maps handler errors to JSON-RPC errors with their codes', async () => {
    const { a, b } = pair(
      { ping: (p) => ({ pong: p }) },
      {
        add: (p) => (p as number[]).reduce((x, y) => x + y, 0),
        refuse: () => {
          throw new BaseError('not now', { rpcCode: RpcErrorCode.Server, rpcData: { slot: '0x5' } })
        },
        crash: () => {
          throw new TypeError('boom')
        },
      },
    )
    assert.equal(await a.request('add', [1, 2, 3]), 6)
    assert.deepEqual(await b.request('ping', 'x'), { pong: 'x' })
    await assert.rejects(a.request('refuse', []), (err: unknown) => err instanceof PeerCallError && err.code === RpcErrorCode.Server && (err.data as { slot: string }).slot === '0x5')
    await assert.rejects(a.request('crash', []), (err: unknown) => err instanceof PeerCallError && err.code === RpcErrorCode.Internal && /boom/.test(err.message))
    await assert.rejects(a.request('nope', []), (err: unknown) => err instanceof PeerCallError && err.code === RpcErrorCode.MethodNotFound)
    // Prototype names are not methods.
    await assert.rejects(a.request('constructor', []), (err: unknown) => err instanceof PeerCallError && err.code === RpcErrorCode.MethodNotFound)
    a.close()
  })

  it('a burst of 10,000 requests in flight at once (the default most) is answered in full, each by its own id', async () => {
    const { a } = pair({}, { echo: async (p) => p })
    try {
      const results = await Promise.all(Array.from({ length: 10_000 }, (_, i) => a.request('echo', i)))
      results.forEach((r, i) => assert.equal(r, i))
      assert.equal(a.inFlight, 0)
    } finally {
      a.close()
    }
  })

  it('refuses requests past maxPending rather than queueing without bound', async () => {
    const p = probe()
    const peer = new RpcPeer(p.transport, { handlers: {}, timeoutMs: 60_000, maxPending: 3, logger: silentLogger() })
    const waiting = [peer.request('x', 1), peer.request('x', 2), peer.request('x', 3)]
    await assert.rejects(peer.request('x', 4), (err: unknown) => err instanceof BaseError && err.rpcCode === RpcErrorCode.LimitExceeded)
    peer.close()
    for (const w of waiting) await assert.rejects(w, PeerLostError)
  })

  it('every request in flight rejects with PeerLostError when the other side goes away, and later ones at once', async () => {
    let release: () => void = () => undefined
    const { a, tb } = pair({}, { slow: () => new Promise<void>((r) => (release = r)) })
    const inFlight = a.request('slow', [])
    const closed = new Promise<string>((r) => a.onClose(r))
    tb.close('executor killed')
    await assert.rejects(inFlight, PeerLostError)
    assert.match(await closed, /closed/)
    await assert.rejects(a.request('slow', []), PeerLostError)
    release()
  })

  it('times out a request the other side never answers; a late answer is dropped', async () => {
    const p = probe()
    const peer = new RpcPeer(p.transport, { handlers: {}, timeoutMs: 50, logger: silentLogger() })
    await assert.rejects(peer.request('never', []), PeerTimeoutError)
    const id = (p.sent[0] as { id: number }).id
    p.inject({ jsonrpc: '2.0', id, result: 'late' })
    assert.equal(peer.inFlight, 0)
    peer.close()
  })

  it('hostile messages get JSON-RPC errors back and never throw: malformed, wrong shapes, huge ids, unknown answers', async () => {
    const p = probe()
    const peer = new RpcPeer(p.transport, { handlers: { ok: () => 1 }, timeoutMs: 1_000, logger: silentLogger() })
    const hostile: unknown[] = [
      new MalformedMessage('the frame is not JSON'),
      null,
      42,
      'text',
      [],
      [{ jsonrpc: '2.0', id: 1, method: 'ok' }],
      {},
      { id: 7 },
      { id: 'x'.repeat(10_000), method: 'ok' },
      { id: 9, result: 'an answer to nothing we asked' },
      { id: 10, method: 12 },
      { id: 11, method: 'x'.repeat(100_000) },
      { id: 12, method: '__proto__' },
      { id: 13, method: 'ok', params: { deep: JSON.parse('['.repeat(500) + ']'.repeat(500)) } },
    ]
    for (const m of hostile) p.inject(m)
    await new Promise((r) => setImmediate(r))
    const errors = p.sent.filter((m) => (m as { error?: unknown }).error !== undefined) as { id: unknown; error: { code: number; message: string } }[]
    const codes = errors.map((e) => e.error.code)
    assert.ok(codes.includes(RpcErrorCode.ParseError))
    assert.ok(codes.includes(RpcErrorCode.InvalidRequest))
    assert.ok(codes.includes(RpcErrorCode.MethodNotFound))
    // An over-long id is never echoed back.
    assert.ok(errors.every((e) => typeof e.id !== 'string' || e.id.length <= 128))
    // An over-long method name is not echoed in full.
    assert.ok(errors.every((e) => e.error.message.length < 1_000))
    // The valid request among them still got its answer.
    assert.ok(p.sent.some((m) => (m as { id?: unknown; result?: unknown }).id === 13 && (m as { result?: unknown }).result === 1))
    peer.close()
  })
})
