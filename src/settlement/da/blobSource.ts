import type { Hex, PublicClient } from 'viem'
import { hexToBytes } from '../../primitives/hex.js'
import { BlobDataError } from './errors.js'
import { versionedHash } from './kzg.js'

/** The L1 block that holds a blob transaction. */
export interface L1BlockRef {
  number: bigint
  hash: Hex
}

/**
 * Where blobs are read back from once their transaction is in a block (the execution
 * layer drops them then; the consensus layer keeps them for 4096 epochs, ~18 days).
 * Returns what the source has of `versionedHashes` in `block`, unverified and in any
 * order: `fetchBlobBatch` checks each blob against the hashes. Throws BlobDataError
 * (`unavailable`) when the source cannot answer.
 */
export interface BlobSource {
  blobs(block: L1BlockRef, versionedHashes: readonly Hex[]): Promise<Uint8Array[]>
}

export interface BeaconBlobSourceOptions {
  /** Base URL of a consensus-layer node's beacon REST API, e.g. http://127.0.0.1:5052. */
  url: string
  /** The L1 execution node: gives each block's timestamp, and so its slot. */
  l1: Pick<PublicClient, 'getBlock'>
  /** Per HTTP request. Default 30 s. */
  timeoutMs?: number
}

const DEFAULT_TIMEOUT_MS = 30_000

/**
 * Blobs from a beacon node (the production path). The block's slot follows from its
 * timestamp: (timestamp − genesis_time) / SECONDS_PER_SLOT, both read once from the node.
 * It asks `GET /eth/v1/beacon/blobs/{slot}?versioned_hashes=…` (beacon API for Fulu, which
 * works however the node stores data since PeerDAS), and falls back to the older
 * `GET /eth/v1/beacon/blob_sidecars/{slot}` for nodes without it, keeping the sidecars
 * whose commitment hashes to a wanted versioned hash.
 */
export function beaconBlobSource(options: BeaconBlobSourceOptions): BlobSource {
  const base = options.url.replace(/\/+$/, '')
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS
  let clock: Promise<{ genesisTime: bigint; secondsPerSlot: bigint }> | undefined
  const readClock = async () => {
    const genesis = (await getJson(`${base}/eth/v1/beacon/genesis`, timeoutMs)) as { data?: { genesis_time?: string } }
    const spec = (await getJson(`${base}/eth/v1/config/spec`, timeoutMs)) as { data?: { SECONDS_PER_SLOT?: string } }
    const genesisTime = genesis.data?.genesis_time
    const secondsPerSlot = spec.data?.SECONDS_PER_SLOT
    if (!genesisTime || !secondsPerSlot || !/^\d+$/.test(genesisTime) || !/^[1-9]\d*$/.test(secondsPerSlot)) {
      throw new BlobDataError('unavailable', `the beacon node at ${base} gave no genesis_time or SECONDS_PER_SLOT`)
    }
    return { genesisTime: BigInt(genesisTime), secondsPerSlot: BigInt(secondsPerSlot) }
  }

  async function slotOf(block: L1BlockRef): Promise<bigint> {
    const [{ genesisTime, secondsPerSlot }, header] = await Promise.all([
      (clock ??= readClock().catch((err: unknown) => {
        clock = undefined // ask again next time
        throw err
      })),
      options.l1.getBlock({ blockHash: block.hash }).catch((cause: unknown) => {
        throw new BlobDataError('unavailable', `the L1 node does not have block ${block.number} (${block.hash}); reorged out?`, { cause })
      }),
    ])
    const sinceGenesis = header.timestamp - genesisTime
    if (sinceGenesis < 0n || sinceGenesis % secondsPerSlot !== 0n) {
      throw new BlobDataError('unavailable', `L1 block ${block.number} (time ${header.timestamp}) falls in no slot of the beacon node at ${base}`, {
        details: 'the beacon node must follow the same network as the L1 RPC',
      })
    }
    return sinceGenesis / secondsPerSlot
  }

  return {
    async blobs(block, versionedHashes) {
      const slot = await slotOf(block)
      const what = `blobs of L1 block ${block.number} (slot ${slot})`
      const blobs = await getBlobs(base, String(slot), versionedHashes, timeoutMs)
      if (blobs.ok) return blobs.blobs
      const sidecars = await getBlobSidecars(base, String(slot), versionedHashes, timeoutMs)
      if (sidecars.ok) return sidecars.blobs
      throw new BlobDataError('unavailable', `the beacon node at ${base} did not serve the ${what}`, {
        details: `blobs endpoint: ${blobs.problem}; blob_sidecars endpoint: ${sidecars.problem}`,
      })
    },
  }
}

/**
 * Blobs from anvil, which keeps them and serves the beacon API's blobs endpoint on its
 * RPC port, keyed by execution block number or hash instead of slot (its blocks have no
 * beacon chain behind them, and a zero parentBeaconBlockRoot). The block hash pins the
 * exact block, so a reorged-out block reads as not found rather than as another block.
 */
export function anvilBlobSource(rpcUrl: string, timeoutMs = DEFAULT_TIMEOUT_MS): BlobSource {
  const base = rpcUrl.replace(/\/+$/, '')
  return {
    async blobs(block, versionedHashes) {
      const res = await getBlobs(base, block.hash, versionedHashes, timeoutMs)
      if (res.ok) return res.blobs
      throw new BlobDataError('unavailable', `anvil at ${base} did not serve the blobs of L1 block ${block.number} (${block.hash})`, {
        details: res.problem,
      })
    },
  }
}

type Fetched = { ok: true; blobs: Uint8Array[] } | { ok: false; problem: string }

async function getBlobs(base: string, blockId: string, versionedHashes: readonly Hex[], timeoutMs: number): Promise<Fetched> {
  const query = versionedHashes.length ? `?versioned_hashes=${versionedHashes.join(',')}` : ''
  const res = await get(`${base}/eth/v1/beacon/blobs/${blockId}${query}`, timeoutMs)
  if (!res.ok) return res
  const data = (res.body as { data?: unknown }).data
  if (!Array.isArray(data) || !data.every(isHex)) return { ok: false, problem: 'the response has no list of hex blobs' }
  return { ok: true, blobs: data.map((blob) => hexToBytes(blob)) }
}

async function getBlobSidecars(base: string, blockId: string, versionedHashes: readonly Hex[], timeoutMs: number): Promise<Fetched> {
  const res = await get(`${base}/eth/v1/beacon/blob_sidecars/${blockId}`, timeoutMs)
  if (!res.ok) return res
  const data = (res.body as { data?: unknown }).data
  if (!Array.isArray(data) || !data.every((s) => isHex((s as { blob?: unknown })?.blob) && isHex((s as { kzg_commitment?: unknown }).kzg_commitment))) {
    return { ok: false, problem: 'the response has no list of sidecars with blob and kzg_commitment' }
  }
  // The commitment only picks out candidates cheaply; fetchBlobBatch recomputes it.
  const wanted = new Set(versionedHashes.map((h) => h.toLowerCase()))
  return {
    ok: true,
    blobs: (data as { blob: string; kzg_commitment: string }[])
      .filter((s) => wanted.has(versionedHash(hexToBytes(s.kzg_commitment))))
      .map((s) => hexToBytes(s.blob)),
  }
}

const isHex = (value: unknown): value is Hex => typeof value === 'string' && /^0x([0-9a-fA-F]{2})*$/.test(value)

async function get(url: string, timeoutMs: number): Promise<{ ok: true; body: unknown } | { ok: false; problem: string }> {
  let res: Response
  try {
    res = await fetch(url, { headers: { accept: 'application/json' }, signal: AbortSignal.timeout(timeoutMs) })
  } catch (err) {
    return { ok: false, problem: `GET ${url} failed: ${(err as Error).message}` }
  }
  const text = await res.text().catch(() => '')
  if (!res.ok) return { ok: false, problem: `GET ${url} answered ${res.status} ${text.slice(0, 200)}` }
  try {
    return { ok: true, body: JSON.parse(text) }
  } catch {
    return { ok: false, problem: `GET ${url} answered ${res.status} with invalid JSON` }
  }
}

async function getJson(url: string, timeoutMs: number): Promise<unknown> {
  const res = await get(url, timeoutMs)
  if (!res.ok) throw new BlobDataError('unavailable', res.problem)
  return res.body
}

/**
 * Where a node reads blobs back: the beacon API when one is configured (any real L1),
 * else the L1 RPC's own blob endpoint (anvil, the embedded dev L1).
 */
export function blobSourceFor(l1RpcUrl: string, beaconUrl: string | undefined, l1: Pick<PublicClient, 'getBlock'>): BlobSource {
  return beaconUrl ? beaconBlobSource({ url: beaconUrl, l1 }) : anvilBlobSource(l1RpcUrl)
}
