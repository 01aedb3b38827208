import assert from 'node:assert/strict'
import { mkdirSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { tempDir } from '../../test/helpers/tmp.js'
import { silentLogger } from '../primitives/logger.js'
import { DashboardServer } from './dashboardServer.js'

/** A raw request (fetch normalizes `..` out of paths, so traversal needs node:http). */
function get(base: string, pathname: string, method = 'GET'): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const url = new URL(base)
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: pathname, method }, (res) => {
      let body = ''
      res.on('data', (c: Buffer) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

describe('DashboardServer', () => {
  const tmp = tempDir()
  const web = path.join(tmp.dir, 'web')
  let server: DashboardServer
  let base: string

  before(async () => {
    mkdirSync(path.join(web, 'assets'), { recursive: true })
    writeFileSync(path.join(web, 'index.html'), '<html><head><!--plexus-config--></head><body></body></html>')
    writeFileSync(path.join(web, 'assets', 'app-1234.js'), 'console.log(1)')
    writeFileSync(path.join(tmp.dir, 'secret.txt'), 'do not serve')
    server = new DashboardServer({ host: '127.0.0.1', port: 0, rpcUrl: 'http://127.0.0.1:9545', dev: true, webDir: web, logger: silentLogger() })
    await server.start()
    base = server.url()
  })
  after(async () => {
    await server.stop()
    tmp.cleanup()
  })

  it('serves index.html with the RPC URL to start from, never cached', async () => {
    for (const p of ['/', '/index.html', '/?rpc=x']) {
      const res = await get(base, p)
      assert.equal(res.status, 200)
      assert.match(String(res.headers['content-type']), /text\/html/)
      assert.equal(res.headers['cache-control'], 'no-cache')
      const json = /<script type="application\/json" id="plexus-config">(.*?)<\/script>/.exec(res.body)?.[1]
      assert.deepEqual(JSON.parse(json!), { rpc: 'http://127.0.0.1:9545', dev: true })
    }
  })

  it('serves hashed assets with their type and a long cache; HEAD has no body', async () => {
    const res = await get(base, '/assets/app-1234.js')
    assert.equal(res.status, 200)
    assert.match(String(res.headers['content-type']), /text\/javascript/)
    assert.match(String(res.headers['cache-control']), /immutable/)
    assert.equal(res.body, 'console.log(1)')
    const head = await get(base, '/assets/app-1234.js', 'HEAD')
    assert.equal(head.status, 200)
    assert.equal(head.body, '')
  })

  it('answers 404 outside the web directory and for missing files, 405 for other verbs', async () => {
    assert.equal((await get(base, '/../secret.txt')).status, 404)
    assert.equal((await get(base, '/%2e%2e/secret.txt')).status, 404)
    assert.equal((await get(base, '/assets/missing.js')).status, 404)
    assert.equal((await get(base, '/', 'POST')).status, 405)
  })

  it('escapes the config so a value cannot close the script tag', async () => {
    const s = new DashboardServer({ host: '127.0.0.1', port: 0, rpcUrl: 'http://x/</script><script>alert(1)</script>', dev: false, webDir: web, logger: silentLogger() })
    await s.start()
    try {
      const res = await get(s.url(), '/')
      assert.doesNotMatch(res.body, /<\/script><script>alert/)
      const json = /id="plexus-config">(.*?)<\/script>/.exec(res.body)?.[1]
      assert.equal(JSON.parse(json!).rpc, 'http://x/</script><script>alert(1)</script>')
    } finally {
      await s.stop()
    }
  })

  it('explains how to build it when the app is not built', async () => {
    const s = new DashboardServer({ host: '127.0.0.1', port: 0, rpcUrl: 'http://127.0.0.1:9545', dev: true, webDir: path.join(tmp.dir, 'nothing'), logger: silentLogger() })
    await s.start()
    try {
      const res = await get(s.url(), '/')
      assert.equal(res.status, 503)
      assert.match(res.body, /npm run build/)
    } finally {
      await s.stop()
    }
  })
})
