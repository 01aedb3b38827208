// Issue 15: the toolchains a dapp developer brings work unchanged against chain 901 of a
// running network, compiled offline with the project's pinned npm solc: Hardhat 2 through its
// custom-compiler hook (test/fixtures/toolchains/hardhat2), Hardhat 3 through `solidity.path`
// (test/fixtures/toolchains/hardhat3, its own npm project), Foundry's forge and cast through
// scripts/solc.mjs (test/fixtures/toolchains/foundry). Each runs the real tool as a process.
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { fileURLToPath } from 'node:url'
import { createPublicClient, http, parseAbi, type Hex, type PublicClient } from 'viem'
import { devAccounts } from '../../src/execution/genesis.js'
import { startTestNetwork, type TestNetwork } from '../helpers/network.js'
import { tempDir } from '../helpers/tmp.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')
const fixtures = path.join(root, 'test/fixtures/toolchains')
const bin = (name: string) => path.join(root, 'node_modules/.bin', name)
const counterAbi = parseAbi(['function number() view returns (uint256)'])

// Hardhat 3 refuses Node 20; `npm run test:node-lines` runs this file on Node 22 and 24.
const nodeMajor = Number(process.versions.node.split('.')[0])
const hardhat3Skip = nodeMajor < 22 ? `Hardhat 3 needs Node 22 or newer (this is ${process.version}); npm run test:node-lines runs it on 22 and 24` : false

/** Runs a tool to completion; its output comes back whatever the exit code. */
function run(command: string, args: string[], opts: { cwd: string; env?: Record<string, string> }): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { cwd: opts.cwd, env: { ...process.env, ...opts.env }, encoding: 'utf8', timeout: 180_000, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr })
    })
  })
}

/**
 * Installs the Hardhat 3 fixture's own dependencies from its committed lockfile (`npm ci`
 * there, from the npm registry), once: a stamp of the lockfile's hash in its node_modules
 * makes later runs skip the install until the lockfile changes.
 */
async function installHardhat3(dir: string): Promise<void> {
  const lockHash = createHash('sha256').update(readFileSync(path.join(dir, 'package-lock.json'))).digest('hex')
  const stamp = path.join(dir, 'node_modules', '.plexus-lock-sha256')
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === lockHash) return
  const r = await run('npm', ['ci', '--prefix', dir, '--no-audit', '--no-fund'], { cwd: dir })
  assert.equal(r.code, 0, `npm ci in ${dir} failed:\n${r.stdout}\n${r.stderr}`)
  writeFileSync(stamp, lockHash)
}

describe('toolchains against a running network: Hardhat 2, Hardhat 3, Foundry', { timeout: 600_000 }, () => {
  let net: TestNetwork
  let l2: PublicClient
  const tmp = tempDir()
  // Dev accounts of their own, so the tools' nonces never race each other or other tests.
  const hardhatKey = devAccounts()[4]!.privateKey
  const foundryKey = devAccounts()[5]!.privateKey
  const hardhat3Key = devAccounts()[6]!.privateKey

  before(async () => {
    net = await startTestNetwork({ chainIds: [901, 902] })
    l2 = createPublicClient({ transport: http(net.l2Url(901)), cacheTime: 0 }) as PublicClient
  })
  after(async () => {
    await net?.stop()
    tmp.cleanup()
  })

  const numberAt = (address: Hex) => l2.readContract({ address, abi: counterAbi, functionName: 'number' })

  /** A Hardhat deploy script's run: it exited cleanly and its last line reports Counter deployed by that dev account and incremented once. */
  async function assertCounterDeployedBy(r: { code: number; stdout: string; stderr: string }, account: number): Promise<void> {
    assert.equal(r.code, 0, `${r.stdout}\n${r.stderr}`)
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { address: Hex; number: string; deployer: Hex }
    assert.equal(out.number, '1')
    // Invariant: the chain itself (not the tool's view) holds the deployed code and the changed state.
    assert.notEqual(await l2.getCode({ address: out.address }), undefined)
    assert.equal(await numberAt(out.address), 1n)
    assert.equal(out.deployer.toLowerCase(), devAccounts()[account]!.address.toLowerCase())
  }

  it('Hardhat 2 compiles with the pinned solc (no download), deploys Counter on 901 and calls it', async () => {
    const env = {
      PLEXUS_RPC_URL: net.l2Url(901),
      PLEXUS_KEY: hardhatKey,
      HARDHAT_OUT: path.join(tmp.dir, 'hardhat'),
      HARDHAT_DISABLE_TELEMETRY_PROMPT: 'true',
      CI: 'true',
    }
    const r = await run(bin('hardhat'), ['run', 'scripts/deploy.cjs', '--network', 'plexus'], { cwd: path.join(fixtures, 'hardhat2'), env })
    await assertCounterDeployedBy(r, 4)
  })

  it('Hardhat 3 compiles with the pinned solc through solidity.path (no download), deploys Counter on 901 and calls it', { skip: hardhat3Skip, timeout: 300_000 }, async () => {
    const cwd = path.join(fixtures, 'hardhat3')
    await installHardhat3(cwd)
    const hardhat = path.join(cwd, 'node_modules/hardhat', (JSON.parse(readFileSync(path.join(cwd, 'node_modules/hardhat/package.json'), 'utf8')) as { bin: { hardhat: string } }).bin.hardhat)
    // Hardhat keeps downloaded compilers under the user cache dir: a fresh one shows whether it fetched any.
    const cache = path.join(tmp.dir, 'hardhat3-user-cache')
    const env = { PLEXUS_RPC_URL: net.l2Url(901), PLEXUS_KEY: hardhat3Key, HARDHAT_OUT: path.join(tmp.dir, 'hardhat3'), XDG_CACHE_HOME: cache, CI: 'true' }
    // The Node running this test runs Hardhat too (under test:node-lines, 22 or 24).
    const r = await run(process.execPath, [hardhat, 'run', 'scripts/deploy.ts', '--network', 'plexus'], { cwd, env })
    await assertCounterDeployedBy(r, 6)
    // Invariant: the compiler was the pinned npm solc's soljson.js, never one Hardhat downloaded
    // (without solidity.path it creates hardhat-nodejs/compilers-v3 there and tries the internet).
    assert.deepEqual(existsSync(cache) ? readdirSync(cache, { recursive: true }).filter((f) => String(f).includes('compilers')) : [], [])
    const buildInfoDir = path.join(env.HARDHAT_OUT, 'artifacts/build-info')
    const buildInfos = readdirSync(buildInfoDir).filter((f) => !f.endsWith('.output.json'))
    const pinned = (JSON.parse(readFileSync(path.join(root, 'node_modules/solc/package.json'), 'utf8')) as { version: string }).version
    assert.equal(buildInfos.length, 1)
    const { solcLongVersion } = JSON.parse(readFileSync(path.join(buildInfoDir, buildInfos[0]!), 'utf8')) as { solcLongVersion: string }
    assert.ok(solcLongVersion.startsWith(`${pinned}+commit.`), `built with ${solcLongVersion}, not the pinned solc ${pinned}`)
  })

  it('Foundry: forge builds with scripts/solc.mjs, forge create deploys, cast send changes state, cast call reads it', async () => {
    const cwd = path.join(fixtures, 'foundry')
    const env = { FOUNDRY_OUT: path.join(tmp.dir, 'forge-out'), FOUNDRY_CACHE_PATH: path.join(tmp.dir, 'forge-cache') }
    const rpc = ['--rpc-url', net.l2Url(901)]
    const build = await run(bin('forge'), ['build'], { cwd, env })
    assert.equal(build.code, 0, `${build.stdout}\n${build.stderr}`)
    assert.match(build.stdout, /Solc 0\.8\.\d+/)

    const created = await run(bin('forge'), ['create', 'Counter', ...rpc, '--private-key', foundryKey, '--broadcast', '--json'], { cwd, env })
    assert.equal(created.code, 0, `${created.stdout}\n${created.stderr}`)
    const { deployedTo } = JSON.parse(created.stdout.slice(created.stdout.indexOf('{'))) as { deployedTo: Hex }
    assert.equal(await numberAt(deployedTo), 0n)

    for (const call of [['setNumber(uint256)', '41'], ['increment()']]) {
      const sent = await run(bin('cast'), ['send', deployedTo, ...call, ...rpc, '--private-key', foundryKey, '--json'], { cwd, env })
      assert.equal(sent.code, 0, `${sent.stdout}\n${sent.stderr}`)
      assert.equal((JSON.parse(sent.stdout) as { status: string }).status, '0x1')
    }
    const read = await run(bin('cast'), ['call', deployedTo, 'number()(uint256)', ...rpc], { cwd, env })
    assert.equal(read.code, 0, read.stderr)
    assert.equal(read.stdout.trim(), '42')
    // Invariant: the chain's own state agrees with what cast read.
    assert.equal(await numberAt(deployedTo), 42n)
  })

  it('scripts/solc.mjs refuses what it does not implement, and reports a malformed input inside the JSON as native solc does', async () => {
    const solc = path.join(root, 'scripts/solc.mjs')
    const bad = await run(solc, ['--bin', 'x.sol'], { cwd: tmp.dir })
    assert.equal(bad.code, 1)
    assert.match(bad.stderr, /only --version and --standard-json are supported/)
    const garbage = await new Promise<string>((resolve, reject) => {
      const child = execFile(solc, ['--standard-json'], { encoding: 'utf8', timeout: 60_000 }, (err, stdout) => (err ? reject(err) : resolve(stdout)))
      child.stdin!.end('{ not json')
    })
    const out = JSON.parse(garbage) as { errors: { severity: string }[] }
    assert.equal(out.errors[0]!.severity, 'error')
  })
})
