import type { TypedTransaction } from '@ethereumjs/tx'
import type { Chain } from '../execution/chain.js'
import type { ChainsView, SealedBlocks } from './chainsView.js'
import type { MessageTracker, TrackedMessage } from './messageTracker.js'
import type { Relayer, RelayPlan } from './relayer.js'
import { DEFAULT_MESSAGE_EXPIRY_SECONDS, executingMessageCheck } from './validation.js'

/** The interop rules a slot is built by (the sequencer's `SlotRules`). */
export interface InteropSlotRules {
  checkTx(chainId: bigint, block: { number: bigint; timestamp: bigint }, sealed: SealedBlocks): (tx: TypedTransaction) => string | undefined
  relaysFor(chainId: bigint, block: { number: bigint; timestamp: bigint; maxRelayGas: bigint; baseFee: bigint }, sealed: SealedBlocks): Promise<RelayPlan>
}

export interface InteropSlotRulesDeps {
  chains: () => ReadonlyMap<bigint, Chain>
  view: ChainsView
  tracker: MessageTracker
  relayer: Relayer
}

/**
 * The network's interop rules over its chains: a transaction's executing messages must
 * point at initiating messages of committed blocks or of blocks sealed earlier in the same
 * slot; a chain's block relays every message waiting for it (the tracker's, plus those
 * the slot's earlier chains just sent it) that has relay gas (paid by its sender, or a
 * bridge's allowance) and has not expired, in the order they became relayable.
 */
export function interopSlotRules(deps: InteropSlotRulesDeps): InteropSlotRules {
  const { view, tracker, relayer } = deps
  return {
    checkTx: (chainId, block, sealed) => executingMessageCheck(view.withSealed(sealed), chainId, block),
    relaysFor: async (chainId, block, sealed) => {
      const chain = deps.chains().get(chainId)
      if (!chain) return { nonce: 0n, relays: [] }
      const waiting: TrackedMessage[] = tracker.waitingFor(chainId).filter((m) => {
        if (m.id.timestamp + DEFAULT_MESSAGE_EXPIRY_SECONDS >= block.timestamp) return true
        tracker.markFailed(m.msgHash, 'expired: the message is older than the expiry window; resend it (resendMessage) to relay it')
        return false
      })
      for (const [sourceId, s] of sealed) {
        for (const m of tracker.sentIn(sourceId, s.block, s.receipts)) if (m.destination === chainId) waiting.push(m)
      }
      return relayer.relayPlan(chain, waiting, block.maxRelayGas, block.baseFee)
    },
  }
}
