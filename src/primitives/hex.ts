import { InvalidParamsError } from './errors.js'

/** A 0x-prefixed hex string. */
export type Hex = `0x${string}`

const HEX_RE = /^0x[0-9a-fA-F]*$/
/** A 0x-prefixed 20-byte address (any case). */
export const ADDRESS_RE = /^0x[0-9a-fA-F]{40}$/
const QUANTITY_RE = /^0x(0|[1-9a-fA-F][0-9a-fA-F]*)$/

/** Encodes a number as a JSON-RPC QUANTITY (no leading zeros). */
export function toQuantity(value: bigint | number): Hex {
  return `0x${value.toString(16)}`
}

const HEX_TABLE = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))

/** Encodes bytes as JSON-RPC DATA. */
export function toData(bytes: Uint8Array): Hex {
  let out = '0x'
  for (let i = 0; i < bytes.length; i++) out += HEX_TABLE[bytes[i]!]
  return out as Hex
}

/** Decodes hex (with or without 0x, even length) into bytes; throws on bad input. */
export function hexToBytes(hex: string): Uint8Array {
  const body = hex.startsWith('0x') ? hex.slice(2) : hex
  if (body.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(body)) {
    throw new InvalidParamsError(`invalid hex string: ${truncate(hex)}`)
  }
  return Uint8Array.from(Buffer.from(body, 'hex'))
}

/** Parses a JSON-RPC QUANTITY param; `field` names it in the error. */
export function parseQuantity(value: unknown, field = 'value'): bigint {
  if (typeof value !== 'string' || !HEX_RE.test(value) || value === '0x') {
    throw new InvalidParamsError(`invalid ${field}: expected hex-encoded quantity, got ${describe(value)}`)
  }
  if (!QUANTITY_RE.test(value)) {
    // geth's hexutil rejects these too: a QUANTITY has no leading zero digits
    throw new InvalidParamsError(`invalid ${field}: hex number with leading zero digits`)
  }
  return BigInt(value)
}

/** Parses JSON-RPC DATA of an optional exact byte length. */
export function parseData(value: unknown, field = 'data', byteLength?: number): Uint8Array {
  if (typeof value !== 'string' || !HEX_RE.test(value) || value.length % 2 !== 0) {
    throw new InvalidParamsError(`invalid ${field}: expected 0x-prefixed hex data, got ${describe(value)}`)
  }
  const bytes = Uint8Array.from(Buffer.from(value.slice(2), 'hex'))
  if (byteLength !== undefined && bytes.length !== byteLength) {
    throw new InvalidParamsError(`invalid ${field}: expected ${byteLength} bytes, got ${bytes.length}`)
  }
  return bytes
}

/** Parses a 20-byte address param. */
export function parseAddress(value: unknown, field = 'address'): Uint8Array {
  return parseData(value, field, 20)
}

/** Parses a 32-byte hash param. */
export function parseHash(value: unknown, field = 'hash'): Uint8Array {
  return parseData(value, field, 32)
}

/** Left-pads bytes to 32 (storage keys may be given short, as geth allows). */
export function parseStorageKey(value: unknown, field = 'slot'): Uint8Array {
  if (typeof value !== 'string' || !HEX_RE.test(value) || value.length > 66) {
    throw new InvalidParamsError(`invalid ${field}: expected a hex storage key of at most 32 bytes, got ${describe(value)}`)
  }
  const body = value.slice(2).padStart(64, '0')
  return Uint8Array.from(Buffer.from(body, 'hex'))
}

export function bytesToBigInt(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n
  return BigInt(toData(bytes))
}

export function bigIntToBytes(value: bigint, length?: number): Uint8Array {
  let hex = value.toString(16)
  if (hex.length % 2) hex = '0' + hex
  if (value === 0n) hex = ''
  const bytes = Uint8Array.from(Buffer.from(hex, 'hex'))
  if (length === undefined || bytes.length >= length) return bytes
  const out = new Uint8Array(length)
  out.set(bytes, length - bytes.length)
  return out
}


function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(truncate(value))
  if (value === null) return 'null'
  return typeof value
}

function truncate(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s
}
