import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { erc20Abi, getAddress, type Hex, type PublicClient } from 'viem'
import { checkGasTokenSpec, ETHER_TOKEN_ADDRESS, type GasToken } from '../../execution/gasToken.js'
import { BaseError, ConfigError } from '../../primitives/errors.js'
import { loadArtifact } from '../../primitives/artifacts.js'
import type { Logger } from '../../primitives/logger.js'
import { abiOf } from './abis.js'
import { L1MismatchError, type PersistL1 } from './deploy.js'
import type { L1Signer } from './l1Transactions.js'

/** A chain's gas token as configured: an existing L1 token, or (no address) a dev token to deploy. */
export interface GasTokenSpec {
  l1Address?: Hex
  name: string
  symbol: string
  decimals: number
}

/** Whole tokens each dev account gets of a dev gas token Plexus deploys: 1,000,000. */
export const DEV_GAS_TOKEN_BALANCE = 1_000_000n

/**
 * The L1 token behind a chain's gas-token config. With `l1Address`, that token, whose
 * on-chain `decimals()` must match the config. Without one, a `DevGasToken` on the
 * embedded dev L1 (refused against an external L1, where a made-up token would mean
 * nothing): deployed once per (name, symbol, decimals) and recorded in the datadir, so
 * restarts and several chains with the same token reuse it.
 */
export async function resolveGasToken(
  signer: L1Signer,
  datadir: string,
  spec: GasTokenSpec,
  ctx: { path: string; embeddedL1: boolean; holders: Hex[]; logger: Logger; persist?: PersistL1 },
): Promise<GasToken> {
  checkGasTokenSpec(spec, ctx.path)
  const { name, symbol, decimals } = spec
  if (spec.l1Address) {
    const address = getAddress(spec.l1Address)
    const onChain = await readDecimals(signer.publicClient, address, `${ctx.path}.l1Address`)
    if (onChain !== decimals) {
      throw new ConfigError(`${ctx.path}.decimals`, `${decimals} does not match the token at ${address}, which has ${onChain} decimals`)
    }
    return { address, decimals, name, symbol }
  }
  if (!ctx.embeddedL1) {
    throw new ConfigError(`${ctx.path}.l1Address`, 'is required with an external L1 (a dev token is deployed only on the embedded one)')
  }
  return { address: await ensureDevGasToken(signer, datadir, spec, ctx.holders, ctx.logger, ctx.persist), decimals, name, symbol }
}

interface DevGasTokenRecord {
  name: string
  symbol: string
  decimals: number
  address: Hex
}

export function devGasTokensFile(datadir: string): string {
  return path.join(datadir, 'l1', 'dev-gas-tokens.json')
}

function readRecords(datadir: string): DevGasTokenRecord[] {
  const file = devGasTokensFile(datadir)
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as DevGasTokenRecord[]) : []
}

/** The recorded dev token for `spec`, deployed (and recorded) when there is none. */
export async function ensureDevGasToken(signer: L1Signer, datadir: string, spec: GasTokenSpec, holders: Hex[], logger: Logger, persist?: PersistL1): Promise<Hex> {
  const records = readRecords(datadir)
  const same = (r: DevGasTokenRecord) => r.name === spec.name && r.symbol === spec.symbol && r.decimals === spec.decimals
  const recorded = records.find(same)
  if (recorded) {
    const code = await signer.publicClient.getCode({ address: recorded.address })
    if (!code || code === '0x') {
      throw new L1MismatchError(`the L1 has no ${spec.symbol} gas token at ${recorded.address} (recorded in ${devGasTokensFile(datadir)})`, {
        details: 'the L1 lost its state; use the L1 this datadir was created with, or start with a fresh --datadir',
      })
    }
    return recorded.address
  }
  const artifact = loadArtifact('DevGasToken')
  const hash = await signer.wallet.deployContract({
    abi: artifact.abi,
    bytecode: artifact.bytecode,
    args: [spec.name, spec.symbol, spec.decimals, holders, DEV_GAS_TOKEN_BALANCE * 10n ** BigInt(spec.decimals)],
    account: signer.account,
    chain: signer.chain,
  } as never)
  const receipt = await signer.publicClient.waitForTransactionReceipt({ hash, pollingInterval: 250 })
  if (receipt.status !== 'success' || !receipt.contractAddress) throw new BaseError(`deploying the ${spec.symbol} dev gas token on L1 failed (tx ${hash})`)
  const address = getAddress(receipt.contractAddress)
  const file = devGasTokensFile(datadir)
  mkdirSync(path.dirname(file), { recursive: true })
  // Recorded only once the L1 has the token on disk (see PersistL1).
  await persist?.()
  writeFileSync(file, JSON.stringify([...records, { name: spec.name, symbol: spec.symbol, decimals: spec.decimals, address }], null, 2) + '\n')
  logger.info({ address, name: spec.name, symbol: spec.symbol, decimals: spec.decimals, holders: holders.length }, 'dev gas token deployed on L1')
  return address
}

/** The chain's native asset as the registry records it: undefined for ETH. */
export async function registeredGasToken(client: PublicClient, registry: Hex, chainId: bigint): Promise<{ address: Hex; decimals: number } | undefined> {
  const [address, decimals] = (await client.readContract({
    address: registry,
    abi: abiOf('ChainRegistry'),
    functionName: 'gasPayingToken',
    args: [chainId],
  })) as readonly [Hex, number]
  return address.toLowerCase() === ETHER_TOKEN_ADDRESS.toLowerCase() ? undefined : { address, decimals: Number(decimals) }
}

/**
 * Fails when a registered chain's native asset differs from its config: the registration
 * (and the genesis) fixed it, so a changed config cannot take effect on this datadir.
 */
export async function checkRegisteredGasToken(client: PublicClient, registry: Hex, chainId: bigint, expected: GasToken | undefined, path: string): Promise<void> {
  const registered = await registeredGasToken(client, registry, chainId)
  const describe = (t: { address: Hex } | undefined) => (t ? `the token ${getAddress(t.address)}` : 'ETH')
  if (registered?.address.toLowerCase() !== expected?.address.toLowerCase()) {
    throw new ConfigError(path, `chain ${chainId} is registered on L1 with ${describe(registered)} as its native asset, but the config asks for ${describe(expected)}`, {
      details: 'the native asset is fixed at registration; restore the config, or start the chain with a fresh --datadir',
    })
  }
}

/**
 * Says, once per chain at start, what the L1 data fee of a gas-token chain means: the
 * OP Stack formula prices L1 gas in ETH and the chain charges that number of native wei,
 * i.e. one token per ETH unless the chain's fee scalars fold in the exchange rate.
 */
export function logL1FeePricing(logger: Logger, chainId: number, token: GasToken, scalars: { baseFeeScalar: bigint; blobBaseFeeScalar: bigint }): void {
  logger.warn(
    { chainId, gasToken: token.symbol, baseFeeScalar: scalars.baseFeeScalar.toString(), blobBaseFeeScalar: scalars.blobBaseFeeScalar.toString() },
    `the L1 data fee is computed in ETH wei and charged as the same number of ${token.symbol} wei (1 ${token.symbol} per ETH); set the fee scalars to include the ${token.symbol}/ETH rate to charge what posting costs`,
  )
}

async function readDecimals(client: PublicClient, token: Hex, path: string): Promise<number> {
  const code = await client.getCode({ address: token })
  if (!code || code === '0x') throw new ConfigError(path, `no contract at ${token} on the L1`)
  try {
    return Number(await client.readContract({ address: token, abi: erc20Abi, functionName: 'decimals' }))
  } catch (err) {
    throw new ConfigError(path, `the contract at ${token} does not answer decimals() like an ERC-20`, { cause: err })
  }
}
