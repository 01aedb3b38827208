import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { gunzipSync } from 'node:zlib'
import { createPublicClient, http, type Hex } from 'viem'
import { BaseError } from '../primitives/errors.js'
import { toData, toQuantity } from '../primitives/hex.js'
import { adminFile } from './adminEndpoint.js'
import { chainDatabaseDir, parseWithBigints, stringifyWithBigints } from './datadir.js'
import type { PlexusNetwork } from './network.js'
import type { NetworkChainOptions } from './networkOptions.js'
import { datadirLockFile } from './datadirLock.js'

/** Version of the snapshot layout this build writes and reads. */
const SNAPSHOT_VERSION = 1

/** What a snapshot records beside the data: enough to start the same network again. */
export interface SnapshotManifest {
  version: typeof SNAPSHOT_VERSION
  createdAt: string
  /** The embedded L1 and its head when the snapshot was taken; `external` for an L1 Plexus does not run. */
  l1: { kind: 'embedded'; chainId: number; blockTimeSeconds: number; head: { number: Hex; hash: Hex } } | { kind: 'external'; rpcUrl: string }
  /** The chains the network was started with (chains joined later are recorded in the datadir). */
  chains: NetworkChainOptions[]
  /** Every chain's head at the snapshot. */
  heads: { chainId: number; number: Hex; hash: Hex; stateRoot: Hex }[]
}

/**
 * Files of the datadir a snapshot does not copy as they are: databases and the L1 state are
 * copied consistently instead; the admin file and the lock belong to the running process.
 */
function skipped(datadir: string, file: string): boolean {
  const rel = path.relative(datadir, file)
  return rel === path.relative(datadir, adminFile(datadir)) || rel === path.relative(datadir, datadirLockFile(datadir)) || rel === path.join('l1', 'anvil') || rel === 'registry' || /^chains\/\d+\/db$/.test(rel)
}

/**
 * Saves the whole running network to `file` (a gzipped tar): every chain's database, the
 * embedded L1's full state (blocks included), and the datadir's records (genesis files,
 * L1 deployment, joined chains). Slot production pauses while the databases are copied,
 * so every chain is taken at the same slot; the L1 is taken after them, so it holds
 * every L1 block the chains refer to.
 */
export async function saveSnapshot(network: PlexusNetwork, file: string): Promise<{ file: string; bytes: number; manifest: SnapshotManifest }> {
  const datadir = network.options.datadir
  const staging = mkdtempSync(path.join(tmpdir(), 'plexus-snapshot-'))
  const out = path.resolve(file)
  try {
    const data = path.join(staging, 'datadir')
    const sequencer = network.sequencing.sequencer
    await sequencer.pause()
    let heads: SnapshotManifest['heads']
    try {
      heads = network.networkChains.map((n) => {
        const h = n.reader.headHeader()
        return { chainId: Number(n.chainId), number: toQuantity(h.number), hash: toData(h.hash()) as Hex, stateRoot: toData(h.stateRoot) as Hex }
      })
      for (const node of network.networkChains) {
        const dest = chainDatabaseDir(data, Number(node.chainId))
        mkdirSync(dest, { recursive: true })
        await node.backupDatabase(dest)
      }
    } finally {
      sequencer.resume()
    }
    cpSync(datadir, data, { recursive: true, filter: (src) => !skipped(datadir, src) })

    let l1: SnapshotManifest['l1']
    if (network.options.l1.rpcUrl) {
      l1 = { kind: 'external', rpcUrl: network.options.l1.rpcUrl }
    } else {
      const client = createPublicClient({ transport: http(network.l1Url) })
      const dump = (await client.request({ method: 'anvil_dumpState' as never })) as Hex
      const state = gunzipSync(Buffer.from(dump.slice(2), 'hex'))
      const stateDir = path.join(data, 'l1', 'anvil')
      mkdirSync(stateDir, { recursive: true })
      writeFileSync(path.join(stateDir, 'state.json'), state)
      const best = (JSON.parse(state.toString('utf8')) as { best_block_number?: unknown }).best_block_number
      const head = await client.getBlock(best === undefined ? {} : { blockNumber: BigInt(best as string | number) })
      l1 = { kind: 'embedded', chainId: await client.getChainId(), blockTimeSeconds: network.options.l1.embedded.blockTimeSeconds, head: { number: toQuantity(head.number), hash: head.hash } }
    }
    const manifest: SnapshotManifest = {
      version: SNAPSHOT_VERSION,
      createdAt: new Date().toISOString(),
      l1,
      chains: network.options.chains,
      heads,
    }
    writeFileSync(path.join(staging, 'manifest.json'), stringifyWithBigints(manifest) + '\n')
    mkdirSync(path.dirname(out), { recursive: true })
    const tar = spawnSync('tar', ['-czf', out, '-C', staging, 'manifest.json', 'datadir'], { encoding: 'utf8' })
    if (tar.status !== 0) throw new BaseError(`writing ${out} failed: ${tar.stderr || tar.error?.message}`)
    return { file: out, bytes: statSync(out).size, manifest }
  } finally {
    rmSync(staging, { recursive: true, force: true })
  }
}

/**
 * Unpacks a snapshot into `datadir` (which must be empty or absent) and returns its
 * manifest: starting the network on the datadir then brings back every chain and the
 * embedded L1 as they were.
 */
export function restoreSnapshot(file: string, datadir: string): SnapshotManifest {
  if (!existsSync(file)) throw new BaseError(`no snapshot at ${file}`)
  if (existsSync(datadir) && readdirSync(datadir).length > 0) {
    throw new BaseError(`the datadir ${datadir} is not empty`, { details: 'restore a snapshot into a new --datadir (or remove this one)' })
  }
  const staging = mkdtempSync(path.join(tmpdir(), 'plexus-restore-'))
  try {
    const tar = spawnSync('tar', ['-xzf', path.resolve(file), '-C', staging], { encoding: 'utf8' })
    if (tar.status !== 0) throw new BaseError(`${file} is not a Plexus snapshot (tar: ${(tar.stderr || tar.error?.message || '').trim()})`)
    const manifestFile = path.join(staging, 'manifest.json')
    if (!existsSync(manifestFile) || !existsSync(path.join(staging, 'datadir'))) throw new BaseError(`${file} is not a Plexus snapshot (no manifest.json)`)
    const manifest = parseWithBigints<SnapshotManifest>(readFileSync(manifestFile, 'utf8'))
    if (manifest.version !== SNAPSHOT_VERSION) {
      throw new BaseError(`${file} is a version ${String(manifest.version)} snapshot; this build reads version ${SNAPSHOT_VERSION}`)
    }
    mkdirSync(datadir, { recursive: true })
    cpSync(path.join(staging, 'datadir'), datadir, { recursive: true })
    return manifest
  } finally {
    rmSync(staging, { recursive: true, force: true })
  }
}
