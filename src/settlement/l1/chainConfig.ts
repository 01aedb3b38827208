import { brotliCompressSync, brotliDecompressSync } from 'node:zlib'
import { keccak256, parseAbiItem, toHex, type Hex, type PublicClient } from 'viem'
import { z } from 'zod'
import type { GethGenesis } from '../../execution/genesis.js'
import type { GasToken } from '../../execution/gasToken.js'
import { BaseError } from '../../primitives/errors.js'
import { abiOf } from './abis.js'
import { readRegistration, type ChainRegistration } from './deploy.js'
import { ADDRESS_RE } from '../../primitives/hex.js'

/**
 * What the registry publishes about a chain (in its `ChainRegistered` event, hashed into
 * `configHash`) so that anyone can rebuild the chain from L1 alone: the genesis, the
 * parameters blocks are built with, and where the chain's L1 contracts are.
 * Encoded as brotli-compressed JSON.
 */
export interface PublishedChainConfig {
  version: typeof CHAIN_CONFIG_VERSION
  l1ChainId: number
  genesis: GethGenesis
  /** Coinbase of every block (the sequencer fee vault). */
  feeRecipient: Hex
  baseFeeScalar: bigint
  blobBaseFeeScalar: bigint
  /**
   * The network slot of the chain's block 0: block n is in slot n + genesisSlot. 0 for
   * the chains a network starts with; a chain that joins a running network is given the
   * slot before its first block when it is registered, so every replica interleaves it
   * with the other chains the same way. Absent in configs from before chains could join.
   */
  genesisSlot?: bigint
  /** The network's L1 contracts; `SuperRootOracle` is absent in configs registered before it existed. */
  contracts: { ChainRegistry: Hex; BatchInbox: Hex; OutputOracle: Hex; Portal: Hex; SuperRootOracle?: Hex }
  /**
   * The chain's native asset when it is an L1 ERC-20 (absent: ETH). The registry holds the
   * address and decimals the portal uses; this adds the name and symbol for wallets. An
   * optional field, so configs published before gas tokens still read (as ETH chains).
   */
  gasToken?: GasToken
}

export const CHAIN_CONFIG_VERSION = 2

const address = z.string().regex(ADDRESS_RE) as unknown as z.ZodType<Hex>
const configSchema = z.object({
  version: z.literal(CHAIN_CONFIG_VERSION),
  l1ChainId: z.number().int().positive(),
  genesis: z.object({ config: z.object({ chainId: z.number() }).loose(), alloc: z.record(z.string(), z.unknown()) }).loose(),
  feeRecipient: address,
  baseFeeScalar: z.string().regex(/^\d+$/),
  blobBaseFeeScalar: z.string().regex(/^\d+$/),
  genesisSlot: z.string().regex(/^\d+$/).optional(),
  contracts: z.object({ ChainRegistry: address, BatchInbox: address, OutputOracle: address, Portal: address, SuperRootOracle: address.optional() }),
  gasToken: z.object({ address, decimals: z.number().int().min(0).max(18), name: z.string(), symbol: z.string() }).optional(),
})

/** The registry's record of a chain cannot be used to rebuild it. */
export class ChainConfigError extends BaseError {
  override name = 'ChainConfigError'
}

export function encodeChainConfig(config: PublishedChainConfig): Hex {
  const json = JSON.stringify({
    ...config,
    baseFeeScalar: config.baseFeeScalar.toString(),
    blobBaseFeeScalar: config.blobBaseFeeScalar.toString(),
    ...(config.genesisSlot ? { genesisSlot: config.genesisSlot.toString() } : {}),
  })
  return toHex(brotliCompressSync(Buffer.from(json)))
}

export function decodeChainConfig(bytes: Hex): PublishedChainConfig {
  let json: unknown
  try {
    json = JSON.parse(brotliDecompressSync(Buffer.from(bytes.slice(2), 'hex'), { maxOutputLength: 64 * 1024 * 1024 }).toString('utf8'))
  } catch (err) {
    throw new ChainConfigError('the published chain config is not brotli-compressed JSON', { cause: err })
  }
  const version = (json as { version?: unknown } | null)?.version
  if (version !== CHAIN_CONFIG_VERSION) {
    throw new ChainConfigError(`the chain was registered with config version ${String(version)}; this build reads version ${CHAIN_CONFIG_VERSION}`, {
      details: 're-create the network with this version of Plexus',
    })
  }
  const parsed = configSchema.safeParse(json)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!
    throw new ChainConfigError(`the published chain config is malformed at ${issue.path.join('.') || 'top level'}: ${issue.message}`)
  }
  const c = parsed.data
  return {
    ...c,
    genesis: c.genesis as unknown as GethGenesis,
    baseFeeScalar: BigInt(c.baseFeeScalar),
    blobBaseFeeScalar: BigInt(c.blobBaseFeeScalar),
    genesisSlot: c.genesisSlot === undefined ? undefined : BigInt(c.genesisSlot),
  }
}

const CHAIN_REGISTERED_EVENT = parseAbiItem(
  'event ChainRegistered(uint256 indexed chainId, bytes32 genesisHash, address batcher, address proposer, uint64 challengeWindow, bytes config)',
)

/**
 * Reads a chain's registration and published config from the registry on L1, checking
 * the config against the hash the registry stored.
 */
export async function fetchChainConfig(
  client: PublicClient,
  registry: Hex,
  chainId: bigint,
): Promise<{ config: PublishedChainConfig; registration: ChainRegistration }> {
  const code = await client.getCode({ address: registry })
  if (!code || code === '0x') {
    throw new ChainConfigError(`no contract at ${registry} on the L1`, { details: 'pass the network\'s ChainRegistry address (see `plexus addresses`)' })
  }
  const registration = await readRegistration({ publicClient: client }, registry, chainId)
  if (!registration) throw new ChainConfigError(`chain ${chainId} is not registered in the registry at ${registry}`)
  const logs = await client.getLogs({
    address: registry,
    event: CHAIN_REGISTERED_EVENT,
    args: { chainId },
    fromBlock: registration.registeredAtBlock,
    toBlock: registration.registeredAtBlock,
  })
  const bytes = logs[0]?.args.config
  if (!bytes) throw new ChainConfigError(`no ChainRegistered event for chain ${chainId} in L1 block ${registration.registeredAtBlock}`)
  if (keccak256(bytes) !== registration.configHash) {
    throw new ChainConfigError(`the published config of chain ${chainId} does not match the registry's config hash`)
  }
  const config = decodeChainConfig(bytes)
  if (BigInt(config.genesis.config.chainId) !== chainId) {
    throw new ChainConfigError(`the published genesis is for chain ${config.genesis.config.chainId}, not ${chainId}`)
  }
  return { config, registration }
}

/** Every chain registered in the registry on L1, in ascending chain id order. */
export async function registeredChainIds(client: PublicClient, registry: Hex): Promise<bigint[]> {
  const code = await client.getCode({ address: registry })
  if (!code || code === '0x') {
    throw new ChainConfigError(`no contract at ${registry} on the L1`, { details: 'pass the network\'s ChainRegistry address (see `plexus addresses`)' })
  }
  const ids = (await client.readContract({ address: registry, abi: abiOf('ChainRegistry'), functionName: 'chainIds' })) as readonly bigint[]
  return [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
}
