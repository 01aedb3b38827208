/** Key encodings shared by the tables in database.ts. */

export function u64(n: bigint | number): Buffer {
  const b = Buffer.allocUnsafe(8)
  b.writeBigUInt64BE(BigInt(n))
  return b
}

export function readU64(b: Uint8Array, offset = 0): bigint {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).readBigUInt64BE(offset)
}

export function buf(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/** txIndex value: blockHash ‖ uint32 index. */
export function txLocation(blockHash: Uint8Array, index: number): Buffer {
  const b = Buffer.allocUnsafe(36)
  b.set(blockHash, 0)
  b.writeUInt32BE(index, 32)
  return b
}

export function storageKey(address: Uint8Array, slot: Uint8Array): Buffer {
  const b = Buffer.allocUnsafe(52)
  b.set(address, 0)
  b.set(slot, 20)
  return b
}

export function logIndexKey(addressOrTopic: Uint8Array, blockNumber: bigint): Buffer {
  const b = Buffer.allocUnsafe(addressOrTopic.length + 8)
  b.set(addressOrTopic, 0)
  b.writeBigUInt64BE(blockNumber, addressOrTopic.length)
  return b
}

export const META_HEAD = 'head'
export const META_GENESIS = 'genesis'
export const META_SCHEMA = 'schema'
/** The state root the flat account/storage tables reflect. */
export const META_FLAT_ROOT = 'flatRoot'
export const META_CHAIN_ID = 'chainId'
/** The block an executor prepared for a slot and has not yet been told to commit or drop (two-phase commit). */
export const META_PREPARED = 'prepared'
export const SCHEMA_VERSION = 1
