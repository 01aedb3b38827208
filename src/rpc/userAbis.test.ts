import assert from 'node:assert/strict'
import { mkdirSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import { tempDir } from '../../test/helpers/tmp.js'
import { silentLogger } from '../primitives/logger.js'
import { DashboardServer } from './dashboardServer.js'
import { sameRuntime, stripMetadata } from '../primitives/bytecode.js'
import { parseArtifact, readUserAbis, USER_ABI_LIMITS, UserAbiCache } from './userAbis.js'

const ABI = [{ type: 'function', name: 'ping', inputs: [], outputs: [], stateMutability: 'nonpayable' }]
/** Runtime code with a 0xa2… CBOR tail of 4 bytes (length 0x0004). */
const RUNTIME = '0x6080604052' + 'a2646970' + '0004'

function foundry(dir: string, file: string, name: string, runtime = RUNTIME, extra: Record<string, unknown> = {}): void {
  mkdirSync(path.join(dir, `${file}.sol`), { recursive: true })
  writeFileSync(path.join(dir, `${file}.sol`, `${name}.json`), JSON.stringify({ abi: ABI, bytecode: { object: '0x00' }, deployedBytecode: { object: runtime, immutableReferences: { '7': [{ start: 1, length: 2 }] } }, ...extra }))
}

describe('user ABIs for the dashboard (--abi-dir)', { timeout: 30_000 }, () => {
  const tmp = tempDir()
  after(() => tmp.cleanup())

  it('strips the metadata tail, and only a well-formed one', () => {
    assert.equal(stripMetadata(RUNTIME), '6080604052')
    // Invariant: code without a CBOR map at the stated offset is compared whole.
    assert.equal(stripMetadata('0x60806040ffff'), '60806040ffff')
    assert.equal(stripMetadata('0x'), '')
  })

  it('matches deployed code only when it is the artifact\'s runtime (immutables masked, metadata ignored)', () => {
    // artifact: 60 [0000] 52 + metadata; deployed: the immutable filled with abcd, another metadata hash
    const artifact = '0x60000052' + 'a2646970' + '0004'
    assert.equal(sameRuntime('0x6000005200', artifact, [[1, 2]]), false, 'another length')
    assert.equal(sameRuntime('0x60abcd52' + 'a2ffffff' + '0004', artifact, [[1, 2]]), true)
    // Invariant: a byte outside the immutables differs → no match (an ABI is never applied to other code).
    assert.equal(sameRuntime('0x61abcd52' + 'a2646970' + '0004', artifact, [[1, 2]]), false)
    assert.equal(sameRuntime('0x60abcd52' + 'a2646970' + '0004', artifact, []), false, 'unmasked immutables differ')
    assert.equal(sameRuntime('0x', '0x', []), false, 'no code is no contract')
    assert.equal(sameRuntime('0x60abcd52', '0x60000052', [[3, 9]]), false, 'a range past the code is a lie, not a match')
  })

  it('reads Foundry and Hardhat layouts; interfaces, bad JSON and non-artifacts are skipped with a reason', async () => {
    const out = path.join(tmp.dir, 'mixed')
    foundry(out, 'Counter', 'Counter')
    foundry(out, 'ICounter', 'ICounter', '0x')
    mkdirSync(path.join(out, 'hh', 'contracts', 'Box.sol'), { recursive: true })
    writeFileSync(path.join(out, 'hh', 'contracts', 'Box.sol', 'Box.json'), JSON.stringify({ contractName: 'Box', abi: ABI, deployedBytecode: RUNTIME }))
    writeFileSync(path.join(out, 'hh', 'contracts', 'Box.sol', 'Box.dbg.json'), '{"buildInfo":"x"}')
    writeFileSync(path.join(out, 'broken.json'), '{"abi": [')
    writeFileSync(path.join(out, 'array.json'), '[1,2,3]')
    writeFileSync(path.join(out, 'noabi.json'), '{"deployedBytecode":"0x60"}')
    writeFileSync(path.join(out, 'linked.json'), JSON.stringify({ abi: ABI, deployedBytecode: { object: '0x60__$abc$__' } }))
    const r = await readUserAbis([out])
    assert.deepEqual(r.contracts.map((c) => c.name).sort(), ['Box', 'Counter'])
    const counter = r.contracts.find((c) => c.name === 'Counter')!
    assert.equal(counter.runtime, RUNTIME.slice(2))
    assert.deepEqual(counter.immutables, [[1, 2]])
    const reasons = Object.fromEntries(r.skipped.map((s) => [path.basename(s.file), s.reason]))
    assert.match(reasons['broken.json']!, /JSON/)
    assert.match(reasons['array.json']!, /abi/)
    assert.match(reasons['noabi.json']!, /abi/)
    assert.match(reasons['linked.json']!, /bytecode/)
    assert.match(reasons['ICounter.json']!, /interface/)
    assert.equal(reasons['Box.dbg.json'], undefined, 'Hardhat debug files are not artifacts')
  })

  it('a hostile directory: oversized files, too many entries, a symlink loop and a missing dir cost bounded work and never throw', async () => {
    const bad = path.join(tmp.dir, 'hostile')
    mkdirSync(bad, { recursive: true })
    foundry(bad, 'Good', 'Good')
    writeFileSync(path.join(bad, 'huge.json'), Buffer.alloc(USER_ABI_LIMITS.maxFileBytes + 1, 0x20))
    symlinkSync(bad, path.join(bad, 'loop'))
    for (let i = 0; i < 300; i++) writeFileSync(path.join(bad, `junk${i}.json`), 'x')
    const limits = { ...USER_ABI_LIMITS, maxEntries: 200 }
    const r = await readUserAbis([bad, path.join(tmp.dir, 'does-not-exist')], limits)
    // Invariant: whatever the directory holds, the result is bounded and the good artifact (read before the bound) is kept.
    assert.ok(r.skipped.length <= limits.maxSkipped)
    assert.ok(r.skipped.some((s) => /not a readable directory/.test(s.reason)))
    assert.ok(r.skipped.some((s) => /entries/.test(s.reason)))
    const all = await readUserAbis([bad])
    assert.ok(all.skipped.some((s) => s.file === 'huge.json' && /larger than/.test(s.reason)))
    assert.deepEqual(all.contracts.map((c) => c.name), ['Good'])
    assert.equal(parseArtifact('null', 'x.json'), 'not an artifact object')
  })

  it('the cache re-reads after a rebuild, and concurrent requests share one read', async () => {
    const out = path.join(tmp.dir, 'rebuilt')
    foundry(out, 'A', 'A')
    const cache = new UserAbiCache([out])
    const [x, y] = await Promise.all([cache.json(), cache.json()])
    assert.equal(x, y)
    assert.deepEqual(JSON.parse(x.toString()).contracts.map((c: { name: string }) => c.name), ['A'])
    foundry(out, 'B', 'B')
    const file = path.join(out, 'B.sol', 'B.json')
    utimesSync(file, new Date(), new Date(Date.now() + 5_000))
    assert.deepEqual(JSON.parse((await cache.json()).toString()).contracts.map((c: { name: string }) => c.name), ['A', 'B'])
  })

  it('the dashboard server serves /abis.json (empty without --abi-dir), and a malformed dir does not break it', async () => {
    const web = path.join(tmp.dir, 'web')
    mkdirSync(web, { recursive: true })
    writeFileSync(path.join(web, 'index.html'), '<html><!--plexus-config--></html>')
    const bad = path.join(tmp.dir, 'served')
    foundry(bad, 'Served', 'Served')
    writeFileSync(path.join(bad, 'garbage.json'), '\u0000\u0001not json')
    for (const [dirs, names] of [[undefined, []], [[bad], ['Served']]] as const) {
      const s = new DashboardServer({ host: '127.0.0.1', port: 0, rpcUrl: 'http://127.0.0.1:1', dev: true, webDir: web, logger: silentLogger(), ...(dirs ? { abiDirs: [...dirs] } : {}) })
      await s.start()
      try {
        const res = await fetch(`${s.url()}/abis.json`)
        assert.equal(res.status, 200)
        assert.match(res.headers.get('content-type') ?? '', /json/)
        const body = (await res.json()) as { contracts: { name: string }[] }
        assert.deepEqual(body.contracts.map((c) => c.name), names)
        assert.equal((await fetch(`${s.url()}/`)).status, 200, 'the page is still served')
      } finally {
        await s.stop()
      }
    }
  })
})
