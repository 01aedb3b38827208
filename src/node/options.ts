import type { GethGenesis } from '../execution/genesis.js'
import type { Chain } from '../execution/chain.js'
import type { Lifecycle } from '../primitives/lifecycle.js'
import type { SettlementView } from '../rpc/api.js'
import type { BlockInputSource } from '../sequencer/blockInputs.js'
import type { LogLevel, Logger } from '../primitives/logger.js'
import type { NetworkApi, RpcLimits } from '../rpc/api.js'
import type { DevNetworkApi } from '../rpc/dev/api.js'
import type { CoordinatorCall } from '../rpc/methods.js'
import type { TypedTransaction } from '@ethereumjs/tx'
import type { RpcOptions } from '../rpc/options.js'
import type { TxPoolOptions } from '../sequencer/txpool/index.js'

/** OP Stack's SequencerFeeVault predeploy: where priority fees go. */
export const DEFAULT_FEE_VAULT = '0x4200000000000000000000000000000000000011'

export interface NodeOptions {
  /** Where the chain's LMDB files live. */
  datadir: string
  genesis: GethGenesis
  /** Slot length in ms: 50 … 12000. */
  slotTimeMs: number
  feeRecipient: `0x${string}`
  /** Gas limit of produced blocks (default: genesis gas limit). */
  gasLimit?: bigint
  rpc: Partial<RpcOptions>
  rpcLimits?: Partial<RpcLimits>
  txpool?: Partial<TxPoolOptions>
  /** Produce blocks on the slot clock (off for import-only, replicas, or tests that step blocks). */
  produceBlocks: boolean
  /**
   * Why `eth_sendRawTransaction` is refused (a replica has no sequencer to send to);
   * unset: transactions are accepted into the pool.
   */
  rejectTransactions?: string
  logger: Logger
  logLevel?: LogLevel
  /** The network the chain is part of: answers the bundle and message methods on its RPC. */
  network?: NetworkApi
  /**
   * The network's coordinator, when this chain's RPC runs apart from it (an executor):
   * the network's methods (`COORDINATOR_METHODS`) are answered there.
   */
  coordinator?: CoordinatorCall
  /** The network-wide dev methods (time, mining, snapshots) of a dev network; absent: they are refused. */
  devNetwork?: DevNetworkApi
  /** false: no dev method is served even on a dev chain (the network's `devMethods`). */
  devMethods?: boolean
  /**
   * A protocol check a transaction must pass to enter the pool (interop: its executing
   * messages); returns why it is refused, or undefined.
   */
  checkTransaction?: (tx: TypedTransaction) => string | undefined
  /** Settles the chain on L1: builds its L1 side once the chain is open. */
  settlement?: (chain: Chain, logger: Logger) => ChainL1Side
}

/**
 * A chain's L1 side as the node sees it: a sequencer's (block inputs, batcher, proposer)
 * or a replica's (derivation from L1); both answer the `plexus_*` settlement methods.
 */
export interface ChainL1Side extends Lifecycle, SettlementView {
  /** Deposits and L1 fee parameters of each produced block (sequencers only). */
  readonly inputs?: BlockInputSource
}

export const SLOT_TIME_MIN_MS = 50
export const SLOT_TIME_MAX_MS = 12_000
export const DEFAULT_SLOT_TIME_MS = 250
export const DEFAULT_GAS_LIMIT = 60_000_000n
export const DEFAULT_CHAIN_ID = 901
