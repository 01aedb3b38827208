/**
 * Executors in worker threads vs in this thread, measured in process where it
 * is honest on a small machine: N pre-signed ETH transfers per chain are pooled on two
 * chains, then slots are built (`buildSlot`, every chain's block, then each committed)
 * until every transfer is included, with
 *  (a) both chains' executors in this thread (`PayloadBuilder` over each chain's pool), and
 *  (b) each chain's executor in a worker thread (`WorkerExecutor`).
 * Reports per setup the pooling time, the build phase's wall time, its slots, and how busy
 * this (the coordinator's) thread was during it (`performance.eventLoopUtilization`).
 * Run by hand: `npm run build --silent && node dist/bench/executorThreads.js [--txs N] [--rounds R] [--only inProcess|workers] [--profile PREFIX] [--parallel-commit]`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { performance } from 'node:perf_hooks'
import type { Chain } from '../src/execution/chain.js'
import { createChainCommon } from '../src/execution/genesis.js'
import { rollupGenesis } from '../src/execution/rollupGenesis.js'
import { admitRawTransactions, openChain, type OpenedChain } from '../src/executor/openChain.js'
import { MAX_SEND_BATCH } from '../src/executor/protocol.js'
import { WorkerExecutor } from '../src/executor/workerExecutor.js'
import { initCrypto } from '../src/primitives/crypto.js'
import { toData, type Hex } from '../src/primitives/hex.js'
import { silentLogger } from '../src/primitives/logger.js'
import type { ChainExecutor } from '../src/sequencer/chainExecutor.js'
import { PayloadBuilder } from '../src/sequencer/payloadBuilder.js'
import { buildSlot, STANDALONE_SLOT_RULES } from '../src/sequencer/slotBuilder.js'
import { signedTx } from '../test/helpers/memoryChains.js'

const IDS = [901n, 902n] as const
const SENDERS = 10
const NO_RELAYER: Hex = '0x0000000000000000000000000000000000000000'
const genesisOf = (id: bigint) => rollupGenesis({ chainId: Number(id), gasLimit: 30_000_000n, l1Portal: '0x0000000000000000000000000000000000000001', timestamp: 1_000n })

type Setup = 'inProcess' | 'workers'
interface Row {
  setup: Setup
  poolMs: number
  buildMs: number
  slots: number
  included: number
  /** Share of the build phase this thread was busy (0 … 1). */
  mainThreadBusy: number
  /** CPU seconds of the whole process (every thread) over the build phase ÷ its wall seconds: cores used. */
  cores: number
  tps: number
}

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`)
  return i >= 0 ? Number(process.argv[i + 1]) : fallback
}

/** Each chain's transfers, SENDERS senders round-robin (each sender's nonces in order). */
function presign(perChain: number): Map<bigint, Uint8Array[]> {
  const out = new Map<bigint, Uint8Array[]>()
  for (const id of IDS) {
    // Signing needs only the chain's id and rules, not a chain.
    const chain = { chainId: id, common: createChainCommon(genesisOf(id)) } as unknown as Chain
    out.set(id, Array.from({ length: perChain }, (_, i) => signedTx(chain, Math.floor(i / SENDERS), { to: '0x00000000000000000000000000000000000000aa', value: 1n, from: i % SENDERS }).raw))
  }
  return out
}

interface Running {
  executors: ChainExecutor[]
  pool(id: bigint, raws: Uint8Array[]): Promise<number>
  stop(): Promise<void>
}

async function inProcess(dirs: string[]): Promise<Running> {
  const opened: OpenedChain[] = []
  for (const [i, id] of IDS.entries()) opened.push(await openChain({ datadir: dirs[i]!, genesis: genesisOf(id), logger: silentLogger(), txpool: { maxPending: 1 << 16, maxPerSender: 1 << 16 } }))
  return {
    executors: opened.map((o) => new PayloadBuilder({ chainId: o.chain.chainId, chain: o.chain, pool: o.pool, relayer: NO_RELAYER, checkTx: () => () => undefined })),
    pool: async (id, raws) => {
      const o = opened[IDS.indexOf(id as 901n)]!
      let ok = 0
      for (let i = 0; i < raws.length; i += MAX_SEND_BATCH) ok += (await admitRawTransactions(o, raws.slice(i, i + MAX_SEND_BATCH))).filter((r) => r.status === 'fulfilled').length
      return ok
    },
    stop: async () => {
      for (const o of opened) await o.close()
    },
  }
}

async function inWorkers(dirs: string[]): Promise<Running> {
  const ws = await Promise.all(IDS.map((id, i) => WorkerExecutor.start({ datadir: dirs[i]!, genesis: genesisOf(id), relayer: NO_RELAYER, logger: silentLogger(), txpool: { maxPending: 1 << 16, maxPerSender: 1 << 16 } })))
  return {
    executors: ws.map((w) => w.executor),
    pool: async (id, raws) => {
      const w = ws[IDS.indexOf(id as 901n)]!
      let ok = 0
      for (let i = 0; i < raws.length; i += MAX_SEND_BATCH) ok += (await w.sendRawTransactions(raws.slice(i, i + MAX_SEND_BATCH))).filter((r) => 'hash' in r).length
      return ok
    },
    stop: async () => {
      await Promise.all(ws.map((w) => w.stop()))
    },
  }
}

async function run(setup: Setup, txs: Map<bigint, Uint8Array[]>): Promise<Row> {
  const dirs = IDS.map(() => mkdtempSync(path.join(tmpdir(), 'plexus-bench-exec-')))
  const running = setup === 'inProcess' ? await inProcess(dirs) : await inWorkers(dirs)
  try {
    const t0 = performance.now()
    const pooled = await Promise.all(IDS.map((id) => running.pool(id, txs.get(id)!)))
    const poolMs = performance.now() - t0
    const want = pooled.reduce((a, b) => a + b, 0)
    if (want !== IDS.length * txs.get(901n)!.length) throw new Error(`${setup}: only ${want} transactions pooled`)
    const profiler = profileTo ? new Session() : undefined
    if (profiler) {
      profiler.connect()
      await profiler.post('Profiler.enable')
      await profiler.post('Profiler.start')
    }
    const elu0 = performance.eventLoopUtilization()
    const cpu0 = process.cpuUsage()
    const t1 = performance.now()
    let included = 0
    let slot = 0n
    while (included < want) {
      slot++
      if (slot > 1000n) throw new Error(`${setup}: ${included} of ${want} included after 1000 slots`)
      const res = await buildSlot({ slot, timestamp: 1_000n + slot, chains: running.executors.map((executor) => ({ chainId: executor.chainId, executor, attrs: { coinbase: new Uint8Array(20) } })), bundles: [] }, STANDALONE_SLOT_RULES)
      for (const b of res.blocks) included += b.payload.block.transactions.length
      // Chain by chain, as the shared sequencer commits today; `--parallel-commit`: all at once (what a two-phase commit allows).
      const headOf = (e: ChainExecutor) => toData(res.blocks.find((b) => b.chainId === e.chainId)!.payload.block.hash())
      if (parallelCommit) await Promise.all(running.executors.map((e) => e.commitPayload(headOf(e))))
      else for (const e of running.executors) await e.commitPayload(headOf(e))
    }
    const buildMs = performance.now() - t1
    const elu = performance.eventLoopUtilization(elu0)
    const cpu = process.cpuUsage(cpu0)
    if (profiler) {
      const { profile } = await profiler.post('Profiler.stop')
      writeFileSync(`${profileTo}.${setup}.cpuprofile`, JSON.stringify(profile))
      profiler.disconnect()
    }
    return { setup, poolMs, buildMs, slots: Number(slot), included, mainThreadBusy: elu.utilization, cores: (cpu.user + cpu.system) / 1000 / buildMs, tps: included / (buildMs / 1000) }
  } finally {
    await running.stop()
    for (const d of dirs) rmSync(d, { recursive: true, force: true })
  }
}

await initCrypto()
const perChain = arg('txs', 4000)
const rounds = arg('rounds', 3)
const txs = presign(perChain)
console.log(`executor threads: ${perChain} ETH transfers per chain, chains ${IDS.join(', ')}, ${rounds} round(s)`)
const only = process.argv.includes('--only') ? (process.argv[process.argv.indexOf('--only') + 1] as Setup) : undefined
/** `--profile PREFIX`: this thread's CPU profile of each build phase, to PREFIX.<setup>.cpuprofile. */
const profileTo = process.argv.includes('--profile') ? process.argv[process.argv.indexOf('--profile') + 1] : undefined
const parallelCommit = process.argv.includes('--parallel-commit')
const rows: Row[] = []
for (let r = 0; r < rounds; r++) {
  // Alternate which setup goes first, so the machine's drift does not favour one.
  const order: Setup[] = r % 2 === 0 ? ['inProcess', 'workers'] : ['workers', 'inProcess']
  for (const setup of order.filter((s) => only === undefined || s === only)) {
    const row = await run(setup, txs)
    rows.push(row)
    console.log(`round ${r + 1} ${setup.padEnd(9)} pool ${row.poolMs.toFixed(0).padStart(6)} ms  build ${row.buildMs.toFixed(0).padStart(6)} ms  ${row.slots} slots  ${row.tps.toFixed(0).padStart(5)} tx/s  main thread busy ${(row.mainThreadBusy * 100).toFixed(0)}%  cores ${row.cores.toFixed(2)}`)
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
for (const setup of ['inProcess', 'workers'] as const) {
  const mine = rows.filter((r) => r.setup === setup)
  if (mine.length === 0) continue
  console.log(`median ${setup.padEnd(9)} build ${median(mine.map((r) => r.buildMs)).toFixed(0)} ms, ${median(mine.map((r) => r.tps)).toFixed(0)} tx/s, main thread busy ${(median(mine.map((r) => r.mainThreadBusy)) * 100).toFixed(0)}%, cores ${median(mine.map((r) => r.cores)).toFixed(2)}, pool ${median(mine.map((r) => r.poolMs)).toFixed(0)} ms`)
}
