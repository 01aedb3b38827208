import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { checkGenesis, loadGenesisFile, type GethGenesis } from '../execution/genesis.js'

/**
 * Datadir layout: `<datadir>/chains/<chainId>/{db/, genesis.json}`. The genesis is
 * kept beside the database so `plexus up` serves an imported chain without flags.
 */
export function chainDir(datadir: string, chainId: number): string {
  return path.join(datadir, 'chains', String(chainId))
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
  if (!existsSync(file)) writeFileSync(file, JSON.stringify(checkGenesis(genesis), null, 2))
}

/**
 * A chain added to a running network (`plexus chain add`) is recorded beside its
 * database, so the next `plexus up` on the datadir brings it back with the rest:
 * `<datadir>/chains/<chainId>/joined.json` holds its options and genesis slot.
 */
export function saveJoinedChain<T extends { chainId: number }>(datadir: string, record: T & { genesisSlot: string }): void {
  const dir = chainDir(datadir, record.chainId)
  mkdirSync(dir, { recursive: true })
  const file = path.join(dir, 'joined.json')
  writeFileSync(`${file}.tmp`, JSON.stringify(record, (_, v) => (typeof v === 'bigint' ? v.toString() : v), 2))
  renameSync(`${file}.tmp`, file)
}

/** The records `saveJoinedChain` wrote, in chain-id order. */
export function joinedChains(datadir: string): Record<string, unknown>[] {
  return storedChainIds(datadir)
    .sort((a, b) => a - b)
    .map((id) => path.join(chainDir(datadir, id), 'joined.json'))
    .filter((file) => existsSync(file))
    .map((file) => JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>)
}

/** A temporary datadir removed by `cleanup` (for --ephemeral). */
export function ephemeralDatadir(): { datadir: string; cleanup: () => void } {
  const datadir = mkdtempSync(path.join(tmpdir(), 'plexus-'))
  return { datadir, cleanup: () => rmSync(datadir, { recursive: true, force: true }) }
}

