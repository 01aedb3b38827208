import type { ChainReader } from '../execution/chainReader.js'
import type { Hex } from '../primitives/hex.js'
import type { SealedBlocks } from './chainsView.js'
import type { MessageTracker, TrackedMessage } from './messageTracker.js'
import type { Relayer, RelayPlan } from './relayer.js'
import { DEFAULT_MESSAGE_EXPIRY_SECONDS } from './validation.js'

export interface RelayPolicyDeps {
  chains: () => ReadonlyMap<bigint, Pick<ChainReader, 'chainId' | 'common'>>
  tracker: MessageTracker
  relayer: Relayer
}

/** What the slot builder reports of one relay it was given (the shape of the sequencer's `RelayOutcome`). */
export interface RelayOutcomeOf {
  msgHash: Hex
  /** The relay transaction (absent when it could not be signed). */
  ptx?: { hash: Hex }
  /** What the block did with it: included (ok or reverted), no room left, or refused (invalid there, or not signable). */
  kind: 'included' | 'no-room' | 'invalid' | 'unsignable'
  included: boolean
  ok: boolean
  reason?: string
}

/**
 * The relays of messages sent to `chainId` in earlier slots that its next block carries:
 * every message waiting for it that has relay gas (paid by its sender, or a bridge's
 * allowance) and has not expired, in the order they became relayable; an expired one is
 * marked failed instead.
 */
export function relaysFor(deps: RelayPolicyDeps, chainId: bigint, block: RelayBlockOf): RelayPlan {
  const { tracker } = deps
  const chain = deps.chains().get(chainId)
  if (!chain) return { relays: [] }
  const waiting: TrackedMessage[] = tracker.waitingFor(chainId).filter((m) => {
    if (m.id.timestamp + DEFAULT_MESSAGE_EXPIRY_SECONDS >= block.timestamp) return true
    tracker.markFailed(m.msgHash, 'expired: the message is older than the expiry window; resend it (resendMessage) to relay it')
    return false
  })
  return deps.relayer.relayPlan(chain, waiting, block.maxRelayGas, block.baseFee)
}

/** The relays of messages sent to `chainId` earlier in this slot, by the chains whose blocks are in `sealed`. */
export function sameSlotRelaysFor(deps: RelayPolicyDeps, chainId: bigint, block: RelayBlockOf, sealed: SealedBlocks): RelayPlan {
  const chain = deps.chains().get(chainId)
  if (!chain) return { relays: [] }
  const sent: TrackedMessage[] = []
  for (const [sourceId, s] of sealed) {
    for (const m of deps.tracker.sentIn(sourceId, s.block, s.receipts)) if (m.destination === chainId) sent.push(m)
  }
  return deps.relayer.relayPlan(chain, sent, block.maxRelayGas, block.baseFee)
}

/** The block a relay plan is for (the shape of the sequencer's `RelayBlock`). */
export interface RelayBlockOf {
  timestamp: bigint
  maxRelayGas: bigint
  baseFee: bigint
}

/**
 * Records what a committed slot did with its relays, where its blocks cannot: a relay in
 * a block (relayed or reverted) is recorded by the tracker from the block itself, the
 * single source of such outcomes (it survives a restart and sees hand relays too); the
 * slot adds a reverted relay's reason, and the relays its blocks refused (never on
 * chain). A relay with no room left waits for the next slot: not an outcome.
 */
export function recordRelayOutcomes(tracker: MessageTracker, outcomes: readonly RelayOutcomeOf[]): void {
  for (const r of outcomes) {
    if (r.kind === 'no-room') continue
    if (r.included) {
      if (!r.ok && r.reason !== undefined && r.ptx) tracker.explainRevert(r.msgHash, r.ptx.hash, r.reason)
      continue
    }
    tracker.relayRefused(r.msgHash, r.reason ?? `the block refused the relay (${r.kind})`)
  }
}
