import type { TypedTransaction } from '@ethereumjs/tx'
import type { Chain } from '../execution/chain.js'
import type { DepositTransaction } from '../execution/depositTx.js'
import type { L1FeeParams } from '../execution/l1Fee.js'
import type { AddTxResult, BuiltBlock, OpenBlock, TxSource } from '../execution/openBlock.js'
import type { PooledTx } from '../execution/pooledTx.js'
import { decodeRevertReason } from '../execution/tracing/vmError.js'
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
}

/** Signed transactions on several chains that are included together or not at all. */
export interface SlotBundle {
  id: Hex
  txs: readonly { chainId: bigint; ptx: PooledTx }[]
}

/**
 * The network's protocol rules as the slot builder applies them. Both are functions of
 * committed chain data only (the blocks sealed so far, this slot's earlier chains
 * included), so any node holding the same chains gets the same answers.
 */
export interface SlotRules {
  /** The check each transaction of `chainId`'s block must pass (its executing messages). */
  checkTx(chainId: bigint, block: { number: bigint; timestamp: bigint }): (tx: TypedTransaction) => string | undefined
  /** The relay transactions `chainId`'s block carries: messages sent to it and not yet relayed. */
  relaysFor(chainId: bigint, block: { number: bigint; timestamp: bigint }): Promise<PooledTx[]>
}

export interface SlotInput {
  /** The network slot: every chain's block in it has the same timestamp. */
  slot: bigint
  timestamp: bigint
  /** Build order: ascending chain id (documented; replicas rely on it). */
  chains: readonly SlotChainInput[]
  /** Bundles in arrival order. */
  bundles: readonly SlotBundle[]
}

export type BundleOutcome =
  | { id: Hex; included: true; txs: { chainId: bigint; hash: Hex }[] }
  | { id: Hex; included: false; failed: { chainId: bigint; hash: Hex; reason: string } }

export interface RelayOutcome {
  chainId: bigint
  ptx: PooledTx
  /** Whether the relay transaction succeeded (false: it reverted, or could not be included). */
  ok: boolean
  /** What the block did with it: included (ok or reverted), invalid, or no room left. */
  kind: AddTxResult['kind']
  /** Why it failed: the target's revert reason, or why it was not included. */
  reason?: string
  included: boolean
}

export interface SlotResult {
  slot: bigint
  timestamp: bigint
  blocks: { chainId: bigint; built: BuiltBlock }[]
  bundles: BundleOutcome[]
  relays: RelayOutcome[]
}

/**
 * Builds one slot: a block on every chain, all with the slot's timestamp. Given the
 * same parent heads, inputs and rules it produces the same blocks — it keeps no state
 * of its own — so another sequencer (or a replica) can reproduce a slot exactly.
 *
 * Order, documented in ARCHITECTURE.md ("Slot order"):
 *  1. every chain's block is opened: system calls, the L1-info deposit, L1 deposits;
 *  2. bundles, in arrival order: each one's transactions run in the order given, under a
 *     checkpoint on every chain it touches; if one is invalid, fails its protocol check,
 *     does not fit, or reverts, all of them are taken back on every chain;
 *  3. chain by chain, in ascending chain id: relays of messages sent to the chain (in
 *     earlier slots, or in this slot by a chain built before it), then pool transactions
 *     best first; then the block is sealed, so later chains in the slot see its logs.
 */
export async function buildSlot(input: SlotInput, rules: SlotRules): Promise<SlotResult> {
  const opened: { input: SlotChainInput; open: OpenBlock }[] = []
  try {
    for (const c of input.chains) {
      const open = await c.chain.openBlock({
        timestamp: input.timestamp,
        coinbase: c.coinbase,
        gasLimit: c.gasLimit,
        deposits: c.deposits,
        l1Fee: c.l1Fee,
      })
      opened.push({ input: c, open })
    }
    const byChain = new Map(opened.map((o) => [o.input.chainId, o.open]))
    const bundles: BundleOutcome[] = []
    for (const bundle of input.bundles) bundles.push(await applyBundle(bundle, byChain, rules))

    const blocks: SlotResult['blocks'] = []
    const relays: RelayOutcome[] = []
    for (let i = 0; i < opened.length; i++) {
      const { input: c, open } = opened[i]!
      const at = { number: open.number, timestamp: open.timestamp }
      const checkTx = rules.checkTx(c.chainId, at)
      for (const ptx of await rules.relaysFor(c.chainId, at)) relays.push(relayOutcome(c.chainId, ptx, await open.addTx(ptx, { checkTx })))
      await open.fill(c.txs, { checkTx })
      blocks.push({ chainId: c.chainId, built: await open.seal() })
    }
    return { slot: input.slot, timestamp: input.timestamp, blocks, bundles, relays }
  } catch (err) {
    // Sealed blocks stay (abandon is a no-op for them); the rest are dropped.
    for (const o of opened) await o.open.abandon()
    throw err
  }
}

async function applyBundle(bundle: SlotBundle, byChain: ReadonlyMap<bigint, OpenBlock>, rules: SlotRules): Promise<BundleOutcome> {
  const touched: OpenBlock[] = []
  for (const { chainId } of bundle.txs) {
    const open = byChain.get(chainId)
    if (!open) return { id: bundle.id, included: false, failed: { chainId, hash: bundle.txs.find((t) => t.chainId === chainId)!.ptx.hash, reason: `chain ${chainId} is not part of this slot` } }
    if (!touched.includes(open)) touched.push(open)
  }
  for (const open of touched) await open.checkpoint()
  for (const { chainId, ptx } of bundle.txs) {
    const open = byChain.get(chainId)!
    const res = await open.addTx(ptx, { checkTx: rules.checkTx(chainId, { number: open.number, timestamp: open.timestamp }) })
    const reason = failureOf(res)
    if (reason !== undefined) {
      for (const o of touched) await o.revert()
      return { id: bundle.id, included: false, failed: { chainId, hash: ptx.hash, reason } }
    }
  }
  for (const open of touched) await open.release()
  return { id: bundle.id, included: true, txs: bundle.txs.map((t) => ({ chainId: t.chainId, hash: t.ptx.hash })) }
}

function relayOutcome(chainId: bigint, ptx: PooledTx, res: AddTxResult): RelayOutcome {
  const reason = failureOf(res)
  return { chainId, ptx, ok: reason === undefined, kind: res.kind, included: res.kind === 'included', ...(reason === undefined ? {} : { reason }) }
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
