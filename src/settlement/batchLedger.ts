import type { Hex } from 'viem'

/** One batch on L1: the L1 block holding it and the last L2 block it carries. */
export interface LedgerEntry {
  l1Number: bigint
  l1Hash: Hex
  lastBlock: bigint
}

/**
 * Which L2 blocks are carried by batches in canonical L1 blocks, in order: the safe
 * head, and the safe head as of an older L1 block (the finalized head). The batcher
 * keeps one for what it posted, a replica for what it derived; both drop the entries
 * of L1 blocks a reorg removed.
 */
export class BatchLedger {
  private readonly entries: LedgerEntry[] = []

  /** @param base last L2 block known safe before the first entry (genesis: 0). */
  constructor(private base = 0n) {}

  record(entry: LedgerEntry): void {
    this.entries.push(entry)
  }

  /** Last L2 block carried by a batch in a canonical L1 block. */
  safeHead(): bigint {
    return this.entries.length ? this.entries[this.entries.length - 1]!.lastBlock : this.base
  }

  /** Last L2 block carried by a batch in an L1 block at or below `l1Number`. */
  safeHeadAt(l1Number: bigint): bigint {
    let safe = this.base
    for (const e of this.entries) {
      if (e.l1Number > l1Number) break
      safe = e.lastBlock
    }
    return safe
  }

  /** Forgets the batches in L1 blocks above `ancestor` (a reorg); returns them, oldest first. */
  dropAbove(ancestor: bigint): LedgerEntry[] {
    const keep = this.entries.findIndex((e) => e.l1Number > ancestor)
    return keep < 0 ? [] : this.entries.splice(keep)
  }

  /** Forgets the entries carrying L2 blocks above `block` (an L2 rewind). */
  truncateTo(block: bigint): void {
    while (this.entries.length && this.entries[this.entries.length - 1]!.lastBlock > block) this.entries.pop()
    if (this.base > block) this.base = block
  }
}
