import type { GethGenesis } from '../execution/genesis.js'
import type { Chain } from '../execution/chain.js'
import type { ChainSettlement } from '../settlement/chainSettlement.js'
import type { LogLevel, Logger } from '../primitives/logger.js'
import type { RpcLimits } from '../rpc/api.js'
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
  /** Produce blocks on the slot clock (off for import-only or tests that step blocks). */
  produceBlocks: boolean
  logger: Logger
  logLevel?: LogLevel
  /** Settles the chain on L1: builds its L1 side once the chain is open. */
  settlement?: (chain: Chain, logger: Logger) => ChainSettlement
}

export const SLOT_TIME_MIN_MS = 50
export const SLOT_TIME_MAX_MS = 12_000
export const DEFAULT_SLOT_TIME_MS = 250
export const DEFAULT_GAS_LIMIT = 60_000_000n
export const DEFAULT_CHAIN_ID = 901
