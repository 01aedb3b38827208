#!/usr/bin/env node
// Compiles every .sol under contracts/src/ with the pinned npm `solc` (standard JSON,
// optimizer 200 runs) into dist/contracts/<ContractName>.json:
//   { contractName, sourceName, abi, bytecode, deployedBytecode }   (0x-hex)
// `@openzeppelin/...` (and any other bare) imports resolve from node_modules.
// Incremental: a hash of every input (sources, solc + OpenZeppelin versions, settings,
// this script) is kept in dist/contracts/.inputs-hash; when it matches and the artifacts
// it lists still exist, solc is not even loaded.
// Exit code 1 on any compiler error (messages printed); warnings are printed only.
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const scriptPath = fileURLToPath(import.meta.url)
const root = path.resolve(path.dirname(scriptPath), '..')
const srcDir = path.join(root, 'contracts', 'src')
const outDir = path.join(root, 'dist', 'contracts')
const hashFile = path.join(outDir, '.inputs-hash')
const nodeModules = path.join(root, 'node_modules')
const require = createRequire(import.meta.url)

/** Newest first; the first one this solc accepts is used. */
const EVM_VERSIONS = ['osaka', 'prague']

/** Settings without evmVersion (that one is resolved against the compiler at compile time). */
const BASE_SETTINGS = {
  optimizer: { enabled: true, runs: 200 },
  outputSelection: {
    '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] },
  },
}

function toPosix(p) {
  return p.split(path.sep).join('/')
}

function findSolFiles(dir, out = []) {
  if (!existsSync(dir)) return out
  for (const name of readdirSync(dir).sort()) {
    const p = path.join(dir, name)
    if (statSync(p).isDirectory()) findSolFiles(p, out)
    else if (name.endsWith('.sol')) out.push(p)
  }
  return out
}

function packageVersion(name) {
  try {
    return JSON.parse(readFileSync(path.join(nodeModules, name, 'package.json'), 'utf8')).version
  } catch {
    return 'missing'
  }
}

/** Reads the previous run's record: first line the hash, then one artifact file per line. */
function readPreviousRun() {
  try {
    const [hash, ...files] = readFileSync(hashFile, 'utf8').split('\n').filter(Boolean)
    return { hash, files }
  } catch {
    return undefined
  }
}

/**
 * Resolves an import solc could not find among the sources: bare paths from
 * node_modules first, then from the project root. Never leaves those two folders.
 */
function findImport(importPath) {
  for (const base of [nodeModules, root]) {
    const full = path.resolve(base, importPath)
    if (!full.startsWith(base + path.sep)) continue
    if (existsSync(full)) return { contents: readFileSync(full, 'utf8') }
  }
  return { error: `File not found: ${importPath} (looked in node_modules/ and the project root)` }
}

/** The newest EVM version this compiler accepts, found by compiling an empty contract. */
function pickEvmVersion(solc) {
  for (const evmVersion of EVM_VERSIONS) {
    const probe = {
      language: 'Solidity',
      sources: { 'probe.sol': { content: '// SPDX-License-Identifier: MIT\npragma solidity >=0.8.0;\ncontract P {}\n' } },
      settings: { evmVersion, outputSelection: { '*': { '*': ['abi'] } } },
    }
    const out = JSON.parse(solc.compile(JSON.stringify(probe)))
    if (!(out.errors ?? []).some((e) => e.severity === 'error')) return evmVersion
  }
  throw new Error(`solc ${solc.version()} supports none of: ${EVM_VERSIONS.join(', ')}`)
}

function main() {
  const started = performance.now()
  const files = findSolFiles(srcDir)
  const sources = {}
  for (const file of files) {
    sources[toPosix(path.relative(root, file))] = { content: readFileSync(file, 'utf8') }
  }

  const hasher = createHash('sha256')
  hasher.update(JSON.stringify({
    solc: packageVersion('solc'),
    openzeppelin: packageVersion('@openzeppelin/contracts'),
    settings: BASE_SETTINGS,
    evmVersions: EVM_VERSIONS,
  }))
  hasher.update(readFileSync(scriptPath))
  for (const [name, { content }] of Object.entries(sources)) {
    hasher.update(`\0${name}\0${content}`)
  }
  const inputsHash = hasher.digest('hex')

  const previous = readPreviousRun()
  if (previous?.hash === inputsHash && previous.files.every((f) => existsSync(path.join(outDir, f)))) {
    console.log(`contracts: up to date (${previous.files.length} artifacts in dist/contracts)`)
    return
  }

  if (files.length === 0) {
    mkdirSync(outDir, { recursive: true })
    writeFileSync(hashFile, `${inputsHash}\n`)
    console.log('contracts: no .sol files under contracts/src, nothing to compile')
    return
  }

  const solc = require('solc')
  const evmVersion = pickEvmVersion(solc)
  const input = { language: 'Solidity', sources, settings: { ...BASE_SETTINGS, evmVersion } }
  const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImport }))

  const diagnostics = output.errors ?? []
  const errors = diagnostics.filter((d) => d.severity === 'error')
  for (const d of diagnostics.filter((d) => d.severity !== 'error')) {
    console.warn((d.formattedMessage ?? d.message).trimEnd())
  }
  if (errors.length > 0) {
    for (const d of errors) console.error((d.formattedMessage ?? d.message).trimEnd())
    console.error(`contracts: compilation failed with ${errors.length} error(s)`)
    process.exit(1)
  }

  // One artifact per contract defined in our own sources (not the imported libraries).
  const artifacts = new Map()
  for (const sourceName of Object.keys(sources)) {
    for (const [contractName, c] of Object.entries(output.contracts?.[sourceName] ?? {})) {
      const clash = artifacts.get(contractName)
      if (clash) {
        console.error(`contracts: contract name ${contractName} is defined in both ${clash.sourceName} and ${sourceName}; artifact names must be unique`)
        process.exit(1)
      }
      const bytecode = `0x${c.evm?.bytecode?.object ?? ''}`
      if (bytecode.includes('__$')) {
        console.warn(`contracts: ${contractName} needs library linking; its bytecode contains placeholders`)
      }
      artifacts.set(contractName, {
        contractName,
        sourceName,
        abi: c.abi ?? [],
        bytecode,
        deployedBytecode: `0x${c.evm?.deployedBytecode?.object ?? ''}`,
      })
    }
  }

  mkdirSync(outDir, { recursive: true })
  // Drop artifacts of contracts that no longer exist.
  for (const name of readdirSync(outDir)) {
    if (name.endsWith('.json') && !artifacts.has(name.slice(0, -'.json'.length))) {
      rmSync(path.join(outDir, name))
    }
  }
  const written = []
  for (const [name, artifact] of artifacts) {
    writeFileSync(path.join(outDir, `${name}.json`), `${JSON.stringify(artifact, null, 2)}\n`)
    written.push(`${name}.json`)
  }
  writeFileSync(hashFile, `${inputsHash}\n${written.join('\n')}\n`)

  const seconds = ((performance.now() - started) / 1000).toFixed(1)
  const warnings = diagnostics.length - errors.length
  console.log(
    `contracts: compiled ${artifacts.size} contract(s) from ${files.length} source(s) with solc ${solc.version().split('+')[0]}` +
      ` (evm ${evmVersion}, optimizer 200 runs) in ${seconds}s` +
      (warnings > 0 ? `, ${warnings} warning(s)` : ''),
  )
}

main()
