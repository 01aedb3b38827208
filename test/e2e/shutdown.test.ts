import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { after, before, describe, test } from 'node:test'
import { createPublicClient, createWalletClient, defineChain, http, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { devAccounts } from '../../src/execution/genesis.js'
import { rpc, sleep, waitFor } from '../helpers/node.js'
import { lostReceipts, ReceiptLoad } from '../helpers/receiptLoad.js'
import { tempDir } from '../helpers/tmp.js'
import {
  anvilPid,
  freeNetworkPorts,
  headOf,
  isAlive,
  killHard,
  killNetwork,
  portTaken,
  spawnUp,
  waitGone,
  writeNetworkConfig,
  type NetworkPorts,
  type UpProcess,
} from '../helpers/upProcess.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')

/**
 * Real `plexus up` processes on one datadir, stopped and killed every way an operator's
 * network is: each test leaves the network running (or stopped) for the next.
 */
describe('stopping and supervising the network (real processes)', () => {
  const { dir, cleanup } = tempDir()
  const datadir = path.join(dir, 'data')
  let ports: NetworkPorts
  let urls: string[]
  let args: string[]
  let up: UpProcess | undefined

  /** Every port of the network is free again. */
  async function assertPortsFree(): Promise<void> {
    for (const port of [ports.l1, ...ports.chains]) assert.equal(await portTaken(port), false, `port ${port} is still taken`)
  }

  before(async () => {
    ports = await freeNetworkPorts(2)
    urls = ports.chains.map((p) => `http://127.0.0.1:${p}`)
    args = ['--config', writeNetworkConfig(dir, ports, 1), '--datadir', datadir, '--no-dashboard', '--log-level', 'info']
    up = await spawnUp(args, urls)
  })

  after(async () => {
    await killNetwork(up, datadir)
    cleanup()
  })

  test('anvil killed while the network runs: restarted from disk (reported once), no block lost, the chains keep producing and settling', { timeout: 240_000 }, async () => {
    const load = new ReceiptLoad([{ chainId: 901, url: urls[0]! }, { chainId: 902, url: urls[1]! }], [0, 1])
    try {
      await waitFor(async () => load.seen.size >= 20, 60_000, 'receipts')
      const killed = anvilPid(datadir)!
      killHard(killed)
      await waitGone(killed)
      const headsAtKill = await Promise.all(urls.map(headOf))
      const hashesAtKill = await Promise.all(urls.map((u, i) => blockHashes(u, headsAtKill[i]!)))
      // Back, on the same port, as another process; and the chains go on.
      await waitFor(async () => up!.logs('the embedded L1 (anvil) is back').length > 0, 60_000, 'anvil restarted')
      assert.notEqual(anvilPid(datadir), killed)
      await waitFor(async () => (await Promise.all(urls.map(headOf))).every((h, i) => h > headsAtKill[i]! + 8n), 60_000, 'blocks after the restart')
      // Invariant: no block and no receipt taken back.
      for (const [i, url] of urls.entries()) assert.deepEqual(await blockHashes(url, headsAtKill[i]!), hashesAtKill[i], `chain ${901 + i} changed blocks`)
      assert.deepEqual(await lostReceipts([...load.seen.values()], (id) => urls[id - 901]!), [])
      // Settlement goes on past what was built before the kill (the batches in the lost L1 tail are posted again).
      await waitFor(async () => {
        const status = await rpc<{ safe: { number: Hex } | null }>(urls[0]!, 'plexus_syncStatus', [])
        return status.safe !== null && BigInt(status.safe.number) > headsAtKill[0]!
      }, 90_000, 'the safe head to pass the head at the kill')
      // Reported once each, never a stream of retries.
      assert.equal(up!.logs('the embedded L1 (anvil) exited').length, 1)
      assert.ok(up!.logs('L1 unreachable').length <= 1)
      assert.deepEqual(up!.logs('L1 poll failed'), [])
    } finally {
      await load.stop()
    }
  })

  test('kill -9 of Plexus leaves anvil running; `up` again on the same datadir and ports saves its state, stops it and starts', { timeout: 240_000 }, async () => {
    const orphan = anvilPid(datadir)!
    const head = await headOf(urls[0]!)
    // An L1 transaction whose receipt came back just before the kill: its block may be
    // newer than the last state write, but the orphaned anvil still has it.
    const l1Url = `http://127.0.0.1:${ports.l1}`
    const user = privateKeyToAccount(devAccounts()[5]!.privateKey)
    const l1 = createPublicClient({ transport: http(l1Url), cacheTime: 0 })
    const hash = await createWalletClient({ account: user, chain: defineChain({ id: 900, name: 'L1', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [l1Url] } } }), transport: http(l1Url) })
      .sendTransaction({ to: user.address, value: 1n })
    const receipt = await l1.waitForTransactionReceipt({ hash, pollingInterval: 50 })
    killHard(up!.proc.pid)
    await up!.exited
    await sleep(500)
    assert.ok(isAlive(orphan), 'anvil outlived Plexus (the case this test is about)')
    assert.equal(await portTaken(ports.l1), true)
    up = await spawnUp(args, urls)
    assert.equal(isAlive(orphan), false, 'the anvil of the earlier run was stopped')
    assert.equal(up.logs('an earlier run left running').length, 2, 'its state saved, then it was stopped')
    await waitFor(async () => (await headOf(urls[0]!)) > head + 4n, 60_000, 'production after the restart')
    assert.equal((await l1.getTransactionReceipt({ hash })).blockHash, receipt.blockHash, 'the L1 receipt returned before the kill is still there')
  })

  test('anvil killed first (as Ctrl-C to a whole process group would), then SIGINT: Plexus exits 0 and frees every port', { timeout: 120_000 }, async () => {
    const anvil = anvilPid(datadir)!
    killHard(anvil)
    await waitGone(anvil)
    up!.proc.kill('SIGINT')
    const { code } = await up!.exited
    assert.equal(code, 0)
    // A restart may have been under way when the signal came: nothing of it is left.
    const last = anvilPid(datadir)
    if (last !== undefined) assert.equal(isAlive(last), false)
    await assertPortsFree()
    up = undefined
  })

  test('a second SIGINT exits at once while the stop hangs on an L1 that stopped answering', { timeout: 180_000 }, async () => {
    up = await spawnUp(args, urls)
    const anvil = anvilPid(datadir)!
    // anvil hangs: the connections stay open, nothing answers (the stop's last state write waits for it).
    process.kill(anvil, 'SIGSTOP')
    up.proc.kill('SIGINT')
    await waitFor(async () => up!.logs('shutting down').length > 0, 30_000, 'the first signal taken')
    await sleep(1_200)
    up.proc.kill('SIGINT')
    const { code } = await up.exited
    assert.equal(code, 130, `exit code ${code}; output:\n${up.output().slice(-3000)}`)
    assert.equal(up.logs('exiting without waiting').length, 1)
    // Nothing outlives the forced exit: the hung anvil was killed too.
    await waitGone(anvil, 10_000)
    await assertPortsFree()
    up = undefined
  })

  for (const how of ['SIGTERM to npm', 'Ctrl-C to its process group'] as const) {
    test(`npm start: ${how} stops Plexus and anvil and frees every port`, { timeout: 300_000 }, async () => {
      up = await spawnUp(['start', '--', ...args], urls, { command: 'npm', cwd: root, timeoutMs: 240_000, spawn: { detached: true } })
      const npm = up.proc.pid!
      const plexus = childrenOf(npm)
      assert.equal(plexus.length, 1, `npm runs one process (children: ${plexus})`)
      assert.match(readFileSync(`/proc/${plexus[0]}/cmdline`, 'utf8'), /scripts\/start\.mjs/, 'npm runs Plexus itself, no shell in between')
      const anvil = anvilPid(datadir)!
      if (how === 'SIGTERM to npm') up.proc.kill('SIGTERM')
      // A terminal's Ctrl-C: SIGINT to every process of the group (npm and Plexus; anvil has its own).
      else process.kill(-npm, 'SIGINT')
      await up.exited
      await waitGone(plexus[0]!, 60_000)
      await waitGone(anvil, 10_000)
      await assertPortsFree()
      // A graceful stop, not a forced one (npm passing the terminal's Ctrl-C on is the same request).
      assert.deepEqual(up.logs('exiting without waiting'), [])
      assert.equal(up.logs('shutting down').length, 1)
      up = undefined
    })
  }
})

/** Hashes of blocks 0…n. */
async function blockHashes(url: string, n: bigint): Promise<Hex[]> {
  const out: Hex[] = []
  for (let i = 0n; i <= n; i++) out.push((await rpc<{ hash: Hex }>(url, 'eth_getBlockByNumber', [`0x${i.toString(16)}`, false])).hash)
  return out
}

/** Pids of the direct children of `pid`. */
function childrenOf(pid: number): number[] {
  const out = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
  return out
    .split('\n')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number)
}
