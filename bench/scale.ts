/**
 * Many chains (issue 16): how long `plexus up` takes to bring 16 chains up, and how many
 * of 32 idle chains' slots are on time.
 *
 * - Start-up: `plexus up` on a fresh datadir with 16 chains, a real process, until it
 *   prints "Plexus network is up"; median of `runs`.
 * - Punctuality: a 32-chain network in this process (embedded L1, 250 ms slots, no
 *   transactions). After a warm-up, every chain's block commits are timed (`Chain.onBlock`,
 *   no polling, so measuring costs the network nothing) for `seconds`. Slot n is committed
 *   when the last of the chains has committed its block n. Slot n is **on time** when it
 *   is committed within its slot: no later than one slot time after its scheduled start.
 *   The scheduled starts are a fixed grid of one slot time; its phase is the latest one
 *   the commits allow (the grid start = the earliest of commit(n) − n·slot: the slot
 *   committed earliest against the grid is taken to have cost no time at all), which is
 *   the strictest grid no slot was committed before. A network that drifts or falls
 *   behind the grid (or skips grid slots) stays behind it, so every later slot counts as
 *   late: the share is the share of slots an operator gets when promised. `rateShare` is
 *   slots committed over slots due in the window (the grid's count), a lenient second view.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { PlexusNetwork } from '../src/node/network.js'
import { devChainOptions, devL1Options } from '../src/node/networkOptions.js'
import { silentLogger } from '../src/primitives/logger.js'
import { plexusUpTimed, writeChainsConfig, type StartupTimes } from './startup.js'
import { sleep } from './rpc.js'

export type ScaleResult = {
  /** `plexus up` with 16 chains, fresh datadir → "network is up". */
  startup16: (StartupTimes & { phasesMs: Record<string, number> | null }) | null
  /** 32 idle chains, 250 ms slots. */
  idle32: {
    chains: number
    slotTimeMs: number
    seconds: number
    slots: number
    onTime: number
    onTimeShare: number
    rateShare: number
    /** Slot commit delay past its scheduled start, ms: p50, p99, max. */
    lateMs: { p50: number; p99: number; max: number }
  } | null
  error?: string
}

let running: PlexusNetwork | undefined

/** Stops the network the punctuality part runs (SIGINT of the bench). */
export async function stopScale(): Promise<void> {
  await running?.stop()
}

export async function runScale(opts: { runs: number; seconds: number; log: (line: string) => void }): Promise<ScaleResult> {
  const result: ScaleResult = { startup16: null, idle32: null }
  const dir = mkdtempSync(path.join(tmpdir(), 'plexus-bench-scale-'))
  try {
    const runs: { ms: number; phases: Record<string, number> | null }[] = []
    for (let i = 0; i < opts.runs; i++) {
      const config = await writeChainsConfig(path.join(dir, `up16-${i}.yaml`), 16)
      runs.push(await plexusUpTimed(config, path.join(dir, `up16-${i}`)))
      opts.log(`  16 chains, plexus up ${i + 1}: ${(runs[i]!.ms / 1000).toFixed(2)} s`)
    }
    const sorted = [...runs].sort((a, b) => a.ms - b.ms)
    const median = sorted[Math.floor(sorted.length / 2)]!
    result.startup16 = { runsMs: runs.map((r) => Math.round(r.ms)), medianMs: Math.round(median.ms), phasesMs: median.phases }
    result.idle32 = await idleSlots(32, opts.seconds, path.join(dir, 'idle32'), opts.log)
  } catch (err) {
    result.error = (err as Error).message
    opts.log(`  failed: ${result.error}`)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  return result
}

async function idleSlots(chains: number, seconds: number, datadir: string, log: (line: string) => void): Promise<NonNullable<ScaleResult['idle32']>> {
  const slotTimeMs = 250
  const network = (running = new PlexusNetwork({
    datadir,
    l1: devL1Options({ embedded: { port: 0, blockTimeSeconds: 2 } }),
    chains: Array.from({ length: chains }, (_, i) => devChainOptions(i, { rpcPort: 0, slotTimeMs })),
    admin: false,
    logger: silentLogger(),
  }))
  await network.start()
  try {
    const seen = new Map<bigint, { count: number; at: number }>()
    const WARMUP_BLOCKS = 8n
    while (network.nodes.some((n) => n.chain.headHeader().number < WARMUP_BLOCKS)) await sleep(50)
    const from = network.nodes.reduce((m, n) => (n.chain.headHeader().number > m ? n.chain.headHeader().number : m), 0n) + 1n
    for (const node of network.nodes) {
      node.chain.onBlock((block) => {
        const n = block.header.number
        if (n < from) return
        const s = seen.get(n) ?? { count: 0, at: 0 }
        s.count++
        s.at = performance.now()
        seen.set(n, s)
      })
    }
    await sleep(seconds * 1000)
    const committed = [...seen.entries()].filter(([, s]) => s.count === chains).sort((a, b) => (a[0] < b[0] ? -1 : 1))
    if (committed.length < 2) throw new Error(`only ${committed.length} slots committed on every chain in ${seconds} s`)
    const [firstN] = committed[0]!
    // The strictest grid consistent with the commits: no slot committed before its start.
    const gridStart = Math.min(...committed.map(([n, s]) => s.at - Number(n - firstN) * slotTimeMs))
    const late = committed.map(([n, s]) => s.at - (gridStart + Number(n - firstN) * slotTimeMs))
    const onTime = late.filter((ms) => ms <= slotTimeMs).length
    const windowMs = committed[committed.length - 1]![1].at - gridStart
    const due = Math.max(committed.length, Math.floor(windowMs / slotTimeMs))
    const sortedLate = [...late].sort((a, b) => a - b)
    const pct = (p: number) => Math.round(sortedLate[Math.min(sortedLate.length - 1, Math.floor(p * sortedLate.length))]!)
    const r = {
      chains,
      slotTimeMs,
      seconds,
      slots: committed.length,
      onTime,
      onTimeShare: Math.round((onTime / committed.length) * 1000) / 1000,
      rateShare: Math.round((committed.length / due) * 1000) / 1000,
      lateMs: { p50: pct(0.5), p99: pct(0.99), max: Math.round(sortedLate[sortedLate.length - 1]!) },
    }
    log(`  ${chains} idle chains, ${slotTimeMs} ms slots, ${seconds} s: ${r.slots} slots, ${r.onTime} on time (${(r.onTimeShare * 100).toFixed(1)}%), rate ${(r.rateShare * 100).toFixed(1)}% of due; delay p50 ${r.lateMs.p50} ms, p99 ${r.lateMs.p99} ms`)
    return r
  } finally {
    await network.stop()
    running = undefined
  }
}
