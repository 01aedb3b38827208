import assert from 'node:assert/strict'
import { createServer, connect, type Server, type Socket } from 'node:net'
import { Writable } from 'node:stream'
import { after, describe, test } from 'node:test'
import { txsOf } from '../../src/execution/executeTx.js'
import { l1InfoOf } from '../../src/execution/l1Info.js'
import { devAccounts } from '../../src/execution/genesis.js'
import { PlexusNetwork } from '../../src/node/network.js'
import { devChainOptions, devL1Options } from '../../src/node/networkOptions.js'
import { createLogger } from '../../src/primitives/logger.js'
import { startAnvil, type Anvil } from '../helpers/anvil.js'
import { freePort, waitFor } from '../helpers/node.js'
import { tempDir } from '../helpers/tmp.js'

const DRIFT_SECONDS = 4

/**
 * A TCP proxy in front of the L1 that the test can make refuse connections (a dead L1:
 * the process is gone) or swallow them (a hung L1: connections open, nothing answers).
 */
class L1Proxy {
  private server: Server | undefined
  private readonly sockets = new Set<Socket>()
  mode: 'pass' | 'hang' = 'pass'

  constructor(
    readonly port: number,
    private readonly target: number,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`
  }

  async open(): Promise<void> {
    const server = createServer((client) => {
      this.sockets.add(client)
      client.on('close', () => this.sockets.delete(client))
      client.on('error', () => undefined)
      if (this.mode === 'hang') return
      const upstream = connect(this.target, '127.0.0.1')
      this.sockets.add(upstream)
      upstream.on('close', () => this.sockets.delete(upstream))
      upstream.on('error', () => client.destroy())
      client.pipe(upstream).pipe(client)
    })
    await new Promise<void>((resolve) => server.listen(this.port, '127.0.0.1', resolve))
    this.server = server
  }

  /** The L1 is gone: connections refused, those open cut. */
  async refuse(): Promise<void> {
    const server = this.server
    this.server = undefined
    for (const s of this.sockets) s.destroy()
    if (server) await new Promise((resolve) => server.close(resolve))
  }

  /** Connections held open without an answer. */
  hanging(): number {
    return this.mode === 'hang' ? this.sockets.size : 0
  }

  async close(): Promise<void> {
    await this.refuse()
  }
}

describe('an external L1 that dies', () => {
  const { dir, cleanup } = tempDir()
  let anvil: Anvil | undefined
  let proxy: L1Proxy | undefined
  let network: PlexusNetwork | undefined
  after(async () => {
    await network?.stop()
    await proxy?.close()
    await anvil?.stop()
    cleanup()
  })

  test('pauses block production with one error (never an L2 block on an origin older than the max drift), resumes when it returns, and stops at once while it is dead', { timeout: 300_000 }, async () => {
    anvil = await startAnvil(['--block-time', '1'])
    proxy = new L1Proxy(await freePort(), Number(new URL(anvil.url).port))
    await proxy.open()
    const lines: string[] = []
    const logger = createLogger('info', new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }))
    const logs = (text: string) => lines.filter((l) => l.includes(text))
    network = new PlexusNetwork({
      datadir: dir,
      l1: devL1Options({ rpcUrl: proxy.url, deployerKey: devAccounts()[9]!.privateKey, pollMs: 200, maxSequencerDriftSeconds: DRIFT_SECONDS }),
      chains: [devChainOptions(0, { rpcPort: 0 }), devChainOptions(1, { rpcPort: 0 })],
      admin: false,
      logger,
    })
    await network.start()
    const chains = network.nodes.map((n) => n.chain)
    await waitFor(async () => chains.every((c) => c.headHeader().number >= 8n), 60_000, 'blocks')

    // The L1 dies.
    await proxy.refuse()
    const cutAt = Date.now()
    await waitFor(async () => logs('block production paused').length === chains.length, 60_000, 'production to pause on every chain')
    const pausedHeads = chains.map((c) => c.headHeader().number)
    // Down for well past the drift: long enough for a stream of retry logs, were there one.
    await waitFor(async () => Date.now() > cutAt + 4 * DRIFT_SECONDS * 1000, 60_000, 'the outage to last')
    assert.deepEqual(chains.map((c) => c.headHeader().number), pausedHeads, 'a block was built while paused')
    // One error each: the L1 is unreachable (tracker), production paused (per chain). No stream.
    assert.equal(logs('L1 unreachable').length, 1)
    assert.equal(logs('block production paused').length, chains.length)
    assert.deepEqual(logs('L1 poll failed'), [])
    const noisy = lines.filter((l) => /"level":(40|50)/.test(l) && JSON.parse(l).time >= new Date(cutAt).toISOString())
    assert.ok(noisy.length <= 6, `${noisy.length} warnings/errors during the outage:\n${noisy.join('')}`)

    // It comes back: production resumes (reported once per chain), the L1 is reachable (once).
    await proxy.open()
    await waitFor(async () => chains.every((c, i) => c.headHeader().number > pausedHeads[i]! + 8n), 120_000, 'production to resume')
    assert.equal(logs('block production resumed').length, chains.length)
    assert.equal(logs('L1 reachable again').length, 1)
    for (const chain of chains) checkDrift(chain)

    // Dead again, now hung (connections accepted, never answered): stopping does not wait on it.
    proxy.mode = 'hang'
    await proxy.refuse()
    await proxy.open()
    await waitFor(async () => proxy!.hanging() > 0, 60_000, 'a request hanging on the L1')
    await network.stop()
    network = undefined
  })
})

/** Invariant: a block that keeps its parent's L1 origin is at most the max drift newer than it. */
function checkDrift(chain: PlexusNetwork['nodes'][number]['chain']): void {
  let previous: { number: bigint; timestamp: bigint } | undefined
  for (let n = 1n; n <= chain.headHeader().number; n++) {
    const block = chain.getBlockByNumber(n)!
    const info = l1InfoOf(txsOf(block)[0])!
    if (previous && info.number === previous.number) {
      assert.ok(block.header.timestamp - info.timestamp <= BigInt(DRIFT_SECONDS), `chain ${chain.chainId} block ${n}: origin ${info.number} is ${block.header.timestamp - info.timestamp} s old`)
    }
    previous = { number: info.number, timestamp: info.timestamp }
  }
}
