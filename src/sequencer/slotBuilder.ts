import type { Block } from '@ethereumjs/block'
import type { TypedTransaction } from '@ethereumjs/tx'
import type { Chain } from '../execution/chain.js'
import type { DepositTransaction } from '../execution/depositTx.js'
import type { L1FeeParams } from '../execution/l1Fee.js'
import type { AddTxResult, OpenBlock, SealedBlock, TxSource } from '../execution/openBlock.js'
import type { PooledTx } from '../execution/pooledTx.js'
import type { StoredReceipt } from '../execution/receipts.js'
import { MAX_TX_GAS } from '../execution/limits.js'
import { decodeRevertReason } from '../execution/tracing/vmError.js'
import { BaseError } from '../primitives/errors.js'
import { toData, type Hex } from '../primitives/hex.js'

/** One chain's part of a slot: where it builds and what its block opens with. */
export interface SlotChainInput {
  chainId: bigint
  chain: Chain
  coinbase: Uint8Array
  gasLimit?: bigint
  /** The L1-info deposit and the origin's user deposits (settled chains). */
  deposits?: readonly DepositTransaction[]
  l1Fee?: L1FeeParams
  /** The chain's pool transactions, best first. */
  txs: TxSource
  /** A dev network chain's dev transactions (anvil's dev methods), first after the deposits. */
  devTxs?: TxSource
  /**
   * The base fee the first of `devTxs` sets (anvil_setNextBlockBaseFeePerGas): the block is
   * opened with it instead of the parent's EIP-1559 value, and `txs` must be selected for
   * it. Ignored with `depositsOnly` (no dev transaction then).
   */
  devBaseFee?: bigint
  /** Most bytes of signed transactions (bundles, relays, pool) the block may carry (the network's block data limit). */
  maxTxDataBytes?: number
  /**
   * Its turn failed in an earlier attempt at this slot: this time the block carries its
   * deposits only (no bundles, relays or pool transactions), so one chain's fault never
   * stops the slot on every chain.
   */
  depositsOnly?: boolean
}

/** Signed transactions on several chains that are included together or not at all. */
export interface SlotBundle {
  id: Hex
  txs: readonly { chainId: bigint; ptx: PooledTx }[]
}

/** The blocks sealed so far in the slot being built, by chain: later chains may depend on them. */
export type SealedSoFar = ReadonlyMap<bigint, { block: Block; receipts: readonly StoredReceipt[] }>

/** A relay transaction not yet signed: the nonce is the relayer's at the point it is added. */
export interface PendingRelay {
  /** The message it delivers. */
  msgHash: Hex
  gasLimit: bigint
  /** Signs it with `nonce`; throws if it cannot be signed (the relay is then reported failed). */
  sign(nonce: bigint): PooledTx
}

/** The relays of one block: signed one by one with consecutive nonces from `nonce`, a nonce spent only by an included one. */
export interface RelayPlan {
  nonce: bigint
  relays: readonly PendingRelay[]
}

/**
 * The network's protocol rules as the slot builder applies them. Both are functions of
 * chain data only — the committed blocks and the blocks sealed so far in this slot
 * (`sealed`) — so any node holding the same chains gets the same answers.
 */
export interface SlotRules {
  /** The check each transaction of `chainId`'s block must pass (its executing messages). */
  checkTx(chainId: bigint, block: { number: bigint; timestamp: bigint }, sealed: SealedSoFar): (tx: TypedTransaction) => string | undefined
  /**
   * The relays `chainId`'s block carries: messages sent to it and not yet relayed, none
   * asking for more than `maxRelayGas` (the most one relay may use in the block), priced
   * for the block's `baseFee`.
   */
  relaysFor(chainId: bigint, block: { number: bigint; timestamp: bigint; maxRelayGas: bigint; baseFee: bigint }, sealed: SealedSoFar): Promise<RelayPlan>
}

/**
 * The rules of a chain sequenced alone (a standalone node): no other chain, so no
 * executing message can be valid-checked against one (a transaction's access list is the
 * EVM's business only) and nothing is ever relayed to it.
 */
export const STANDALONE_SLOT_RULES: SlotRules = {
  checkTx: () => acceptEveryTx,
  relaysFor: async () => NO_RELAYS,
}

const acceptEveryTx = (): undefined => undefined
const NO_RELAYS: RelayPlan = { nonce: 0n, relays: [] }

export interface SlotInput {
  /** The network slot: every chain's block in it has the same timestamp. */
  slot: bigint
  timestamp: bigint
  /** Build order: ascending chain id (documented; replicas rely on it). */
  chains: readonly SlotChainInput[]
  /** Bundles to try, in order. */
  bundles: readonly SlotBundle[]
}

export type BundleOutcome =
  | { id: Hex; included: true; txs: { chainId: bigint; hash: Hex }[] }
  | { id: Hex; included: false; failed: { chainId: bigint; hash: Hex; reason: string } }
  /** Not tried in this slot: the slot's bundle budget (gas or bytes) on one of its chains was spent. */
  | { id: Hex; included: false; deferred: true }

export interface RelayOutcome {
  chainId: bigint
  /** The message the relay delivers. */
  msgHash: Hex
  /** The relay transaction (absent when it could not be signed). */
  ptx?: PooledTx
  /** Whether the relay transaction succeeded (false: it reverted, or could not be included). */
  ok: boolean
  /** What the block did with it: included (ok or reverted), invalid, no room left, or not signable. */
  kind: AddTxResult['kind'] | 'unsignable'
  /** Why it failed: the target's revert reason, or why it was not included. */
  reason?: string
  included: boolean
}

/** A slot built in memory: every chain's block sealed, none committed (see `SealedBlock`). */
export interface SlotResult {
  slot: bigint
  timestamp: bigint
  blocks: { chainId: bigint; sealed: SealedBlock }[]
  bundles: BundleOutcome[]
  relays: RelayOutcome[]
}

/** One chain's turn in a slot failed (not a transaction: those fail alone); the slot is retried without it. */
export class ChainTurnError extends BaseError {
  override name = 'ChainTurnError'
  constructor(
    readonly chainId: bigint,
    cause: unknown,
  ) {
    super(`chain ${chainId}'s turn in the slot failed: ${(cause as Error)?.message ?? String(cause)}`, { cause })
  }
}

/**
 * The share of a block's gas that relays may take, and that bundles may take: each half,
 * so that neither can crowd out the other or the chain's own pool transactions for long.
 * A relay or bundle transaction must fit in its share to be tried.
 */
export function relayGasBudget(blockGasLimit: bigint): bigint {
  return blockGasLimit / 2n
}

/** The most gas one relay may ask for: its block's relay budget, and never above a transaction's cap (EIP-7825). */
export function maxRelayGas(blockGasLimit: bigint): bigint {
  const budget = relayGasBudget(blockGasLimit)
  return budget < MAX_TX_GAS ? budget : MAX_TX_GAS
}

export function bundleGasBudget(blockGasLimit: bigint): bigint {
  return blockGasLimit / 2n
}

/**
 * Builds one slot in memory: a block on every chain, all with the slot's timestamp,
 * sealed but not committed — the caller records the slot and commits every block (or
 * abandons them all). Given the same parent heads, inputs and rules it produces the same
 * blocks, so another sequencer (or a replica) can reproduce a slot exactly.
 *
 * Order, documented in ARCHITECTURE.md ("Slot order"):
 *  1. every chain's block is opened: system calls, the L1-info deposit, L1 deposits, then
 *     (a dev network) its dev transactions in arrival order;
 *  2. bundles, in the given order: each one's transactions run in the order given, under
 *     a checkpoint on every chain it touches; if one is invalid, fails its protocol check,
 *     does not fit, or reverts, all of them are taken back on every chain. A bundle is
 *     tried only while each of its chains has bundle gas (`bundleGasBudget`) and bytes
 *     left; the rest are deferred to a later slot;
 *  3. chain by chain, in ascending chain id: relays of messages sent to the chain (in
 *     earlier slots, or in this slot by a chain built before it), within the relay gas
 *     budget, then pool transactions best first; then the block is sealed, so later
 *     chains in the slot see its logs.
 *
 * A transaction, relay or bundle that fails is reported and the slot goes on; an error
 * in a chain's turn outside any of them throws `ChainTurnError` (the caller retries the
 * slot with that chain `depositsOnly`); anything else throws. Whatever throws, every
 * block of the slot is abandoned.
 */
export async function buildSlot(input: SlotInput, rules: SlotRules): Promise<SlotResult> {
  const opened: { input: SlotChainInput; open: OpenBlock }[] = []
  const blocks: SlotResult['blocks'] = []
  try {
    for (const c of input.chains) {
      const open = await c.chain.openBlock({
        timestamp: input.timestamp,
        coinbase: c.coinbase,
        gasLimit: c.gasLimit,
        deposits: c.deposits,
        l1Fee: c.l1Fee,
        ...(c.devBaseFee !== undefined && !c.depositsOnly ? { baseFee: c.devBaseFee } : {}),
      })
      opened.push({ input: c, open })
      if (c.devTxs && !c.depositsOnly) {
        try {
          await open.fill(c.devTxs, { maxTxDataBytes: c.maxTxDataBytes })
        } catch (err) {
          throw new ChainTurnError(c.chainId, err)
        }
      }
    }
    const usable = new Map(opened.filter((o) => !o.input.depositsOnly).map((o) => [o.input.chainId, o]))
    const sealed = new Map<bigint, { block: Block; receipts: readonly StoredReceipt[] }>()
    const bundles = await applyBundles(input.bundles, usable, rules, sealed)

    const relays: RelayOutcome[] = []
    for (const { input: c, open } of opened) {
      try {
        if (!c.depositsOnly) {
          const at = { number: open.number, timestamp: open.timestamp }
          const checkTx = rules.checkTx(c.chainId, at, sealed)
          const plan = await rules.relaysFor(c.chainId, { ...at, maxRelayGas: maxRelayGas(open.gasLimit), baseFee: open.baseFee }, sealed)
          relays.push(...(await addRelays(c, open, plan, checkTx)))
          await open.fill(c.txs, { checkTx, maxTxDataBytes: c.maxTxDataBytes })
        }
        const block = await open.sealPending()
        blocks.push({ chainId: c.chainId, sealed: block })
        sealed.set(c.chainId, { block: block.block, receipts: block.receipts })
      } catch (err) {
        throw err instanceof ChainTurnError ? err : new ChainTurnError(c.chainId, err)
      }
    }
    return { slot: input.slot, timestamp: input.timestamp, blocks, bundles, relays }
  } catch (err) {
    for (const b of blocks) await b.sealed.abandon()
    for (const o of opened) await o.open.abandon()
    throw err
  }
}

/** Tries the bundles in order within each chain's bundle budget. */
async function applyBundles(
  bundles: readonly SlotBundle[],
  usable: ReadonlyMap<bigint, { input: SlotChainInput; open: OpenBlock }>,
  rules: SlotRules,
  sealed: SealedSoFar,
): Promise<BundleOutcome[]> {
  const gasLeft = new Map([...usable].map(([id, o]) => [id, bundleGasBudget(o.open.gasLimit)]))
  const outcomes: BundleOutcome[] = []
  for (const bundle of bundles) {
    const missing = bundle.txs.find((t) => !usable.has(t.chainId))
    if (missing) {
      outcomes.push({ id: bundle.id, included: false, failed: { chainId: missing.chainId, hash: missing.ptx.hash, reason: `chain ${missing.chainId} is not part of this slot` } })
      continue
    }
    const need = new Map<bigint, { gas: bigint; bytes: number }>()
    for (const { chainId, ptx } of bundle.txs) {
      const n = need.get(chainId) ?? { gas: 0n, bytes: 0 }
      need.set(chainId, { gas: n.gas + ptx.gasLimit, bytes: n.bytes + ptx.raw.length })
    }
    const fits = [...need].every(([chainId, n]) => {
      const o = usable.get(chainId)!
      const maxBytes = o.input.maxTxDataBytes
      return n.gas <= gasLeft.get(chainId)! && (maxBytes === undefined || o.open.txDataBytes + n.bytes <= maxBytes)
    })
    if (!fits) {
      outcomes.push({ id: bundle.id, included: false, deferred: true })
      continue
    }
    // The attempt costs its gas limits whatever its outcome: the EVM work bundles take per slot is bounded.
    for (const [chainId, n] of need) gasLeft.set(chainId, gasLeft.get(chainId)! - n.gas)
    outcomes.push(await applyBundle(bundle, usable, rules, sealed))
  }
  return outcomes
}

async function applyBundle(
  bundle: SlotBundle,
  usable: ReadonlyMap<bigint, { open: OpenBlock }>,
  rules: SlotRules,
  sealed: SealedSoFar,
): Promise<BundleOutcome> {
  const touched: OpenBlock[] = []
  for (const { chainId } of bundle.txs) {
    const open = usable.get(chainId)!.open
    if (!touched.includes(open)) touched.push(open)
  }
  let checkpoints = 0
  let failed: { chainId: bigint; hash: Hex; reason: string } | undefined
  try {
    for (const open of touched) {
      await open.checkpoint()
      checkpoints++
    }
    for (const { chainId, ptx } of bundle.txs) {
      const open = usable.get(chainId)!.open
      const res = await open.addTx(ptx, { checkTx: rules.checkTx(chainId, { number: open.number, timestamp: open.timestamp }, sealed) })
      const reason = failureOf(res)
      if (reason !== undefined) {
        failed = { chainId, hash: ptx.hash, reason }
        break
      }
    }
  } catch (err) {
    // Not a transaction's failure (those are results): the bundle is refused all the same.
    const leg = bundle.txs[0]!
    failed = { chainId: leg.chainId, hash: leg.ptx.hash, reason: `the bundle could not be executed: ${(err as Error)?.message ?? String(err)}` }
  }
  // Taking a bundle back may itself throw only if the EVM journal is broken: then the
  // slot attempt fails as a whole (the caller retries it without bundles).
  if (failed) {
    for (const open of touched.slice(0, checkpoints)) await open.revert()
    return { id: bundle.id, included: false, failed }
  }
  for (const open of touched) await open.release()
  return { id: bundle.id, included: true, txs: bundle.txs.map((t) => ({ chainId: t.chainId, hash: t.ptx.hash })) }
}

/**
 * Adds a chain's relays within its relay gas budget and data share. Each relay is signed
 * when it is its turn, with the relayer's next nonce, which only an included relay
 * spends: a relay that does not fit or is invalid never leaves a nonce gap behind it.
 */
async function addRelays(c: SlotChainInput, open: OpenBlock, plan: RelayPlan, checkTx: (tx: TypedTransaction) => string | undefined): Promise<RelayOutcome[]> {
  const out: RelayOutcome[] = []
  let nonce = plan.nonce
  const budget = relayGasBudget(open.gasLimit)
  let used = 0n
  for (const relay of plan.relays) {
    if (relay.gasLimit > budget) {
      out.push({ chainId: c.chainId, msgHash: relay.msgHash, ok: false, kind: 'unsignable', included: false, reason: `its gas limit ${relay.gasLimit} is over the ${budget} gas relays may use in a block; retry it with a lower gas limit` })
      continue
    }
    if (used + relay.gasLimit > budget) {
      out.push({ chainId: c.chainId, msgHash: relay.msgHash, ok: false, kind: 'no-room', included: false })
      continue
    }
    let ptx: PooledTx
    try {
      ptx = relay.sign(nonce)
    } catch (err) {
      out.push({ chainId: c.chainId, msgHash: relay.msgHash, ok: false, kind: 'unsignable', included: false, reason: `the relay could not be signed: ${(err as Error)?.message ?? String(err)}` })
      continue
    }
    if (c.maxTxDataBytes !== undefined && open.txDataBytes + ptx.raw.length > c.maxTxDataBytes) {
      out.push({ chainId: c.chainId, msgHash: relay.msgHash, ptx, ok: false, kind: 'no-room', included: false })
      continue
    }
    const res = await open.addTx(ptx, { checkTx })
    if (res.kind === 'included') {
      nonce++
      used += relay.gasLimit
    }
    const reason = failureOf(res)
    out.push({ chainId: c.chainId, msgHash: relay.msgHash, ptx, ok: reason === undefined, kind: res.kind, included: res.kind === 'included', ...(reason === undefined ? {} : { reason }) })
  }
  return out
}

/** Why a transaction did not succeed in the block, or undefined if it did. */
export function failureOf(res: AddTxResult): string | undefined {
  if (res.kind === 'no-room') return "does not fit in the block's remaining gas"
  if (res.kind === 'invalid') return res.reason
  if ('status' in res.executed.receipt && res.executed.receipt.status === 1) return undefined
  return revertReasonOf(res.executed.output)
}

/** A revert's reason: the decoded `Error(string)`/`Panic`, else the raw revert data. */
export function revertReasonOf(output: Uint8Array | undefined): string {
  if (!output || output.length === 0) return 'execution reverted'
  const reason = decodeRevertReason(output)
  return reason !== undefined ? `execution reverted: ${reason}` : `execution reverted (data ${toData(output)})`
}
