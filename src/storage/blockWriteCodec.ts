import { RLP } from '@ethereumjs/rlp'
import { CorruptionError } from '../primitives/errors.js'
import type { BlockWrite } from './chainStore.js'
import type { FlatStateDiff } from './flatState.js'
import { readU64, u64 } from './keys.js'

const EMPTY = new Uint8Array(0)

/**
 * A `BlockWrite` as bytes, so that a block can be recorded before it is committed and
 * committed from the record after a crash (a chain's prepared block, `ChainStore.prepareBlock`):
 * RLP `[hash, number, parentHash, stateRoot, header, body, receipts, [txHash…], [logKey…],
 * [[nodeKey, node]…], [clearedAccount…], [[address, accountRlp]…], [[address, slot, value]…]]`.
 * An empty account RLP or storage value stands for a deletion (no stored row is empty).
 */
export function encodeBlockWrite(w: BlockWrite): Uint8Array {
  const nodes: Uint8Array[][] = []
  for (const [key, node] of w.trieNodes) if (node !== undefined) nodes.push([Buffer.from(key, 'hex'), node])
  return RLP.encode([
    w.hash,
    u64(w.number),
    w.parentHash,
    w.stateRoot,
    w.header,
    w.body,
    w.receipts,
    w.txHashes as Uint8Array[],
    w.logKeys as Uint8Array[],
    nodes,
    w.flat.clearedStorage as Uint8Array[],
    [...w.flat.accounts.values()].map(({ address, rlp }) => [address, rlp ?? EMPTY]),
    w.flat.storage.map(({ address, slot, value }) => [address, slot, value ?? EMPTY]),
  ])
}

export function decodeBlockWrite(bytes: Uint8Array): BlockWrite {
  let fields: unknown
  try {
    fields = RLP.decode(bytes)
  } catch (cause) {
    throw new CorruptionError('a recorded block write is not valid RLP', { cause })
  }
  if (!Array.isArray(fields) || fields.length !== 13) throw new CorruptionError('a recorded block write has the wrong shape')
  const [hash, number, parentHash, stateRoot, header, body, receipts, txHashes, logKeys, nodes, cleared, accounts, storage] = fields as [
    Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array, Uint8Array,
    Uint8Array[], Uint8Array[], Uint8Array[][], Uint8Array[], Uint8Array[][], Uint8Array[][],
  ]
  const flat: FlatStateDiff = {
    clearedStorage: cleared,
    accounts: new Map(accounts.map(([address, rlp]) => [Buffer.from(address!).toString('hex'), { address: address!, rlp: orAbsent(rlp!) }])),
    storage: storage.map(([address, slot, value]) => ({ address: address!, slot: slot!, value: orAbsent(value!) })),
  }
  return {
    hash,
    number: readU64(number),
    parentHash,
    stateRoot,
    header,
    body,
    receipts,
    txHashes,
    logKeys,
    trieNodes: new Map(nodes.map(([key, node]) => [Buffer.from(key!).toString('hex'), node!])),
    flat,
  }
}

function orAbsent(value: Uint8Array): Uint8Array | undefined {
  return value.length === 0 ? undefined : value
}
