import { parseUnits } from 'viem'

/**
 * Human-friendly quantities in a config file: durations ("250ms", "12s", "1h", "7d")
 * and amounts of the native token ("1000 ether", "1.5 gwei", "21000 wei", or wei as a
 * decimal or 0x-hex integer). Each parser returns undefined for text it does not read;
 * the schema turns that into an error naming the field.
 */

const DURATION_UNITS_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const
export type DurationUnit = keyof typeof DURATION_UNITS_MS

export const DURATION_RE = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)$/

/** A duration in milliseconds; a bare number is in `numberUnit`. Fractions of a millisecond are refused. */
export function parseDurationMs(value: number | string, numberUnit: DurationUnit): number | undefined {
  let ms: number
  if (typeof value === 'number') {
    ms = value * DURATION_UNITS_MS[numberUnit]
  } else {
    const m = DURATION_RE.exec(value.trim())
    if (!m) return undefined
    ms = Number(m[1]) * DURATION_UNITS_MS[m[2] as DurationUnit]
  }
  return Number.isSafeInteger(ms) && ms >= 0 ? ms : undefined
}

/** A duration as text in its largest whole unit: 604800000 → "7d", 250 → "250ms". */
export function formatDurationMs(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    if (ms >= DURATION_UNITS_MS[unit] && ms % DURATION_UNITS_MS[unit] === 0) return `${ms / DURATION_UNITS_MS[unit]}${unit}`
  }
  return `${ms}ms`
}

const AMOUNT_DECIMALS = { wei: 0, gwei: 9, ether: 18, eth: 18 } as const
export const AMOUNT_RE = /^(\d+(?:\.\d+)?)\s*(wei|gwei|ether|eth)$/i

/** An amount in wei: "1000 ether", "1.5 gwei", "21000 wei", "123" (wei), "0x3b9aca00" (wei), or a safe integer (wei). */
export function parseAmountWei(value: number | string): bigint | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? BigInt(value) : undefined
  const text = value.trim()
  if (/^\d+$/.test(text)) return BigInt(text)
  if (/^0x[0-9a-fA-F]+$/.test(text)) return BigInt(text)
  const m = AMOUNT_RE.exec(text)
  if (!m) return undefined
  const decimals = AMOUNT_DECIMALS[m[2]!.toLowerCase() as keyof typeof AMOUNT_DECIMALS]
  const [, fraction = ''] = m[1]!.split('.')
  if (fraction.length > decimals) return undefined // finer than 1 wei
  return parseUnits(m[1]!, decimals)
}
