import type { Hex } from 'viem'
import type { GethAllocAccount } from '../../execution/genesis.js'
import { chainName, DEV_NETWORK, devChainOptions, devL1Options, type NetworkChainOptions, type NetworkOptions } from '../../node/networkOptions.js'
import { LOCAL_ORIGINS } from '../../rpc/origins.js'
import type { RpcMethodGroup } from '../../rpc/options.js'
import type { ChainConfig, NetworkRpcConfig, PlexusConfig, RpcConfig } from './schema.js'

/** Where a config without `datadir` keeps its data (relative to the working directory). */
export const DEFAULT_DATADIR = './.plexus'
/** Chains of a config without `chains`: the dev network's two, 901 and 902. */
export const DEFAULT_CHAIN_COUNT = 2
/** L1 confirmations with a real L1 when the config names none. */
export const DEFAULT_RPC_L1_CONFIRMATIONS = 2

/**
 * The network a (validated) config describes, every default applied: the dev network's
 * conventions (L1 900 on 8545, chains 901… on 9545…, 250 ms slots, 12 s challenge
 * window) wherever the file is silent. Pure: no I/O, no environment; the caller adds the
 * logger and resolves `datadir` against the right directory.
 */
export function toNetworkOptions(config: PlexusConfig): Omit<NetworkOptions, 'logger'> {
  const l1 = config.l1 ?? {}
  const chains = config.chains ?? Array.from({ length: DEFAULT_CHAIN_COUNT }, (): ChainConfig => ({}))
  return {
    datadir: config.datadir ?? DEFAULT_DATADIR,
    l1: devL1Options({
      ...(l1.rpcUrl !== undefined ? { rpcUrl: l1.rpcUrl } : {}),
      embedded: {
        ...(l1.embedded?.host !== undefined ? { host: l1.embedded.host } : {}),
        ...(l1.embedded?.port !== undefined ? { port: l1.embedded.port } : {}),
        ...(l1.embedded?.chainId !== undefined ? { chainId: l1.embedded.chainId } : {}),
        ...(l1.embedded?.blockTime !== undefined ? { blockTimeSeconds: l1.embedded.blockTime } : {}),
      },
      ...(l1.deployerKey !== undefined ? { deployerKey: l1.deployerKey } : {}),
      ...(l1.beaconUrl !== undefined ? { beaconUrl: l1.beaconUrl } : {}),
      ...(l1.guardian !== undefined ? { guardian: l1.guardian } : {}),
      confirmations: l1.confirmations ?? (l1.rpcUrl !== undefined ? DEFAULT_RPC_L1_CONFIRMATIONS : 0),
      ...(l1.maxSequencerDrift !== undefined ? { maxSequencerDriftSeconds: l1.maxSequencerDrift } : {}),
    }),
    chains: chains.map((c, i) => toChainOptions(c, i, config.rpc)),
    ...(config.da !== undefined ? { da: config.da } : {}),
    ...(config.maxBatchBytes !== undefined ? { maxBatchBytes: config.maxBatchBytes } : {}),
    ...(config.maxBlockDataBytes !== undefined ? { maxBlockDataBytes: config.maxBlockDataBytes } : {}),
    ...(config.devMethods !== undefined ? { devMethods: config.devMethods } : {}),
    ...(config.executors !== undefined ? { executors: config.executors } : {}),
  }
}

/**
 * The `index`-th chain's options: what the config says, else the dev network's value for
 * that index; `shared` is the network's `rpc` block, which the chain's own overrides.
 */
export function toChainOptions(c: ChainConfig, index: number, shared: NetworkRpcConfig = {}): NetworkChainOptions {
  const chainId = c.chainId ?? DEV_NETWORK.firstChainId + index
  const alloc = genesisAlloc(c)
  const { rpc, rpcLimits } = rpcSettings({ ...shared, ...(c.rpc ?? {}) })
  return devChainOptions(index, {
    ...(rpc ? { rpc } : {}),
    ...(rpcLimits ? { rpcLimits } : {}),
    chainId,
    name: chainName({ chainId, name: c.name }),
    ...(c.rpc?.host !== undefined ? { rpcHost: c.rpc.host } : {}),
    ...(c.rpc?.port !== undefined ? { rpcPort: c.rpc.port } : {}),
    ...(c.slotTime !== undefined ? { slotTimeMs: c.slotTime } : {}),
    ...(c.gasLimit !== undefined ? { gasLimit: BigInt(c.gasLimit) } : {}),
    ...(c.challengeWindow !== undefined ? { challengeWindowSeconds: c.challengeWindow } : {}),
    ...(c.outputIntervalBlocks !== undefined ? { outputIntervalBlocks: c.outputIntervalBlocks } : {}),
    ...(c.feeRecipient !== undefined ? { feeRecipient: c.feeRecipient } : {}),
    ...(c.baseFee !== undefined ? { baseFee: { ...c.baseFee } } : {}),
    ...(c.prefund?.devAccounts !== undefined ? { devAccounts: c.prefund.devAccounts } : {}),
    ...(alloc ? { alloc } : {}),
    ...(c.gasToken !== undefined ? { gasToken: { ...c.gasToken } } : {}),
  })
}

/** The RPC block as server options and method limits; undefined where it says nothing. */
export function rpcSettings(r: Omit<RpcConfig, 'host' | 'port'>): Pick<NetworkChainOptions, 'rpc' | 'rpcLimits'> {
  const rpc = {
    // what the config lists is allowed besides this machine's pages
    ...(r.corsOrigins !== undefined ? { corsOrigins: [...LOCAL_ORIGINS, ...r.corsOrigins] } : {}),
    ...(r.expose !== undefined ? { expose: r.expose as RpcMethodGroup[] } : {}),
    ...(r.wsMaxConnections !== undefined ? { wsMaxConnections: r.wsMaxConnections } : {}),
    ...(r.wsMaxConnectionsPerAddress !== undefined ? { wsMaxConnectionsPerAddress: r.wsMaxConnectionsPerAddress } : {}),
  }
  const rpcLimits = {
    ...(r.evmTimeout !== undefined ? { evmTimeoutMs: r.evmTimeout } : {}),
    ...(r.wsMaxSubscriptions !== undefined ? { maxSubscriptionsPerConnection: r.wsMaxSubscriptions } : {}),
    ...(r.maxFilters !== undefined ? { maxFilters: r.maxFilters } : {}),
  }
  return {
    ...(Object.keys(rpc).length > 0 ? { rpc } : {}),
    ...(Object.keys(rpcLimits).length > 0 ? { rpcLimits } : {}),
  }
}

/** `prefund.accounts` and `alloc` as one geth alloc (lower-case addresses, hex quantities). */
function genesisAlloc(c: ChainConfig): Record<string, GethAllocAccount> | undefined {
  const out: Record<string, GethAllocAccount> = {}
  for (const [addr, balance] of Object.entries(c.prefund?.accounts ?? {})) out[addr.toLowerCase()] = { balance: quantity(balance) }
  for (const [addr, acct] of Object.entries(c.alloc ?? {})) {
    out[addr.toLowerCase()] = {
      balance: quantity(acct.balance ?? 0n),
      ...(acct.nonce !== undefined ? { nonce: quantity(BigInt(acct.nonce)) } : {}),
      ...(acct.code !== undefined ? { code: acct.code } : {}),
      ...(acct.storage !== undefined ? { storage: { ...acct.storage } } : {}),
    }
  }
  return Object.keys(out).length > 0 ? out : undefined
}

function quantity(value: bigint): Hex {
  return `0x${value.toString(16)}`
}
