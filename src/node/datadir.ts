import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { checkGenesis, loadGenesisFile, type GethGenesis } from '../execution/genesis.js'
import type { NetworkChainOptions } from './networkOptions.js'
import { parseWithBigints, stringifyWithBigints as stringifyBigints } from '../primitives/bigintJson.js'

/**
 * Datadir layout: `<datadir>/chains/<chainId>/{db/, genesis.json}`, `<datadir>/network/journal/`. The genesis is
 * kept beside the database so `plexus up` serves an imported chain without flags.
 */
export function chainDir(datadir: string, chainId: number): string {
  return path.join(datadir, 'chains', String(chainId))
}

/** The chain's database (its LMDB environment): written by its executor, read by the coordinator in `executors: thread`. */
export function chainDatabaseDir(datadir: string, chainId: number): string {
  return path.join(chainDir(datadir, chainId), 'db')
}

/** The network's slot journal (the decision log of the slots' two-phase commit, and bundles): `<datadir>/network/journal`. */
export function networkJournalDir(datadir: string): string {
  return path.join(datadir, 'network', 'journal')
}

/** Chain ids that already have a database in `datadir`. */
export function storedChainIds(datadir: string): number[] {
  const dir = path.join(datadir, 'chains')
  if (!existsSync(dir)) return []
  return readdirSync(dir)
    .filter((d) => /^\d+$/.test(d) && existsSync(path.join(dir, d, 'genesis.json')))
    .map(Number)
}

export function storedGenesis(datadir: string, chainId: number): GethGenesis | undefined {
  const file = path.join(chainDir(datadir, chainId), 'genesis.json')
  return existsSync(file) ? loadGenesisFile(file) : undefined
}

export function saveGenesis(datadir: string, genesis: GethGenesis): void {
  const dir = chainDir(datadir, genesis.config.chainId)
  mkdirSync(dir, { recursive: true })
  const file = path.join(dir, 'genesis.json')
  if (existsSync(file)) return
  // Whole or absent after a crash (many chains' are written at once during start-up): a
  // half-written genesis would stop every later start of the datadir.
  writeFileSync(`${file}.tmp`, JSON.stringify(checkGenesis(genesis), null, 2))
  renameSync(`${file}.tmp`, file)
}

/** Removes a chain's kept genesis (one that was never registered on L1). */
export function forgetGenesis(datadir: string, chainId: number): void {
  rmSync(path.join(chainDir(datadir, chainId), 'genesis.json'), { force: true })
}

/** JSON that keeps bigints, indented (options kept in the datadir or a snapshot). */
export function stringifyWithBigints(value: unknown): string {
  return stringifyBigints(value, 2)
}

export { parseWithBigints }

/** A chain added to a running network: its options and the network slot of its block 0. */
export interface JoinedChain {
  options: NetworkChainOptions
  genesisSlot: bigint
}

/**
 * A chain added to a running network (`plexus chain add`) is recorded beside its
 * database, so the next `plexus up` on the datadir brings it back with the rest:
 * `<datadir>/chains/<chainId>/joined.json`.
 */
export function saveJoinedChain(datadir: string, joined: JoinedChain): void {
  const dir = chainDir(datadir, joined.options.chainId)
  mkdirSync(dir, { recursive: true })
  const file = path.join(dir, 'joined.json')
  writeFileSync(`${file}.tmp`, stringifyWithBigints(joined))
  renameSync(`${file}.tmp`, file)
}

/** The chains `saveJoinedChain` recorded, in chain-id order. */
export function joinedChains(datadir: string): JoinedChain[] {
  return storedChainIds(datadir)
    .sort((a, b) => a - b)
    .map((id) => path.join(chainDir(datadir, id), 'joined.json'))
    .filter((file) => existsSync(file))
    .map((file) => parseWithBigints<JoinedChain>(readFileSync(file, 'utf8')))
}

/** A temporary datadir removed by `cleanup` (for --ephemeral). */
export function ephemeralDatadir(): { datadir: string; cleanup: () => void } {
  const datadir = mkdtempSync(path.join(tmpdir(), 'plexus-'))
  return { datadir, cleanup: () => rmSync(datadir, { recursive: true, force: true }) }
}

