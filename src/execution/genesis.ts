import { readFileSync } from 'node:fs'
import { createCommonFromGethGenesis, type Common } from '@ethereumjs/common'
import { mnemonicToAccount } from 'viem/accounts'
import { ConfigError } from '../primitives/errors.js'
import { customCrypto } from '../primitives/crypto.js'
import { DEFAULT_INITIAL_BASE_FEE, ETHEREUM_BASE_FEE_PARAMS, type OptimismGenesisConfig } from './baseFee.js'

/** geth's genesis.json, the fields Plexus reads (others are ignored, as geth does). */
export interface GethGenesis {
  config: Record<string, unknown> & { chainId: number }
  alloc: Record<string, GethAllocAccount>
  nonce?: string
  timestamp?: string
  extraData?: string
  gasLimit: string
  difficulty?: string
  mixHash?: string
  coinbase?: string
  baseFeePerGas?: string
  excessBlobGas?: string
  blobGasUsed?: string
  number?: string
  parentHash?: string
}

export interface GethAllocAccount {
  balance?: string
  nonce?: string
  code?: string
  storage?: Record<string, string>
}

export const DEV_MNEMONIC = 'test test test test test test test test test test test junk'
export const DEV_ACCOUNT_COUNT = 10
export const DEV_BALANCE = 10_000n * 10n ** 18n

export interface DevGenesisOptions {
  chainId: number
  gasLimit: bigint
  /** Extra prefunded accounts (address → wei) on top of the dev mnemonic's first ten. */
  alloc?: Record<string, GethAllocAccount>
  timestamp?: bigint
  /** Fund the test mnemonic's first ten accounts with {@link DEV_BALANCE} (default true). */
  devAccounts?: boolean
  /** EIP-1559 settings (default: Ethereum's elasticity 2 and denominator 8, 1 gwei at genesis). */
  baseFee?: GenesisBaseFeeOptions
  /**
   * The chain takes dev transactions (anvil's dev methods as type-0x7d system transactions,
   * see devTx.ts): written as `config.plexus.dev`, so replicas reading the genesis agree.
   * Only a network on the embedded anvil sets it.
   */
  devTransactions?: boolean
}

/** A chain's EIP-1559 settings, written into its genesis (see `baseFee.ts`). */
export interface GenesisBaseFeeOptions {
  /** Base fee of the genesis block, in wei. */
  initial?: bigint
  elasticity?: number
  denominator?: number
}

export interface DevAccount {
  address: `0x${string}`
  privateKey: `0x${string}`
}

// Deriving from the mnemonic runs PBKDF2 (~50 ms an account): do it once per process.
const derived: DevAccount[] = []

/** The first `count` accounts of the standard test mnemonic (same as anvil/hardhat). */
export function devAccounts(count = DEV_ACCOUNT_COUNT): DevAccount[] {
  for (let addressIndex = derived.length; addressIndex < count; addressIndex++) {
    const account = mnemonicToAccount(DEV_MNEMONIC, { addressIndex })
    const hd = account.getHdKey()
    derived.push({ address: account.address, privateKey: `0x${Buffer.from(hd.privateKey!).toString('hex')}` })
  }
  return derived.slice(0, count)
}

/**
 * The dev chain as a geth genesis: every fork through Osaka active at genesis
 * (post-merge, EIP-1559 base fee starting at 1 gwei unless `baseFee` says otherwise),
 * the dev accounts funded unless `devAccounts` is false.
 */
export function devGenesis(opts: DevGenesisOptions): GethGenesis {
  const alloc: Record<string, GethAllocAccount> = {}
  if (opts.devAccounts !== false) {
    for (const { address } of devAccounts()) alloc[address.toLowerCase()] = { balance: `0x${DEV_BALANCE.toString(16)}` }
  }
  Object.assign(alloc, opts.alloc ?? {})
  return {
    config: {
      chainId: opts.chainId,
      homesteadBlock: 0,
      eip150Block: 0,
      eip155Block: 0,
      eip158Block: 0,
      byzantiumBlock: 0,
      constantinopleBlock: 0,
      petersburgBlock: 0,
      istanbulBlock: 0,
      berlinBlock: 0,
      londonBlock: 0,
      mergeNetsplitBlock: 0,
      terminalTotalDifficulty: 0,
      terminalTotalDifficultyPassed: true,
      shanghaiTime: 0,
      cancunTime: 0,
      pragueTime: 0,
      osakaTime: 0,
      blobSchedule: {
        cancun: { target: 3, max: 6, baseFeeUpdateFraction: 3338477 },
        prague: { target: 6, max: 9, baseFeeUpdateFraction: 5007716 },
        osaka: { target: 6, max: 9, baseFeeUpdateFraction: 5007716 },
      },
      // Where the OP Stack keeps a chain's EIP-1559 parameters; replicas read them from here.
      optimism: {
        eip1559Elasticity: opts.baseFee?.elasticity ?? Number(ETHEREUM_BASE_FEE_PARAMS.elasticity),
        eip1559Denominator: opts.baseFee?.denominator ?? Number(ETHEREUM_BASE_FEE_PARAMS.denominator),
      } satisfies OptimismGenesisConfig,
      ...(opts.devTransactions ? { plexus: { dev: true } } : {}),
    },
    alloc,
    nonce: '0x0',
    timestamp: `0x${(opts.timestamp ?? 0n).toString(16)}`,
    extraData: '0x',
    gasLimit: `0x${opts.gasLimit.toString(16)}`,
    difficulty: '0x0',
    mixHash: `0x${'00'.repeat(32)}`,
    coinbase: `0x${'00'.repeat(20)}`,
    baseFeePerGas: `0x${(opts.baseFee?.initial ?? DEFAULT_INITIAL_BASE_FEE).toString(16)}`,
    excessBlobGas: '0x0',
    blobGasUsed: '0x0',
  }
}

/** Reads and checks a geth genesis.json; errors name the field. */
export function loadGenesisFile(path: string): GethGenesis {
  let json: unknown
  try {
    json = JSON.parse(readFileSync(path, 'utf8'))
  } catch (err) {
    throw new ConfigError('genesis', `cannot read ${path} as JSON: ${(err as Error).message}`)
  }
  return checkGenesis(json)
}

export function checkGenesis(json: unknown): GethGenesis {
  if (typeof json !== 'object' || json === null) throw new ConfigError('genesis', 'expected a JSON object')
  const g = json as Partial<GethGenesis>
  if (typeof g.config !== 'object' || g.config === null) throw new ConfigError('genesis.config', 'missing; add the chain config object')
  if (typeof g.config.chainId !== 'number' || !Number.isSafeInteger(g.config.chainId) || g.config.chainId <= 0) {
    throw new ConfigError('genesis.config.chainId', 'must be a positive integer')
  }
  if (typeof g.alloc !== 'object' || g.alloc === null) throw new ConfigError('genesis.alloc', 'missing; use {} for no prefunded accounts')
  if (g.gasLimit === undefined) throw new ConfigError('genesis.gasLimit', 'missing; e.g. "0x1c9c380"')
  for (const [addr, acct] of Object.entries(g.alloc)) {
    if (!/^(0x)?[0-9a-fA-F]{40}$/.test(addr)) throw new ConfigError(`genesis.alloc.${addr}`, 'not a 20-byte hex address')
    for (const field of ['balance', 'nonce', 'code'] as const) {
      const v = acct[field]
      if (v !== undefined && typeof v !== 'string') throw new ConfigError(`genesis.alloc.${addr}.${field}`, 'must be a string')
    }
  }
  return g as GethGenesis
}

/** ethereumjs `Common` for a genesis, wired to the fast native crypto. */
export function createChainCommon(genesis: GethGenesis, name = 'plexus'): Common {
  const normalized = {
    ...genesis,
    nonce: genesis.nonce ?? '0x0',
    timestamp: genesis.timestamp ?? '0x0',
    extraData: genesis.extraData ?? '0x',
    difficulty: genesis.difficulty ?? '0x0',
    mixHash: genesis.mixHash ?? `0x${'00'.repeat(32)}`,
    coinbase: genesis.coinbase ?? `0x${'00'.repeat(20)}`,
  }
  try {
    const common = createCommonFromGethGenesis(normalized as never, { chain: name, customCrypto: customCrypto() })
    // With custom hardforks (any genesis with a blobSchedule) ethereumjs rebuilds the
    // hardfork list on every hardforks() call, which gteHardfork() and friends make many
    // times per transaction. The list is fixed once the Common exists: compute it once.
    // (An own property, so Common.copy() carries it over.)
    const hardforks = common.hardforks()
    Object.defineProperty(common, 'hardforks', { value: () => hardforks, enumerable: true })
    return common
  } catch (err) {
    throw new ConfigError('genesis.config', (err as Error).message, { cause: err })
  }
}

/** Parses a genesis numeric field given as hex or decimal string (geth accepts both). */
export function genesisNumber(value: string | number | undefined, fallback = 0n): bigint {
  if (value === undefined || value === '') return fallback
  return BigInt(value)
}
