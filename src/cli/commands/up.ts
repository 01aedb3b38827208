import path from 'node:path'
import { ephemeralDatadir } from '../../node/datadir.js'
import { restoreSnapshot } from '../../node/snapshot.js'
import { PlexusNetwork } from '../../node/network.js'
import { chainName } from '../../node/networkOptions.js'
import type { DataAvailability } from '../../settlement/networkBatcher.js'
import { ConfigError } from '../../primitives/errors.js'
import { privateKeyFlag } from '../flags.js'
import { createLogger, type LogFormat, type LogLevel } from '../../primitives/logger.js'
import { checkNetwork, loadConfig, parseConfig, toNetworkOptions, withFlags } from '../config/index.js'
import { devAccountLines, serveUntilSignal } from '../serve.js'

export interface UpOptions {
  config?: string
  datadir?: string
  ephemeral?: boolean
  l1Rpc?: string
  l1Key?: string
  l1Port?: number
  l1BlockTime?: number
  chains?: number
  blockTime?: number
  challengeWindow?: number
  acceptShortChallengeWindow?: boolean
  da?: DataAvailability
  l1Beacon?: string
  host?: string
  /** `--rpc-expose`: restricted method groups (checked by the flag parser). */
  rpcExpose?: string[]
  /** `--rpc-cors`: more allowed browser origins (checked by the flag parser). */
  rpcCors?: string[]
  /** Port of the web dashboard (default 8420); `dashboard: false` turns it off (--no-dashboard). */
  dashboardPort?: number
  dashboard?: boolean
  /** `--abi-dir` (repeatable): compiled contracts the dashboard decodes, with the config's `abiDirs`. */
  abiDir?: string[]
  fromSnapshot?: string
  logLevel?: LogLevel
  logFormat?: LogFormat
  /** Hidden: let the admin endpoint arm faults (the fault suite). */
  faultInjection?: boolean
}

function pickRpc(c: { rpc?: unknown; rpcLimits?: unknown } | undefined): Record<string, unknown> {
  return { ...(c?.rpc ? { rpc: c.rpc } : {}), ...(c?.rpcLimits ? { rpcLimits: c.rpcLimits } : {}) }
}

/** The dashboard's default port. */
export const DEFAULT_DASHBOARD_PORT = 8420

/**
 * `plexus up`: the network a config file describes (`--config`), or the default one —
 * an L1 (embedded anvil, or `--l1-rpc`) and rollups 901 and 902 settled on it — served
 * until SIGINT/SIGTERM. Explicit flags override the file.
 */
export async function up(opts: UpOptions): Promise<void> {
  if (opts.config && opts.fromSnapshot) {
    throw new ConfigError('--from-snapshot', 'cannot be combined with --config: a snapshot brings its own network; start it with --from-snapshot and --datadir only')
  }
  const file = opts.config ? loadConfig(opts.config) : parseConfig({})
  if (opts.l1Rpc && !opts.l1Key && !file.l1?.deployerKey) {
    throw new ConfigError('--l1-key', 'required with --l1-rpc: the key that deploys the L1 contracts and funds the batcher and proposer')
  }
  const config = withFlags(file, {
    ...opts,
    ...(opts.datadir !== undefined ? { datadir: path.resolve(opts.datadir) } : {}),
    l1Key: opts.l1Key ? privateKeyFlag('--l1-key', opts.l1Key) : undefined,
  })
  const issues = checkNetwork(config)
  if (issues.length > 0) throw ConfigError.of(issues)

  const logger = createLogger(config.logLevel ?? 'info', undefined, config.logFormat)
  const eph = opts.ephemeral ? ephemeralDatadir() : undefined
  const options = toNetworkOptions(config)
  const datadir = path.resolve(eph?.datadir ?? options.datadir)
  // A snapshot brings its own chains (and the embedded L1's state) into the new datadir.
  const snapshot = opts.fromSnapshot ? restoreSnapshot(opts.fromSnapshot, datadir) : undefined
  const network = new PlexusNetwork({
    ...options,
    datadir,
    // The dashboard listens where the chains' RPC does.
    ...(opts.dashboard === false
      ? {}
      : {
          dashboard: {
            host: opts.host ?? options.chains[0]?.rpcHost ?? '127.0.0.1',
            port: opts.dashboardPort ?? DEFAULT_DASHBOARD_PORT,
            abiDirs: [...(opts.abiDir ?? []).map((d) => path.resolve(d)), ...(file.abiDirs ?? [])],
          },
        }),
    logger,
    ...(opts.faultInjection ? { faultInjection: true } : {}),
    // the snapshot's chains, served with the RPC settings the flags ask for
    ...(snapshot ? { chains: snapshot.chains.map((c) => ({ ...c, ...pickRpc(options.chains[0]) })) } : {}),
    ...(snapshot?.l1.kind === 'embedded'
      ? { l1: { ...options.l1, embedded: { ...options.l1.embedded, chainId: snapshot.l1.chainId, blockTimeSeconds: snapshot.l1.blockTimeSeconds } } }
      : {}),
  })
  const rpcL1 = options.l1.rpcUrl !== undefined

  await serveUntilSignal(network, logger, eph?.cleanup)
  const lines = [
    '',
    '  Plexus network is up',
    `  L1 (chain ${network.deployment.l1ChainId})${' '.repeat(10)}${network.l1Url}${rpcL1 ? '' : '  (embedded anvil)'}`,
    ...network.chains().map((c) => `  L2 chain ${c.chainId}           ${network.networkChain(c.chainId).rpcUrl()}  ${chainName(c)}`),
    ...(network.dashboardUrl ? [`  Dashboard               ${network.dashboardUrl}`] : []),
    `  L1 contracts            ${Object.entries(network.deployment.contracts).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `  Data                    ${eph ? `${datadir} (ephemeral)` : datadir}`,
    '',
    ...devAccountLines(),
    '',
  ]
  process.stderr.write(lines.join('\n') + '\n')
}
