import type { Hex } from 'viem'

/**
 * What the network told the suite: every transaction `eth_sendRawTransaction` accepted,
 * every receipt it returned, every bundle, message, deposit and withdrawal. The
 * invariants compare the network's answers after a fault against this record. An item a
 * check found broken is marked `broken` and reported once, not again after every later
 * fault.
 */

export type TxKind = 'transfer' | 'message' | 'withdrawal' | 'deposit' | 'burst' | 'setup' | 'bundle-leg'

export interface SeenReceipt {
  blockHash: Hex
  blockNumber: bigint
  success: boolean
  /** The trial after which it was first seen (0: before the first fault). */
  trial: number
}

export interface TrackedTx {
  /** The chain it was sent to (the L1's chain id for deposits). */
  chainId: number
  hash: Hex
  kind: TxKind
  from: Hex
  nonce: number
  /** The trial during whose load it was accepted. */
  trial: number
  receipt?: SeenReceipt
  /** Why a check gave up on it (reported once). */
  broken?: string
  /**
   * The trial whose fault killed the L1 while this L1 transaction had no receipt: anvil's
   * pool lives in memory, so it may be gone with it (as any node's pool after a power cut;
   * a wallet sends it again). Not Plexus's promise, so not a failure of it.
   */
  l1Killed?: number
}

export interface BundleLeg {
  chainId: number
  hash: Hex
}

export interface TrackedBundle {
  bundleId: Hex
  legs: BundleLeg[]
  /** A bundle with a reverting leg must be rejected whole. */
  expect: 'included' | 'rejected'
  trial: number
  /** The status `plexus_getBundle` last gave. */
  status?: string
  broken?: string
}

export interface TrackedMessage {
  msgHash: Hex
  source: number
  destination: number
  sourceTx: Hex
  /** A message to a reverting target is relayed and recorded `failed`. */
  expect: 'relayed' | 'failed'
  trial: number
  status?: string
  broken?: string
}

export interface TrackedDeposit {
  l1TxHash: Hex
  chainId: number
  trial: number
  arrived?: boolean
  broken?: string
}

export interface TrackedWithdrawal {
  chainId: number
  l2TxHash: Hex
  trial: number
  stage?: string
  broken?: string
}

const key = (chainId: number, hash: Hex) => `${chainId}:${hash.toLowerCase()}`

export class Ledger {
  readonly txs = new Map<string, TrackedTx>()
  readonly bundles = new Map<Hex, TrackedBundle>()
  readonly messages = new Map<Hex, TrackedMessage>()
  readonly deposits = new Map<Hex, TrackedDeposit>()
  readonly withdrawals = new Map<Hex, TrackedWithdrawal>()

  accepted(tx: Omit<TrackedTx, 'receipt' | 'broken'>): void {
    this.txs.set(key(tx.chainId, tx.hash), tx)
  }

  tx(chainId: number, hash: Hex): TrackedTx | undefined {
    return this.txs.get(key(chainId, hash))
  }

  /** Transactions accepted on `chainId` whose receipt has not been seen yet (and not given up on). */
  awaitingReceipt(chainId?: number): TrackedTx[] {
    return [...this.txs.values()].filter((t) => !t.receipt && !t.broken && (chainId === undefined || t.chainId === chainId))
  }

  /**
   * The L1 was killed: its transactions without a receipt may have gone with its pool, and
   * those whose receipt is in a block newer than `durableBlock` (the newest block its state
   * file held when it died) went with that block: the embedded L1 writes each block to disk
   * shortly after mining it, and a kill in between loses it as an L1 reorg would. No L2
   * block depends on it (the chains adopt only durable L1 origins). Returns how many
   * receipts went that way.
   */
  l1Killed(l1ChainId: number, trial: number, durableBlock?: bigint): number {
    for (const t of this.awaitingReceipt(l1ChainId)) t.l1Killed ??= trial
    if (durableBlock === undefined) return 0
    const lost = this.withReceipt().filter((t) => t.chainId === l1ChainId && t.receipt!.blockNumber > durableBlock)
    for (const t of lost) t.broken = `in L1 block ${t.receipt!.blockNumber}, not yet on disk (durable: ${durableBlock}) when the L1 was killed in trial ${trial}`
    return lost.length
  }

  /** Transactions whose receipt has been returned (and not given up on). */
  withReceipt(): TrackedTx[] {
    return [...this.txs.values()].filter((t) => t.receipt && !t.broken)
  }

  counts(): Record<string, number> {
    const txs = [...this.txs.values()]
    return {
      accepted: txs.length,
      receipts: txs.filter((t) => t.receipt).length,
      bundles: this.bundles.size,
      messages: this.messages.size,
      deposits: this.deposits.size,
      withdrawals: this.withdrawals.size,
    }
  }
}
