import type { Hex } from 'viem'
import { ConfigError } from '../../primitives/errors.js'
import type { LogFormat, LogLevel } from '../../primitives/logger.js'
import type { DataAvailability } from '../../settlement/networkBatcher.js'
import type { ChainConfig, PlexusConfig } from './schema.js'
import { DEFAULT_CHAIN_COUNT } from './toNetworkOptions.js'

/** The `plexus up` flags that describe the network (already parsed and checked by the CLI). */
export interface NetworkFlags {
  datadir?: string
  l1Rpc?: string
  l1Key?: Hex
  l1Port?: number
  l1BlockTime?: number
  l1Beacon?: string
  chains?: number
  blockTime?: number
  challengeWindow?: number
  /** Run a real L1 with a challenge window under the minimum (`acceptShortChallengeWindow` on every chain). */
  acceptShortChallengeWindow?: boolean
  da?: DataAvailability
  /** `--executors thread`: each chain in a worker thread of its own. */
  executors?: 'inline' | 'thread'
  host?: string
  logLevel?: LogLevel
  logFormat?: LogFormat
  /** `--no-dev-methods`: false closes anvil's dev methods on a dev network. */
  devMethods?: boolean
  /** `--rpc-expose debug,operator`: restricted method groups on every chain's RPC. */
  rpcExpose?: string[]
  /** `--rpc-cors <origins>`: more browser origins allowed on every chain's RPC. */
  rpcCors?: string[]
}

/**
 * The config with `plexus up`'s explicit flags laid over it: a flag wins over the file.
 * Flags about every chain (`--block-time`, `--challenge-window`, `--host`, `--rpc-expose`,
 * `--rpc-cors`) set that field
 * on each chain (and `--host` on the embedded L1); `--l1-rpc` replaces an embedded L1.
 * Flags that contradict the file rather than override it (`--chains` with a file that
 * lists chains, `--l1-port` with an L1 RPC) are errors. Pure: the caller checks the
 * result again (`checkNetwork`).
 */
export function withFlags(config: PlexusConfig, flags: NetworkFlags): PlexusConfig {
  if (flags.chains !== undefined && config.chains !== undefined) {
    throw new ConfigError('--chains', `the config file lists ${config.chains.length} chain(s); edit its chains instead of passing --chains`)
  }
  const out: PlexusConfig = { ...config }
  if (flags.datadir !== undefined) out.datadir = flags.datadir
  if (flags.logLevel !== undefined) out.logLevel = flags.logLevel
  if (flags.logFormat !== undefined) out.logFormat = flags.logFormat
  if (flags.devMethods === false) out.devMethods = false
  if (flags.da !== undefined) out.da = flags.da
  if (flags.executors !== undefined) out.executors = flags.executors

  let l1 = { ...(config.l1 ?? {}) }
  const embeddedFlag = flags.l1Port !== undefined ? '--l1-port' : flags.l1BlockTime !== undefined ? '--l1-block-time' : undefined
  if (embeddedFlag && (flags.l1Rpc !== undefined || l1.rpcUrl !== undefined)) {
    throw new ConfigError(embeddedFlag, `configures the embedded L1, but ${flags.l1Rpc !== undefined ? '--l1-rpc' : 'the config file\'s l1.rpcUrl'} names an L1 RPC; drop one of them`)
  }
  if (flags.l1Rpc !== undefined) {
    const { embedded: _embedded, ...rest } = l1
    l1 = { ...rest, rpcUrl: flags.l1Rpc }
  } else if (l1.rpcUrl === undefined && (embeddedFlag || flags.host !== undefined)) {
    l1.embedded = {
      ...(l1.embedded ?? {}),
      ...(flags.l1Port !== undefined ? { port: flags.l1Port } : {}),
      ...(flags.l1BlockTime !== undefined ? { blockTime: flags.l1BlockTime } : {}),
      ...(flags.host !== undefined ? { host: flags.host } : {}),
    }
  }
  if (flags.l1Key !== undefined) l1.deployerKey = flags.l1Key
  if (flags.l1Beacon !== undefined) l1.beaconUrl = flags.l1Beacon
  if (Object.keys(l1).length > 0) out.l1 = l1

  const rpcFlags = {
    ...(flags.rpcExpose !== undefined ? { expose: flags.rpcExpose } : {}),
    ...(flags.rpcCors !== undefined ? { corsOrigins: flags.rpcCors } : {}),
  }
  const hasRpcFlags = Object.keys(rpcFlags).length > 0
  if (hasRpcFlags) out.rpc = { ...(config.rpc ?? {}), ...rpcFlags }

  const chains: ChainConfig[] = config.chains ?? Array.from({ length: flags.chains ?? DEFAULT_CHAIN_COUNT }, () => ({}))
  out.chains = chains.map((c) => ({
    ...c,
    ...(flags.blockTime !== undefined ? { slotTime: flags.blockTime } : {}),
    ...(flags.challengeWindow !== undefined ? { challengeWindow: flags.challengeWindow } : {}),
    ...(flags.acceptShortChallengeWindow ? { acceptShortChallengeWindow: true } : {}),
    ...(flags.host !== undefined || hasRpcFlags ? { rpc: { ...(c.rpc ?? {}), ...(flags.host !== undefined ? { host: flags.host } : {}), ...rpcFlags } } : {}),
  }))
  return out
}
