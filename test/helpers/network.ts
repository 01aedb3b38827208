import assert from 'node:assert/strict'
import { createPublicClient, http } from 'viem'
import { PlexusNetwork } from '../../src/node/network.js'
import { devChainOptions, devL1Options, type GasTokenOptions, type NetworkChainOptions } from '../../src/node/networkOptions.js'
import { createLogger, silentLogger, type LogLevel, type Logger } from '../../src/primitives/logger.js'
import { PlexusReplica } from '../../src/node/replica.js'
import type { ChannelOptions } from '../../src/settlement/derivation/channelBank.js'
import type { CheckTxFor } from '../../src/settlement/derivation/networkDerivationPipeline.js'
import type { DataAvailability } from '../../src/settlement/networkBatcher.js'
import { waitFor } from './node.js'
import { tempDir } from './tmp.js'

export interface TestNetwork {
  network: PlexusNetwork
  l1Url: string
  l2Url(chainId: number): string
  datadir: string
  stop(): Promise<void>
}

export interface TestNetworkOptions {
  chainIds?: number[]
  datadir?: string
  challengeWindowSeconds?: number
  l1BlockTimeSeconds?: number
  /** How the network batches are posted (default calldata). */
  da?: DataAvailability
  /** Keep the datadir on stop (restart tests). */
  keep?: boolean
  /** Serve the web dashboard on a free port (network.dashboardUrl). */
  dashboard?: boolean
  /** With `dashboard`: compiled-contract directories the dashboard decodes (`--abi-dir`). */
  abiDirs?: string[]
  /** Chains whose native asset is an L1 ERC-20, by chain id. */
  gasTokens?: Record<number, GasTokenOptions>
  /** An L1 already running (e.g. `startAnvil` with its own flags) instead of the embedded one. */
  l1RpcUrl?: string
  /** Every chain's RPC settings beyond host/port (e.g. `expose: ['operator']`). */
  rpc?: NetworkChainOptions['rpc']
  /** One chain's RPC settings, instead of `rpc` (e.g. debug open on one chain, closed on the other). */
  rpcByChain?: Record<number, NetworkChainOptions['rpc']>
  /** Every chain's RPC method limits (e.g. the EVM timeout). */
  rpcLimits?: NetworkChainOptions['rpcLimits']
  /** Let the test arm faults (`network.faults.arm(…)`). */
  faultInjection?: boolean
  /** false: the dev network serves no dev method (`devMethods: false`). */
  devMethods?: boolean
  /** Where each chain's executor runs (default inline: in this thread). */
  executors?: 'inline' | 'thread'
}

/** A whole network in this process: embedded anvil and rollups on free 127.0.0.1 ports. */
export async function startTestNetwork(opts: TestNetworkOptions = {}): Promise<TestNetwork> {
  const tmp = opts.datadir ? undefined : tempDir()
  const datadir = opts.datadir ?? tmp!.dir
  const chains: NetworkChainOptions[] = (opts.chainIds ?? [901]).map((chainId, i) =>
    devChainOptions(i, {
      chainId,
      rpcPort: 0,
      challengeWindowSeconds: opts.challengeWindowSeconds ?? 4,
      outputIntervalBlocks: 4,
      ...(opts.gasTokens?.[chainId] ? { gasToken: opts.gasTokens[chainId] } : {}),
      ...(opts.rpcByChain?.[chainId] ? { rpc: opts.rpcByChain[chainId] } : opts.rpc ? { rpc: opts.rpc } : {}),
      ...(opts.rpcLimits ? { rpcLimits: opts.rpcLimits } : {}),
    }),
  )
  const network = new PlexusNetwork({
    datadir,
    l1: devL1Options({
      embedded: { port: 0, blockTimeSeconds: opts.l1BlockTimeSeconds ?? 1 },
      pollMs: 200,
      ...(opts.l1RpcUrl ? { rpcUrl: opts.l1RpcUrl } : {}),
    }),
    chains,
    da: opts.da ?? 'calldata',
    ...(opts.dashboard ? { dashboard: { host: '127.0.0.1', port: 0, ...(opts.abiDirs ? { abiDirs: opts.abiDirs } : {}) } } : {}),
    ...(opts.faultInjection ? { faultInjection: true } : {}),
    ...(opts.devMethods === false ? { devMethods: false } : {}),
    ...(opts.executors ? { executors: opts.executors } : {}),
    logger: testLogger(),
  })
  await network.start()
  return {
    network,
    l1Url: network.l1Url,
    l2Url: (chainId) => network.networkChain(chainId).rpcUrl(),
    datadir,
    async stop() {
      await network.stop()
      if (!opts.keep) tmp?.cleanup()
    },
  }
}

/** PLEXUS_TEST_LOG=debug shows the logs when a test needs explaining; silent otherwise. */
function testLogger(): Logger {
  return process.env.PLEXUS_TEST_LOG ? createLogger(process.env.PLEXUS_TEST_LOG as LogLevel) : silentLogger()
}

export interface TestReplica {
  replica: PlexusReplica
  /** Stops the replica and removes its datadir. */
  stop(): Promise<void>
}

/** A replica of `net` in this process: every registered chain, a temporary datadir, free ports. */
export async function startTestReplica(net: TestNetwork, opts: { name?: string; checkTxFor?: CheckTxFor; channels?: ChannelOptions } = {}): Promise<TestReplica> {
  const tmp = tempDir()
  const replica = new PlexusReplica({
    l1RpcUrl: net.l1Url,
    registry: net.network.deployment.contracts.ChainRegistry,
    datadir: tmp.dir,
    rpc: { host: '127.0.0.1', port: 0 },
    pollMs: 200,
    checkTxFor: opts.checkTxFor,
    channels: opts.channels,
    logger: testLogger().child({ replica: opts.name ?? 'replica' }),
  })
  try {
    await replica.start()
  } catch (err) {
    tmp.cleanup()
    throw err
  }
  return {
    replica,
    async stop() {
      await replica.stop()
      tmp.cleanup()
    },
  }
}

/**
 * Waits until every chain of `chainIds` has built block `blocks`, then checks the network's
 * lockstep: slot n holds block n of every chain (all started at slot 0), all with the slot's
 * timestamp. Returns the lowest head seen (every block up to it was checked).
 */
export async function assertLockstep(net: TestNetwork, chainIds: readonly number[], blocks: bigint, timeoutMs = 60_000): Promise<bigint> {
  const client = (id: number) => createPublicClient({ transport: http(net.l2Url(id)), cacheTime: 0 })
  const target = await waitFor(async () => {
    const heads = await Promise.all(chainIds.map((id) => client(id).getBlockNumber()))
    const min = heads.reduce((a, b) => (a < b ? a : b))
    return min >= blocks ? min : undefined
  }, timeoutMs, `${chainIds.length} chains at block ${blocks}`)
  for (let n = 1n; n <= target; n++) {
    const stamps = await Promise.all(chainIds.map(async (id) => (await client(id).getBlock({ blockNumber: n })).timestamp))
    assert.equal(new Set(stamps).size, 1, `slot ${n}: one timestamp on every chain`)
  }
  return target
}
