/**
 * The ETH-transfer workload (bench/workload.ts) on several chains at once, each over its
 * own JSON-RPC endpoint: prepared chain after chain (untimed), then sent to all of them at
 * the same moment; the total counts every chain's transactions over the common window.
 * Used by the interop part (networks in this process) and the scaling part (networks in
 * another process).
 */
import { measure, type MeasureOptions } from './measure.js'
import type { Rpc } from './rpc.js'
import { prepareWorkload, type PreparedWorkload } from './workload.js'

export type ChainThroughput = {
  chainId: number
  txs: number
  included: number
  tps: number
  p50Ms: number
  p99Ms: number
  blocks: number
  durationMs: number
}

export type ThroughputRun = {
  chains: ChainThroughput[]
  included: number
  /** All chains' included transactions / (last inclusion on any chain − first send on any chain). */
  totalTps: number
  durationMs: number
}

export type ChainsLoadOptions = {
  /** ETH transfers per chain. */
  txs: number
  senders: number
  lanes: number
  measure: MeasureOptions
  log: (line: string) => void
}

export type LoadedChain = { chainId: number; rpc: Rpc }

/** Funds the senders and pre-signs the transfers on every chain, one after another (untimed). */
export async function prepareChains(chains: readonly LoadedChain[], opts: ChainsLoadOptions): Promise<PreparedWorkload[]> {
  const prepared: PreparedWorkload[] = []
  for (const c of chains) prepared.push(await prepareWorkload(c.rpc, { kind: 'eth', count: opts.txs, senders: opts.senders, lanes: opts.lanes, log: opts.log }))
  return prepared
}

/** The timed phase on every chain at once. Throws if any chain did not include everything. */
export async function measureChains(chains: readonly LoadedChain[], prepared: readonly PreparedWorkload[], opts: ChainsLoadOptions): Promise<ThroughputRun> {
  const ms = await Promise.all(prepared.map((p, i) => measure(chains[i]!.rpc, p, opts.measure)))
  const out: ChainThroughput[] = []
  for (const [i, m] of ms.entries()) {
    const chainId = chains[i]!.chainId
    const problem =
      m.timedOut ??
      (m.sendErrors > 0 ? `${m.sendErrors} txs not accepted (first error: ${m.firstSendError})` : undefined) ??
      (m.verify.failed > 0 || m.verify.missing > 0 ? `receipt check: ${m.verify.failed} failed, ${m.verify.missing} missing of ${m.verify.checked} sampled` : undefined)
    if (problem) throw new Error(`chain ${chainId}: ${problem}`)
    out.push({
      chainId,
      txs: m.count,
      included: m.included,
      tps: round1(m.tps),
      p50Ms: round1(m.p50Ms),
      p99Ms: round1(m.p99Ms),
      blocks: m.blocks,
      durationMs: Math.round(m.durationMs),
    })
    opts.log(
      `  ${chainId}: ${m.included}/${m.count} included in ${m.blocks} blocks, ${(m.durationMs / 1000).toFixed(2)}s: ` +
        `${m.tps.toFixed(0)} TPS, p50 ${m.p50Ms.toFixed(0)} ms, p99 ${m.p99Ms.toFixed(0)} ms`,
    )
  }
  const included = ms.reduce((n, m) => n + m.included, 0)
  const durationMs = Math.max(...ms.map((m) => m.lastIncludedAt)) - Math.min(...ms.map((m) => m.firstSendAt))
  const totalTps = durationMs > 0 ? included / (durationMs / 1000) : 0
  if (out.length > 1) opts.log(`  total: ${included} txs in ${(durationMs / 1000).toFixed(2)}s: ${totalTps.toFixed(0)} TPS`)
  return { chains: out, included, totalTps: round1(totalTps), durationMs: Math.round(durationMs) }
}

function round1(value: number): number {
  return Math.round(value * 10) / 10
}
