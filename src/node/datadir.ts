import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { checkGenesis, loadGenesisFile, type GethGenesis } from '../execution/genesis.js'
import type { NetworkChainOptions } from './network.js'

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

/** JSON that keeps bigints (written as `{ "$bigint": "123" }`), for options kept in the datadir or a snapshot. */
export function stringifyWithBigints(value: unknown): string {
  return JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? { $bigint: v.toString() } : v), 2)
}

export function parseWithBigints<T>(text: string): T {
  return JSON.parse(text, (_, v: unknown) =>
    v !== null && typeof v === 'object' && typeof (v as { $bigint?: unknown }).$bigint === 'string' ? BigInt((v as { $bigint: string }).$bigint) : v,
  ) as T
}

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

