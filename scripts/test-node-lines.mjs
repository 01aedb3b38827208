#!/usr/bin/env node
// Runs a short smoke set of the compiled tests under each supported Node line other than the
// one running this script, with the official binaries from the npm registry's `node` package
// (`npm exec --package=node@22`), so that the native addons (lmdb, secp256k1), the EVM, a
// whole network in one process and the CLI are checked on every line.
// Usage: node scripts/test-node-lines.mjs [line…]   (default: 22 24; run `npm run build` first)
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const lines = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ['22', '24']

/** What each line must pass: the native addons, the EVM, the config, the RPC server, the CLI, and a whole network with real tools. */
export const SMOKE = [
  'dist/src/storage/chainStore.test.js',
  'dist/src/execution/senderRecovery.test.js',
  'dist/src/execution/chain.test.js',
  'dist/src/cli/config/config.test.js',
  'dist/src/rpc/server.test.js',
  'dist/test/e2e/cli.test.js',
  // Hardhat 2, Foundry, and Hardhat 3, which needs Node 22+: this is the only run that covers it.
  'dist/test/e2e/toolchains.test.js',
]

let failed = false
for (const line of lines) {
  const started = Date.now()
  // `npm exec` puts the package's node first on PATH, so tools with a `#!/usr/bin/env node` line run on it too.
  const exec = (args, stdio) => spawnSync('npm', ['exec', '--yes', `--package=node@${line}`, '--', 'node', ...args], { cwd: root, stdio, encoding: 'utf8' })
  const version = exec(['-p', 'process.version'], 'pipe').stdout?.trim()
  process.stdout.write(`\n== Node ${line}: ${version || 'could not be installed'} ==\n`)
  const res = exec(['scripts/test.mjs', ...SMOKE], 'inherit')
  const ok = res.status === 0
  failed ||= !ok
  process.stdout.write(`== Node ${line}: ${ok ? 'passed' : 'FAILED'} in ${Math.round((Date.now() - started) / 1000)} s ==\n`)
}
process.exit(failed ? 1 : 0)
