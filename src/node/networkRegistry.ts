import { mkdirSync, renameSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { PREDEPLOYS, REFERENCE_SUPERCHAIN_TOKEN } from '../execution/predeploys.js'
import { toQuantity, type Hex } from '../primitives/hex.js'

/**
 * What a wallet or an app needs to use any chain of the network, in the formats they
 * already take: EIP-3085 `wallet_addEthereumChain` parameters, a viem chain definition
 * (as JSON and as a TypeScript module), and every contract address on L1 and L2. Built
 * from the running network (so a chain added a minute ago is in it), written to the
 * datadir and served as `plexus_getChainRegistry`.
 */
export interface NetworkRegistry {
  l1: { chainId: number; rpcUrl: string; contracts: Record<string, Hex> }
  /** The network's slot time: every chain makes one block per slot. */
  slotTimeMs: number
  /** Whether the chains hold the public test mnemonic's dev accounts (never on a real network). */
  devAccounts: boolean
  chains: RegistryChain[]
}

export interface NativeCurrency {
  name: string
  symbol: string
  decimals: number
}

export interface RegistryChain {
  chainId: number
  name: string
  rpcUrls: { http: string[]; webSocket: string[] }
  nativeCurrency: NativeCurrency
  /** The network slot of the chain's block 0 (0 for the chains that started with the network). */
  genesisSlot: string
  /** EIP-3085 parameters: pass them to `wallet_addEthereumChain` as they are. */
  addEthereumChain: {
    chainId: Hex
    chainName: string
    nativeCurrency: NativeCurrency
    rpcUrls: string[]
    blockExplorerUrls?: string[]
  }
  /** A viem `Chain` (`defineChain(viemChain)`), with the L1 contracts keyed by the L1's chain id as viem's OP Stack chains have them. */
  viemChain: Record<string, unknown>
  contracts: { l2: Record<string, Hex>; superchainERC20: Record<string, Hex>; l1: Record<string, Hex> }
}

/** A chain as the registry is built from it. */
export interface RegistryChainInput {
  chainId: number
  name: string
  httpUrl: string
  nativeCurrency?: NativeCurrency
  genesisSlot: bigint
}

export interface RegistryInput {
  l1: { chainId: number; rpcUrl: string; contracts: Record<string, Hex> }
  slotTimeMs: number
  devAccounts: boolean
  chains: readonly RegistryChainInput[]
  /** The dashboard's base URL, given to wallets as the chain's block explorer. */
  explorerUrl?: string
}

/** ETH: the native asset of every chain without a custom gas token. */
export const ETHER: NativeCurrency = { name: 'Ether', symbol: 'ETH', decimals: 18 }

/** viem's names for the L1 contracts of an L2 (the ones it knows), ours otherwise. */
const VIEM_L1_CONTRACT_NAMES: Record<string, string> = { Portal: 'portal', OutputOracle: 'l2OutputOracle' }

export function buildRegistry(input: RegistryInput): NetworkRegistry {
  const chains = [...input.chains].sort((a, b) => a.chainId - b.chainId).map((c) => registryChain(c, input))
  return { l1: input.l1, slotTimeMs: input.slotTimeMs, devAccounts: input.devAccounts, chains }
}

function registryChain(c: RegistryChainInput, input: RegistryInput): RegistryChain {
  const nativeCurrency = c.nativeCurrency ?? ETHER
  const http = [c.httpUrl]
  // One port serves HTTP and WebSocket.
  const webSocket = [c.httpUrl.replace(/^http/, 'ws')]
  const l1Contracts: Record<string, { [l1ChainId: number]: { address: Hex } }> = {}
  for (const [name, address] of Object.entries(input.l1.contracts)) {
    l1Contracts[VIEM_L1_CONTRACT_NAMES[name] ?? lowerFirst(name)] = { [input.l1.chainId]: { address } }
  }
  const explorer = input.explorerUrl ? `${input.explorerUrl.replace(/\/$/, '')}/#/chain/${c.chainId}` : undefined
  return {
    chainId: c.chainId,
    name: c.name,
    rpcUrls: { http, webSocket },
    nativeCurrency,
    genesisSlot: toQuantity(c.genesisSlot),
    addEthereumChain: {
      chainId: toQuantity(BigInt(c.chainId)),
      chainName: c.name,
      nativeCurrency,
      rpcUrls: http,
      ...(explorer ? { blockExplorerUrls: [explorer] } : {}),
    },
    viemChain: {
      id: c.chainId,
      name: c.name,
      nativeCurrency,
      rpcUrls: { default: { http, webSocket } },
      // One block per slot: viem polls at half of it (at least 500 ms) instead of its 4 s default.
      blockTime: input.slotTimeMs,
      sourceId: input.l1.chainId,
      contracts: {
        ...l1Contracts,
        l2ToL2CrossDomainMessenger: { address: PREDEPLOYS.L2ToL2CrossDomainMessenger },
        l2ToL1MessagePasser: { address: PREDEPLOYS.L2ToL1MessagePasser },
        l2StandardBridge: { address: PREDEPLOYS.L2StandardBridge },
        l1Block: { address: PREDEPLOYS.L1Block },
      },
      ...(explorer ? { blockExplorers: { default: { name: 'Plexus', url: explorer } } } : {}),
      testnet: input.devAccounts,
    },
    contracts: { l2: { ...PREDEPLOYS }, superchainERC20: { PlexusToken: REFERENCE_SUPERCHAIN_TOKEN }, l1: { ...input.l1.contracts } },
  }
}

/** The chain's viem definition as a TypeScript module: `import { plexus901 } from './901.ts'`. */
export function viemChainModule(chain: RegistryChain): string {
  return [
    `// The viem chain definition of ${chain.name} (chain ${chain.chainId}), written by Plexus.`,
    `import { defineChain } from 'viem'`,
    `import { chainConfig } from 'viem/op-stack'`,
    '',
    '// The OP Stack formatters and serializers: deposit transactions and receipts read as viem\'s OP chains do.',
    `export const ${variableName(chain)} = defineChain({ ...chainConfig, ...${JSON.stringify(chain.viemChain, null, 2)} })`,
    '',
  ].join('\n')
}

/** A TypeScript identifier for the chain: its name in camelCase, or `chain<id>`. */
export function variableName(chain: { chainId: number; name: string }): string {
  const words = chain.name.split(/[^A-Za-z0-9]+/).filter(Boolean)
  const camel = words.map((w, i) => (i === 0 ? w.toLowerCase() : w[0]!.toUpperCase() + w.slice(1).toLowerCase())).join('')
  return /^[A-Za-z_]/.test(camel) ? camel : `chain${chain.chainId}`
}

/**
 * Writes the registry under `dir`: `registry.json` (all of it) and per chain
 * `<chainId>/wallet.json` (EIP-3085), `chain.json` and `chain.ts` (viem), and
 * `contracts.json`. Each file is replaced atomically, so a reader never sees half of one.
 */
export function writeRegistry(dir: string, registry: NetworkRegistry): void {
  writeAtomic(path.join(dir, 'registry.json'), JSON.stringify(registry, null, 2) + '\n')
  for (const c of registry.chains) {
    const chainDir = path.join(dir, String(c.chainId))
    writeAtomic(path.join(chainDir, 'wallet.json'), JSON.stringify(c.addEthereumChain, null, 2) + '\n')
    writeAtomic(path.join(chainDir, 'chain.json'), JSON.stringify(c.viemChain, null, 2) + '\n')
    writeAtomic(path.join(chainDir, 'chain.ts'), viemChainModule(c))
    writeAtomic(path.join(chainDir, 'contracts.json'), JSON.stringify(c.contracts, null, 2) + '\n')
  }
}

function writeAtomic(file: string, text: string): void {
  mkdirSync(path.dirname(file), { recursive: true })
  const tmp = `${file}.tmp`
  writeFileSync(tmp, text)
  renameSync(tmp, file)
}

function lowerFirst(s: string): string {
  return s[0]!.toLowerCase() + s.slice(1)
}
