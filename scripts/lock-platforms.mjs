#!/usr/bin/env node
// Keeps package-lock.json installable with `npm ci` when the registry this project is
// built against serves only some platforms' builds of a package's optional native
// binaries (anvil, msgpackr-extract): `npm install` then leaves the missing platforms
// out of the lock, and `npm ci` refuses a lock that lacks an optional dependency.
// This records each missing platform package as an optional entry with its os/cpu, so
// npm ci skips it on every other platform without fetching it.
// Run after `npm install` changes the lock: node scripts/lock-platforms.mjs
import { readFileSync, writeFileSync } from 'node:fs'

const file = new URL('../package-lock.json', import.meta.url)
const lock = JSON.parse(readFileSync(file, 'utf8'))
const PLATFORM = /-(darwin|linux|win32|freebsd)-(x64|amd64|arm64|arm|ia32)$/
const cpuOf = (arch) => (arch === 'amd64' ? 'x64' : arch)
let added = 0
for (const [path, pkg] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(pkg.optionalDependencies ?? {})) {
    const key = `node_modules/${name}`
    if (lock.packages[key] || lock.packages[`${path}/${key}`]) continue
    const m = PLATFORM.exec(name)
    if (!m) continue
    lock.packages[key] = { version, optional: true, os: [m[1]], cpu: [cpuOf(m[2])] }
    added++
  }
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : 1)))
writeFileSync(file, JSON.stringify(lock, null, 2) + '\n')
console.log(`lock-platforms: added ${added} platform entries`)
