import type { Block } from '@ethereumjs/block'
import type { AddTxResult } from '../execution/openBlock.js'
import type { PooledTx } from '../execution/pooledTx.js'
import type { StoredReceipt } from '../execution/receipts.js'
import { MAX_TX_GAS } from '../execution/limits.js'
import { decodeRevertReason } from '../execution/tracing/vmError.js'
import { BaseError } from '../primitives/errors.js'
import { toData, type Hex } from '../primitives/hex.js'
import type { ChainExecutor, SealedPayload } from './chainExecutor.js'
import type { OpenedPayload, PayloadAttributes, SealedDigest, SealedDigests, SignedRelay } from './payloadBuilder.js'

/** One chain's part of a slot: the executor that builds its block, and what the block opens with. */
export interface SlotChainInput {
  chainId: bigint
  executor: ChainExecutor
  /** The payload attributes but the slot and timestamp (the slot's). */
  attrs: Omit<PayloadAttributes, 'slot' | 'timestamp'>
}

/** Signed transactions on several chains that are included together or not at all. */
export interface SlotBundle {
  id: Hex
  txs: readonly { chainId: bigint; ptx: PooledTx }[]
}

/** The blocks sealed so far in the slot being built, by chain: later chains may depend on them. */
export type SealedSoFar = ReadonlyMap<bigint, { block: Block; receipts: readonly StoredReceipt[] }>

/** The initiating message a relay delivers: where its log is (a block of the slot, for a same-slot relay). */
export interface RelayedLog {
  chainId: bigint
  blockNumber: bigint
  logIndex: number
  origin: Hex
  payloadHash: Hex
}

/** A relay transaction not yet signed: the nonce is the relayer's at the point it is added. */
export interface PendingRelay {
  /** The message it delivers. */
  msgHash: Hex
  gasLimit: bigint
  /** The log it executes (what the destination's check of it reads). */
  initiating: RelayedLog
  /** Signs it with `nonce`; throws if it cannot be signed (the relay is then reported failed). */
  sign(nonce: bigint): PooledTx
}

/** The relays of one block, in order: signed with consecutive nonces when they are handed to the executor. */
export interface RelayPlan {
  relays: readonly PendingRelay[]
}

/** The block a relay plan is for. */
export interface RelayBlock {
  number: bigint
  timestamp: bigint
  /** The most gas one relay may use in the block. */
  maxRelayGas: bigint
  baseFee: bigint
}

/**
 * The network's protocol rules as slots are built by them. All are functions of chain
 * data only — committed blocks and the blocks sealed so far in this slot — so any node
 * holding the same chains gets the same answers.
 */
export interface SlotRules {
  /** The check each transaction of `chainId`'s block must pass (its executing messages), given the slot's blocks sealed before it. */
  checkTx(chainId: bigint, block: { number: bigint; timestamp: bigint }, sealed: SealedDigests): (tx: import('@ethereumjs/tx').TypedTransaction) => string | undefined
  /**
   * The relays of messages sent to `chainId` in earlier slots and not yet relayed, none
   * asking for more than `maxRelayGas`, priced for the block's `baseFee`.
   */
  relaysFor(chainId: bigint, block: RelayBlock): Promise<RelayPlan>
  /** The relays of messages sent to `chainId` earlier in this slot, by the chains in `sealed`. */
  sameSlotRelaysFor(chainId: bigint, block: RelayBlock, sealed: SealedSoFar): Promise<RelayPlan>
}

/** The rules of a chain on its own (a standalone node): no executing message to check, no relays. */
export const STANDALONE_SLOT_RULES: SlotRules = {
  checkTx: () => acceptEveryTx,
  relaysFor: async () => NO_RELAYS,
  sameSlotRelaysFor: async () => NO_RELAYS,
}

const acceptEveryTx = (): undefined => undefined
const NO_RELAYS: RelayPlan = { relays: [] }

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

/** A slot built: every chain's block sealed by its executor, none committed. */
export interface SlotResult {
  slot: bigint
  timestamp: bigint
  /**
   * Each chain's block, and what relays of messages sent to it earlier in this slot asked
   * for (gas, bytes; included or not): the sequencer sizes the pool's reserve by it.
   */
  blocks: { chainId: bigint; payload: SealedPayload; sameSlotDemand: { gas: bigint; bytes: number } }[]
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
 * Builds one slot through the chains' executors: a block on every chain, all with the
 * slot's timestamp, sealed but not committed — the caller records the slot and commits
 * every block (or aborts them all). Given the same parent heads, inputs and rules it
 * produces the same blocks, so another sequencer (or a replica) can reproduce a slot.
 *
 * Phases, documented in ARCHITECTURE.md ("Slot order"); where chains do not depend on each
 * other they run at once, each on its own executor:
 *  1. every chain's block is opened: system calls, the L1-info deposit, L1 deposits, then
 *     (a dev network) its dev transactions in arrival order — all chains at once;
 *  2. bundles, in the given order: each one's legs run under a checkpoint on every chain
 *     it touches (its chains at once); if one leg is invalid, fails its protocol check or
 *     reverts, every leg is taken back. A bundle is tried only while each of its chains
 *     has bundle gas (`bundleGasBudget`) left; one whose leg finds no data room is deferred
 *     to a later slot like one over the gas budget;
 *  3. every chain at once: relays of messages sent to it in earlier slots, within the relay
 *     gas budget, then pool transactions best first, leaving the same-slot reserve free
 *     (`PayloadAttributes.sameSlotReserve`);
 *  4. chain by chain, in ascending chain id: relays of messages sent to it earlier in this
 *     slot by the chains before it, then the roots (sealed: later chains see its logs).
 *
 * Relays are signed here with consecutive nonces from the relayer's on the chain; the
 * executor stops at the first one it does not include, so no nonce gap is ever left.
 * A transaction, relay or bundle that fails is reported and the slot goes on; an error in
 * a chain's turn outside any of them throws `ChainTurnError` (the caller retries the slot
 * with that chain `depositsOnly`); anything else throws. Whatever throws, every chain's
 * payload is aborted.
 */
export async function buildSlot(input: SlotInput, rules: SlotRules): Promise<SlotResult> {
  const { slot, timestamp } = input
  const turn = <T>(chainId: bigint, fn: () => Promise<T>): Promise<T> =>
    fn().catch((err: unknown) => {
      throw err instanceof ChainTurnError ? err : new ChainTurnError(chainId, err)
    })
  try {
    const opened = new Map<bigint, OpenedPayload>()
    await settleAll(input.chains.map((c) => turn(c.chainId, async () => void opened.set(c.chainId, await c.executor.openPayload({ ...c.attrs, slot, timestamp })))))
    const usable = input.chains.filter((c) => !c.attrs.depositsOnly)
    const bundles = await applyBundles(input.bundles, usable, opened)

    const relays: RelayOutcome[] = []
    const lanes = new Map<bigint, RelayLane>()
    await settleAll(
      usable.map((c) =>
        turn(c.chainId, async () => {
          const o = opened.get(c.chainId)!
          const lane: RelayLane = { nonce: o.relayerNonce, budget: relayGasBudget(o.gasLimit), gasLeft: relayGasBudget(o.gasLimit), at: relayBlock(o) }
          lanes.set(c.chainId, lane)
          const { signed, refused } = signRelays(c.chainId, await rules.relaysFor(c.chainId, lane.at), lane)
          relays.push(...settleLane(lane, await c.executor.fill(signed)), ...refused)
        }),
      ),
    )

    const sealed = new Map<bigint, { block: Block; receipts: readonly StoredReceipt[] }>()
    const blocks: SlotResult['blocks'] = []
    for (const c of input.chains) {
      await turn(c.chainId, async () => {
        const lane = lanes.get(c.chainId)
        let late: SignedRelay[] = []
        let digests: SealedDigests = new Map()
        let refusedLate: RelayOutcome[] = []
        const sameSlotDemand = { gas: 0n, bytes: 0 }
        if (lane) {
          const plan = await rules.sameSlotRelaysFor(c.chainId, lane.at, sealed)
          const { signed, refused } = signRelays(c.chainId, plan, lane)
          refusedLate = refused
          late = signed
          const handed = new Set(signed.map((r) => r.msgHash))
          digests = digestsOf(plan.relays.filter((r) => handed.has(r.msgHash)), sealed)
          for (const r of plan.relays) sameSlotDemand.gas += r.gasLimit
          sameSlotDemand.bytes = signed.reduce((n, r) => n + r.ptx.raw.length, 0) + (plan.relays.length - signed.length) * UNSIGNED_RELAY_BYTES
        }
        const payload = await c.executor.sealPayload(late, digests)
        if (lane) relays.push(...settleLane(lane, payload.relays), ...refusedLate)
        blocks.push({ chainId: c.chainId, payload, sameSlotDemand })
        sealed.set(c.chainId, { block: payload.block, receipts: payload.receipts })
      })
    }
    return { slot, timestamp, blocks, bundles, relays }
  } catch (err) {
    await Promise.all(input.chains.map((c) => c.executor.abort().catch(() => undefined)))
    throw err
  }
}

/** What a relay not signed is counted as, in bytes, when sizing the next slot's reserve (a relay with a short message). */
const UNSIGNED_RELAY_BYTES = 512

/** Awaits every promise (none is left running), then throws the first failure. */
async function settleAll(promises: readonly Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(promises)
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')
  if (failed) throw failed.reason
}

/** A chain's relays in the slot being built: the next nonce and the relay gas left. */
interface RelayLane {
  nonce: bigint
  /** The block's relay gas budget, and what is left of it. */
  budget: bigint
  gasLeft: bigint
  at: RelayBlock
}

function relayBlock(o: OpenedPayload): RelayBlock {
  return { number: o.number, timestamp: o.timestamp, maxRelayGas: maxRelayGas(o.gasLimit), baseFee: o.baseFee }
}

/**
 * Signs a plan's relays with the lane's next nonces, within its relay gas: a relay over
 * the whole budget can never be relayed in one block (refused, to be retried with less
 * gas), one over what is left waits for a later slot; nothing after a relay left out is
 * signed, so the nonces stay consecutive.
 */
function signRelays(chainId: bigint, plan: RelayPlan, lane: RelayLane): { signed: SignedRelay[]; refused: RelayOutcome[] } {
  const signed: SignedRelay[] = []
  const refused: RelayOutcome[] = []
  let nonce = lane.nonce
  let gas = lane.gasLeft
  for (const relay of plan.relays) {
    if (relay.gasLimit > lane.budget) {
      refused.push({ chainId, msgHash: relay.msgHash, ok: false, kind: 'unsignable', included: false, reason: `its gas limit ${relay.gasLimit} is over the ${lane.budget} gas relays may use in a block; retry it with a lower gas limit` })
      continue
    }
    if (relay.gasLimit > gas) {
      refused.push({ chainId, msgHash: relay.msgHash, ok: false, kind: 'no-room', included: false })
      continue
    }
    let ptx: PooledTx
    try {
      ptx = relay.sign(nonce)
    } catch (err) {
      refused.push({ chainId, msgHash: relay.msgHash, ok: false, kind: 'unsignable', included: false, reason: `the relay could not be signed: ${(err as Error)?.message ?? String(err)}` })
      continue
    }
    signed.push({ msgHash: relay.msgHash, ptx })
    nonce++
    gas -= relay.gasLimit
  }
  return { signed, refused }
}

/** Moves the lane past the relays the executor included (they took the nonces and the gas); returns the outcomes. */
function settleLane(lane: RelayLane, outcomes: readonly RelayOutcome[]): readonly RelayOutcome[] {
  for (const o of outcomes) {
    if (!o.included || !o.ptx) continue
    lane.nonce = o.ptx.nonce + 1n
    lane.gasLeft -= o.ptx.gasLimit
  }
  return outcomes
}

/** What the executor's checks need of the slot's sealed blocks: exactly the logs its same-slot relays execute. */
function digestsOf(relays: readonly PendingRelay[], sealed: SealedSoFar): SealedDigests {
  const digests = new Map<bigint, SealedDigest & { logs: { origin: Hex; payloadHash: Hex }[] }>()
  for (const { initiating: at } of relays) {
    const s = sealed.get(at.chainId)
    if (!s || s.block.header.number !== at.blockNumber) continue
    let d = digests.get(at.chainId)
    if (!d) digests.set(at.chainId, (d = { number: s.block.header.number, timestamp: s.block.header.timestamp, logs: [] }))
    d.logs[at.logIndex] = { origin: at.origin, payloadHash: at.payloadHash }
  }
  return digests
}

/** Tries the bundles in order within each chain's bundle budget. */
async function applyBundles(bundles: readonly SlotBundle[], usable: readonly SlotChainInput[], opened: ReadonlyMap<bigint, OpenedPayload>): Promise<BundleOutcome[]> {
  const byChain = new Map(usable.map((c) => [c.chainId, c]))
  const gasLeft = new Map(usable.map((c) => [c.chainId, bundleGasBudget(opened.get(c.chainId)!.gasLimit)]))
  const outcomes: BundleOutcome[] = []
  for (const bundle of bundles) {
    const missing = bundle.txs.find((t) => !byChain.has(t.chainId))
    if (missing) {
      outcomes.push({ id: bundle.id, included: false, failed: { chainId: missing.chainId, hash: missing.ptx.hash, reason: `chain ${missing.chainId} is not part of this slot` } })
      continue
    }
    const legs = new Map<bigint, PooledTx[]>()
    for (const { chainId, ptx } of bundle.txs) legs.set(chainId, [...(legs.get(chainId) ?? []), ptx])
    const gasOf = (txs: readonly PooledTx[]) => txs.reduce((g, t) => g + t.gasLimit, 0n)
    if ([...legs].some(([chainId, txs]) => gasOf(txs) > gasLeft.get(chainId)!)) {
      outcomes.push({ id: bundle.id, included: false, deferred: true })
      continue
    }
    // The attempt costs its gas limits whatever its outcome: the EVM work bundles take per slot is bounded.
    for (const [chainId, txs] of legs) gasLeft.set(chainId, gasLeft.get(chainId)! - gasOf(txs))
    outcomes.push(await applyBundle(bundle, legs, byChain))
  }
  return outcomes
}

/**
 * One bundle: its legs on their chains at once, each under a checkpoint; kept on every
 * chain if every leg is, else taken back on every chain (a leg the block's data limit
 * has no room for defers the bundle). The failure reported is the first in the bundle's
 * order. An executor that throws here (not a transaction's failure: those are results)
 * fails the slot attempt as a whole (the caller retries it without bundles).
 */
async function applyBundle(bundle: SlotBundle, legs: ReadonlyMap<bigint, PooledTx[]>, byChain: ReadonlyMap<bigint, SlotChainInput>): Promise<BundleOutcome> {
  const chains = [...legs.keys()]
  const results = await Promise.all(chains.map((chainId) => byChain.get(chainId)!.executor.applyBundleLeg(legs.get(chainId)!)))
  const keep = results.every((r) => r.ok)
  await Promise.all(chains.map((chainId) => byChain.get(chainId)!.executor.settleBundle(keep)))
  if (keep) return { id: bundle.id, included: true, txs: bundle.txs.map((t) => ({ chainId: t.chainId, hash: t.ptx.hash })) }
  const failed = results.flatMap((r, i) => (r.ok ? [] : [{ chainId: chains[i]!, ...r }]))
  if (failed.some((f) => f.noRoom)) return { id: bundle.id, included: false, deferred: true }
  const order = bundle.txs.map((t) => t.ptx.hash)
  const first = failed.sort((a, b) => order.indexOf(a.hash) - order.indexOf(b.hash))[0]!
  return { id: bundle.id, included: false, failed: { chainId: first.chainId, hash: first.hash, reason: first.reason } }
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
