import path from 'node:path'
import { ephemeralDatadir } from '../../node/datadir.js'
import { restoreSnapshot, snapshotChains } from '../../node/snapshot.js'
import { devChainOptions, devL1Options, PlexusNetwork } from '../../node/network.js'
import type { DataAvailability } from '../../settlement/networkBatcher.js'
import { ConfigError } from '../../primitives/errors.js'
import { privateKeyFlag } from '../flags.js'
import { createLogger, type LogLevel } from '../../primitives/logger.js'
import { DEFAULT_DATADIR } from './node.js'
import { devAccountLines, serveUntilSignal } from '../serve.js'

export interface UpOptions {
  datadir?: string
  ephemeral?: boolean
  l1Rpc?: string
  l1Key?: string
  l1Port?: number
  l1BlockTime?: number
  chains?: number
  blockTime?: number
  challengeWindow?: number
  da?: DataAvailability
  l1Beacon?: string
  host?: string
  fromSnapshot?: string
  logLevel?: LogLevel
}

/**
 * `plexus up`: the default network — an L1 (embedded anvil, or `--l1-rpc`) and rollups
 * 901 and 902 settled on it — served until SIGINT/SIGTERM.
 */
export async function up(opts: UpOptions): Promise<void> {
  const logger = createLogger(opts.logLevel ?? 'info')
  const eph = opts.ephemeral ? ephemeralDatadir() : undefined
  const datadir = path.resolve(eph?.datadir ?? opts.datadir ?? DEFAULT_DATADIR)
  if (opts.l1Rpc && !opts.l1Key) {
    throw new ConfigError('--l1-key', 'required with --l1-rpc: the key that deploys the L1 contracts and funds the batcher and proposer')
  }
  const host = opts.host ?? '127.0.0.1'
  const count = opts.chains ?? 2
  // A snapshot brings its own chains (and the embedded L1's state) into the new datadir.
  const snapshot = opts.fromSnapshot ? restoreSnapshot(opts.fromSnapshot, datadir) : undefined
  const chains = snapshot ? snapshotChains(snapshot) : Array.from({ length: count }, (_, i) =>
    devChainOptions(i, {
      rpcHost: host,
      ...(opts.blockTime !== undefined ? { slotTimeMs: opts.blockTime } : {}),
      ...(opts.challengeWindow !== undefined ? { challengeWindowSeconds: opts.challengeWindow } : {}),
    }),
  )
  const network = new PlexusNetwork({
    datadir,
    l1: devL1Options({
      rpcUrl: opts.l1Rpc,
      embedded: {
        host,
        ...(opts.l1Port !== undefined ? { port: opts.l1Port } : {}),
        ...(opts.l1BlockTime !== undefined ? { blockTimeSeconds: opts.l1BlockTime } : {}),
        ...(snapshot?.l1.kind === 'embedded' ? { chainId: snapshot.l1.chainId, blockTimeSeconds: snapshot.l1.blockTimeSeconds } : {}),
      },
      ...(opts.l1Key ? { deployerKey: privateKeyFlag('--l1-key', opts.l1Key) } : {}),
      confirmations: opts.l1Rpc ? 2 : 0,
      beaconUrl: opts.l1Beacon,
    }),
    chains,
    ...(opts.da !== undefined ? { da: opts.da } : {}),
    logger,
  })

  await serveUntilSignal(network, logger, eph?.cleanup)
  const lines = [
    '',
    '  Plexus network is up',
    `  L1 (chain ${network.deployment.l1ChainId})${' '.repeat(10)}${network.l1Url}${opts.l1Rpc ? '' : '  (embedded anvil)'}`,
    ...network.nodes.map((n) => `  L2 chain ${n.chain.chainId}           ${n.rpcUrl()}`),
    `  L1 contracts            ${Object.entries(network.deployment.contracts).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `  Data                    ${eph ? `${datadir} (ephemeral)` : datadir}`,
    '',
    ...devAccountLines(),
    '',
  ]
  process.stderr.write(lines.join('\n') + '\n')
}
