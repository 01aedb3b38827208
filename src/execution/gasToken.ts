import { keccak256, toHex, type Hex } from 'viem'
import { ConfigError } from '../primitives/errors.js'

/**
 * A chain's native asset when it is an L1 ERC-20 (the OP Stack's "custom gas token"), not
 * ETH. The L2 native balance always has 18 decimals, as in the OP design: one token unit is
 * `10^(18 − decimals)` L2 wei, so a 6-decimal token's 1.0 (10^6 units) is 10^18 wei on L2.
 */
export interface GasToken {
  /** The token on L1. */
  address: Hex
  /** 0…18. */
  decimals: number
  /** What L2 reports (`L1Block.gasPayingTokenName()`): at most 32 bytes of UTF-8, no NUL. */
  name: string
  symbol: string
}

/** Stands for ether where a token address is expected (OP Stack, EIP-7528). */
export const ETHER_TOKEN_ADDRESS: Hex = '0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE'

/** Decimals of the L2 native balance, and the most a gas token may have. */
export const NATIVE_DECIMALS = 18

/** L1Block's storage slots for the native asset: the OP Stack's, keccak256(name) − 1. */
export const GAS_PAYING_TOKEN_SLOTS = {
  /** decimals << 160 | token (zero on an ETH chain). */
  token: opSlot('opstack.gaspayingtoken'),
  name: opSlot('opstack.gaspayingtokenname'),
  symbol: opSlot('opstack.gaspayingtokensymbol'),
} as const

function opSlot(label: string): Hex {
  return toHex(BigInt(keccak256(toHex(label))) - 1n, { size: 32 })
}

/** L2 wei per token unit. */
export function gasTokenUnit(decimals: number): bigint {
  return 10n ** BigInt(NATIVE_DECIMALS - decimals)
}

/** L2 wei for `amount` token units (what a deposit of `amount` mints). */
export function toNativeWei(amount: bigint, decimals: number): bigint {
  return amount * gasTokenUnit(decimals)
}

/** The token units worth `wei` on L2; undefined when `wei` is not a whole number of units. */
export function toTokenUnits(wei: bigint, decimals: number): bigint | undefined {
  const unit = gasTokenUnit(decimals)
  return wei % unit === 0n ? wei / unit : undefined
}

/**
 * Checks what the genesis and L1 rely on: decimals 0…18 (more could not be represented in
 * 18-decimal L2 wei) and a name/symbol that fit one storage word. Throws a `ConfigError`
 * naming `${path}.<field>`.
 */
export function checkGasTokenSpec(spec: { decimals: number; name: string; symbol: string }, path: string): void {
  if (!Number.isInteger(spec.decimals) || spec.decimals < 0 || spec.decimals > NATIVE_DECIMALS) {
    throw new ConfigError(`${path}.decimals`, `${spec.decimals} is not an integer in 0…${NATIVE_DECIMALS} (the L2 native balance has 18 decimals)`)
  }
  for (const field of ['name', 'symbol'] as const) {
    const bytes = Buffer.byteLength(spec[field], 'utf8')
    if (bytes === 0 || bytes > 32 || spec[field].includes('\0')) {
      throw new ConfigError(`${path}.${field}`, `"${spec[field]}" must be 1…32 bytes of UTF-8 without NUL (it is stored in one word of L1Block, as in the OP Stack)`)
    }
  }
}

/** L1Block's genesis storage for a gas-token chain (an ETH chain has none). */
export function gasTokenStorage(token: GasToken): Record<string, string> {
  checkGasTokenSpec(token, 'gasToken')
  if (BigInt(token.address) === 0n || token.address.toLowerCase() === ETHER_TOKEN_ADDRESS.toLowerCase()) {
    throw new ConfigError('gasToken.address', `${token.address} is not a token (an ETH chain has no gas token)`)
  }
  const word = (BigInt(token.decimals) << 160n) | BigInt(token.address)
  return {
    [GAS_PAYING_TOKEN_SLOTS.token]: toHex(word, { size: 32 }),
    [GAS_PAYING_TOKEN_SLOTS.name]: smallString(token.name),
    [GAS_PAYING_TOKEN_SLOTS.symbol]: smallString(token.symbol),
  }
}

/** A string left-aligned in a 32-byte word (the OP Stack's `LibString.toSmallString`). */
function smallString(s: string): Hex {
  return `0x${Buffer.from(s, 'utf8').toString('hex').padEnd(64, '0')}`
}
