#!/usr/bin/env node
// Runs every compiled *.test.js under dist/ with node's test runner, one file at a
// time (tests start real servers and anvil; 2 cores do not gain from interleaving).
// Usage: node scripts/test.mjs [filter...]  (filters match against the file path)
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const filters = process.argv.slice(2)

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name)
    if (statSync(p).isDirectory()) walk(p, out)
    else if (name.endsWith('.test.js')) out.push(p)
  }
  return out
}

const files = ['src', 'test']
  .flatMap((d) => {
    try { return walk(path.join(root, 'dist', d), []) } catch { return [] }
  })
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort()

if (files.length === 0) {
  console.error('test: no test files found under dist/ (did the build run?)')
  process.exit(1)
}
const res = spawnSync(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=spec', ...files], {
  cwd: root,
  stdio: 'inherit',
})
process.exit(res.status ?? 1)
