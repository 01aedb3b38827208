import path from 'node:path'
import { PlexusNode } from '../../node/node.js'
import {
  DEFAULT_CHAIN_ID,
  DEFAULT_FEE_VAULT,
  DEFAULT_GAS_LIMIT,
  DEFAULT_SLOT_TIME_MS,
} from '../../node/options.js'
import { devGenesis, loadGenesisFile, type GethGenesis } from '../../execution/genesis.js'
import { createLogger, type LogFormat, type LogLevel } from '../../primitives/logger.js'
import { devAccountLines, serveUntilSignal } from '../serve.js'
import { DEFAULT_DATADIR, loadConfig, rpcSettings, type PlexusConfig } from '../config/index.js'
import { chainDir, ephemeralDatadir, saveGenesis, storedChainIds, storedGenesis } from '../../node/datadir.js'

export interface NodeCommandOptions {
  config?: string
  datadir?: string
  ephemeral?: boolean
  genesis?: string
  chainId?: number
  blockTime?: number
  gasLimit?: number
  host?: string
  port?: number
  logLevel?: LogLevel
  logFormat?: LogFormat
}

export { DEFAULT_DATADIR }

/** `plexus node`: one standalone chain (no L1), served until SIGINT/SIGTERM. */
export async function runNode(opts: NodeCommandOptions): Promise<void> {
  const config: PlexusConfig = opts.config ? loadConfig(opts.config) : {}
  const logger = createLogger(opts.logLevel ?? (config.logLevel as LogLevel | undefined) ?? 'info', undefined, opts.logFormat ?? (config.logFormat as LogFormat | undefined))
  const eph = opts.ephemeral ? ephemeralDatadir() : undefined
  const datadir = path.resolve(eph?.datadir ?? opts.datadir ?? config.datadir ?? DEFAULT_DATADIR)
  const gasLimit = BigInt(opts.gasLimit ?? config.chain?.gasLimit ?? DEFAULT_GAS_LIMIT)

  const genesis = resolveGenesis(datadir, opts, config, gasLimit)
  saveGenesis(datadir, genesis)
  const chainId = genesis.config.chainId
  const node = new PlexusNode({
    datadir: path.join(chainDir(datadir, chainId), 'db'),
    genesis,
    slotTimeMs: opts.blockTime ?? config.chain?.slotTimeMs ?? DEFAULT_SLOT_TIME_MS,
    feeRecipient: (config.chain?.feeRecipient ?? DEFAULT_FEE_VAULT) as `0x${string}`,
    gasLimit,
    rpc: { ...rpcSettings(config.chain?.rpc ?? {}).rpc, host: opts.host ?? config.chain?.rpc?.host ?? '127.0.0.1', port: opts.port ?? config.chain?.rpc?.port ?? 9545 },
    rpcLimits: rpcSettings(config.chain?.rpc ?? {}).rpcLimits,
    produceBlocks: true,
    logger,
  })

  await serveUntilSignal(node, logger, eph?.cleanup)
  printBanner(node, datadir, eph !== undefined)
}

function resolveGenesis(datadir: string, opts: NodeCommandOptions, config: PlexusConfig, gasLimit: bigint): GethGenesis {
  const file = opts.genesis ?? config.chain?.genesis
  if (file) return loadGenesisFile(file)
  const stored = storedChainIds(datadir)
  const chainId =
    opts.chainId ?? config.chain?.chainId ?? (stored.length === 1 ? stored[0]! : DEFAULT_CHAIN_ID)
  return storedGenesis(datadir, chainId) ?? devGenesis({ chainId, gasLimit })
}

function printBanner(node: PlexusNode, datadir: string, ephemeral: boolean): void {
  const lines = [
    '',
    `  Plexus chain ${node.chain.chainId} is up`,
    `  RPC (HTTP + WebSocket)  ${node.rpcUrl()}`,
    `  Metrics                 ${node.rpcUrl()}/metrics`,
    `  Data                    ${ephemeral ? `${datadir} (ephemeral)` : datadir}`,
    '',
    ...devAccountLines(),
    '',
  ]
  process.stderr.write(lines.join('\n') + '\n')
}
