import { writeFileSync } from 'node:fs'
import type { Violation } from './context.js'
import type { FaultHook } from './networkProcess.js'
import type { SuiteOptions } from './options.js'

/** One fault and the checks after it. */
export interface TrialRecord {
  trial: number
  fault: string
  status: 'injected' | 'unavailable' | 'not run'
  /** How long the load ran before the fault. */
  loadMs: number
  note?: string
  measured: Record<string, number>
  checks: { invariant: string; ok: boolean; checked: string; ms: number }[]
  violations: number
}

export interface SuiteResult {
  seed: number
  mode: SuiteOptions['mode']
  replay: string
  startedAt: string
  durationMs: number
  commit: string
  options: SuiteOptions
  hook: FaultHook
  /** Every invariant with its promise (the ones faults check themselves included). */
  promises: { name: string; promise: string }[]
  trials: TrialRecord[]
  violations: Violation[]
  measured: Record<string, number | string>
  /** Why the run stopped early, if it did. */
  aborted?: string
}

const fmtMs = (ms: number | undefined) => (ms === undefined ? '–' : ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms)} ms`)

function stats(xs: number[]): string {
  if (xs.length === 0) return '–'
  const s = [...xs].sort((a, b) => a - b)
  return `${fmtMs(s[0])} / ${fmtMs(s[Math.floor(s.length / 2)])} / ${fmtMs(s.at(-1))}`
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ')

/** The faults table: per fault, how often it ran, failed trials, recovery times. */
export function faultTable(r: SuiteResult): string[] {
  const lines = [
    '| fault | trials | injected | unavailable | trials with failures | recovery min / median / max | restart min / median / max | stop min / median / max |',
    '|---|---:|---:|---:|---:|---|---|---|',
  ]
  const byFault = new Map<string, TrialRecord[]>()
  for (const t of r.trials) byFault.set(t.fault, [...(byFault.get(t.fault) ?? []), t])
  for (const [fault, ts] of byFault) {
    const injected = ts.filter((t) => t.status === 'injected')
    const m = (k: string) => injected.map((t) => t.measured[k]).filter((x): x is number => x !== undefined)
    lines.push(
      `| ${cell(fault)} | ${ts.length} | ${injected.length} | ${ts.filter((t) => t.status === 'unavailable').length} | ${injected.filter((t) => t.violations > 0).length} | ${stats(m('recoveryMs'))} | ${stats(m('restartMs'))} | ${stats(m('stopMs'))} |`,
    )
  }
  return lines
}

/** The invariants table: how often each was checked and failed, and the first failure. */
export function invariantTable(r: SuiteResult): string[] {
  const lines = ['| invariant | promise | checks | failed checks | failures | first failure |', '|---|---|---:|---:|---:|---|']
  for (const p of r.promises) {
    const checks = r.trials.flatMap((t) => t.checks.filter((c) => c.invariant === p.name))
    const vs = r.violations.filter((v) => v.invariant === p.name)
    const failedChecks = new Set(vs.map((v) => v.trial)).size
    const first = vs[0]
    lines.push(
      `| ${cell(p.name)} | ${cell(p.promise)} | ${checks.length} | ${failedChecks} | ${vs.length} | ${first ? cell(`trial ${first.trial} (${first.fault}): ${first.detail.slice(0, 160)}`) : '–'} |`,
    )
  }
  return lines
}

/** Failures grouped by invariant, then by their shape (numbers and hashes blanked), with examples and evidence. */
export function failureDetails(r: SuiteResult, examplesPerShape = 2): string[] {
  const lines: string[] = []
  for (const p of r.promises) {
    const vs = r.violations.filter((v) => v.invariant === p.name)
    if (vs.length === 0) continue
    lines.push('', `### ${p.name}: ${vs.length} failure(s)`, '', `Promise: ${p.promise}.`, '')
    const shapes = new Map<string, Violation[]>()
    for (const v of vs) {
      const shape = v.detail.replace(/0x[0-9a-fA-F]+/g, '0x…').replace(/\d+/g, 'N')
      shapes.set(shape, [...(shapes.get(shape) ?? []), v])
    }
    for (const [, list] of shapes) {
      const faults = [...new Set(list.map((v) => v.fault))].join(', ')
      lines.push(`- ${list.length}× after ${faults} (trials ${[...new Set(list.map((v) => v.trial))].slice(0, 12).join(', ')}${list.length > 12 ? ', …' : ''}):`)
      for (const v of list.slice(0, examplesPerShape)) {
        lines.push(`  - trial ${v.trial} (${v.fault}): ${v.detail}`)
        for (const e of v.evidence ?? []) lines.push(`    - \`${e.replace(/`/g, "'").slice(0, 400)}\``)
      }
    }
  }
  return lines
}

export function renderMarkdown(r: SuiteResult): string {
  const failedTrials = r.trials.filter((t) => t.violations > 0).length
  const lines = [
    `# Fault suite results (${r.mode} run)`,
    '',
    `Seed **${r.seed}** · ${r.startedAt} · ${fmtMs(r.durationMs)} · commit ${r.commit} · replay: \`${r.replay}\``,
    '',
    `${r.trials.length} trials, ${r.trials.filter((t) => t.status === 'injected').length} faults injected, ${failedTrials} trials with failures, ${r.violations.length} failures in all.` +
      ` Fault-injection hook: ${r.hook.available ? 'available' : `**not available** (${r.hook.why})`}.`,
    ...(r.aborted ? ['', `**The run stopped early:** ${r.aborted}`] : []),
    '',
    '## Faults',
    '',
    ...faultTable(r),
    '',
    '## Invariants',
    '',
    ...invariantTable(r),
    '',
    '## Failures',
    ...(r.violations.length === 0 ? ['', 'None.'] : failureDetails(r)),
    '',
    '## Measurements',
    '',
    ...Object.entries(r.measured).map(([k, v]) => `- ${k}: ${typeof v === 'number' ? v.toLocaleString('en-US') : v}`),
    // faults that ran once (the burst, the hostile requests): their own numbers
    ...r.trials
      .filter((t) => t.status === 'injected' && r.trials.filter((x) => x.fault === t.fault).length === 1 && Object.keys(t.measured).length > 0)
      .map((t) => `- ${t.fault} (trial ${t.trial}): ${Object.entries(t.measured).map(([k, v]) => `${k} ${v.toLocaleString('en-US')}`).join(', ')}`),
    '',
    '## Trials',
    '',
    '| # | fault | load | result | recovery | failures | note |',
    '|---:|---|---:|---|---:|---:|---|',
    ...r.trials.map(
      (t) => `| ${t.trial} | ${cell(t.fault)} | ${fmtMs(t.loadMs)} | ${t.status} | ${fmtMs(t.measured.recoveryMs)} | ${t.violations} | ${cell(t.note ?? '')} |`,
    ),
    '',
  ]
  return lines.join('\n')
}

/** The summary printed at the end of a run (the two tables and the failures, briefly). */
export function renderSummary(r: SuiteResult): string {
  return [
    '',
    `seed ${r.seed} (${r.mode}): ${r.trials.length} trials, ${r.violations.length} failures — replay with: ${r.replay}`,
    ...(r.aborted ? [`stopped early: ${r.aborted}`] : []),
    '',
    ...faultTable(r),
    '',
    ...invariantTable(r),
    ...failureDetails(r, 1),
    '',
  ].join('\n')
}

/**
 * The result as JSON: compact, one trial and one violation per line (the file is kept in
 * the repo, so it stays small and its diffs readable).
 */
export function resultJson(r: SuiteResult): string {
  const one = (v: unknown) => JSON.stringify(v, (_, x) => (typeof x === 'bigint' ? x.toString() : x))
  const { trials, violations, ...head } = r
  const list = (xs: unknown[]) => (xs.length === 0 ? '[]' : `[\n${xs.map(one).join(',\n')}\n]`)
  return `${one(head).slice(0, -1)},\n"trials":${list(trials)},\n"violations":${list(violations)}\n}\n`
}

export function writeResults(r: SuiteResult, markdownFile: string, jsonFile: string): void {
  writeFileSync(markdownFile, renderMarkdown(r))
  writeFileSync(jsonFile, resultJson(r))
}
