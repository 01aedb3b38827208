/**
 * Validity of executing messages against the network's view of every chain (OP interop
 * specs: messaging.md "Messaging Invariants", derivation.md "Invariants",
 * dependency-set.md, message-expiry.md), plus Plexus' slot rule: chains build one block
 * per slot in a fixed order, so a message may come from an earlier slot, or from the same
 * slot of a chain that builds earlier in it.
 */
import type { TypedTransaction } from '@ethereumjs/tx'
import type { Hex } from '../primitives/hex.js'
import { executingAccessesOf, type ExecutingAccess } from './accessList.js'
import { InteropError } from './errors.js'
import { messageChecksum } from './identifier.js'

/** What an initiating message's checksum needs from its log. */
export interface InitiatingLog {
  /** The address that emitted the log. */
  origin: Hex
  /** keccak256(topics ‖ data). */
  payloadHash: Hex
}

/** Read access to the blocks and logs of the chains a message may come from. */
export interface InteropView {
  inDependencySet(chainId: bigint): boolean
  /** undefined: that chain does not have the block (yet). */
  blockTimestamp(chainId: bigint, blockNumber: bigint): bigint | undefined
  logAt(chainId: bigint, blockNumber: bigint, logIndex: number): InitiatingLog | undefined
  /** The network slot a block belongs to (every chain makes one block per slot); defined for blocks not built yet. */
  slotOf(chainId: bigint, blockNumber: bigint): bigint
  /** Position of the chain in a slot's build order. */
  orderOf(chainId: bigint): number
}

/** The block that would contain the executing message. */
export interface ExecutingContext {
  chainId: bigint
  slot: bigint
  timestamp: bigint
}

export interface CheckOptions {
  /** Seconds after its initiating block an executing message may still be included. */
  expirySeconds?: bigint
}

/** The expiry window (message-expiry.md: `EXPIRY_WINDOW`, 7 days). */
export const DEFAULT_MESSAGE_EXPIRY_SECONDS = 604_800n

/** Whether a block of `chainId` in `slot` may be depended on by the executing block. */
function slotAllows(view: InteropView, ctx: ExecutingContext, chainId: bigint, slot: bigint): boolean {
  if (slot < ctx.slot) return true
  return slot === ctx.slot && chainId !== ctx.chainId && view.orderOf(chainId) < view.orderOf(ctx.chainId)
}

function checkOne(
  a: ExecutingAccess,
  index: number,
  ctx: ExecutingContext,
  view: InteropView,
  expiry: bigint,
): InteropError | undefined {
  const msg = `executing message #${index}`
  const where = `block ${a.blockNumber} on chain ${a.chainId}`
  const fail = (code: InteropError['code'], text: string, pending = false) =>
    new InteropError(code, `${msg} ${text}`, { messageIndex: index, pending })

  // A chain is always part of its own dependency set (dependency-set.md).
  if (a.chainId !== ctx.chainId && !view.inDependencySet(a.chainId)) {
    return fail('not-in-dependency-set', `references chain ${a.chainId}, which is not in the dependency set of chain ${ctx.chainId}`)
  }

  const blockTime = view.blockTimestamp(a.chainId, a.blockNumber)
  if (blockTime === undefined) {
    const slot = view.slotOf(a.chainId, a.blockNumber)
    if (slotAllows(view, ctx, a.chainId, slot)) {
      return fail(
        'unknown-block',
        `references ${where}, which that chain has not built yet (slot ${slot}); it may become valid once it has`,
        true,
      )
    }
    return fail(
      'unknown-block',
      `references ${where}, which does not exist and belongs to slot ${slot}, too late for a block of chain ${ctx.chainId} in slot ${ctx.slot}`,
    )
  }
  if (blockTime !== a.timestamp) {
    return fail('timestamp-mismatch', `declares timestamp ${a.timestamp} for ${where}, whose timestamp is ${blockTime}`)
  }

  const log = view.logAt(a.chainId, a.blockNumber, a.logIndex)
  if (log === undefined) {
    return fail('no-log', `references log ${a.logIndex} of ${where}, which has no log at that index`)
  }

  const expected = messageChecksum(
    { origin: log.origin, blockNumber: a.blockNumber, logIndex: a.logIndex, timestamp: a.timestamp, chainId: a.chainId },
    log.payloadHash,
  )
  if (expected !== a.checksum.toLowerCase()) {
    return fail(
      'checksum-mismatch',
      `declares a checksum that does not match log ${a.logIndex} of ${where} (emitted by ${log.origin}): ` +
        'the message hash or identifier it was computed from differ from that log',
    )
  }

  if (a.timestamp > ctx.timestamp) {
    return fail('future-message', `references a log at timestamp ${a.timestamp}, later than the executing block's timestamp ${ctx.timestamp}`)
  }
  const slot = view.slotOf(a.chainId, a.blockNumber)
  if (slot > ctx.slot) {
    return fail('future-message', `references ${where} in slot ${slot}, later than the executing block's slot ${ctx.slot}`)
  }
  if (!slotAllows(view, ctx, a.chainId, slot)) {
    return fail(
      'same-slot-order',
      `references ${where} in the executing block's own slot ${slot}, but chain ${a.chainId} does not build before chain ${ctx.chainId} in a slot`,
    )
  }

  // messaging.md: invalid when id.timestamp + EXPIRY < executing timestamp.
  if (ctx.timestamp > a.timestamp + expiry) {
    return fail(
      'expired',
      `references a log at timestamp ${a.timestamp}, which expired at ${a.timestamp + expiry} (executing block timestamp ${ctx.timestamp})`,
    )
  }
  return undefined
}

/**
 * The first rule an executing message breaks, checked per message in order:
 * dependency set, block exists, block timestamp, log exists, checksum, timestamp not
 * after the executing block, slot order, expiry. undefined when all are valid.
 */
export function checkExecutingMessages(
  accesses: readonly ExecutingAccess[],
  ctx: ExecutingContext,
  view: InteropView,
  opts: CheckOptions = {},
): InteropError | undefined {
  const expiry = opts.expirySeconds ?? DEFAULT_MESSAGE_EXPIRY_SECONDS
  for (let i = 0; i < accesses.length; i++) {
    const err = checkOne(accesses[i]!, i, ctx, view, expiry)
    if (err) return err
  }
  return undefined
}

/** Parses the transaction's executing messages and checks them; a malformed list is an error. */
export function checkTransaction(
  tx: TypedTransaction,
  ctx: ExecutingContext,
  view: InteropView,
  opts: CheckOptions = {},
): InteropError | undefined {
  let accesses: ExecutingAccess[]
  try {
    accesses = executingAccessesOf(tx)
  } catch (err) {
    if (err instanceof InteropError) return err
    throw err
  }
  return checkExecutingMessages(accesses, ctx, view, opts)
}

/**
 * The rule as a block builder's transaction check (`BuildBlockParams.checkTx`,
 * `SlotRules.checkTx`): why `tx` may not be in `chainId`'s block `number` at
 * `timestamp`, or undefined. The sequencer, its pool and replicas all check through this.
 */
export function executingMessageCheck(
  view: InteropView,
  chainId: bigint,
  block: { number: bigint; timestamp: bigint },
): (tx: TypedTransaction) => string | undefined {
  const ctx = { chainId, slot: view.slotOf(chainId, block.number), timestamp: block.timestamp }
  return (tx) => {
    const err = checkTransaction(tx, ctx, view)
    return err ? `invalid executing message: ${err.message}` : undefined
  }
}
