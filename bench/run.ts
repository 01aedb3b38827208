/**
 * `npm run bench`: the same pre-signed workloads (ETH transfers, ERC-20 transfers)
 * against anvil (automine and interval mining) and Plexus, each in a fresh process;
 * then Plexus' settlement on L1 (batch bytes and gas per transaction, deposit latency)
 * and interop (cross-chain message latency both ways, two chains' throughput against
 * one), on networks started in this process.
 *
 *   node dist/bench/run.js [--only anvil|plexus|settlement|interop|startup|scale|scaling] [--count N] [--workload eth|erc20]
 *                          [--senders S] [--settlement-txs N] [--interop-txs N] [--interop-messages N]
 *                          [--startup-runs N] [--scale-seconds N] [--scaling-txs N] [--scaling-rounds N]
 *
 * Prints the tables, writes bench/results/latest.json and the results section of
 * bench/README.md. A target or part that fails to start or to finish is reported as
 * failed and the run continues; a cross-chain message left unrelayed also makes the
 * run exit with status 1, after the results are written.
 */
import { diffTimings, readTimings } from './nodeTimings.js'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { measure, type MeasureOptions } from './measure.js'
import { buildReport, formatResults, updateReadme, writeJson, type Report, type Row, type RunConfig } from './report.js'
import { runInterop, stopInterop, type InteropResult } from './interop.js'
import { runSettlement, stopSettlement, type SettlementResult } from './settlement.js'
import { runStartup, type StartupResult } from './startup.js'
import { runScale, stopScale, type ScaleResult } from './scale.js'
import { runScaling, type ScalingResult } from './scaling.js'
import { anvilTarget, killAllChildren, plexusTarget, RunningTarget, StartError, type TargetSpec } from './targets.js'
import { prepareWorkload, WORKLOAD_LABEL, WORKLOADS, type WorkloadKind } from './workload.js'

const USAGE =
  'usage: node dist/bench/run.js [--only anvil|plexus|settlement|interop|startup|scale|scaling] [--count N] [--workload eth|erc20] [--senders S]\n' +
  '                              [--settlement-txs N] [--interop-txs N] [--interop-messages N] [--startup-runs N] [--scale-seconds N]\n' +
  '                              [--scaling-txs N] [--scaling-rounds N]'
const ONLY = ['anvil', 'plexus', 'settlement', 'interop', 'startup', 'scale', 'scaling'] as const
type Only = (typeof ONLY)[number]

const BATCH_SIZE = 100
const LANES = 8
const POLL_MS = 20
/** Plexus' default block time; anvil's interval row uses the same. */
const BLOCK_TIME_SECONDS = 0.25
/** ETH deposits whose latency the settlement part measures. */
const DEPOSITS = 10

const resultsFile = fileURLToPath(new URL('../../bench/results/latest.json', import.meta.url))
const readmeFile = fileURLToPath(new URL('../../bench/README.md', import.meta.url))

type Args = {
  only: Only | undefined
  count: number
  senders: number
  settlementTxs: number
  interopTxs: number
  interopMessages: number
  startupRuns: number
  scaleSeconds: number
  scalingTxs: number
  scalingRounds: number
  workloads: WorkloadKind[]
}

function parse(argv: string[]): Args {
  const { values } = parseArgs({
    args: argv,
    options: {
      only: { type: 'string' },
      count: { type: 'string' },
      senders: { type: 'string' },
      workload: { type: 'string' },
      'settlement-txs': { type: 'string' },
      'interop-txs': { type: 'string' },
      'interop-messages': { type: 'string' },
      'startup-runs': { type: 'string' },
      'scale-seconds': { type: 'string' },
      'scaling-txs': { type: 'string' },
      'scaling-rounds': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  })
  if (values.help) {
    console.log(USAGE)
    process.exit(0)
  }
  const only = values.only
  if (only !== undefined && !(ONLY as readonly string[]).includes(only)) throw new Error(`--only must be one of ${ONLY.join(', ')}\n${USAGE}`)
  const count = Number(values.count ?? 10_000)
  const senders = Number(values.senders ?? 200)
  const settlementTxs = Number(values['settlement-txs'] ?? 500)
  if (!Number.isInteger(count) || count < 1) throw new Error(`--count must be a positive integer\n${USAGE}`)
  if (!Number.isInteger(senders) || senders < 1) throw new Error(`--senders must be a positive integer\n${USAGE}`)
  if (!Number.isInteger(settlementTxs) || settlementTxs < 1) throw new Error(`--settlement-txs must be a positive integer\n${USAGE}`)
  const interopTxs = Number(values['interop-txs'] ?? 4_000)
  const interopMessages = Number(values['interop-messages'] ?? 200)
  if (!Number.isInteger(interopTxs) || interopTxs < 1) throw new Error(`--interop-txs must be a positive integer\n${USAGE}`)
  if (!Number.isInteger(interopMessages) || interopMessages < 1) throw new Error(`--interop-messages must be a positive integer\n${USAGE}`)
  const startupRuns = Number(values['startup-runs'] ?? 3)
  if (!Number.isInteger(startupRuns) || startupRuns < 1) throw new Error(`--startup-runs must be a positive integer\n${USAGE}`)
  const scaleSeconds = Number(values['scale-seconds'] ?? 60)
  if (!Number.isInteger(scaleSeconds) || scaleSeconds < 5) throw new Error(`--scale-seconds must be an integer of at least 5\n${USAGE}`)
  const scalingTxs = Number(values['scaling-txs'] ?? 4_000)
  if (!Number.isInteger(scalingTxs) || scalingTxs < 1) throw new Error(`--scaling-txs must be a positive integer\n${USAGE}`)
  const scalingRounds = Number(values['scaling-rounds'] ?? 3)
  if (!Number.isInteger(scalingRounds) || scalingRounds < 1) throw new Error(`--scaling-rounds must be a positive integer\n${USAGE}`)
  const workload = values.workload
  if (workload !== undefined && !(WORKLOADS as readonly string[]).includes(workload)) {
    throw new Error(`--workload must be one of ${WORKLOADS.join(', ')}\n${USAGE}`)
  }
  return {
    only: only as Only | undefined,
    count,
    senders,
    settlementTxs,
    interopTxs,
    interopMessages,
    startupRuns,
    scaleSeconds,
    scalingTxs,
    scalingRounds,
    workloads: workload ? [workload as WorkloadKind] : [...WORKLOADS],
  }
}

/** The recorded results, if any (a partial run keeps what it did not measure). */
function readPrevious(file: string): Report | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as Report
  } catch {
    return undefined
  }
}

function emptyRow(spec: TargetSpec, workload: WorkloadKind, txs: number, error: string): Row {
  return {
    target: spec.label,
    kind: spec.kind,
    mode: spec.mode,
    baseline: spec.baseline,
    workload,
    txs,
    included: 0,
    tps: null,
    p50Ms: null,
    p99Ms: null,
    maxMs: null,
    peakRssMB: null,
    hwmRssMB: null,
    blocks: null,
    sendMs: null,
    durationMs: null,
    setupMs: null,
    signMs: null,
    sendErrors: 0,
    verify: null,
    error,
  }
}

/** One target × workload in a fresh process. Never throws: failures become the row's error. */
async function runOne(spec: TargetSpec, workload: WorkloadKind, args: Args, measureOpts: MeasureOptions): Promise<Row> {
  const log = (line: string) => console.log(line)
  log(`${spec.label} — ${WORKLOAD_LABEL[workload]} × ${args.count}`)
  let target: RunningTarget
  try {
    target = await RunningTarget.start(spec)
  } catch (err) {
    const message = (err as Error).message
    log(`  ${message}${err instanceof StartError ? err.output : ''}`)
    return emptyRow(spec, workload, args.count, message)
  }
  const row = emptyRow(spec, workload, args.count, '')
  try {
    const prepared = await prepareWorkload(target.rpc, { kind: workload, count: args.count, senders: args.senders, lanes: LANES, log })
    row.setupMs = Math.round(prepared.setupMs)
    row.signMs = Math.round(prepared.signMs)
    const before = spec.kind === 'plexus' ? await readTimings(target.rpc.url) : undefined
    const m = await measure(target.rpc, prepared, measureOpts)
    const after = before ? await readTimings(target.rpc.url) : undefined
    if (before && after) {
      const spent = diffTimings(before, after)
      row.nodeSeconds = Object.fromEntries(spent.map(([k, v]) => [k, Math.round(v * 1000) / 1000]))
      log(`  node time over the run (s): ${spent.map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}`)
    }
    const problems: string[] = []
    if (m.sendErrors > 0) problems.push(`${m.sendErrors} txs not accepted (first error: ${m.firstSendError})`)
    if (m.timedOut) problems.push(m.timedOut)
    if (m.verify.failed > 0 || m.verify.missing > 0) {
      problems.push(`receipt check: ${m.verify.failed} failed, ${m.verify.missing} missing of ${m.verify.checked} sampled`)
    }
    const round1 = (x: number) => (Number.isFinite(x) ? Math.round(x * 10) / 10 : null)
    Object.assign(row, {
      included: m.included,
      tps: round1(m.tps),
      p50Ms: round1(m.p50Ms),
      p99Ms: round1(m.p99Ms),
      maxMs: round1(m.maxMs),
      blocks: m.blocks,
      sendMs: Math.round(m.sendMs),
      durationMs: Math.round(m.durationMs),
      sendErrors: m.sendErrors,
      verify: m.verify,
      error: problems.length ? problems.join('; ') : null,
    })
    log(
      `  ${m.included}/${m.count} included in ${m.blocks} blocks, ${(m.durationMs / 1000).toFixed(2)}s ` +
        `(sent in ${(m.sendMs / 1000).toFixed(2)}s): ${m.tps.toFixed(0)} TPS, p50 ${m.p50Ms.toFixed(0)} ms, ` +
        `p99 ${m.p99Ms.toFixed(0)} ms; receipts ok ${m.verify.checked - m.verify.failed - m.verify.missing}/${m.verify.checked}`,
    )
    for (const p of problems) log(`  problem: ${p}`)
  } catch (err) {
    row.error = (err as Error).message
    log(`  failed: ${row.error}`)
  } finally {
    const hwm = target.rss.highWaterKb()
    await target.stop()
    row.peakRssMB = target.rss.peakKb > 0 ? Math.round(target.rss.peakKb / 1024) : null
    row.hwmRssMB = hwm !== undefined ? Math.round(hwm / 1024) : null
  }
  return row
}

async function main(): Promise<void> {
  const args = parse(process.argv.slice(2))
  // The fair pair first (anvil with 250 ms blocks, then Plexus), automine last: at 10,000
  // txs automine anvil grows to several GB and fails by design, and the memory it leaves
  // for the OS to reclaim should not weigh on the rows being compared.
  // Settlement and interop run last, in this process, so their networks never share the
  // machine with a throughput target.
  const runs = (part: Only) => args.only === undefined || args.only === part
  const targets: TargetSpec[] = []
  if (runs('anvil')) targets.push(anvilTarget(BLOCK_TIME_SECONDS, true))
  if (runs('plexus')) targets.push(plexusTarget())
  if (runs('anvil')) targets.push(anvilTarget(undefined, false))

  const measureOptions = (count: number): MeasureOptions => ({
    batchSize: BATCH_SIZE,
    pollMs: POLL_MS,
    inclusionTimeoutMs: Math.max(60_000, count * 10),
    sampleEvery: 100,
  })
  const rows: Row[] = []
  for (const spec of targets) {
    for (const workload of args.workloads) rows.push(await runOne(spec, workload, args, measureOptions(args.count)))
  }
  let settlement: SettlementResult | null = null
  if (runs('settlement')) {
    settlement = await runSettlement({
      workloads: args.workloads,
      txs: args.settlementTxs,
      senders: args.senders,
      lanes: LANES,
      deposits: DEPOSITS,
      measure: measureOptions(args.settlementTxs),
      log: (line) => console.log(line),
    })
  }

  let interop: InteropResult | null = null
  if (runs('interop')) {
    interop = await runInterop({
      messages: args.interopMessages,
      txs: args.interopTxs,
      senders: args.senders,
      lanes: LANES,
      measure: measureOptions(args.interopTxs * 2),
      log: (line) => console.log(line),
    })
  }

  let startup: StartupResult | null = null
  if (runs('startup')) {
    console.log('start-up: plexus up (fresh, restart) and anvil, as real processes')
    startup = await runStartup({ runs: args.startupRuns, log: (line) => console.log(line) }).catch((err: unknown) => {
      console.log(`  failed: ${(err as Error).message}`)
      return null
    })
  }

  let scale: ScaleResult | null = null
  if (runs('scale')) {
    console.log(`scale: plexus up with 16 chains (${args.startupRuns} runs), then 32 idle chains for ${args.scaleSeconds} s`)
    scale = await runScale({ runs: args.startupRuns, seconds: args.scaleSeconds, log: (line) => console.log(line) })
  }

  let scaling: ScalingResult | null = null
  if (runs('scaling')) {
    console.log(`scaling: plexus node, plexus up with one chain and with two, as real processes loaded over JSON-RPC (${args.scalingRounds} rounds)`)
    scaling = await runScaling({
      rounds: args.scalingRounds,
      txs: args.scalingTxs,
      senders: args.senders,
      lanes: LANES,
      measure: measureOptions(args.scalingTxs * 2),
      log: (line) => console.log(line),
    })
  }

  // A run of one part keeps the other parts' recorded numbers (the README shows them all).
  const previous = args.only ? readPrevious(resultsFile) : undefined
  const config: RunConfig = previous && rows.length === 0 ? previous.config : { count: args.count, senders: Math.min(args.senders, args.count), batchSize: BATCH_SIZE, lanes: LANES, pollMs: POLL_MS }
  const report = buildReport(
    rows.length > 0 || !previous ? rows : previous.rows,
    config,
    runs('settlement') || !previous ? settlement : previous.settlement,
    runs('interop') || !previous ? interop : previous.interop,
    runs('startup') || !previous ? startup : (previous.startup ?? null),
    runs('scale') || !previous ? scale : (previous.scale ?? null),
    runs('scaling') || !previous ? scaling : (previous.scaling ?? null),
  )
  console.log(`\n${formatResults(report)}\n`)
  writeJson(resultsFile, report)
  updateReadme(readmeFile, report)
  console.log('wrote bench/results/latest.json and the results section of bench/README.md')

  const unrelayed = interop?.latency.directions.filter((d) => d.relayed < d.messages) ?? []
  if (unrelayed.length > 0) {
    console.error(
      `\nbench: FAILED: cross-chain messages not relayed: ` +
        unrelayed.map((d) => `${d.source}→${d.destination} ${d.messages - d.relayed} of ${d.messages} (${d.failed} failed, ${d.pending} waiting)`).join(', '),
    )
    process.exitCode = 1
  } else if (interop && interop.latency.directions.length === 0) {
    console.error(`\nbench: FAILED: the interop message latency did not complete: ${interop.error ?? 'unknown error'}`)
    process.exitCode = 1
  }
}

process.on('exit', killAllChildren)
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    console.error(`\nbench: ${signal}, stopping spawned processes`)
    killAllChildren()
    void Promise.all([stopSettlement(), stopInterop(), stopScale()])
      .catch(() => undefined)
      .finally(() => process.exit(signal === 'SIGINT' ? 130 : 143))
  })
}

main().catch((err: unknown) => {
  console.error(`bench: ${(err as Error).message ?? String(err)}`)
  killAllChildren()
  process.exit(1)
})
