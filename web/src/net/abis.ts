import { decodeErrorResult, decodeEventLog, decodeFunctionData, erc20Abi, type Abi, type Hex } from 'viem'
// ABIs from the Solidity build (dist/contracts, see vite.config.ts): the same the node uses.
import { abi as BatchInbox } from '@artifacts/BatchInbox.json'
import { abi as BridgedERC20 } from '@artifacts/BridgedERC20.json'
import { abi as ChainRegistry } from '@artifacts/ChainRegistry.json'
import { abi as CrossL2Inbox } from '@artifacts/CrossL2Inbox.json'
import { abi as ETHLiquidity } from '@artifacts/ETHLiquidity.json'
import { abi as IERC7802 } from '@artifacts/IERC7802.json'
import { abi as L1Block } from '@artifacts/L1Block.json'
import { abi as L2StandardBridge } from '@artifacts/L2StandardBridge.json'
import { abi as L2ToL1MessagePasser } from '@artifacts/L2ToL1MessagePasser.json'
import { abi as L2ToL2CrossDomainMessenger } from '@artifacts/L2ToL2CrossDomainMessenger.json'
import { abi as OutputOracle } from '@artifacts/OutputOracle.json'
import { abi as PlexusToken } from '@artifacts/PlexusToken.json'
import { abi as RelayGasPaymaster } from '@artifacts/RelayGasPaymaster.json'
import { abi as Portal } from '@artifacts/Portal.json'
import { abi as SuperchainETHBridge } from '@artifacts/SuperchainETHBridge.json'
import { abi as SuperchainTokenBridge } from '@artifacts/SuperchainTokenBridge.json'
import { abi as SuperRootOracle } from '@artifacts/SuperRootOracle.json'

/** Every ABI the dashboard knows, by contract name. */
export const ABIS: Record<string, Abi> = {
  L2ToL2CrossDomainMessenger: L2ToL2CrossDomainMessenger as Abi,
  CrossL2Inbox: CrossL2Inbox as Abi,
  SuperchainETHBridge: SuperchainETHBridge as Abi,
  SuperchainTokenBridge: SuperchainTokenBridge as Abi,
  ETHLiquidity: ETHLiquidity as Abi,
  RelayGasPaymaster: RelayGasPaymaster as Abi,
  L1Block: L1Block as Abi,
  L2ToL1MessagePasser: L2ToL1MessagePasser as Abi,
  L2StandardBridge: L2StandardBridge as Abi,
  PlexusToken: PlexusToken as Abi,
  BridgedERC20: BridgedERC20 as Abi,
  Portal: Portal as Abi,
  OutputOracle: OutputOracle as Abi,
  ChainRegistry: ChainRegistry as Abi,
  BatchInbox: BatchInbox as Abi,
  SuperRootOracle: SuperRootOracle as Abi,
}

/** Tried on any contract (by selector / topic) when its address names no known contract. */
const GENERIC: { name: string; abi: Abi }[] = [
  { name: 'ERC-20', abi: erc20Abi as Abi },
  { name: 'ERC-7802', abi: IERC7802 as Abi },
]

export const abi = (name: keyof typeof ABIS | string): Abi => ABIS[name]!

/** Known contract names by lowercase address (filled from the registry: predeploys, tokens, L1 contracts). */
const names = new Map<string, string>()

export function learnContracts(contracts: Record<string, string> | undefined): void {
  for (const [name, address] of Object.entries(contracts ?? {})) {
    if (typeof address === 'string' && /^0x[0-9a-fA-F]{40}$/.test(address)) names.set(address.toLowerCase(), name)
  }
}

/** The user's contracts matched by their code (net/userAbis.ts), by `chainId:address`. */
const verified = new Map<string, { name: string; abi: Abi }>()

export function verify(chainId: number, address: string, name: string, contractAbi: Abi): void {
  verified.set(`${chainId}:${address.toLowerCase()}`, { name, abi: contractAbi })
}

/** A known contract's name: the network's own contracts, or (with `chainId`) a user contract identified on that chain. */
export function contractName(address: string | null | undefined, chainId?: number): string | undefined {
  if (!address) return undefined
  return names.get(address.toLowerCase()) ?? (chainId === undefined ? undefined : verified.get(`${chainId}:${address.toLowerCase()}`)?.name)
}

/**
 * The ABIs to try for a contract: its own when known, then the generic token standards, then
 * every other network contract. A user contract's ABI is tried only on the code it was
 * compiled to, never on others (its selectors could collide with anything).
 */
function candidates(address: string | null | undefined, chainId?: number): { name: string; abi: Abi }[] {
  const mine = address && chainId !== undefined ? verified.get(`${chainId}:${address.toLowerCase()}`) : undefined
  const own = contractName(address)
  const ownAbi = own ? ABIS[own] : undefined
  const rest = Object.entries(ABIS)
    .filter(([n]) => n !== own)
    .map(([name, a]) => ({ name, abi: a }))
  return [...(mine ? [mine] : []), ...(ownAbi ? [{ name: own!, abi: ownAbi }] : []), ...GENERIC, ...rest]
}

export interface DecodedCall {
  contract: string
  functionName: string
  args: { name: string; type: string; value: unknown }[]
}

export function decodeCall(to: string | null | undefined, data: Hex | undefined, chainId?: number): DecodedCall | undefined {
  if (!data || data.length < 10) return undefined
  for (const c of candidates(to, chainId)) {
    try {
      const d = decodeFunctionData({ abi: c.abi, data })
      const item = c.abi.find((x) => x.type === 'function' && x.name === d.functionName && x.inputs.length === (d.args?.length ?? 0))
      const inputs = item && 'inputs' in item ? item.inputs : []
      return {
        contract: contractName(to, chainId) ?? c.name,
        functionName: d.functionName,
        args: (d.args ?? []).map((v, i) => ({ name: inputs[i]?.name || `arg${i}`, type: inputs[i]?.type ?? '', value: v })),
      }
    } catch {
      // not this ABI
    }
  }
  return undefined
}

export interface DecodedLog {
  contract: string
  eventName: string
  args: { name: string; type: string; value: unknown }[]
}

export function decodeLog(address: string, topics: Hex[], data: Hex, chainId?: number): DecodedLog | undefined {
  if (topics.length === 0) return undefined
  for (const c of candidates(address, chainId)) {
    try {
      const d = decodeEventLog({ abi: c.abi, topics: topics as [Hex, ...Hex[]], data, strict: true })
      const item = c.abi.find((x) => x.type === 'event' && x.name === d.eventName)
      const inputs = item && 'inputs' in item ? item.inputs : []
      const args = d.args as Record<string, unknown> | readonly unknown[] | undefined
      return {
        contract: contractName(address, chainId) ?? c.name,
        eventName: d.eventName ?? '?',
        args: inputs.map((inp, i) => ({
          name: inp.name || `arg${i}`,
          type: inp.type,
          value: Array.isArray(args) ? args[i] : (args as Record<string, unknown> | undefined)?.[inp.name ?? ''],
        })),
      }
    } catch {
      // not this ABI
    }
  }
  return undefined
}

/** A revert's data as a readable reason: Error(string), Panic, or a known custom error. */
export function decodeRevert(data: Hex | undefined): string | undefined {
  if (!data || data === '0x') return undefined
  for (const c of [{ abi: [] as Abi }, ...candidates(undefined)]) {
    try {
      const e = decodeErrorResult({ abi: c.abi, data })
      return `${e.errorName}(${(e.args ?? []).map(String).join(', ')})`
    } catch {
      // not this ABI
    }
  }
  return undefined
}
