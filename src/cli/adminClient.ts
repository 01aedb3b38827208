import path from 'node:path'
import { adminFile, readAdminRecord } from '../node/adminEndpoint.js'
import { BaseError, ConfigError } from '../primitives/errors.js'
import { DEFAULT_DATADIR } from './commands/node.js'
import { loadConfig } from './config/load.js'

/** How a command names the running network it acts on: its datadir, or the config file that started it. */
export interface NetworkTarget {
  datadir?: string
  config?: string
}

/**
 * The datadir of the network a command acts on: `--datadir`, else the `datadir` of the
 * `--config` file (the one `plexus up --config` used), else ./.plexus. Both at once is
 * ambiguous and refused rather than guessed.
 */
export function networkDatadir(target: NetworkTarget): string | undefined {
  if (target.datadir !== undefined && target.config !== undefined) {
    throw new ConfigError('--config', 'give either --datadir or --config (whose datadir names the network), not both')
  }
  if (target.config === undefined) return target.datadir
  return loadConfig(target.config).datadir ?? DEFAULT_DATADIR
}

/** The RPC URL of `chainId`, as the network running on the target lists its chains. */
export async function chainRpcUrl(target: NetworkTarget, chainId: number): Promise<string> {
  const chains = (await callAdmin(networkDatadir(target), 'admin_chains')) as { chainId: number; rpcUrls: { http: string[] } }[]
  const url = chains.find((c) => c.chainId === chainId)?.rpcUrls.http[0]
  if (!url) throw new ConfigError('--chain', `no chain ${chainId} in the running network (it has ${chains.map((c) => c.chainId).join(', ')}); see \`plexus chains\``)
  return url
}

/**
 * Calls a method of the network running on `datadir` through its local admin endpoint
 * (see `AdminEndpoint`). Fails with a clear message when no network runs there.
 */
export async function callAdmin(datadirFlag: string | undefined, method: string, params: unknown[] = []): Promise<unknown> {
  const datadir = path.resolve(datadirFlag ?? DEFAULT_DATADIR)
  const file = adminFile(datadir)
  const record = readAdminRecord(file)
  const notRunning = (why: string) =>
    new BaseError(`no Plexus network is running in ${datadir} (${why})`, { details: `start one with \`plexus up --datadir ${datadirFlag ?? DEFAULT_DATADIR}\`, or pass the --datadir of the running one` })
  if (!record) throw notRunning(`no ${path.basename(file)} there`)
  let res: Response
  try {
    res = await fetch(record.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${record.token}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
      // Adding a chain waits for its registration on L1 and its first slot.
      signal: AbortSignal.timeout(300_000),
    })
  } catch {
    throw notRunning(`${file} names ${record.url}, but nothing answers there: the network that wrote it has stopped`)
  }
  if (res.status === 401) throw notRunning(`${file} belongs to another process`)
  const body = (await res.json()) as { result?: unknown; error?: { message: string; data?: { name?: string; path?: string; message?: string } } }
  if (body.error) {
    const data = body.error.data
    if (data?.name === 'ConfigError' && data.path) throw new ConfigError(data.path, data.message ?? body.error.message)
    throw new BaseError(body.error.message)
  }
  return body.result
}
