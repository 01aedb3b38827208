import path from 'node:path'
import { devRegistryAddress } from '../../node/networkOptions.js'
import { PlexusReplica } from '../../node/replica.js'
import { ConfigError } from '../../primitives/errors.js'
import { createLogger, type LogFormat, type LogLevel } from '../../primitives/logger.js'
import { loadConfig, type PlexusConfig } from '../config/index.js'
import { addressFlag } from '../flags.js'
import { serveUntilSignal } from '../serve.js'

export interface ReplicaCommandOptions {
  config?: string
  l1?: string
  registry?: string
  l1Beacon?: string
  datadir?: string
  host?: string
  port?: number
  logLevel?: LogLevel
  logFormat?: LogFormat
}

export const DEFAULT_REPLICA_DATADIR = './.plexus-replica'
/** Replica RPC ports sit 100 above the dev network's sequencer ports (9545 → 9645). */
export const DEFAULT_REPLICA_PORT = 9645

/**
 * `plexus replica`: rebuilds every chain of the network from L1 data alone (no
 * sequencer), derived together from the network batches, serves each chain's JSON-RPC
 * (the i-th chain by chain id on `--port` + i) and checks every posted output root;
 * served until SIGINT/SIGTERM.
 */
export async function replica(opts: ReplicaCommandOptions): Promise<void> {
  const config: PlexusConfig['replica'] = opts.config ? loadConfig(opts.config).replica : undefined
  const l1RpcUrl = opts.l1 ?? config?.l1RpcUrl
  if (!l1RpcUrl) throw new ConfigError('--l1', 'required: the L1 JSON-RPC URL to derive the network from (e.g. http://127.0.0.1:8545)')
  const registry = opts.registry ? addressFlag('--registry', opts.registry) : (config?.registry as `0x${string}` | undefined) ?? devRegistryAddress()
  const logger = createLogger(opts.logLevel ?? 'info', undefined, opts.logFormat)
  const datadir = path.resolve(opts.datadir ?? DEFAULT_REPLICA_DATADIR)
  const node = new PlexusReplica({
    l1RpcUrl,
    registry,
    l1BeaconUrl: opts.l1Beacon,
    datadir,
    rpc: {
      host: opts.host ?? config?.rpc?.host ?? '127.0.0.1',
      port: opts.port ?? config?.rpc?.port ?? DEFAULT_REPLICA_PORT,
    },
    pollMs: 500,
    logger,
  })
  await serveUntilSignal(node, logger)
  const lines = [
    '',
    `  Plexus replica of the network is up (derived from L1 only)`,
    `  L1                      ${l1RpcUrl} (registry ${registry})`,
    ...node.nodes.map((n) => `  L2 chain ${n.chain.chainId} (HTTP + WS)  ${n.rpcUrl()}`),
    `  Data                    ${datadir}`,
    '',
  ]
  process.stderr.write(lines.join('\n') + '\n')
}
