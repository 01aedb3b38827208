import { ConfigError } from '../primitives/errors.js'
import type { GethGenesis } from './genesis.js'

/**
 * A chain's EIP-1559 parameters. They live in the genesis `config` where the OP Stack
 * keeps them (`config.optimism.eip1559Elasticity` / `eip1559Denominator`), so the
 * sequencer and every replica (which reads the genesis published on L1) compute the
 * same base fees.
 */
export interface BaseFeeParams {
  /** Gas target = gas limit / elasticity. */
  elasticity: bigint
  /** The base fee moves by at most 1/denominator per block. */
  denominator: bigint
}

/** Ethereum's values (EIP-1559), used when the genesis names none. */
export const ETHEREUM_BASE_FEE_PARAMS: BaseFeeParams = { elasticity: 2n, denominator: 8n }

/** Base fee of a genesis that names none (geth's and the dev genesis's 1 gwei). */
export const DEFAULT_INITIAL_BASE_FEE = 1_000_000_000n

/** Where the parameters sit in a genesis config (the OP Stack's key). */
export interface OptimismGenesisConfig {
  eip1559Elasticity?: number
  eip1559Denominator?: number
}

/** The base-fee parameters a genesis declares, checked (errors name the genesis field). */
export function baseFeeParamsOf(genesis: GethGenesis): BaseFeeParams {
  const op = genesis.config.optimism as OptimismGenesisConfig | undefined
  return {
    elasticity: param(op?.eip1559Elasticity, 'eip1559Elasticity', ETHEREUM_BASE_FEE_PARAMS.elasticity),
    denominator: param(op?.eip1559Denominator, 'eip1559Denominator', ETHEREUM_BASE_FEE_PARAMS.denominator),
  }
}

function param(value: unknown, key: string, fallback: bigint): bigint {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) {
    throw new ConfigError(`genesis.config.optimism.${key}`, `must be a positive integer (got ${JSON.stringify(value)})`)
  }
  return BigInt(value)
}

/** The parent fields the next base fee depends on. */
export interface BaseFeeParent {
  gasLimit: bigint
  gasUsed: bigint
  baseFeePerGas?: bigint
}

/** The largest base fee: a header's base fee is a 256-bit word (the BASEFEE opcode pushes it). */
export const MAX_BASE_FEE = (1n << 256n) - 1n

/**
 * EIP-1559: the base fee of the block after `parent`, with the chain's elasticity and
 * max-change denominator (ethereumjs' `calcNextBaseFee` reads Ethereum's fixed values).
 * It never passes `MAX_BASE_FEE`: only a dev network's hand-set base fee comes near it,
 * and then only gas no one pays the base fee for (deposits) could push it higher.
 */
export function nextBaseFee(parent: BaseFeeParent, params: BaseFeeParams): bigint {
  const baseFee = parent.baseFeePerGas ?? 0n
  const target = parent.gasLimit / params.elasticity
  if (target === 0n || parent.gasUsed === target) return baseFee
  if (parent.gasUsed > target) {
    const delta = (baseFee * (parent.gasUsed - target)) / target / params.denominator
    const next = baseFee + (delta > 1n ? delta : 1n)
    return next > MAX_BASE_FEE ? MAX_BASE_FEE : next
  }
  const delta = (baseFee * (target - parent.gasUsed)) / target / params.denominator
  return baseFee > delta ? baseFee - delta : 0n
}

/**
 * How a genesis differs from the EIP-1559 settings asked of it (undefined when it does
 * not): once a chain exists its genesis is fixed, so a changed setting cannot apply.
 */
export function baseFeeSettingsMismatch(
  genesis: GethGenesis,
  wanted: { initial?: bigint; elasticity?: number; denominator?: number } | undefined,
): string | undefined {
  if (!wanted) return undefined
  const have = baseFeeParamsOf(genesis)
  const initial = genesis.baseFeePerGas === undefined ? DEFAULT_INITIAL_BASE_FEE : BigInt(genesis.baseFeePerGas)
  const diffs = [
    // BigInt(): options read back from JSON (joined chains, snapshots) carry it as text.
    wanted.initial !== undefined && BigInt(wanted.initial) !== initial ? `initial ${initial} wei` : undefined,
    wanted.elasticity !== undefined && BigInt(wanted.elasticity) !== have.elasticity ? `elasticity ${have.elasticity}` : undefined,
    wanted.denominator !== undefined && BigInt(wanted.denominator) !== have.denominator ? `denominator ${have.denominator}` : undefined,
  ].filter((d) => d !== undefined)
  return diffs.length > 0 ? `the chain's genesis has ${diffs.join(', ')}` : undefined
}
