/**
 * Results: the table printed to stdout, bench/results/latest.json, and the results
 * section of bench/README.md (between the results markers).
 */
import { cpus, totalmem } from 'node:os'
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import path from 'node:path'
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
}

export const START_MARKER = '<!-- results:start -->'
export const END_MARKER = '<!-- results:end -->'

export function buildReport(rows: Row[], config: RunConfig): Report {
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

/** A markdown table (it reads fine on a terminal too), plus one note per failed row. */
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
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)))
  const numeric = new Set([2, 3, 4, 5, 6, 7])
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (numeric.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join(' | ')} |`
  const sep = `|${widths.map((w, i) => (numeric.has(i) ? `${'-'.repeat(w + 1)}:` : '-'.repeat(w + 2))).join('|')}|`
  const notes = rows
    .filter((r) => r.error)
    .map((r) => `- ${r.target}, ${WORKLOAD_LABEL[r.workload]}: ${r.error!.split('\n')[0]}`)
  return [line(header), sep, ...body.map(line), ...(notes.length ? ['', ...notes] : [])].join('\n')
}

function machineLine(report: Report): string {
  const m = report.machine
  return (
    `${m.date.slice(0, 10)}, ${m.cpus} × ${m.cpuModel}, ${m.totalMemoryGB} GB RAM, Node ${m.node}, ${m.platform}; ` +
    `${report.config.count} txs per workload from ${report.config.senders} senders, ` +
    `${report.config.batchSize} txs per batch, ${report.config.lanes} batches in flight.`
  )
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
    formatTable(report),
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
