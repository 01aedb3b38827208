import { callAdmin, networkDatadir, type NetworkTarget } from '../adminClient.js'
import { formatTable } from '../table.js'

type Head = { number: string } | null

interface Status {
  l1: { url: string; head: { number: string; hash: string } | null }
  nextSlot: string
  chains: { chainId: number; name: string; unsafe: Head; safe: Head; finalized: Head; pendingBatchBlocks: string; latestOutput: string; pendingProposals: string }[]
}

/** `plexus status`: the L1 head and each chain's unsafe / safe / finalized heads, pending batches and proposals. */
export async function status(opts: NetworkTarget & { json?: boolean }): Promise<void> {
  const s = (await callAdmin(networkDatadir(opts), 'admin_status')) as Status
  if (opts.json) {
    process.stdout.write(JSON.stringify(s, null, 2) + '\n')
    return
  }
  const n = (h: Head | string) => (h === null ? '-' : BigInt(typeof h === 'string' ? h : h.number).toString())
  process.stdout.write(`L1 ${s.l1.url}  head ${s.l1.head ? n(s.l1.head) : '-'}   next slot ${n(s.nextSlot)}\n`)
  process.stdout.write(
    formatTable(
      ['chain', 'name', 'unsafe', 'safe', 'finalized', 'unbatched blocks', 'latest output', 'pending proposals'],
      s.chains.map((c) => [String(c.chainId), c.name, n(c.unsafe), n(c.safe), n(c.finalized), n(c.pendingBatchBlocks), n(c.latestOutput), n(c.pendingProposals)]),
    ),
  )
}
