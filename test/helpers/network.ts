import { devChainOptions, devL1Options, PlexusNetwork, type GasTokenOptions, type NetworkChainOptions } from '../../src/node/network.js'
import { createLogger, silentLogger, type LogLevel } from '../../src/primitives/logger.js'
import type { DataAvailability } from '../../src/settlement/networkBatcher.js'
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
  /** Chains whose native asset is an L1 ERC-20, by chain id. */
  gasTokens?: Record<number, GasTokenOptions>
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
    }),
  )
  const network = new PlexusNetwork({
    datadir,
    l1: devL1Options({ embedded: { port: 0, blockTimeSeconds: opts.l1BlockTimeSeconds ?? 1 }, pollMs: 200 }),
    chains,
    da: opts.da ?? 'calldata',
    // PLEXUS_TEST_LOG=debug shows the network's logs when a test needs explaining.
    logger: process.env.PLEXUS_TEST_LOG ? createLogger(process.env.PLEXUS_TEST_LOG as LogLevel) : silentLogger(),
  })
  await network.start()
  return {
    network,
    l1Url: network.l1Url,
    l2Url: (chainId) => network.node(chainId).rpcUrl(),
    datadir,
    async stop() {
      await network.stop()
      if (!opts.keep) tmp?.cleanup()
    },
  }
}
