#!/usr/bin/env node
// The project's pinned solc (npm `solc`, a WebAssembly build) behind the command line of a
// native solc, for tools that run a solc executable instead of downloading one — Foundry
// (`solc = "<this file>"` in foundry.toml, or `forge build --use <this file>`) and others.
// It answers the two calls such tools make:
//   solc --version                    "Version: 0.8.x+commit…" as native solc prints it
//   solc [flags…] --standard-json     standard JSON in on stdin, out on stdout
// --base-path, --include-path and --allow-paths are honoured for imports whose content
// the input does not carry (Foundry sends every source's content, so usually none).
// Anything else is refused with exit code 1: this is no full solc CLI.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'

const require = createRequire(import.meta.url)
const args = process.argv.slice(2)

/** The values of a repeatable `--flag value` / `--flag=value`. */
function flagValues(name) {
  const out = []
  for (let i = 0; i < args.length; i++) {
    if (args[i] === name && i + 1 < args.length) out.push(args[++i])
    else if (args[i].startsWith(`${name}=`)) out.push(args[i].slice(name.length + 1))
  }
  return out
}

if (args.includes('--version') || args.includes('-v')) {
  const solc = require('solc')
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`)
  process.exit(0)
}

if (!args.includes('--standard-json')) {
  process.stderr.write(`solc.mjs: only --version and --standard-json are supported (got: ${args.join(' ') || 'no arguments'})\n`)
  process.exit(1)
}

const roots = [...flagValues('--base-path'), ...flagValues('--include-path'), ...flagValues('--allow-paths').flatMap((p) => p.split(',')), process.cwd()]

/** solc's import callback: a source the input did not carry, read from the allowed roots. */
function findImports(importPath) {
  for (const root of roots) {
    const file = path.resolve(root, importPath)
    try {
      return { contents: readFileSync(file, 'utf8') }
    } catch {
      // try the next root
    }
  }
  return { error: `${importPath} not found under ${roots.join(', ')}` }
}

const chunks = []
process.stdin.on('data', (c) => chunks.push(c))
process.stdin.on('end', () => {
  const solc = require('solc')
  // Errors (a malformed input included) come back inside the output JSON, as native solc does.
  process.stdout.write(`${solc.compile(Buffer.concat(chunks).toString('utf8'), { import: findImports })}\n`)
})
