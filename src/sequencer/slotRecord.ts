import type { Block } from '@ethereumjs/block'
import { RLP } from '@ethereumjs/rlp'
import type { Chain } from '../execution/chain.js'
import { CorruptionError } from '../primitives/errors.js'
import { bytesToBigInt, toData } from '../primitives/hex.js'
import type { Logger } from '../primitives/logger.js'
import type { BlockWrite } from '../storage/chainStore.js'
import { decodeBlockWrite, encodeBlockWrite } from '../storage/blockWriteCodec.js'
import type { SlotJournal } from '../storage/slotJournal.js'

/** A slot about to be committed: every chain's block, as the writes that commit them. */
export interface SlotRecord {
  slot: bigint
  chains: { chainId: bigint; write: BlockWrite }[]
}

/** A block committed from a slot record. */
export interface FinishedBlock {
  chainId: bigint
  block: Block
}

/** RLP `[slot, [[chainId, blockWrite]…]]` (see `encodeBlockWrite`). */
export function encodeSlotRecord(record: SlotRecord): Uint8Array {
  return RLP.encode([record.slot, record.chains.map((c) => [c.chainId, encodeBlockWrite(c.write)])])
}

export function decodeSlotRecord(bytes: Uint8Array): SlotRecord {
  try {
    const [slot, chains] = RLP.decode(bytes) as [Uint8Array, [Uint8Array, Uint8Array][]]
    return { slot: bytesToBigInt(slot), chains: chains.map(([chainId, write]) => ({ chainId: bytesToBigInt(chainId), write: decodeBlockWrite(write) })) }
  } catch (cause) {
    throw new CorruptionError('the slot journal holds an unreadable slot record', { cause, details: 'the network datadir is damaged' })
  }
}

/**
 * Finishes the slot the journal recorded, if any (start-up, after a crash), then clears
 * the record. See `finishSlot`. Returns the blocks it committed.
 */
export async function finishRecordedSlot(journal: SlotJournal, chainOf: (chainId: bigint) => Chain | undefined, logger: Logger): Promise<FinishedBlock[]> {
  const bytes = journal.pendingSlot()
  if (!bytes) return []
  const finished = await finishSlot(decodeSlotRecord(bytes), chainOf, logger)
  journal.clearSlot()
  return finished
}

/**
 * Finishes a recorded slot: every chain of the record whose head is still the block's
 * parent gets the block from its write (no execution). After it, every chain of the slot
 * has its block, whatever moment a crash (or an exception) stopped the commits at. A chain
 * at neither the block nor its parent cannot be brought in line: that is corruption,
 * reported, never papered over. Returns the blocks it committed.
 */
export async function finishSlot(record: SlotRecord, chainOf: (chainId: bigint) => Chain | undefined, logger: Logger): Promise<FinishedBlock[]> {
  const finished: FinishedBlock[] = []
  for (const { chainId, write } of record.chains) {
    const chain = chainOf(chainId)
    if (!chain) throw new CorruptionError(`the slot journal records slot ${record.slot} on chain ${chainId}, which this network does not have`)
    const head = chain.headHeader()
    if (equal(head.hash(), write.hash)) continue
    if (!equal(head.hash(), write.parentHash)) {
      throw new CorruptionError(`chain ${chainId} is at block ${head.number} (${toData(head.hash())}), neither block ${write.number} of the recorded slot ${record.slot} nor its parent`, {
        details: 'the chain store lost blocks the network had recorded (an OS crash before they reached the disk?); restore the datadir from a snapshot or rebuild it with a replica',
      })
    }
    finished.push({ chainId, block: await chain.applyWrite(write) })
  }
  if (finished.length > 0) logger.warn({ slot: record.slot.toString(), chains: finished.map((f) => Number(f.chainId)) }, "finished a slot that was cut short between two chains' commits")
  return finished
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0
}
