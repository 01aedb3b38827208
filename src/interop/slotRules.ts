import type { TypedTransaction } from '@ethereumjs/tx'
import type { ChainsView, SealedBlocks, SealedLogs } from './chainsView.js'
import type { RelayPlan } from './relayer.js'
import { recordRelayOutcomes, relaysFor, sameSlotRelaysFor, type RelayBlockOf, type RelayOutcomeOf, type RelayPolicyDeps } from './relayPolicy.js'
import { executingMessageCheck } from './validation.js'

/** The interop rules a slot is built by (the sequencer's `SlotRules`), and what follows a built slot. */
export interface InteropSlotRules {
  checkTx(chainId: bigint, block: { number: bigint; timestamp: bigint }, sealed: SealedLogs): (tx: TypedTransaction) => string | undefined
  relaysFor(chainId: bigint, block: RelayBlockOf): Promise<RelayPlan>
  sameSlotRelaysFor(chainId: bigint, block: RelayBlockOf, sealed: SealedBlocks): Promise<RelayPlan>
  /** Call with every committed slot (the sequencer's `onSlot`): records its relays' outcomes (`recordRelayOutcomes`). */
  slotCommitted(result: { relays: readonly RelayOutcomeOf[] }): void
}

export interface InteropSlotRulesDeps extends RelayPolicyDeps {
  view: ChainsView
}

/**
 * The network's interop rules over its chains: a transaction's executing messages must
 * point at initiating messages of committed blocks or of blocks sealed earlier in the same
 * slot; a chain's block carries the relays the relay policy (`relayPolicy.ts`) gives it.
 */
export function interopSlotRules(deps: InteropSlotRulesDeps): InteropSlotRules {
  return {
    checkTx: interopCheckTx(deps.view),
    relaysFor: async (chainId, block) => relaysFor(deps, chainId, block),
    sameSlotRelaysFor: async (chainId, block, sealed) => sameSlotRelaysFor(deps, chainId, block, sealed),
    slotCommitted: (result) => recordRelayOutcomes(deps.tracker, result.relays),
  }
}

/**
 * The slot's transaction check over `view`: a transaction's executing messages must point
 * at initiating logs of committed blocks or of the blocks `sealed` gives (earlier in the
 * same slot). The one rule the coordinator and every executor (worker.ts, over its own
 * replica of the network's chains) build by, so both refuse a message for the same reason.
 */
export function interopCheckTx(view: ChainsView): InteropSlotRules['checkTx'] {
  return (chainId, block, sealed) => executingMessageCheck(view.withSealed(sealed), chainId, block)
}

/**
 * A pool's check of a transaction for `chainId`, whose head is `head`: against the next
 * block, at `now` or the head's time, whichever is later (a transaction waits in the pool
 * for a block at least that late). One rule for the coordinator's pools and an executor's.
 */
export function interopAdmissionCheck(view: ChainsView, chainId: bigint, head: { number: bigint; timestamp: bigint }, now: bigint): (tx: TypedTransaction) => string | undefined {
  return interopCheckTx(view)(chainId, { number: head.number + 1n, timestamp: now > head.timestamp ? now : head.timestamp }, new Map())
}
