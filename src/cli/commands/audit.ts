import { formatEther } from 'viem'
import { callAdmin, networkDatadir, type NetworkTarget } from '../adminClient.js'
import { formatTable } from '../table.js'

interface ChainRow {
  chainId: string
  l2Supply: string
  inFlightToL1: string
  backing: string
  surplus: string
  ok: boolean
}

interface Audit {
  ok: boolean
  l1Block: string
  portalEthBalance: string
  assets: { asset: string; kind: string; l2Supply: string; l1Escrow: string; inFlightToL1: string; surplus: string; ok: boolean; chains: ChainRow[] }[]
}

/** A hex quantity (maybe negative) as a decimal amount of 18-decimal units. */
function amount(q: string): string {
  const negative = q.startsWith('-')
  const v = BigInt(negative ? q.slice(1) : q)
  return `${negative ? '-' : ''}${formatEther(v)}`
}

/**
 * `plexus audit`: every asset's L2 supply against the L1 escrow backing it, per chain and
 * for the network (amounts in 18-decimal units). Exits 1 if any chain is not backed.
 */
export async function audit(opts: NetworkTarget & { json?: boolean }): Promise<void> {
  const a = (await callAdmin(networkDatadir(opts), 'admin_audit')) as Audit
  if (opts.json) {
    process.stdout.write(JSON.stringify(a, null, 2) + '\n')
  } else {
    process.stdout.write(`L1 block ${BigInt(a.l1Block)}   Portal ETH balance ${amount(a.portalEthBalance)}\n`)
    const rows: string[][] = []
    for (const asset of a.assets) {
      rows.push([asset.asset, 'network', amount(asset.l2Supply), amount(asset.inFlightToL1), amount(asset.l1Escrow), amount(asset.surplus), asset.ok ? 'ok' : 'NOT BACKED'])
      for (const c of asset.chains) rows.push(['', String(BigInt(c.chainId)), amount(c.l2Supply), amount(c.inFlightToL1), amount(c.backing), amount(c.surplus), c.ok ? 'ok' : 'NOT BACKED'])
    }
    process.stdout.write(formatTable(['asset', 'chain', 'L2 supply', 'in flight to L1', 'L1 backing', 'surplus', ''], rows))
    process.stdout.write(a.ok ? 'every asset is backed by L1 escrow\n' : 'SOME ASSET IS NOT BACKED BY L1 ESCROW\n')
  }
  if (!a.ok) process.exitCode = 1
}
