import { ConfigError } from '../../primitives/errors.js'
import { callAdmin, networkDatadir, type NetworkTarget } from '../adminClient.js'
import { formatTable } from '../table.js'

interface ChainRow {
  chainId: number
  name: string
  rpcUrls: { http: string[] }
  head: { number: string; hash: string }
}

/** `plexus chains`: every chain of the running network with its RPC URL and head. */
export async function chains(opts: NetworkTarget & { json?: boolean }): Promise<void> {
  const rows = (await callAdmin(networkDatadir(opts), 'admin_chains')) as ChainRow[]
  if (opts.json) {
    process.stdout.write(JSON.stringify(rows.map((r) => ({ chainId: r.chainId, name: r.name, rpcUrl: r.rpcUrls.http[0], head: Number(BigInt(r.head.number)), headHash: r.head.hash })), null, 2) + '\n')
    return
  }
  process.stdout.write(
    formatTable(
      ['chain id', 'name', 'rpc', 'head'],
      rows.map((r) => [String(r.chainId), r.name, r.rpcUrls.http[0] ?? '', BigInt(r.head.number).toString()]),
    ),
  )
}

/** `plexus chain add`: adds a chain to the running network and prints it once it builds blocks. */
export async function chainAdd(opts: NetworkTarget & { name?: string; chainId?: number; port?: number; configOverrides?: string; json?: boolean }): Promise<void> {
  let overrides: Record<string, unknown> = {}
  if (opts.configOverrides) {
    try {
      overrides = JSON.parse(opts.configOverrides) as Record<string, unknown>
    } catch (err) {
      throw new ConfigError('--config-overrides', `must be a JSON object, e.g. '{"gasLimit": 30000000}' (${(err as Error).message})`)
    }
  }
  const params = {
    ...overrides,
    ...(opts.name !== undefined ? { name: opts.name } : {}),
    ...(opts.chainId !== undefined ? { chainId: opts.chainId } : {}),
    ...(opts.port !== undefined ? { rpcPort: opts.port } : {}),
  }
  const chain = (await callAdmin(networkDatadir(opts), 'admin_addChain', [params])) as ChainRow
  if (opts.json) {
    process.stdout.write(JSON.stringify(chain, null, 2) + '\n')
    return
  }
  process.stdout.write(`chain ${chain.chainId} (${chain.name}) joined the network: ${chain.rpcUrls.http[0]}, head ${BigInt(chain.head.number)}\n`)
}
