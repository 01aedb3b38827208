import type { Hex } from 'viem'
import { ConfigError } from '../primitives/errors.js'
import { ADDRESS_RE } from '../primitives/hex.js'

/** A `0x` + 32-byte private key flag, or a ConfigError naming the flag. */
export function privateKeyFlag(flag: string, value: string): Hex {
  if (!/^0x[0-9a-fA-F]{64}$/.test(value)) throw new ConfigError(flag, 'must be a 0x-prefixed 32-byte hex private key')
  return value as Hex
}

/** A `0x` + 20-byte address flag, or a ConfigError naming the flag. */
export function addressFlag(flag: string, value: string): Hex {
  if (!ADDRESS_RE.test(value)) throw new ConfigError(flag, 'must be a 0x-prefixed 20-byte hex address')
  return value as Hex
}
