import assert from 'node:assert/strict'
import { createPublicClient, http, type Hex } from 'viem'
import { waitFor } from './node.js'

export interface SyncStatus {
  mode: string
  unsafe: { number: Hex; hash: Hex } | null
  safe: { number: Hex; hash: Hex } | null
  finalized?: { number: Hex; hash: Hex } | null
  latestOutput: Hex
  outputMismatches: unknown[]
  skippedBatches?: { total: number; recent: { reason: string; batchIndex: Hex }[] }
  /** A replica's check of the network's super roots (null when the network has no SuperRootOracle). */
  superRoots?: { latestVerified: { timestamp: Hex; root: Hex } | null; mismatches: unknown[] } | null
}

export async function syncStatus(url: string): Promise<SyncStatus> {
  const client = createPublicClient({ transport: http(url) })
  return (await client.request({ method: 'plexus_syncStatus' as never })) as SyncStatus
}

/** Waits until `url`'s safe head is at least `block`. */
export async function safeAtLeast(url: string, block: bigint, timeoutMs = 60_000): Promise<void> {
  await waitFor(async () => {
    const s = await syncStatus(url)
    return s.safe !== null && BigInt(s.safe.number) >= block
  }, timeoutMs)
}

/** Block hash and state root of every block 0…`to` on both nodes are the same. */
export async function assertSameChain(a: string, b: string, to: bigint): Promise<void> {
  const ca = createPublicClient({ transport: http(a) })
  const cb = createPublicClient({ transport: http(b) })
  for (let n = 0n; n <= to; n++) {
    const [x, y] = await Promise.all([ca.getBlock({ blockNumber: n }), cb.getBlock({ blockNumber: n })])
    assert.equal(y.hash, x.hash, `block ${n} hash`)
    assert.equal(y.stateRoot, x.stateRoot, `block ${n} state root`)
  }
}
