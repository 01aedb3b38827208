import { InvalidParamsError } from '../../primitives/errors.js'
import { parseQuantity } from '../../primitives/hex.js'

/** Most entries one `plexus_list*` call returns. */
export const MAX_LIST_LIMIT = 1_000
export const DEFAULT_LIST_LIMIT = 50

/**
 * The optional query object of a `plexus_list*` method: absent or null is `{}`; an
 * unknown key is an error (a typo would otherwise silently select everything).
 */
export function parseQueryObject(value: unknown, keys: readonly string[]): Record<string, unknown> {
  if (value === undefined || value === null) return {}
  if (typeof value !== 'object' || Array.isArray(value)) throw new InvalidParamsError(`expected a query object { ${keys.join(', ')} }`)
  const o = value as Record<string, unknown>
  for (const k of Object.keys(o)) {
    if (!keys.includes(k)) throw new InvalidParamsError(`unknown query field "${k}" (expected ${keys.join(', ')})`)
  }
  return o
}

/** A count or index: a JSON integer ≥ 0 or a hex QUANTITY (list queries are typed by hand as often as by tools). */
export function parseCount(value: unknown, field: string): number {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value) || value < 0) throw new InvalidParamsError(`invalid ${field}: expected a non-negative integer, got ${value}`)
    return value
  }
  const n = parseQuantity(value, field)
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new InvalidParamsError(`invalid ${field}: ${n} is too large`)
  return Number(n)
}

/** `limit`: 1 … MAX_LIST_LIMIT, default DEFAULT_LIST_LIMIT. */
export function parseLimit(value: unknown): number {
  if (value === undefined || value === null) return DEFAULT_LIST_LIMIT
  const n = parseCount(value, 'limit')
  if (n < 1 || n > MAX_LIST_LIMIT) throw new InvalidParamsError(`limit must be 1 … ${MAX_LIST_LIMIT}, not ${n}`)
  return n
}

/** One of `allowed`, or undefined when absent. */
export function parseEnum<T extends string>(value: unknown, field: string, allowed: readonly T[]): T | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new InvalidParamsError(`${field} must be one of ${allowed.map((a) => `"${a}"`).join(', ')}`)
  }
  return value as T
}
