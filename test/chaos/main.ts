#!/usr/bin/env node
/**
 * `npm run chaos`: the full fault suite (100 kill -9 trials, L1 kills, commit exceptions,
 * 10,000 hostile requests, a 5,000-transfer burst) against the default network run as a
 * real process, with the invariants checked after every fault. Prints the seed first and
 * the tables last, and writes test/chaos/RESULTS.md and RESULTS.json.
 *
 *   npm run chaos -- [--seed N] [--short] [--kills N] [--out DIR] [--keep] [--log-level L] [--executors inline|thread]
 *
 * Exit code 0 when every invariant held, 1 when one failed, 2 on bad arguments.
 */
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { fullOptions, shortOptions, type SuiteOptions } from './options.js'
import { renderSummary, writeResults } from './report.js'
import { randomSeed } from './rng.js'
import { killRuns, runSuite } from './suite.js'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..')

function parse(argv: string[]): { options: SuiteOptions; out: string } {
  const flags = new Map<string, string | true>()
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!
    if (!a.startsWith('--')) throw new Error(`unexpected argument "${a}"`)
    const next = argv[i + 1]
    if (next !== undefined && !next.startsWith('--')) {
      flags.set(a, next)
      i++
    } else flags.set(a, true)
  }
  const known = ['--seed', '--short', '--kills', '--out', '--keep', '--log-level', '--executors']
  for (const k of flags.keys()) if (!known.includes(k)) throw new Error(`unknown option ${k} (known: ${known.join(', ')})`)
  const int = (k: string): number | undefined => {
    const v = flags.get(k)
    if (v === undefined) return undefined
    if (v === true || !/^\d+$/.test(v)) throw new Error(`${k} needs a non-negative integer`)
    return Number(v)
  }
  const seed = int('--seed') ?? randomSeed()
  if (seed >= 2 ** 32) throw new Error('--seed must be below 2^32')
  const options = flags.has('--short') ? shortOptions(seed) : fullOptions(seed)
  options.kills = int('--kills') ?? options.kills
  options.keep = flags.has('--keep')
  const executors = flags.get('--executors')
  if (executors !== undefined) {
    if (executors !== 'inline' && executors !== 'thread') throw new Error('--executors must be inline or thread')
    options.executors = executors
  }
  const level = flags.get('--log-level')
  if (typeof level === 'string') options.logLevel = level
  const out = typeof flags.get('--out') === 'string' ? path.resolve(flags.get('--out') as string) : path.join(root, 'test', 'chaos')
  return { options, out }
}

let parsed: ReturnType<typeof parse>
try {
  parsed = parse(process.argv.slice(2))
} catch (err) {
  console.error(`chaos: ${(err as Error).message}`)
  process.exit(2)
}
const { options, out } = parsed
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.once(sig, () => {
    console.error(`\nchaos: ${sig}: stopping every process of the run (seed ${options.seed})`)
    killRuns()
    process.exit(130)
  })
}
console.log(`chaos: seed ${options.seed} (replay with: npm run chaos -- --seed ${options.seed}${options.mode === 'short' ? ' --short' : ''})`)
const t0 = performance.now()
const result = await runSuite(options, (line) => console.log(`chaos ${String(Math.round((performance.now() - t0) / 1000)).padStart(5)}s: ${line}`))
const base = options.mode === 'full' ? 'RESULTS' : 'RESULTS-short'
mkdirSync(out, { recursive: true })
writeResults(result, path.join(out, `${base}.md`), path.join(out, `${base}.json`))
console.log(renderSummary(result))
console.log(`chaos: results written to ${path.join(out, `${base}.md`)} and ${base}.json`)
process.exit(result.violations.length === 0 && !result.aborted ? 0 : 1)
