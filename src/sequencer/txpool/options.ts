import { ConfigError } from '../../primitives/errors.js'

export interface TxPoolOptions {
  /**
   * Most transactions (pending + queued) one sender may have pooled. geth has only soft
   * per-account slots (enforced when the pool is full); deploy scripts (forge script,
   * hardhat-deploy) broadcast hundreds of transactions from one account, so the default
   * is high and eviction by price protects the rest of the pool.
   */
  readonly maxPerSender: number
  /**
   * Pending (executable) capacity, in slots of 32 KiB (`TX_SLOT_BYTES`): a transaction
   * takes ceil(size / 32 KiB) slots, so most take one. Like geth's `GlobalSlots` it is not
   * a separate hard cap: the pool holds at most `maxPending + maxQueued` slots in all
   * (bytes bounded by that × 32 KiB), of which at most `maxQueued` queued transactions.
   */
  readonly maxPending: number
  /** Most queued (nonce-gapped) transactions in the pool; also the second part of the slot capacity. geth: `GlobalQueue`. */
  readonly maxQueued: number
  /** Percent both fee caps must rise by to replace a pooled tx of the same nonce. geth: `PriceBump`. */
  readonly priceBumpPercent: number
  /** Lowest max priority fee per gas the pool accepts, in wei. geth: `--txpool.pricelimit`. */
  readonly minTip: bigint
  /** Largest encoded transaction accepted, in bytes. geth: `txMaxSize` (128 KiB). */
  readonly maxTxBytes: number
  /**
   * Accept legacy transactions without EIP-155 replay protection. geth's pool accepts
   * them; geth's RPC refuses them unless `--rpc.allow-unprotected-txs`. Default: accept.
   */
  readonly allowUnprotectedTxs: boolean
}

/** geth's `txSlotSize`: the unit the pool's capacity is counted in. */
export const TX_SLOT_BYTES = 32 * 1024

/** Slots a transaction of `bytes` encoded bytes takes (geth `numSlots`). */
export function txSlotsOf(bytes: number): number {
  return Math.max(1, Math.ceil(bytes / TX_SLOT_BYTES))
}

/**
 * 5,120 + 1,024 slots: every tx of a 5,000-transfer burst fits at once (geth's 4,096 +
 * 1,024 would not), and at most 6,144 × 32 KiB = 192 MiB of transactions are held.
 */
export const defaultTxPoolOptions: TxPoolOptions = {
  maxPerSender: 1024,
  maxPending: 5120,
  maxQueued: 1024,
  priceBumpPercent: 10,
  minTip: 0n,
  maxTxBytes: 128 * 1024,
  allowUnprotectedTxs: true,
}

/** Fills in defaults and rejects unusable values (`path` names the field). */
export function resolveTxPoolOptions(options: Partial<TxPoolOptions> = {}): TxPoolOptions {
  const resolved: TxPoolOptions = { ...defaultTxPoolOptions, ...stripUndefined(options) }
  positiveInteger('txpool.maxPerSender', resolved.maxPerSender)
  positiveInteger('txpool.maxPending', resolved.maxPending)
  positiveInteger('txpool.maxQueued', resolved.maxQueued)
  positiveInteger('txpool.maxTxBytes', resolved.maxTxBytes)
  if (!Number.isInteger(resolved.priceBumpPercent) || resolved.priceBumpPercent < 1) {
    throw new ConfigError('txpool.priceBumpPercent', `must be an integer >= 1, got ${resolved.priceBumpPercent}`)
  }
  if (resolved.minTip < 0n) {
    throw new ConfigError('txpool.minTip', `must not be negative, got ${resolved.minTip}`)
  }
  return resolved
}

function positiveInteger(path: string, value: number): void {
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new ConfigError(path, `must be a positive integer, got ${value}`)
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {}
  for (const [k, v] of Object.entries(o)) if (v !== undefined) (out as Record<string, unknown>)[k] = v
  return out
}
