#!/usr/bin/env node
// Builds everything `npm start`, `npm test` and `npm run bench` need: TypeScript to
// dist/, the config file's JSON Schema (schema/plexus.schema.json), then Solidity to
// dist/contracts/. Every step is incremental.
import { spawnSync } from 'node:child_process'
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

run('typescript', process.execPath, [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.json'])
run('config schema', process.execPath, [path.join(root, 'scripts/write-config-schema.mjs')])
run('solidity', process.execPath, [path.join(root, 'scripts/compile-contracts.mjs')])
