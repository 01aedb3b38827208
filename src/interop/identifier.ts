/**
 * The message identifier and the hashes that bind an executing message to its
 * initiating log (OP interop specs: messaging.md "Message Identifier" and "Message
 * payload", predeploys.md "CrossL2Inbox" > "type 3: Checksum").
 */
import { keccak256 } from '../primitives/crypto.js'
import { InvalidParamsError } from '../primitives/errors.js'
import { hexToBytes, toData, type Hex } from '../primitives/hex.js'

/** Points at one log of one block of one chain (the CrossL2Inbox `Identifier` struct). */
export interface MessageIdentifier {
  /** The account that emitted the log. */
  origin: Hex
  blockNumber: bigint
  /** Index of the log among all logs of the block. */
  logIndex: number
  /** Timestamp of the block that holds the log. */
  timestamp: bigint
  /** Chain that emitted the log. */
  chainId: bigint
}

/** viem ABI parameter of the Solidity `Identifier` struct, field order as on chain. */
export const identifierAbi = {
  name: 'id',
  type: 'tuple',
  internalType: 'struct Identifier',
  components: [
    { name: 'origin', type: 'address' },
    { name: 'blockNumber', type: 'uint256' },
    { name: 'logIndex', type: 'uint256' },
    { name: 'timestamp', type: 'uint256' },
    { name: 'chainId', type: 'uint256' },
  ],
} as const

/** Type byte of the checksum access-list entry (and of every checksum). */
export const CHECKSUM_TYPE = 0x03

const U32_MAX = 0xffff_ffff
const U64_MAX = (1n << 64n) - 1n
const U256_MAX = (1n << 256n) - 1n

/**
 * Throws unless the identifier fits the packed checksum and lookup encodings: the
 * CrossL2Inbox reverts (BlockNumberTooHigh, TimestampTooHigh, LogIndexTooHigh) on the
 * same bounds.
 */
export function assertEncodableIdentifier(id: MessageIdentifier): void {
  if (id.blockNumber < 0n || id.blockNumber > U64_MAX) {
    throw new InvalidParamsError(`message identifier: block number ${id.blockNumber} does not fit in 64 bits`)
  }
  if (id.timestamp < 0n || id.timestamp > U64_MAX) {
    throw new InvalidParamsError(`message identifier: timestamp ${id.timestamp} does not fit in 64 bits`)
  }
  if (!Number.isInteger(id.logIndex) || id.logIndex < 0 || id.logIndex > U32_MAX) {
    throw new InvalidParamsError(`message identifier: log index ${id.logIndex} is not a 32-bit unsigned integer`)
  }
  if (id.chainId < 0n || id.chainId > U256_MAX) {
    throw new InvalidParamsError(`message identifier: chain id ${id.chainId} does not fit in 256 bits`)
  }
}

function fixedBytes(value: Hex, length: number, what: string): Uint8Array {
  const bytes = hexToBytes(value)
  if (bytes.length !== length) throw new InvalidParamsError(`${what}: expected ${length} bytes, got ${bytes.length}`)
  return bytes
}

/** Writes `value` big-endian into `out[offset, offset + 32)`. */
export function writeUint256(out: Uint8Array, offset: number, value: bigint): void {
  let v = value
  for (let i = offset + 31; i >= offset; i--) {
    out[i] = Number(v & 0xffn)
    v >>= 8n
  }
}

/** The message payload of a log: its topics concatenated, then its data. */
export function payloadOf(topics: readonly Hex[], data: Hex): Hex {
  let out = '0x'
  for (const topic of topics) {
    fixedBytes(topic, 32, 'log topic')
    out += topic.slice(2)
  }
  hexToBytes(data)
  return (out + data.slice(2)).toLowerCase() as Hex
}

/** keccak256(topics ‖ data): the `msgHash` an executing message declares for a log. */
export function payloadHashOf(topics: readonly Hex[], data: Hex): Hex {
  return toData(keccak256(hexToBytes(payloadOf(topics, data))))
}

function logHashBytes(origin: Uint8Array, payloadHash: Uint8Array): Uint8Array {
  const buf = new Uint8Array(52)
  buf.set(origin, 0)
  buf.set(payloadHash, 20)
  return keccak256(buf)
}

/** keccak256(bytes20(origin) ‖ payloadHash): the hash the checksum starts from. */
export function logHashOf(origin: Hex, payloadHash: Hex): Hex {
  return toData(logHashBytes(fixedBytes(origin, 20, 'log origin'), fixedBytes(payloadHash, 32, 'payload hash')))
}

/**
 * The CrossL2Inbox checksum of an executing message (predeploys.md, type 3):
 *   logHash      = keccak256(bytes20(origin) ‖ msgHash)
 *   idPacked     = bytes12(0) ‖ uint64 blockNumber ‖ uint64 timestamp ‖ uint32 logIndex
 *   idLogHash    = keccak256(logHash ‖ idPacked)
 *   bareChecksum = keccak256(idLogHash ‖ uint256 chainId)
 *   checksum     = 0x03 ‖ bareChecksum[1:]
 * It is the storage key the transaction's access list must warm in the CrossL2Inbox.
 */
export function messageChecksum(id: MessageIdentifier, msgHash: Hex): Hex {
  assertEncodableIdentifier(id)
  const logHash = logHashBytes(fixedBytes(id.origin, 20, 'identifier origin'), fixedBytes(msgHash, 32, 'message hash'))
  const buf = new Uint8Array(64)
  buf.set(logHash, 0)
  const view = new DataView(buf.buffer)
  view.setBigUint64(32 + 12, id.blockNumber)
  view.setBigUint64(32 + 20, id.timestamp)
  view.setUint32(32 + 28, id.logIndex)
  const idLogHash = keccak256(buf)
  buf.set(idLogHash, 0)
  writeUint256(buf, 32, id.chainId)
  const checksum = keccak256(buf)
  checksum[0] = CHECKSUM_TYPE
  return toData(checksum)
}
