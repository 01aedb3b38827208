import path from 'node:path'
import type { Hex } from 'viem'
import { devAccounts } from '../../execution/genesis.js'
import { ephemeralDatadir } from '../../node/datadir.js'
import { PlexusNetwork, type NetworkChainOptions } from '../../node/network.js'
import { DEFAULT_GAS_LIMIT, DEFAULT_SLOT_TIME_MS } from '../../node/options.js'
import { ConfigError } from '../../primitives/errors.js'
import { createLogger, type LogLevel } from '../../primitives/logger.js'
import { DEFAULT_DATADIR } from './node.js'

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
  host?: string
  logLevel?: LogLevel
}

/** The dev network's defaults (the ecosystem's conventions: L1 900 on 8545, rollups 901… on 9545…). */
export const DEV_L1_CHAIN_ID = 900
export const DEV_L1_PORT = 8545
export const DEV_L2_FIRST_CHAIN_ID = 901
export const DEV_L2_FIRST_PORT = 9545
/** The dev deployer: the test mnemonic's last funded account, so account 0 stays the user's. */
export const DEV_DEPLOYER_INDEX = 9

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
  if (opts.l1Key && !/^0x[0-9a-fA-F]{64}$/.test(opts.l1Key)) throw new ConfigError('--l1-key', 'must be a 0x-prefixed 32-byte hex private key')
  const host = opts.host ?? '127.0.0.1'
  const count = opts.chains ?? 2
  const chains: NetworkChainOptions[] = Array.from({ length: count }, (_, i) => ({
    chainId: DEV_L2_FIRST_CHAIN_ID + i,
    rpcHost: host,
    rpcPort: DEV_L2_FIRST_PORT + i,
    slotTimeMs: opts.blockTime ?? DEFAULT_SLOT_TIME_MS,
    gasLimit: DEFAULT_GAS_LIMIT,
    challengeWindowSeconds: opts.challengeWindow ?? 12,
    outputIntervalBlocks: 8,
    maxBatchBytes: 120_000,
  }))
  const network = new PlexusNetwork({
    datadir,
    l1: {
      rpcUrl: opts.l1Rpc,
      embedded: { host, port: opts.l1Port ?? DEV_L1_PORT, chainId: DEV_L1_CHAIN_ID, blockTimeSeconds: opts.l1BlockTime ?? 2 },
      deployerKey: (opts.l1Key ?? devAccounts()[DEV_DEPLOYER_INDEX]!.privateKey) as Hex,
      confirmations: opts.l1Rpc ? 2 : 0,
      pollMs: 500,
      roleFunding: 10n ** 19n,
    },
    chains,
    logger,
  })

  let stopping = false
  const shutdown = (signal: string) => {
    if (stopping) return
    stopping = true
    logger.info({ signal }, 'shutting down')
    network
      .stop()
      .catch((err) => logger.error({ err }, 'error during shutdown'))
      .finally(() => {
        eph?.cleanup()
        process.exit(0)
      })
  }
  process.on('SIGINT', () => shutdown('SIGINT'))
  process.on('SIGTERM', () => shutdown('SIGTERM'))

  try {
    await network.start()
  } catch (err) {
    eph?.cleanup()
    throw err
  }
  const lines = [
    '',
    '  Plexus network is up',
    `  L1 (chain ${network.deployment.l1ChainId})${' '.repeat(10)}${network.l1Url}${opts.l1Rpc ? '' : '  (embedded anvil)'}`,
    ...network.nodes.map((n) => `  L2 chain ${n.chain.chainId}           ${n.rpcUrl()}`),
    `  L1 contracts            ${Object.entries(network.deployment.contracts).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `  Data                    ${eph ? `${datadir} (ephemeral)` : datadir}`,
    '',
    '  Dev accounts (funded on every chain; mnemonic "test test test test test test test test test test test junk"):',
    ...devAccounts().map((a, i) => `  (${i}) ${a.address}  ${a.privateKey}`),
    '',
  ]
  process.stderr.write(lines.join('\n') + '\n')
}
