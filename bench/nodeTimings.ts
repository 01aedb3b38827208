/**
 * Where a Plexus node spent its time during a run, from its own Prometheus metrics:
 * block building by phase and RPC by method (sums of the histograms, diffed over the
 * run). Lets the benchmark say what the main thread did, not just how fast it was.
 */
export type Timings = Record<string, number>

export async function readTimings(rpcUrl: string): Promise<Timings | undefined> {
  try {
    const res = await fetch(`${rpcUrl}/metrics`)
    if (!res.ok) return undefined
    return parse(await res.text())
  } catch {
    return undefined
  }
}

function parse(text: string): Timings {
  const out: Timings = {}
  for (const line of text.split('\n')) {
    let m = /^plexus_block_phase_seconds_sum\{phase="(\w+)"\} ([\d.e+-]+)$/.exec(line)
    if (m) out[`build:${m[1]}`] = Number(m[2])
    m = /^plexus_rpc_request_duration_seconds_sum\{method="(\w+)",ok="\w+"\} ([\d.e+-]+)$/.exec(line)
    if (m) out[`rpc:${m[1]}`] = (out[`rpc:${m[1]}`] ?? 0) + Number(m[2])
  }
  return out
}

/** after − before, in seconds, largest first. */
export function diffTimings(before: Timings, after: Timings): [string, number][] {
  return Object.entries(after)
    .map(([k, v]) => [k, v - (before[k] ?? 0)] as [string, number])
    .filter(([, v]) => v > 0.0005)
    .sort((a, b) => b[1] - a[1])
}
