import { InvalidParamsError } from '../../primitives/errors.js'

/**
 * An integer parameter of a dev method, as the tools send it: a JSON number (Hardhat's
 * helpers, ethers), a hex QUANTITY (viem) or a decimal string. Signed, so that the method
 * can say what is wrong with a negative value; anything else, or beyond 64 bits, is refused
 * naming the field.
 */
export function parseDevInteger(value: unknown, field: string): bigint {
  let n: bigint | undefined
  if (typeof value === 'number' && Number.isSafeInteger(value)) n = BigInt(value)
  else if (typeof value === 'string' && /^0x[0-9a-fA-F]{1,64}$/.test(value)) n = BigInt(value)
  else if (typeof value === 'string' && /^-?[0-9]{1,78}$/.test(value)) n = BigInt(value)
  if (n === undefined) throw new InvalidParamsError(`invalid ${field}: expected an integer (a JSON number, a 0x-prefixed hex quantity or a decimal string), got ${describe(value)}`)
  if (n >= 2n ** 64n || n <= -(2n ** 64n)) throw new InvalidParamsError(`invalid ${field}: ${n} does not fit 64 bits`)
  return n
}

/** The same, refusing a negative value. */
export function parseDevUint(value: unknown, field: string): bigint {
  const n = parseDevInteger(value, field)
  if (n < 0n) throw new InvalidParamsError(`invalid ${field}: ${n} is negative`)
  return n
}

/** `value` absent or null: undefined; else as `parseDevUint`. */
export function parseOptionalDevUint(value: unknown, field: string): bigint | undefined {
  return value === undefined || value === null ? undefined : parseDevUint(value, field)
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value)
  return text.length > 40 ? `${text.slice(0, 40)}…` : text
}
