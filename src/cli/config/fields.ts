import { z } from 'zod'
import { ADDRESS_RE } from '../../primitives/hex.js'
import { didYouMean } from './didYouMean.js'
import { AMOUNT_RE, DURATION_RE, formatDurationMs, parseAmountWei, parseDurationMs, type DurationUnit } from './units.js'

/**
 * Field builders of the config schema. Every field carries its own message — what the
 * value must be and how to fix it — so a zod issue becomes
 * `chains[2].gasToken.decimals: must be an integer from 0 to 18 (got 24); set it to …`
 * without a generic "Invalid input" anywhere.
 */

type ErrorFn = (issue: { input?: unknown }) => string

/** `must … (got X); fix`, or `missing: must …; fix` when the field is absent. */
export function expected(what: string, fix: string, opts: { secret?: boolean } = {}): ErrorFn {
  return (issue) => (issue.input === undefined ? `missing: ${what}; ${fix}` : `${what} (got ${shown(issue.input, opts.secret)}); ${fix}`)
}

/** A value as an error message shows it: short, and never a secret's text. */
export function shown(value: unknown, secret = false): string {
  if (secret && typeof value === 'string') return `a ${value.length}-character value`
  if (typeof value === 'string') return JSON.stringify(value.length > 48 ? `${value.slice(0, 45)}...` : value)
  if (Array.isArray(value)) return 'a list'
  if (value === null) return 'null'
  if (typeof value === 'object') return 'a mapping'
  return String(value)
}

export function int(min: number, max: number, fix: string) {
  const error = expected(`must be an integer from ${min} to ${max}`, fix)
  return z.number({ error }).int({ error }).min(min, { error }).max(max, { error })
}

export function bool(fix: string) {
  return z.boolean({ error: expected('must be true or false', fix) })
}

export function text(what: string, fix: string, opts: { pattern?: RegExp; max?: number } = {}) {
  const error = expected(what, fix)
  let s = z.string({ error }).min(1, { error }).max(opts.max ?? 1024, { error })
  if (opts.pattern) s = s.regex(opts.pattern, { error })
  return s
}

export function oneOf<const T extends readonly [string, ...string[]]>(values: T, fix: string) {
  const what = `must be one of ${values.join(', ')}`
  return z.enum(values, {
    error: (issue) => {
      const close = typeof issue.input === 'string' ? didYouMean(issue.input, values) : undefined
      return expected(what, close ? `did you mean "${close}"?` : fix)(issue)
    },
  })
}

export function address(fix: string) {
  return text('must be a 0x-prefixed 20-byte hex address', fix, { pattern: ADDRESS_RE, max: 42 }) as unknown as z.ZodType<`0x${string}`, string>
}

export function privateKey(fix: string) {
  const error = expected('must be a 0x-prefixed 32-byte hex private key', fix, { secret: true })
  return z.string({ error }).regex(/^0x[0-9a-fA-F]{64}$/, { error }) as unknown as z.ZodType<`0x${string}`, string>
}

export function url(fix: string) {
  const error = expected('must be an http(s) or ws(s) URL', fix)
  return z.string({ error }).regex(/^(https?|wss?):\/\/[^\s]+$/, { error })
}

export function host(fix: string) {
  return text('must be a host name or IP address', fix, { pattern: /^[A-Za-z0-9.:[\]-]+$/, max: 253 })
}

export function port(fix: string) {
  return int(0, 65535, fix)
}

/** Hex bytes (contract code): 0x followed by an even number of hex digits. */
export function hexBytes(fix: string) {
  return text('must be 0x-prefixed hex bytes', fix, { pattern: /^0x([0-9a-fA-F]{2})*$/, max: 2 * 49_152 + 2 })
}

/** A 32-byte word as geth's alloc writes storage keys and values: 0x + 1…64 hex digits. */
export function hexWord(fix: string) {
  return text('must be a 0x-prefixed hex word of at most 32 bytes', fix, { pattern: /^0x[0-9a-fA-F]{1,64}$/, max: 66 })
}

/**
 * A duration: "250ms", "12s", "30m", "1h", "7d", or a bare number in `numberUnit`.
 * Parsed to a whole number of `numberUnit`s within [min, max] (given in that unit).
 */
export function duration(numberUnit: 'ms' | 's', min: number, max: number, example: string, fix: string) {
  const unitMs = numberUnit === 'ms' ? 1 : 1_000
  const range = `from ${formatDurationMs(min * unitMs)} to ${formatDurationMs(max * unitMs)}`
  const what = `must be a duration ${range} such as "${example}" (a bare number is in ${numberUnit === 'ms' ? 'milliseconds' : 'seconds'})`
  const error = expected(what, fix)
  return z
    .union([z.number({ error }), z.string({ error }).regex(DURATION_RE, { error })], { error })
    .transform((value, ctx) => {
      const ms = parseDurationMs(value, numberUnit as DurationUnit)
      if (ms === undefined || ms % unitMs !== 0 || ms < min * unitMs || ms > max * unitMs) {
        ctx.issues.push({ code: 'custom', input: value, message: error({ input: value }) })
        return z.NEVER
      }
      return ms / unitMs
    })
}

/** An amount of the native token, parsed to wei: "1000 ether", "2 gwei", "21000 wei", or wei as an integer. */
export function amount(fix: string) {
  const what = 'must be an amount such as "1000 ether", "1 gwei" or an integer number of wei'
  const error = expected(what, fix)
  return z
    .union([z.number({ error }).int({ error }).nonnegative({ error }), z.string({ error }).regex(new RegExp(`${AMOUNT_RE.source}|^\\d+$|^0x[0-9a-fA-F]+$`, 'i'), { error })], { error })
    .transform((value, ctx) => {
      const wei = parseAmountWei(value)
      if (wei === undefined) {
        ctx.issues.push({ code: 'custom', input: value, message: error({ input: value }) })
        return z.NEVER
      }
      return wei
    })
}
