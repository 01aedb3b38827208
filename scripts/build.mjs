#!/usr/bin/env node
// Builds everything `npm start`, `npm test` and `npm run bench` need: TypeScript to
// dist/, the config file's JSON Schema (schema/plexus.schema.json), Solidity to
// dist/contracts/, then the web dashboard (web/ → dist/web/, with the contract ABIs from
// dist/contracts). Every step is incremental. `npm ci` runs it too (the `prepare`
// script), so a fresh clone has the dashboard built.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { fileURLToPath } from 'node:url'
import path from 'node:path'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)

function run(label, cmd, args) {
  const res = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' })
  if (res.status !== 0) {
    console.error(`build: ${label} failed (exit ${res.status ?? res.signal})`)
    process.exit(res.status ?? 1)
  }
}

/** A hash of the dashboard's inputs: its sources and config, the contract ABIs, this script, vite's version. */
function webInputsHash() {
  const hash = createHash('sha256')
  const walk = (dir) => {
    for (const name of readdirSync(dir).sort()) {
      const p = path.join(dir, name)
      if (statSync(p).isDirectory()) walk(p)
      else hash.update(p.slice(root.length)).update(readFileSync(p))
    }
  }
  walk(path.join(root, 'web'))
  hash.update(readFileSync(path.join(root, 'dist', 'contracts', '.inputs-hash')))
  hash.update(readFileSync(fileURLToPath(import.meta.url)))
  hash.update(require('vite/package.json').version)
  return hash.digest('hex')
}

function buildWeb() {
  const stamp = path.join(root, 'dist', 'web', '.inputs-hash')
  const inputs = webInputsHash()
  if (existsSync(path.join(root, 'dist', 'web', 'index.html')) && existsSync(stamp) && readFileSync(stamp, 'utf8') === inputs) return
  run('web typecheck', process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'web/tsconfig.json'])
  run('web', process.execPath, [path.join(path.dirname(require.resolve('vite/package.json')), 'bin', 'vite.js'), 'build', '--config', 'web/vite.config.ts'])
  writeFileSync(stamp, inputs)
}

run('typescript', process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json'])
// Solidity before the schema: the schema script imports dist/, whose modules may read contract artifacts.
run('solidity', process.execPath, [path.join(root, 'scripts/compile-contracts.mjs')])
run('config schema', process.execPath, [path.join(root, 'scripts/write-config-schema.mjs')])
buildWeb()
