/**
 * Results: the table printed to stdout, bench/results/latest.json, and the results
 * section of bench/README.md (between the results markers).
 */
import { cpus, totalmem } from 'node:os'
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { goalText, type InteropResult } from './interop.js'
import type { SettlementResult } from './settlement.js'
import type { StartupResult } from './startup.js'
import type { ScaleResult } from './scale.js'
import { LABEL as SCALING_LABEL, SCALING_SETUPS, type ScalingResult, type Spread } from './scaling.js'
import type { TargetKind } from './targets.js'
import { WORKLOAD_LABEL, type WorkloadKind } from './workload.js'

export type Row = {
  /** Plexus only: seconds the node spent per build phase and RPC method during the run. */
  nodeSeconds?: Record<string, number>
  target: string
  kind: TargetKind
  mode: string
  /** The anvil row Plexus is compared against. */
  baseline: boolean
  workload: WorkloadKind
  txs: number
  included: number
  tps: number | null
  p50Ms: number | null
  p99Ms: number | null
  maxMs: number | null
  /** Peak of VmRSS sampled every 200 ms. */
  peakRssMB: number | null
  /** The kernel's VmHWM at the end of the run, for cross-checking the sampled peak. */
  hwmRssMB: number | null
  blocks: number | null
  sendMs: number | null
  durationMs: number | null
  setupMs: number | null
  signMs: number | null
  sendErrors: number
  verify: { checked: number; failed: number; missing: number } | null
  /** Set when the row is incomplete: start failure, timeout, rejected txs, failed receipts. */
  error: string | null
}

export type RunConfig = {
  count: number
  senders: number
  batchSize: number
  lanes: number
  pollMs: number
}

export type Report = {
  machine: { cpus: number; cpuModel: string; totalMemoryGB: number; node: string; platform: string; date: string }
  config: RunConfig
  rows: Row[]
  /** Batch cost and deposit latency; null when the run left the settlement part out. */
  settlement: SettlementResult | null
  /** Message latency between two chains, and two chains' throughput against one; null when left out. */
  interop: InteropResult | null
  /** Plexus' start-up (fresh and restart) next to anvil's; null when left out. */
  startup: StartupResult | null
  /** 16 chains' start-up and 32 idle chains' slot punctuality; null when left out (absent in older results). */
  scale?: ScaleResult | null
  /** Two chains vs one and the network vs the standalone node, each a separate process loaded over JSON-RPC; null when left out. */
  scaling?: ScalingResult | null
}

export const START_MARKER = '<!-- results:start -->'
export const END_MARKER = '<!-- results:end -->'

export function buildReport(
  rows: Row[],
  config: RunConfig,
  settlement: SettlementResult | null,
  interop: InteropResult | null,
  startup: StartupResult | null,
  scale: ScaleResult | null = null,
  scaling: ScalingResult | null = null,
): Report {
  const cpu = cpus()
  return {
    machine: {
      cpus: cpu.length,
      cpuModel: cpu[0]?.model.trim() ?? 'unknown',
      totalMemoryGB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      date: new Date().toISOString(),
    },
    config,
    rows,
    settlement,
    interop,
    startup,
    scale,
    scaling,
  }
}

/** Plexus TPS divided by the baseline anvil TPS for the same workload. */
function ratio(row: Row, rows: Row[]): string {
  if (row.kind !== 'plexus' || row.tps === null || row.error) return '—'
  const base = rows.find((r) => r.kind === 'anvil' && r.baseline && r.workload === row.workload && !r.error)
  if (!base?.tps) return '—'
  return `${(row.tps / base.tps).toFixed(2)}×`
}

function num(value: number | null, digits = 0): string {
  return value === null || Number.isNaN(value) ? '—' : value.toFixed(digits)
}

/** A markdown table (it reads fine on a terminal too); numeric columns right-aligned. */
function markdownTable(header: string[], body: string[][], numeric: ReadonlySet<number>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)))
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (numeric.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`
  const sep = `|${widths.map((w, i) => (numeric.has(i) ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`
  return [line(header), sep, ...body.map(line)].join('\n')
}

/** The throughput table, plus one note per failed row. */
export function formatTable(report: Report): string {
  const { rows } = report
  const header = ['target', 'workload', 'txs', 'TPS', 'p50 ms', 'p99 ms', 'peak RSS MB', 'Plexus/anvil TPS']
  const body = rows.map((r) => [
    r.target,
    WORKLOAD_LABEL[r.workload],
    r.included === r.txs ? String(r.txs) : `${r.included}/${r.txs}`,
    r.error && r.tps === null ? 'failed' : num(r.tps),
    num(r.p50Ms),
    num(r.p99Ms),
    num(r.peakRssMB),
    ratio(r, rows),
  ])
  const notes = rows
    .filter((r) => r.error)
    .map((r) => `- ${r.target}, ${WORKLOAD_LABEL[r.workload]}: ${r.error!.split('\n')[0]}`)
  return [markdownTable(header, body, new Set([2, 3, 4, 5, 6, 7])), ...(notes.length ? ['', ...notes] : [])].join('\n')
}

/** The OP Stack's floor on a transaction's compressed size (Fjord `minTransactionSize`). */
const OP_REFERENCE = 'OP ~100 B/tx'

/** The settlement table: metric, Plexus, reference, notes; plus a note if a part failed. */
export function formatSettlementTable(s: SettlementResult): string {
  const body: string[][] = []
  for (const c of s.batchCosts) {
    const label = WORKLOAD_LABEL[c.workload]
    const others = c.otherTxs > 0 ? `; ${c.otherTxs} other txs in the same batches` : ''
    body.push([
      `L1 bytes per L2 tx, ${label}`,
      `${c.bytesPerTx.toFixed(1)} B`,
      OP_REFERENCE,
      `${c.txs} txs in ${c.batches} batch${c.batches === 1 ? '' : 'es'} (${c.l2Blocks} L2 blocks, ${c.emptyBlocks} empty, charged to the txs)${others}; ` +
        `${c.rawBytesPerTx.toFixed(0)} B signed, uncompressed; the L1 fee charges for ${c.feeEstimateBytesPerTx.toFixed(0)} B (Fjord estimate)`,
    ])
  }
  for (const c of s.batchCosts) {
    body.push([
      `L1 gas per L2 tx, ${WORKLOAD_LABEL[c.workload]}`,
      c.l1GasPerTx.toFixed(0),
      '—',
      `submitNetworkBatch gasUsed ÷ txs, ${c.calldataBytesPerTx.toFixed(1)} B of calldata per tx; ` +
        (c.calldataFloor ? 'each batch paid the EIP-7623 calldata floor (40 gas per non-zero byte)' : 'above the EIP-7623 calldata floor'),
    ])
  }
  if (s.idle && s.idle.batches > 0) {
    body.push([
      'L1 bytes per batch of empty blocks',
      `${(s.idle.bytes / s.idle.batches).toFixed(0)} B`,
      '—',
      `${s.idle.batches} batches with no transaction, ${(s.idle.l2Blocks / s.idle.batches).toFixed(1)} empty L2 blocks each: ` +
        'an idle chain still posts one per L1 block; not in the rows above',
    ])
  }
  const d = s.depositLatency
  if (d) {
    body.push([
      'Deposit latency, L1 blocks',
      `${d.l1Blocks.median} median, ${d.l1Blocks.max} max`,
      '—',
      `L1 head when the L2 block appeared − the deposit's L1 block; ${d.deposits} deposits, ${s.l1BlockTimeSeconds} s L1 blocks, ` +
        `${s.confirmations} confirmations; ${d.maxOriginLag === 0 ? "each L2 block's L1 origin is the deposit's L1 block" : `L1 origin up to ${d.maxOriginLag} blocks after the deposit's`}`,
    ])
    body.push([
      'Deposit latency, seconds',
      `${d.seconds.median.toFixed(2)} median, ${d.seconds.max.toFixed(2)} max`,
      '—',
      `deposit's L1 block first seen → its L2 block first seen; from the deposit call: ${d.fromSendSeconds.median.toFixed(2)} median, ${d.fromSendSeconds.max.toFixed(2)} max`,
    ])
  }
  const table = body.length ? markdownTable(['metric', 'Plexus', 'reference', 'notes'], body, new Set()) : ''
  const note = s.error ? `- settlement: ${s.error.split('\n')[0]}` : ''
  return [table, note].filter(Boolean).join('\n\n')
}

/** The interop tables: latency per direction with its goal, then throughput of one chain and of two at once. */
export function formatInteropTables(r: InteropResult): string {
  const parts: string[] = []
  if (r.latency.directions.length > 0) {
    const body = r.latency.directions.map((d) => [
      `${d.source}→${d.destination}`,
      String(d.messages),
      String(d.relayed),
      String(d.failed + d.pending),
      d.slots ? `${d.slots.p50} / ${d.slots.p99} / ${d.slots.max}` : '—',
      d.ms ? `${d.ms.p50.toFixed(0)} / ${d.ms.p99.toFixed(0)} / ${d.ms.max.toFixed(0)}` : '—',
      goalText(d),
    ])
    parts.push(
      markdownTable(['direction', 'messages', 'relayed', 'not relayed', 'slots p50 / p99 / max', 'ms p50 / p99 / max', 'goal check'], body, new Set([1, 2, 3, 4, 5])),
    )
  }
  const t = r.throughput
  const runs: [string, typeof t.oneChain][] = [['one chain', t.oneChain], ['two chains at once', t.twoChains]]
  const body: string[][] = []
  for (const [label, run] of runs) {
    if (!run) continue
    for (const c of run.chains) body.push([label, String(c.chainId), String(c.included), num(c.tps), num(c.p50Ms), num(c.p99Ms)])
    if (run.chains.length > 1) body.push([label, 'total', String(run.included), num(run.totalTps), '—', '—'])
  }
  if (body.length > 0) {
    parts.push(markdownTable(['network', 'chain', 'txs', 'TPS', 'p50 ms', 'p99 ms'], body, new Set([2, 3, 4, 5])))
    if (t.ratio !== null) parts.push(`Two chains at once / one chain alone, total TPS: ${t.ratio.toFixed(2)}×.`)
  }
  if (r.error) parts.push(`- interop: ${r.error.split('\n')[0]}`)
  return parts.join('\n\n')
}

function interopLine(r: InteropResult): string {
  const l = r.latency
  return (
    `rollups ${r.chainIds.join(' and ')} (${r.slotTimeMs} ms slots, one shared sequencer) and their L1 (embedded anvil, ${r.l1BlockTimeSeconds} s blocks) ` +
    `in the bench process. Latency: ${l.messagesPerDirection} messages each way from ${l.sendersPerDirection} senders per chain, ` +
    `1–${l.maxMessagesPerTx} per tx, sent at random moments over ${l.spreadSeconds} s; source block committed → destination block holding the relay committed. ` +
    `Throughput: ${r.throughput.txsPerChain} ETH transfers per chain from ${r.throughput.senders} senders; ${(r.durationMs / 1000).toFixed(0)} s in all.`
  )
}

function machineLine(report: Report): string {
  const m = report.machine
  return `${m.date.slice(0, 10)}, ${m.cpus} × ${m.cpuModel}, ${m.totalMemoryGB} GB RAM, Node ${m.node}, ${m.platform}.`
}

function settlementLine(s: SettlementResult): string {
  return (
    `rollup ${s.chainId} and its L1 (embedded anvil, ${s.l1BlockTimeSeconds} s blocks, ${s.confirmations} confirmations) ` +
    `in the bench process; ${s.txsPerWorkload} txs per workload from ${s.senders} senders, ${s.deposits} deposits; ` +
    `${(s.durationMs / 1000).toFixed(0)} s in all.`
  )
}

/** Start-up to "network is up" (Plexus, as a real process) and to a first answer (anvil). */
export function formatStartupTable(s: StartupResult): string {
  const sec = (ms: number) => (ms / 1000).toFixed(2)
  const runs = (t: { runsMs: number[] }) => t.runsMs.map(sec).join(', ')
  const phases = (p: Record<string, number> | null) => (p ? Object.entries(p).map(([k, v]) => `${k} ${v}`).join(', ') : '—')
  const body = [
    ['plexus up, fresh datadir', sec(s.plexusFresh.medianMs), runs(s.plexusFresh), `to "network is up"; phases (ms, median run): ${phases(s.phasesMs.fresh)}`],
    ['plexus up, restart', sec(s.plexusRestart.medianMs), runs(s.plexusRestart), `same datadir, after SIGINT; phases (ms): ${phases(s.phasesMs.restart)}`],
    ['anvil alone', sec(s.anvil.medianMs), runs(s.anvil), 'spawn → first answered eth_chainId'],
    ['supersim', s.supersimMs === null ? '—' : sec(s.supersimMs), '—', s.supersimNote],
  ]
  return markdownTable(['start', 'median s', 'runs s', 'notes'], body, new Set([1]))
}

export function formatScaleTable(s: ScaleResult): string {
  const body: string[][] = []
  if (s.startup16) {
    const phases = s.startup16.phasesMs ? Object.entries(s.startup16.phasesMs).map(([k, v]) => `${k} ${v}`).join(', ') : '—'
    body.push(['16 chains, plexus up to network is up', `${(s.startup16.medianMs / 1000).toFixed(2)} s`, `median of ${s.startup16.runsMs.length} (${s.startup16.runsMs.map((ms) => (ms / 1000).toFixed(2)).join(', ')} s), fresh datadir; phases (ms): ${phases}`])
  }
  if (s.idle32) {
    const i = s.idle32
    body.push([
      `${i.chains} idle chains, ${i.slotTimeMs} ms slots: share of slots on time`,
      `${(i.onTimeShare * 100).toFixed(1)}%`,
      `${i.onTime} of ${i.slots} slots in ${i.seconds} s; slots built ${(i.rateShare * 100).toFixed(1)}% of due; delay past scheduled start p50 ${i.lateMs.p50} ms, p99 ${i.lateMs.p99} ms, max ${i.lateMs.max} ms`,
    ])
  }
  if (s.error) body.push(['failed', '—', s.error])
  return markdownTable(['measure', 'value', 'notes'], body, new Set([1]))
}

/** Scaling: the two ratios the issue asks for, then each setup's total TPS, median and spread over the rounds. */
export function formatScalingTable(s: ScalingResult): string {
  const ratio = (x: Spread | null) => (x ? `${x.median.toFixed(2)}×` : '—')
  const runs = (x: Spread | null, digits: number, unit: string) => (x ? `${x.values.map((v) => v.toFixed(digits) + unit).join(', ')} (${x.min.toFixed(digits)}–${x.max.toFixed(digits)})` : '—')
  const tps = (setup: (typeof SCALING_SETUPS)[number]) => (s.tps[setup] ? `${s.tps[setup]!.median.toFixed(0)} TPS` : '—')
  const cores = (setup: (typeof SCALING_SETUPS)[number]) => {
    const values = s.rounds.flatMap((r) => (r[setup]?.cores != null ? [r[setup].cores] : []))
    const machine = s.rounds.flatMap((r) => (r[setup]?.machineCores != null ? [`${r[setup].machineCores.toFixed(2)}/${r[setup].machineCoreCount}`] : []))
    const loader = s.rounds.flatMap((r) => (r[setup]?.loaderCores != null ? [r[setup].loaderCores.toFixed(2)] : []))
    return (
      (values.length ? `; node process used ${values.map((v) => v.toFixed(2)).join(', ')} cores` : '') +
      (loader.length ? `, the loader ${loader.join(', ')}` : '') +
      (machine.length ? `, the whole machine ${machine.join(', ')}` : '')
    )
  }
  const body = [
    ['two chains vs one, total tx/s', ratio(s.twoVsOne), runs(s.twoVsOne, 2, '×'), `two chains ${tps('twoChains')} vs one ${tps('oneChain')} (medians)`],
    ['one chain in the network vs the standalone node', ratio(s.networkVsStandalone), runs(s.networkVsStandalone, 2, '×'), `network ${tps('oneChain')} vs standalone ${tps('standalone')} (medians)`],
    ['two chains vs one, executors: thread', ratio(s.twoVsOneThread ?? null), runs(s.twoVsOneThread ?? null, 2, '×'), `two chains ${tps('twoChainsThread')} vs one ${tps('oneChainThread')} (medians)`],
    ['two chains, executors: thread vs inline', ratio(s.threadVsInline ?? null), runs(s.threadVsInline ?? null, 2, '×'), `thread ${tps('twoChainsThread')} vs inline ${tps('twoChains')} (medians)`],
    ...SCALING_SETUPS.map((setup) => [`${SCALING_LABEL[setup]}, total tx/s`, s.tps[setup] ? s.tps[setup].median.toFixed(0) : '—', runs(s.tps[setup], 0, ''), `${setup.startsWith('two') ? `${s.txsPerChain} txs on each chain` : `${s.txsPerChain} txs`}${cores(setup)}`]),
  ]
  const parts = [markdownTable(['measure', 'median', 'rounds (min–max)', 'notes'], body, new Set([1]))]
  if (s.error) parts.push(`- scaling: ${s.error.split('\n')[0]}`)
  return parts.join('\n\n')
}

/** Everything the run measured: the throughput table and the settlement table, each under its settings. */
export function formatResults(report: Report): string {
  const { config, rows, settlement, interop } = report
  const parts: string[] = []
  if (rows.length > 0) {
    parts.push(
      `Throughput: ${config.count} txs per workload from ${config.senders} senders, ${config.batchSize} txs per batch, ${config.lanes} batches in flight.`,
      formatTable(report),
    )
  }
  if (settlement) parts.push(`Settlement: ${settlementLine(settlement)}`, formatSettlementTable(settlement))
  if (interop) parts.push(`Interop: ${interopLine(interop)}`, formatInteropTables(interop))
  if (report.startup) parts.push(`Start-up: ${report.startup.plexusFresh.runsMs.length} runs of each, on the same machine in the same run.`, formatStartupTable(report.startup))
  if (report.scale) parts.push('Many chains (see "Many chains" above for what "on time" means):', formatScaleTable(report.scale))
  if (report.scaling) {
    const s = report.scaling
    parts.push(
      `Scaling: each setup a separate process, loaded from the bench process over JSON-RPC with ${s.txsPerChain} pre-signed ETH transfers per chain from ${s.senders} senders; ` +
        `${s.rounds.length} rounds, ${(s.durationMs / 1000).toFixed(0)} s in all. The load generator runs on the same ${report.machine.cpus} cores, which other work may share (see "Scaling" above).`,
      formatScalingTable(s),
    )
  }
  return parts.join('\n\n')
}

function writeAtomic(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true })
  const tmp = `${file}.tmp`
  writeFileSync(tmp, text)
  renameSync(tmp, file)
}

export function writeJson(file: string, report: Report): void {
  writeAtomic(file, `${JSON.stringify(report, null, 2)}\n`)
}

/** Replaces the text between the results markers of the README (appends them if absent). */
export function updateReadme(file: string, report: Report): void {
  const section = [
    START_MARKER,
    '',
    `Latest run: ${machineLine(report)}`,
    '',
    formatResults(report),
    '',
    END_MARKER,
  ].join('\n')
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmark\n'
  const start = current.indexOf(START_MARKER)
  const end = current.indexOf(END_MARKER)
  const next =
    start >= 0 && end > start
      ? current.slice(0, start) + section + current.slice(end + END_MARKER.length)
      : `${current.trimEnd()}\n\n## Results\n\n${section}\n`
  writeAtomic(file, next)
}
