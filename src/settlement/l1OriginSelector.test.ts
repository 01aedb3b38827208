import assert from 'node:assert/strict'
import { Writable } from 'node:stream'
import { after, describe, test } from 'node:test'
import type { Hex } from 'viem'
import { Chain } from '../execution/chain.js'
import { txsOf } from '../execution/executeTx.js'
import { devGenesis } from '../execution/genesis.js'
import { l1InfoOf } from '../execution/l1Info.js'
import { initCrypto } from '../primitives/crypto.js'
import { createLogger } from '../primitives/logger.js'
import { ChainStore } from '../storage/chainStore.js'
import { openDatabase } from '../storage/database.js'
import { tempDir } from '../../test/helpers/tmp.js'
import type { L1BlockRef, L1Tracker } from './l1/l1Tracker.js'
import { L1OriginSelector } from './l1OriginSelector.js'

/** L1 as the selector sees it through the tracker: blocks, a head, a durable height, reachability. */
class FakeL1 {
  readonly blocks = new Map<bigint, L1BlockRef>()
  durable: bigint | undefined
  up = true

  add(number: bigint, timestamp: bigint): void {
    const hash = `0x${number.toString(16).padStart(64, '0')}` as Hex
    const parentHash = `0x${(number - 1n).toString(16).padStart(64, '0')}` as Hex
    this.blocks.set(number, { number, hash, parentHash, timestamp, baseFee: 1n, blobBaseFee: 1n })
  }

  head(): L1BlockRef | undefined {
    return this.blocks.get([...this.blocks.keys()].reduce((a, b) => (a > b ? a : b), 0n))
  }

  tracker(): L1Tracker {
    const self = this
    return {
      head: () => self.head(),
      block: (n: bigint) => self.blocks.get(n),
      durableHead() {
        const head = self.head()?.number
        return head === undefined || self.durable === undefined || self.durable >= head ? head : self.durable
      },
      depositsIn: () => [],
      reachable: () => self.up,
    } as unknown as L1Tracker
  }
}

const stores: ChainStore[] = []
const dirs: { cleanup(): void }[] = []
after(async () => {
  for (const s of stores) await s.db.close()
  for (const d of dirs) d.cleanup()
})

async function setup(opts: { maxSequencerDrift?: bigint; confirmations?: bigint } = {}) {
  await initCrypto()
  const dir = tempDir()
  dirs.push(dir)
  const store = new ChainStore(openDatabase(dir.dir))
  stores.push(store)
  const chain = await Chain.open(store, devGenesis({ chainId: 901, gasLimit: 30_000_000n, timestamp: 1n }), createLogger('silent'))
  const l1 = new FakeL1()
  const lines: string[] = []
  const logger = createLogger('info', new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }))
  const selector = new L1OriginSelector(chain, l1.tracker(), {
    chainId: 901n,
    l1StartBlock: 1n,
    confirmations: opts.confirmations ?? 0n,
    baseFeeScalar: 1n,
    blobBaseFeeScalar: 1n,
    ...(opts.maxSequencerDrift !== undefined ? { maxSequencerDrift: opts.maxSequencerDrift } : {}),
    logger,
  })
  /** Builds the next block at `timestamp` if the selector gives inputs; returns its L1 origin number. */
  async function next(timestamp: bigint): Promise<bigint | undefined> {
    const inputs = selector.inputsFor(chain.headHeader(), timestamp)
    if (!inputs) return undefined
    const built = await chain.buildBlock({ timestamp: inputs.timestamp, coinbase: new Uint8Array(20), deposits: inputs.deposits, l1Fee: inputs.l1Fee })
    return l1InfoOf(txsOf(built.block)[0])!.number
  }
  return { chain, l1, selector, next, lines }
}

/** Every block's origin: consecutive origins differ by 0 or 1; a block that keeps its origin is within `drift` of it. */
function checkOrigins(chain: Chain, l1: FakeL1, drift: bigint): void {
  let previous: bigint | undefined
  for (let n = 1n; n <= chain.headHeader().number; n++) {
    const block = chain.getBlockByNumber(n)!
    const origin = l1InfoOf(txsOf(block)[0])!
    if (previous !== undefined) {
      const step = origin.number - previous
      assert.ok(step === 0n || step === 1n, `block ${n}: origin moved by ${step}`)
      if (step === 0n) assert.ok(block.header.timestamp - l1.blocks.get(origin.number)!.timestamp <= drift, `block ${n} kept an origin older than the drift`)
    }
    previous = origin.number
  }
}

describe('L1OriginSelector', () => {
  test('adopts no L1 origin above the durable block (a crash of the embedded L1 could take it back)', async () => {
    const { l1, next, chain } = await setup()
    for (let n = 1n; n <= 6n; n++) l1.add(n, 100n + n * 2n)
    l1.durable = 0n
    // Block 1's origin is the registration block: not on disk yet, so no block at all.
    assert.equal(await next(200n), undefined)
    l1.durable = 3n
    const origins: bigint[] = []
    for (let i = 0; i < 6; i++) origins.push((await next(200n))!)
    // Invariant: never above the durable block, however far the tracker and the clock are.
    assert.deepEqual(origins, [1n, 2n, 3n, 3n, 3n, 3n])
    l1.durable = 5n
    for (let i = 0; i < 4; i++) origins.push((await next(200n))!)
    assert.deepEqual(origins.slice(6), [4n, 5n, 5n, 5n])
    checkOrigins(chain, l1, 120n)
  })

  test('pauses past the max sequencer drift when the L1 gives no newer origin, reported once, and resumes when it does', async () => {
    const { l1, next, lines, chain } = await setup({ maxSequencerDrift: 10n })
    l1.add(1n, 100n)
    assert.equal(await next(100n), 1n)
    assert.equal(await next(105n), 1n)
    assert.equal(await next(110n), 1n) // exactly the drift: still fine
    l1.up = false
    // Past the drift with no L1 block 2: no block, however often the sequencer asks.
    for (let t = 111n; t < 140n; t++) assert.equal(await next(t), undefined)
    const paused = lines.filter((l) => l.includes('block production paused'))
    assert.equal(paused.length, 1, 'the pause is reported once')
    assert.match(paused[0]!, /"level":50/)
    assert.match(paused[0]!, /"l1Reachable":false/)
    l1.up = true
    l1.add(2n, 130n)
    assert.equal(await next(140n), 2n)
    assert.equal(lines.filter((l) => l.includes('block production resumed')).length, 1)
    assert.equal(await next(140n), 2n)
    checkOrigins(chain, l1, 10n)
  })

  test('after a long downtime, catches up one L1 block per L2 block, past the drift', async () => {
    const { l1, next, chain, lines } = await setup({ maxSequencerDrift: 10n })
    for (let n = 1n; n <= 20n; n++) l1.add(n, 100n + n * 12n)
    const origins: bigint[] = []
    for (let i = 0; i < 25; i++) origins.push((await next(10_000n))!)
    assert.deepEqual(origins.slice(0, 20), Array.from({ length: 20 }, (_, i) => BigInt(i + 1)))
    // Caught up, and the newest origin is far older than the drift: production pauses.
    assert.deepEqual(origins.slice(20), [undefined, undefined, undefined, undefined, undefined])
    assert.equal(lines.filter((l) => l.includes('block production paused')).length, 1)
    checkOrigins(chain, l1, 10n)
  })

  test('the default drift is 120 s plus 12 s per confirmation', async () => {
    const { l1, next } = await setup({ confirmations: 2n })
    l1.add(1n, 100n)
    l1.add(2n, 112n)
    l1.add(3n, 124n)
    assert.equal(await next(124n), 1n)
    assert.equal(await next(100n + 144n), 1n) // 2 is not buried under 2 confirmations yet
    assert.equal(await next(100n + 145n), undefined)
  })
})
