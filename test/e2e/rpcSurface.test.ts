import assert from 'node:assert/strict'
import { existsSync, readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { chromium, type Browser } from 'playwright-core'
import { rpc, waitFor } from '../helpers/node.js'
import { startTestNetwork, type TestNetwork } from '../helpers/network.js'

/** Debian's chromium (scripts/install-debian-deps.sh installs it). */
const CHROMIUM = process.env.PLEXUS_CHROMIUM ?? '/usr/bin/chromium'
/** `hostile.test` resolves to this machine, but is not one of its names: another origin. */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--host-resolver-rules=MAP hostile.test 127.0.0.1']

/**
 * eth_call input that loops over the ecMul precompile until its gas is gone: ~10-15 s
 * of EVM time at the per-transaction gas ceiling (2^24), far longer than the 5 s limit.
 * Memory holds the generator (1, 2) and a 256-bit scalar; the loop STATICCALLs 0x07.
 */
const SLOW_CODE = '0x' + '6001600052' + '6002602052' + '7f' + 'ff'.repeat(32) + '604052' + '5b' + '6040606060606000' + '6007' + '5afa50' + '602e56'
const SLOW_ADDRESS = '0x00000000000000000000000000000000005107c0'

/** What a page does: a fetch and a WebSocket call to the node; reports what worked. */
const PAGE = `<!doctype html><script>
window.probe = async (rpcUrl) => {
  const out = {}
  try {
    const res = await fetch(rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }) })
    out.fetch = (await res.json()).result ?? 'no result'
  } catch (e) { out.fetch = 'failed: ' + e.message }
  out.ws = await new Promise((resolve) => {
    const ws = new WebSocket(rpcUrl.replace('http', 'ws'))
    ws.onopen = () => ws.send(JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_chainId', params: [] }))
    ws.onmessage = (m) => { resolve(JSON.parse(m.data).result); ws.close() }
    ws.onerror = () => resolve('failed')
  })
  return out
}
</script>`

describe('the RPC surface', () => {
  let net: TestNetwork
  let url: string

  before(async () => {
    net = await startTestNetwork({ chainIds: [901] })
    url = net.l2Url(901)
  })
  after(async () => net?.stop())

  it('closes debug_* and plexus_retryMessage on the public port (geth\'s -32601) and opens them to the admin token', async () => {
    // Invariant: a restricted method is answered exactly like an unknown one on the public
    // port, and runs for the holder of the admin token only.
    for (const [method, params] of [
      ['debug_traceCall', [{ to: SLOW_ADDRESS }, 'latest', { tracer: 'callTracer' }]],
      ['debug_traceTransaction', [`0x${'11'.repeat(32)}`, { tracer: 'callTracer' }]],
      ['plexus_retryMessage', [`0x${'22'.repeat(32)}`]],
    ] as const) {
      await assert.rejects(rpc(url, method, [...params]), (e: { code?: number; message?: string }) => {
        assert.equal(e.code, -32601)
        assert.equal(e.message, `the method ${method} does not exist/is not available`)
        return true
      })
    }
    const record = JSON.parse(readFileSync(path.join(net.datadir, 'admin.json'), 'utf8')) as { url: string; token: string }
    const admin = (token: string, body: unknown) =>
      fetch(record.url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
    const call = { jsonrpc: '2.0', id: 1, method: 'admin_rpc', params: [901, 'debug_traceCall', [{ to: SLOW_ADDRESS }, 'latest', { tracer: 'callTracer' }]] }
    const traced = (await (await admin(record.token, call)).json()) as { result?: { type: string } }
    assert.equal(traced.result?.type, 'CALL')
    // a wrong token, one of another length, none: refused before anything runs
    for (const token of [record.token.replace(/.$/, (c) => (c === '0' ? '1' : '0')), 'short', '']) {
      assert.equal((await admin(token, call)).status, 401)
    }
    const unknownChain = (await (await admin(record.token, { ...call, params: [4242, 'eth_chainId', []] })).json()) as { error?: { message: string } }
    assert.match(unknownChain.error?.message ?? '', /no chain 4242/)
  })

  it('cuts a 10 s eth_call off at 5 s with geth\'s error while every slot is still built', { timeout: 120_000 }, async () => {
    // Invariant: a call that would hold the thread for 10+ s ends with -32000 "execution
    // aborted (timeout = 5s)", and the chain keeps making blocks slot after slot while it
    // runs: the head observed by concurrent polls advances many times during the call
    // (without the yields it could not move at all until the call returned).
    // past the network's first blocks (the genesis is older than the first slot)
    await waitFor(async () => BigInt(await rpc<string>(url, 'eth_blockNumber', [])) >= 2n, 30_000, 'first blocks')
    const seen = new Set<string>()
    let done = false
    const poll = (async () => {
      while (!done) seen.add(await rpc<string>(url, 'eth_blockNumber', []))
    })()
    const before = BigInt(await rpc<string>(url, 'eth_blockNumber', []))
    await assert.rejects(
      rpc(url, 'eth_call', [{ to: SLOW_ADDRESS, gas: '0x1000000' }, 'latest', { [SLOW_ADDRESS]: { code: SLOW_CODE } }]),
      (e: { code?: number; message?: string }) => {
        assert.equal(e.code, -32000)
        assert.equal(e.message, 'execution aborted (timeout = 5s)')
        return true
      },
    )
    const afterCall = BigInt(await rpc<string>(url, 'eth_blockNumber', []))
    done = true
    await poll
    // 250 ms slots over a 5 s call: 20 blocks; a stalled loop would show 0 or 1 new head.
    assert.ok(afterCall - before >= 10n, `the chain made ${afterCall - before} blocks during the call`)
    assert.ok(seen.size >= 10, `polls during the call saw ${seen.size} distinct heads`)
    // the blocks of the call's time are consecutive slots: each one second of timestamps or less apart
    let previous: { timestamp: string } | undefined
    for (let n = before; n <= afterCall; n++) {
      const block = await rpc<{ timestamp: string }>(url, 'eth_getBlockByNumber', [`0x${n.toString(16)}`, false])
      if (previous) assert.ok(BigInt(block.timestamp) - BigInt(previous.timestamp) <= 1n, `block ${n} follows its parent by at most one second`)
      previous = block
    }
  })

  describe('from a browser (chromium)', () => {
    let browser: Browser | undefined
    let pages: Server

    before(async () => {
      if (!existsSync(CHROMIUM)) throw new Error(`chromium not found at ${CHROMIUM}: install it with \`bash scripts/install-debian-deps.sh\` (as root)`)
      browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS })
      pages = createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE))
      await new Promise<void>((resolve) => pages.listen(0, '127.0.0.1', () => resolve()))
    })
    after(async () => {
      await browser?.close()
      await new Promise<void>((resolve) => (pages ? pages.close(() => resolve()) : resolve()))
    })

    async function probeFrom(origin: string): Promise<{ fetch: string; ws: string }> {
      const page = await browser!.newPage()
      try {
        await page.goto(`${origin}/`)
        return (await page.evaluate(async (rpcUrl) => (globalThis as unknown as { probe: (u: string) => Promise<unknown> }).probe(rpcUrl), url)) as { fetch: string; ws: string }
      } finally {
        await page.close()
      }
    }

    it('a page served from another origin can neither fetch nor open a WebSocket; the same page from this machine can', { timeout: 60_000 }, async () => {
      // Invariant: the node answers browsers only for allowed origins; the refusal does
      // not depend on the transport.
      const port = (pages.address() as AddressInfo).port
      const hostile = await probeFrom(`http://hostile.test:${port}`)
      assert.match(hostile.fetch, /^failed/)
      assert.equal(hostile.ws, 'failed')
      const local = await probeFrom(`http://127.0.0.1:${port}`)
      assert.deepEqual(local, { fetch: '0x385', ws: '0x385' })
    })
  })
})
