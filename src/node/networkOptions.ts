import { getContractAddress, type Hex } from 'viem'
import { devAccounts, type GenesisBaseFeeOptions, type GethAllocAccount } from '../execution/genesis.js'
import type { Logger } from '../primitives/logger.js'
import type { RpcLimits } from '../rpc/api.js'
import type { RpcOptions } from '../rpc/options.js'
import type { DataAvailability } from '../settlement/networkBatcher.js'
import { DEFAULT_GAS_LIMIT, DEFAULT_SLOT_TIME_MS } from './options.js'

export interface NetworkL1Options {
  /** An Ethereum JSON-RPC URL; when unset, Plexus starts anvil (`embedded`). */
  rpcUrl?: string
  embedded: { host: string; port: number; chainId: number; blockTimeSeconds: number }
  /** Deploys the contracts and funds the batcher/proposer keys derived from it. */
  deployerKey: Hex
  /** Guardian of the output oracle (can delete roots inside the challenge window). */
  guardian?: Hex
  /** L1 blocks an origin must be buried under before L2 adopts it. */
  confirmations: number
  pollMs: number
  /** ETH sent to each batcher/proposer key when it holds less than half of it. */
  roleFunding: bigint
  /** A consensus-layer beacon API of the L1, for reading blobs back (unset: the L1 RPC's anvil endpoint). */
  beaconUrl?: string
  /**
   * Seconds an L2 block may be newer than its L1 origin without advancing it (OP's max
   * sequencer drift); past it, with no newer L1 block to adopt, block production pauses
   * (default `defaultMaxSequencerDrift(confirmations)`: 120 s + 12 s per confirmation).
   */
  maxSequencerDriftSeconds?: number
}

/**
 * A chain whose native asset is an L1 ERC-20 (OP Stack "custom gas token"). Without
 * `l1Address` (embedded dev L1 only) Plexus deploys a test token with this name, symbol and
 * decimals, mintable by the deployer, with a balance for each dev account.
 */
export interface GasTokenOptions {
  l1Address?: Hex
  name: string
  symbol: string
  /** 0…18; the L2 native balance has 18 either way. */
  decimals: number
}

export interface NetworkChainOptions {
  chainId: number
  /** Shown in logs, to wallets and apps (default `plexus-<chainId>`, see `chainName`). */
  name?: string
  rpcHost: string
  rpcPort: number
  /** The rest of the chain's RPC server settings (origins, exposed methods, WebSocket limits). */
  rpc?: Partial<Omit<RpcOptions, 'host' | 'port'>>
  /** Limits the chain's RPC methods enforce (EVM timeout, filters, subscriptions). */
  rpcLimits?: Partial<RpcLimits>
  slotTimeMs: number
  gasLimit: bigint
  /** Seconds between an output's proposal and when withdrawals may use it. */
  challengeWindowSeconds: number
  outputIntervalBlocks: number
  /** Coinbase of every block: where priority fees go (default the SequencerFeeVault predeploy). */
  feeRecipient?: Hex
  /** EIP-1559 settings, fixed in the genesis (default: Ethereum's, 1 gwei at genesis). */
  baseFee?: GenesisBaseFeeOptions
  /** Fund the test mnemonic's first ten accounts at genesis (default true). */
  devAccounts?: boolean
  /** Extra genesis accounts (geth alloc: prefunded balances, predeploys); not in the 0x4200… namespace. */
  alloc?: Record<string, GethAllocAccount>
  /** An ERC-20 as the chain's gas token (default ETH). */
  gasToken?: GasTokenOptions
}

/** The name a chain is shown under when its options give none. */
export function chainName(opts: Pick<NetworkChainOptions, 'chainId' | 'name'>): string {
  return opts.name ?? `plexus-${opts.chainId}`
}

/** The dev network's conventions (those of the tools people know): L1 900 on 8545, rollups 901… on 9545…. */
export const DEV_NETWORK = {
  l1ChainId: 900,
  l1Port: 8545,
  /** Block time of the embedded L1, in seconds. */
  l1BlockTimeSeconds: 2,
  firstChainId: 901,
  firstPort: 9545,
  /** The deployer is the test mnemonic's last funded account, so account 0 stays the user's. */
  deployerIndex: 9,
} as const

/**
 * Where the dev network's ChainRegistry lives: the deployer's first contract (nonce 0),
 * as `plexus up` deploys it on a fresh embedded L1. Replicas of the dev network find
 * the chain's config there without being told.
 */
export function devRegistryAddress(): Hex {
  return getContractAddress({ from: devAccounts()[DEV_NETWORK.deployerIndex]!.address, nonce: 0n })
}

/** Options of the dev network's `index`-th rollup (chain 901 + index on port 9545 + index). */
export function devChainOptions(index: number, overrides: Partial<NetworkChainOptions> = {}): NetworkChainOptions {
  return {
    chainId: DEV_NETWORK.firstChainId + index,
    rpcHost: '127.0.0.1',
    rpcPort: DEV_NETWORK.firstPort + index,
    slotTimeMs: DEFAULT_SLOT_TIME_MS,
    gasLimit: DEFAULT_GAS_LIMIT,
    challengeWindowSeconds: 12,
    outputIntervalBlocks: 8,
    ...overrides,
  }
}

/** What `devL1Options` may override: any field, and any field of `embedded` alone. */
export type DevL1Overrides = Partial<Omit<NetworkL1Options, 'embedded'>> & { embedded?: Partial<NetworkL1Options['embedded']> }

/**
 * Options of the dev network's L1: embedded anvil (chain 900 on 127.0.0.1:8545, 2 s blocks),
 * contracts deployed by the test mnemonic's deployer account, origins adopted without
 * confirmations, and the batcher and proposer keys funded with 10 ETH.
 */
export function devL1Options(overrides: DevL1Overrides = {}): NetworkL1Options {
  const { embedded, ...rest } = overrides
  return {
    embedded: {
      host: '127.0.0.1',
      port: DEV_NETWORK.l1Port,
      chainId: DEV_NETWORK.l1ChainId,
      blockTimeSeconds: DEV_NETWORK.l1BlockTimeSeconds,
      ...embedded,
    },
    deployerKey: devAccounts()[DEV_NETWORK.deployerIndex]!.privateKey,
    confirmations: 0,
    pollMs: 500,
    roleFunding: 10n ** 19n,
    ...rest,
  }
}

export interface NetworkOptions {
  datadir: string
  l1: NetworkL1Options
  chains: NetworkChainOptions[]
  /** Post network batches as calldata or as EIP-4844 blobs (default calldata). */
  da?: DataAvailability
  /** Most bytes posted per L1 transaction: one frame of a channel (default 120,000 for calldata, 6 blobs' worth for blobs). */
  maxBatchBytes?: number
  /** Serve the web dashboard (static files from dist/web) here; unset: no dashboard. */
  dashboard?: { host: string; port: number; webDir?: string; abiDirs?: string[] }
  /** Serve the local admin endpoint (`<datadir>/admin.json`) that `plexus chain add/chains/status/snapshot` use (default true). */
  admin?: boolean
  /** Most bytes of signed transactions in one chain's block (default 512 KiB; see ARCHITECTURE.md "Slot data cap"). */
  maxBlockDataBytes?: number
  /**
   * Let the admin endpoint arm faults (`admin_injectFault`), for the fault suite: never on a
   * network anyone relies on.
   */
  faultInjection?: boolean
  /**
   * Serve anvil's dev methods (rpc/dev/api.ts) on every chain (default true). Only a network
   * on the embedded L1 is a dev network; false closes them there too (a dev network shared
   * with others, or the fault suite, whose invariants a `setBalance` or a revert would break
   * on purpose).
   */
  devMethods?: boolean
  /**
   * Where each chain's executor runs (docs/design/executors.md): `inline`, in the
   * coordinator's thread (the default), or `thread`, a worker thread per chain holding its
   * store, execution, pool and RPC server, the coordinator reading the chain's store.
   */
  executors?: ExecutorPlacement
  logger: Logger
}

export type ExecutorPlacement = 'inline' | 'thread'
