/**
 * Executing messages declared in a transaction's access list, as storage keys of the
 * CrossL2Inbox (OP interop specs: predeploys.md "CrossL2Inbox" > "Access-list").
 *
 * Each message is a run of 32-byte entries, the first byte naming the type:
 *   1 lookup     01 ‖ 000000 ‖ uint64 chainId (low 64 bits) ‖ uint64 blockNumber ‖ uint64 timestamp ‖ uint32 logIndex
 *   2 extension  02 ‖ 00000000000000 ‖ the upper 24 bytes of the uint256 chainId (only when it exceeds 64 bits)
 *   3 checksum   see `messageChecksum`
 * The lookup and extension entries are hints for checks outside the EVM; the checksum
 * is what the CrossL2Inbox checks is warm, and it commits to everything the hints say.
 */
import type { TypedTransaction } from '@ethereumjs/tx'
import { PREDEPLOYS } from '../execution/predeploys.js'
import { hexToBytes, toData, type Hex } from '../primitives/hex.js'
import { InteropError } from './errors.js'
import { CHECKSUM_TYPE, assertEncodableIdentifier, messageChecksum, writeUint256, type MessageIdentifier } from './identifier.js'

/** An executing message as its access-list entries declare it (no origin, no msgHash: the checksum binds them). */
export interface ExecutingAccess {
  chainId: bigint
  blockNumber: bigint
  timestamp: bigint
  logIndex: number
  /** The checksum entry itself (type byte 0x03). */
  checksum: Hex
}

export const ACCESS_ENTRY_TYPE = {
  lookup: 0x01,
  chainIdExtension: 0x02,
  checksum: CHECKSUM_TYPE,
} as const

const CROSS_L2_INBOX = PREDEPLOYS.CrossL2Inbox
const CROSS_L2_INBOX_BYTES = hexToBytes(CROSS_L2_INBOX)
const U64_MAX = (1n << 64n) - 1n

function lookupEntry(id: MessageIdentifier): Hex {
  const out = new Uint8Array(32)
  out[0] = ACCESS_ENTRY_TYPE.lookup
  const view = new DataView(out.buffer)
  view.setBigUint64(4, id.chainId & U64_MAX)
  view.setBigUint64(12, id.blockNumber)
  view.setBigUint64(20, id.timestamp)
  view.setUint32(28, id.logIndex)
  return toData(out)
}

function chainIdExtensionEntry(chainId: bigint): Hex {
  const full = new Uint8Array(32)
  writeUint256(full, 0, chainId)
  const out = new Uint8Array(32)
  out[0] = ACCESS_ENTRY_TYPE.chainIdExtension
  out.set(full.subarray(0, 24), 8)
  return toData(out)
}

/**
 * The CrossL2Inbox storage keys declaring one executing message: the lookup entry, the
 * chain-id extension when the chain id does not fit in 64 bits, then the checksum.
 */
export function accessListKeysFor(id: MessageIdentifier, msgHash: Hex): Hex[] {
  assertEncodableIdentifier(id)
  const keys = [lookupEntry(id)]
  if (id.chainId > U64_MAX) keys.push(chainIdExtensionEntry(id.chainId))
  keys.push(messageChecksum(id, msgHash))
  return keys
}

/**
 * The access list a transaction executing `msgs` must carry: one CrossL2Inbox entry
 * holding every message's keys in order (an empty list when there are none). A message
 * declared twice is declared once: one declaration lets it execute any number of times.
 */
export function executingMessagesAccessList(
  msgs: readonly { id: MessageIdentifier; msgHash: Hex }[],
): { address: Hex; storageKeys: Hex[] }[] {
  const seen = new Set<Hex>()
  const storageKeys: Hex[] = []
  for (const { id, msgHash } of msgs) {
    const keys = accessListKeysFor(id, msgHash)
    const checksum = keys[keys.length - 1]!
    if (seen.has(checksum)) continue
    seen.add(checksum)
    storageKeys.push(...keys)
  }
  return storageKeys.length === 0 ? [] : [{ address: CROSS_L2_INBOX, storageKeys }]
}

const TYPE_NAMES: Record<number, string> = {
  [ACCESS_ENTRY_TYPE.lookup]: 'a lookup entry (type 1)',
  [ACCESS_ENTRY_TYPE.chainIdExtension]: 'a chain-id extension entry (type 2)',
  [ACCESS_ENTRY_TYPE.checksum]: 'a checksum entry (type 3)',
}

function describeType(type: number): string {
  return TYPE_NAMES[type] ?? `an entry of unknown type ${type}`
}

function malformed(keyIndex: number, problem: string): InteropError {
  return new InteropError(
    'malformed-access-list',
    `malformed CrossL2Inbox access list: storage key #${keyIndex} ${problem} ` +
      '(each executing message is a lookup entry, an optional chain-id extension entry, then a checksum entry)',
  )
}

function allZero(bytes: Uint8Array, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (bytes[i] !== 0) return false
  return true
}

/**
 * Parses the CrossL2Inbox storage keys of an access list (every CrossL2Inbox entry's
 * keys, concatenated in order) into executing messages. Throws `InteropError`
 * ('malformed-access-list') unless they are whole runs of lookup, [extension], checksum.
 */
export function accessesFromStorageKeys(keys: readonly Uint8Array[]): ExecutingAccess[] {
  const out: ExecutingAccess[] = []
  let i = 0
  const next = (expected: string): Uint8Array => {
    const key = keys[i]
    if (key === undefined) throw malformed(i, `is missing: expected ${expected}`)
    if (key.length !== 32) throw malformed(i, `is ${key.length} bytes long, not 32`)
    i++
    return key
  }
  while (i < keys.length) {
    const start = i
    const lookup = next('a lookup entry')
    if (lookup[0] !== ACCESS_ENTRY_TYPE.lookup) {
      throw malformed(start, `is ${describeType(lookup[0]!)} where a lookup entry (type 1) must start a message`)
    }
    if (!allZero(lookup, 1, 4)) throw malformed(start, 'is a lookup entry whose reserved bytes 1..4 are not zero')
    const view = new DataView(lookup.buffer, lookup.byteOffset, 32)
    let chainId = view.getBigUint64(4)
    const blockNumber = view.getBigUint64(12)
    const timestamp = view.getBigUint64(20)
    const logIndex = view.getUint32(28)

    let entry = next(`a chain-id extension or checksum entry after the lookup entry #${start}`)
    if (entry[0] === ACCESS_ENTRY_TYPE.chainIdExtension) {
      if (!allZero(entry, 1, 8)) throw malformed(i - 1, 'is a chain-id extension entry whose bytes 1..8 are not zero')
      let upper = 0n
      for (let b = 8; b < 32; b++) upper = (upper << 8n) | BigInt(entry[b]!)
      chainId |= upper << 64n
      entry = next(`a checksum entry after the chain-id extension entry #${i - 1}`)
    }
    if (entry[0] !== ACCESS_ENTRY_TYPE.checksum) {
      const after = i - 2 === start ? 'the lookup entry' : 'the chain-id extension entry'
      throw malformed(i - 1, `is ${describeType(entry[0]!)} where a checksum entry (type 3) must follow ${after}`)
    }
    out.push({ chainId, blockNumber, timestamp, logIndex, checksum: toData(entry) })
  }
  return out
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/**
 * The executing messages a transaction declares in its access list. Transactions
 * without an access list (legacy, deposits) declare none. Entries of other addresses
 * are ignored; several CrossL2Inbox entries are read as one list of keys, in order.
 * Throws `InteropError` ('malformed-access-list') on a malformed sequence.
 */
export function executingAccessesOf(tx: TypedTransaction): ExecutingAccess[] {
  // Legacy transactions have no `accessList`; a deposit (cast to TypedTransaction by
  // the block builder) neither.
  const list = (tx as { accessList?: unknown }).accessList
  if (!Array.isArray(list) || list.length === 0) return []
  let keys: Uint8Array[] | undefined
  for (const item of list as [Uint8Array, Uint8Array[]][]) {
    if (!sameBytes(item[0], CROSS_L2_INBOX_BYTES)) continue
    keys = keys === undefined ? [...item[1]] : keys.concat(item[1])
  }
  return keys === undefined ? [] : accessesFromStorageKeys(keys)
}
