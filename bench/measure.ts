/**
 * The timed phase: push pre-signed transactions as JSON-RPC batches over a few
 * concurrent lanes, watch new blocks to learn when each transaction was included, then
 * spot-check receipts.
 */
import type { Hex } from 'viem'
import { BlockWatcher } from './blockWatcher.js'
import { chunk, sleep, type Rpc } from './rpc.js'
import type { PreparedWorkload } from './workload.js'

export type MeasureOptions = {
  /** eth_sendRawTransaction calls per HTTP batch. */
  batchSize: number
  /** How often eth_blockNumber is polled (the resolution of inclusion times). */
  pollMs: number
  /** Give up this long after the last send if not everything is included. */
  inclusionTimeoutMs: number
  /** Check the receipt of every `sampleEvery`-th transaction (and the last). */
  sampleEvery: number
}

export type Measurement = {
  count: number
  accepted: number
  included: number
  sendErrors: number
  firstSendError: string | undefined
  /** ms from the first send to the last inclusion observed. */
  durationMs: number
  /** ms from the first send to the last send answered. */
  sendMs: number
  /** performance.now() of the first send and of the last inclusion observed (to combine concurrent runs). */
  firstSendAt: number
  lastIncludedAt: number
  tps: number
  p50Ms: number
  p99Ms: number
  maxMs: number
  blocks: number
  verify: { checked: number; failed: number; missing: number }
  timedOut: string | undefined
}

/** The p-th percentile (nearest rank) of ascending `sorted`; NaN when empty. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank]!
}

export async function measure(rpc: Rpc, workload: PreparedWorkload, opts: MeasureOptions): Promise<Measurement> {
  const { txs } = workload
  const indexByHash = new Map<string, number>(txs.map((t) => [t.hash.toLowerCase(), t.index]))
  const sendAt = new Float64Array(txs.length).fill(NaN)
  const includedAt = new Float64Array(txs.length).fill(NaN)
  const accepted = new Uint8Array(txs.length)
  let acceptedCount = 0
  let includedCount = 0
  let sendErrors = 0
  let firstSendError: string | undefined

  const watcher = await BlockWatcher.start(rpc, opts.pollMs, (hash, _block, at) => {
    const i = indexByHash.get(hash.toLowerCase())
    if (i !== undefined && Number.isNaN(includedAt[i]!)) {
      includedAt[i] = at
      includedCount++
    }
  })

  // Senders: each lane posts its batches one after another; lanes run concurrently.
  const firstSend = performance.now()
  let lastSendAnswered = firstSend
  await Promise.all(
    workload.lanes.map(async (lane) => {
      for (const batch of chunk(lane, opts.batchSize)) {
        const t = performance.now()
        for (const tx of batch) sendAt[tx.index] = t
        let answers
        try {
          answers = await rpc.batch(batch.map((tx) => ({ method: 'eth_sendRawTransaction', params: [tx.raw] })))
        } catch (err) {
          answers = batch.map(() => ({ error: { code: -1, message: (err as Error).message } }))
        }
        for (const [j, a] of answers.entries()) {
          if (a.error) {
            sendErrors++
            firstSendError ??= `${a.error.message} (code ${a.error.code})`
          } else {
            accepted[batch[j]!.index] = 1
            acceptedCount++
          }
        }
        lastSendAnswered = Math.max(lastSendAnswered, performance.now())
      }
    }),
  )

  // Wait until every accepted transaction has been seen in a block.
  const deadline = performance.now() + opts.inclusionTimeoutMs
  let timedOut: string | undefined
  for (;;) {
    let pendingAccepted = 0
    for (let i = 0; i < txs.length; i++) if (accepted[i] && Number.isNaN(includedAt[i]!)) pendingAccepted++
    if (pendingAccepted === 0) break
    if (performance.now() > deadline) {
      const why = watcher.lastError ? ` (last watcher error: ${(watcher.lastError as Error).message})` : ''
      timedOut =
        `timed out after ${(opts.inclusionTimeoutMs / 1000).toFixed(0)}s waiting for inclusion: ` +
        `${includedCount} of ${txs.length} txs included (${acceptedCount} acknowledged by the target), ` +
        `head at block ${watcher.height}${why}`
      break
    }
    await sleep(opts.pollMs)
  }
  await watcher.stop()

  const latencies: number[] = []
  let lastIncluded = firstSend
  for (let i = 0; i < txs.length; i++) {
    const at = includedAt[i]!
    if (Number.isNaN(at)) continue
    latencies.push(at - sendAt[i]!)
    if (at > lastIncluded) lastIncluded = at
  }
  latencies.sort((a, b) => a - b)
  const durationMs = lastIncluded - firstSend

  const verify = await verifySample(rpc, txs.map((t) => t.hash), opts.sampleEvery)

  return {
    count: txs.length,
    accepted: acceptedCount,
    included: includedCount,
    sendErrors,
    firstSendError,
    durationMs,
    sendMs: lastSendAnswered - firstSend,
    firstSendAt: firstSend,
    lastIncludedAt: lastIncluded,
    tps: durationMs > 0 ? includedCount / (durationMs / 1000) : 0,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies.length ? latencies[latencies.length - 1]! : NaN,
    blocks: watcher.blocks,
    verify,
    timedOut,
  }
}

/** Fetches the receipts of every `every`-th transaction (and the last one). */
async function verifySample(rpc: Rpc, hashes: Hex[], every: number): Promise<Measurement['verify']> {
  const sample = hashes.filter((_, i) => i % every === 0 || i === hashes.length - 1)
  let failed = 0
  let missing = 0
  for (const batch of chunk(sample, 100)) {
    const answers = await rpc.batch(batch.map((h) => ({ method: 'eth_getTransactionReceipt', params: [h] })))
    for (const a of answers) {
      const receipt = a.result as { status?: Hex } | null | undefined
      if (a.error || !receipt) missing++
      else if (receipt.status !== '0x1') failed++
    }
  }
  return { checked: sample.length, failed, missing }
}
