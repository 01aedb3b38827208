import { erc20Abi, type Hex } from 'viem'
import { contractName } from './abis'
import type { ChainConn } from './network'

/** How an amount is shown: in a token's units (its decimals and symbol), or the chain's native currency. */
export interface Unit {
  symbol: string
  decimals: number
}

/** Token metadata by `chainId:address` (null: not an ERC-20). Read once: decimals and symbol do not change. */
const tokens = new Map<string, Promise<Unit | null>>()
const known = new Map<string, Unit | null>()

/** A token's decimals and symbol, read from the token (null when it answers neither). */
export function tokenUnit(c: ChainConn, address: string): Promise<Unit | null> {
  const key = `${c.id}:${address.toLowerCase()}`
  let p = tokens.get(key)
  if (!p) {
    p = Promise.all([
      c.client.readContract({ address: address as Hex, abi: erc20Abi, functionName: 'decimals' }),
      c.client.readContract({ address: address as Hex, abi: erc20Abi, functionName: 'symbol' }),
    ]).then(
      ([decimals, symbol]) => (Number.isInteger(decimals) && decimals <= 77 && typeof symbol === 'string' ? { decimals, symbol: symbol.slice(0, 16) } : null),
      () => null,
    )
    tokens.set(key, p)
    void p.then((u) => known.set(key, u))
  }
  return p
}

/** What `tokenUnit` found already (undefined: not read yet). */
export function cachedUnit(chainId: number, address: string): Unit | null | undefined {
  return known.get(`${chainId}:${address.toLowerCase()}`)
}

/** Contracts whose amounts are the chain's native currency (ETH or the chain's gas token). */
const NATIVE_CONTRACTS = new Set(['SuperchainETHBridge', 'ETHLiquidity', 'L2ToL1MessagePasser', 'L2StandardBridge', 'Portal'])
/** Argument names that hold an amount. */
const AMOUNT = /^_?(amount|value|wad|mint)$/i
/** Argument names that hold the token an amount is of. */
const TOKEN = /^_?(token|asset|localToken|remoteToken)$/i

interface Args {
  args: { name: string; type: string; value: unknown }[]
}

/** The token address an item's amounts are in: its `token` argument, else the contract itself. */
function tokenOf(contract: string, item: Args): string {
  const arg = item.args.find((a) => TOKEN.test(a.name) && typeof a.value === 'string')
  return (arg?.value as string | undefined) ?? contract
}

/** Reads the units the decoded calls and events on chain `c` need, so they render at once. */
export async function prepareUnits(c: ChainConn, items: { contract: string | null | undefined; decoded: Args | undefined }[]): Promise<void> {
  const wanted = new Set<string>()
  for (const { contract, decoded } of items) {
    if (!contract || !decoded || !decoded.args.some((a) => AMOUNT.test(a.name))) continue
    if (NATIVE_CONTRACTS.has(contractName(contract) ?? '')) continue
    wanted.add(tokenOf(contract, decoded).toLowerCase())
  }
  await Promise.all([...wanted].map((a) => tokenUnit(c, a)))
}

/** The unit of argument `name` of a decoded call or event of `contract`, when it is an amount whose unit is known. */
export function unitOf(c: ChainConn, contract: string | null | undefined, item: Args, name: string): Unit | undefined {
  if (!contract || !AMOUNT.test(name)) return undefined
  if (NATIVE_CONTRACTS.has(contractName(contract) ?? '')) return c.nativeCurrency
  return cachedUnit(c.id, tokenOf(contract, item)) ?? undefined
}
