import { RLP } from '@ethereumjs/rlp'
import type { FlatStateUndo } from './flatState.js'

/**
 * What rewinding one block must undo, recorded when the block is committed: the flat
 * rows it overwrote, and the keys of the index entries it added. The index keys are
 * stored rather than recomputed at rewind because tx hashes and log keys come from the
 * body and receipts, whose encodings belong to execution; with them here, the store
 * can unwind a block on its own. They cost 32 bytes a transaction and one key per
 * distinct log address or topic, next to the ~100 bytes per touched account the undo
 * already takes.
 */
export interface ChangeSet {
  flat: FlatStateUndo
  txHashes: readonly Uint8Array[]
  /** The log addresses and topics the block added to the log index. */
  logKeys: readonly Uint8Array[]
}

/**
 * RLP `[[[address, rlp]…], [[storageKey, value]…], [txHash…], [logKey…]]`. An empty
 * string stands for a row that did not exist: stored accounts are non-empty RLP and
 * zero slots are never stored, so no real row is empty.
 */
export function encodeChangeSet(cs: ChangeSet): Uint8Array {
  return RLP.encode([
    cs.flat.accounts.map(({ address, rlp }) => [address, rlp ?? EMPTY]),
    cs.flat.storage.map(({ key, value }) => [key, value ?? EMPTY]),
    cs.txHashes as Uint8Array[],
    cs.logKeys as Uint8Array[],
  ])
}

export function decodeChangeSet(bytes: Uint8Array): ChangeSet {
  const [accounts, storage, txHashes, logKeys] = RLP.decode(bytes) as [Uint8Array[][], Uint8Array[][], Uint8Array[], Uint8Array[]]
  return {
    flat: {
      accounts: accounts.map(([address, rlp]) => ({ address: address!, rlp: orAbsent(rlp!) })),
      storage: storage.map(([key, value]) => ({ key: key!, value: orAbsent(value!) })),
    },
    txHashes,
    logKeys,
  }
}

const EMPTY = new Uint8Array(0)

function orAbsent(value: Uint8Array): Uint8Array | undefined {
  return value.length === 0 ? undefined : value
}
