import { RLP } from '@ethereumjs/rlp'
import { BaseError, CorruptionError } from '../primitives/errors.js'
import { bytesToBigInt, hexToBytes, toData, type Hex } from '../primitives/hex.js'
import type { Logger } from '../primitives/logger.js'
import type { SlotJournal } from '../storage/slotJournal.js'
import type { ChainExecutor, ExecutorStatus } from './chainExecutor.js'

/**
 * A slot every chain has prepared, as the coordinator's journal records it before any
 * chain commits (phase two of the slot's commit): each chain's block hash, no block data.
 */
export interface SlotDecision {
  slot: bigint
  chains: { chainId: bigint; hash: Hex }[]
}

/** RLP `[slot, [[chainId, blockHash]…]]`. */
export function encodeSlotDecision(d: SlotDecision): Uint8Array {
  return RLP.encode([d.slot, d.chains.map((c) => [c.chainId, hexToBytes(c.hash)])])
}

export function decodeSlotDecision(bytes: Uint8Array): SlotDecision {
  try {
    const [slot, chains] = RLP.decode(bytes) as [Uint8Array, [Uint8Array, Uint8Array][]]
    return {
      slot: bytesToBigInt(slot),
      chains: chains.map(([chainId, hash]) => {
        if (!(hash instanceof Uint8Array) || hash.length !== 32) throw new Error('a block hash is not 32 bytes')
        return { chainId: bytesToBigInt(chainId), hash: toData(hash) }
      }),
    }
  } catch (cause) {
    throw new CorruptionError('the slot journal holds an unreadable slot decision', { cause, details: 'the network datadir is damaged; restore it from a snapshot' })
  }
}

/** What start-up does with one chain's prepared block. */
type Resolution = { executor: ChainExecutor; status: ExecutorStatus; commit?: Hex; drop?: true }

/**
 * Start-up, after any crash: asks every executor what it holds (its hello) and answers
 * from the journal's decision. A block prepared for the decided slot with the decided
 * hash is committed; any other prepared block is dropped. So a decided slot ends on every
 * chain, an undecided one on none. A chain of the decided slot at neither its block nor
 * a prepared copy of it lost a block it had acknowledged (its store went back: an OS
 * crash before the disk had it, a restored datadir): `CorruptionError` naming the chain,
 * the slot and the fix, and nothing is changed. Every check runs before the first write,
 * and every step is harmless to repeat, so a crash during recovery is recovered the
 * same way. Then the decision is cleared. Returns the chains that committed a block.
 */
export async function recoverSlot(journal: SlotJournal | undefined, executors: readonly ChainExecutor[], logger: Logger): Promise<bigint[]> {
  if (journal?.hasLegacySlotRecord()) {
    throw new BaseError('this network was stopped by an earlier Plexus while it committed a slot, in a format this version does not read', {
      details: 'start it once with the version it last ran (it finishes the slot on start-up and stops cleanly with Ctrl-C), then start it with this one',
    })
  }
  const bytes = journal?.decidedSlot()
  const decision = bytes ? decodeSlotDecision(bytes) : undefined
  const statuses = await Promise.all(executors.map((e) => e.hello()))
  const plan: Resolution[] = []
  for (const d of decision?.chains ?? []) {
    if (!executors.some((e) => e.chainId === d.chainId)) {
      throw new CorruptionError(`the slot journal decided slot ${decision!.slot} on chain ${d.chainId}, which this network does not have`, {
        details: 'start the network with the configuration it was stopped with (every chain it had)',
      })
    }
  }
  for (const [i, executor] of executors.entries()) {
    const status = statuses[i]!
    if (status.chainId !== executor.chainId) throw new CorruptionError(`the executor of chain ${executor.chainId} says it holds chain ${status.chainId}`, { details: "point it at that chain's datadir" })
    const decided = decision?.chains.find((c) => c.chainId === executor.chainId)
    if (decided && status.head.hash !== decided.hash) {
      if (status.prepared?.hash !== decided.hash || status.prepared.slot !== decision!.slot || status.prepared.number !== status.head.number + 1n) {
        throw new CorruptionError(`chain ${executor.chainId} lost block ${decided.hash} of slot ${decision!.slot}, which the network decided: it is at block ${status.head.number} (${status.head.hash}) without it prepared`, {
          details: "its store went back after acknowledging the block (an OS crash before the disk had it, or a restored datadir); restore the chain's datadir from a snapshot taken after that slot, or rebuild it with a replica, then start again",
        })
      }
      plan.push({ executor, status, commit: decided.hash })
    } else if (status.prepared) {
      // Not decided (or decided and committed already): never part of a slot.
      plan.push({ executor, status, drop: true })
    }
  }
  for (const { executor, status, commit } of plan) await executor.commitPayload(commit ?? status.head.hash)
  const committed = plan.filter((p) => p.commit).map((p) => p.executor.chainId)
  const dropped = plan.filter((p) => p.drop).map((p) => ({ chain: Number(p.executor.chainId), slot: p.status.prepared!.slot.toString() }))
  if (committed.length > 0) logger.warn({ slot: decision!.slot.toString(), chains: committed.map(Number) }, 'finished a slot that was cut short after its decision: committed the prepared blocks')
  if (dropped.length > 0) logger.warn({ dropped }, 'dropped blocks prepared for slots that were never decided')
  if (decision) journal!.clearDecision()
  return committed
}
