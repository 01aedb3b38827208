import { TxDecodeError } from '../../execution/decodeTx.js'
import type { PooledTx } from '../../execution/pooledTx.js'
import type { Hex } from '../../primitives/hex.js'
import type { JournalScan } from '../../storage/txJournal.js'
import { NonceTooLowError, TxPoolError } from './errors.js'
import type { TxPool } from './txPool.js'

/**
 * Where the pool records what it accepted (`storage/txJournal.ts` implements it in the
 * chain's LMDB environment; the block commit removes what a block includes).
 */
export interface TxPoolJournal {
  /** Resolves once the entry would survive a process kill; rejects if it was not written. */
  record(hash: Hex, raw: Uint8Array, receivedAt: number): Promise<void>
  /** Forgets txs that left the pool, after every earlier `record`. */
  forget(hashes: Iterable<Hex>): Promise<void>
  /** Every entry, oldest first, and the keys of unreadable ones. */
  scan(): JournalScan
}

/** What a start-up replay did with each journal entry. */
export interface JournalReplay {
  /** Back in the pool. */
  readonly restored: number
  /** Their nonce is used: included before the stop (or replaced on chain by another tx). */
  readonly included: number
  /** Refused now for another reason (balance, base fee, the pool's limits or options). */
  readonly invalid: number
  /** Entries that do not decode to the transaction they are filed under (damaged storage). */
  readonly unreadable: number
}

/** Turns a journaled raw transaction back into a pooled one (decode + sender recovery). */
export type DecodeJournaled = (raw: Uint8Array, receivedAt: number) => Promise<PooledTx>

function isPooled(value: unknown): value is PooledTx {
  return typeof value === 'object' && value !== null && 'raw' in value && 'hash' in value && 'sender' in value
}

/** Decoded concurrently (sender recovery runs on worker threads), pooled in order. */
const DECODE_CHUNK = 256

/**
 * Puts the journal's transactions back into the pool at start-up, in the order they
 * were first accepted (so a replacement still replaces), checked like any new
 * transaction against the head state. Entries that are included, no longer valid or
 * unreadable (they do not decode, or not to the tx they are filed under) are dropped
 * quietly and forgotten by the journal; the caller logs the counts. Anything else
 * (the state cannot be read, decoding itself is broken) is thrown and nothing is
 * forgotten: a fault of this node must not empty its journal.
 */
export async function replayJournal(pool: TxPool, journal: TxPoolJournal, decode: DecodeJournaled): Promise<JournalReplay> {
  const { entries, unreadable } = journal.scan()
  const drop: Hex[] = [...unreadable]
  let unreadableCount = unreadable.length
  let restored = 0
  let included = 0
  let invalid = 0
  for (let i = 0; i < entries.length; i += DECODE_CHUNK) {
    const chunk = entries.slice(i, i + DECODE_CHUNK)
    const decoded = await Promise.all(chunk.map((e) => decode(e.raw, e.receivedAt).then((ptx) => ptx, (err: unknown) => err)))
    for (let j = 0; j < chunk.length; j++) {
      const entry = chunk[j]!
      const ptx = decoded[j]
      try {
        if (ptx instanceof TxDecodeError) throw ptx
        if (!isPooled(ptx)) throw ptx // not about the entry (a bug, a worker that died): stop
        // The bytes decode, but not to the tx filed under this key: damaged.
        if (ptx.hash !== entry.hash) throw new TxDecodeError(`journal entry ${entry.hash} holds transaction ${ptx.hash}`)
        await pool.add(ptx, { journaled: true })
        restored++
      } catch (err) {
        if (err instanceof TxDecodeError) unreadableCount++
        else if (err instanceof NonceTooLowError) included++
        else if (err instanceof TxPoolError) invalid++ // the pool refuses it now (also at the envelope check)
        else throw err
        drop.push(entry.hash)
      }
    }
  }
  if (drop.length > 0) await journal.forget(drop)
  return { restored, included, invalid, unreadable: unreadableCount }
}
