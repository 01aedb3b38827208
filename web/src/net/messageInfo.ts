import { decodeFunctionData, type Hex } from 'viem'
import { abi, contractName, decodeCall, type DecodedCall } from './abis'
import type { Network } from './network'
import type { RpcMessage } from './registry'
import { cachedUnit, tokenUnit, type Unit } from './tokens'

/** What a cross-chain message does, as an explorer describes it. */
export type MessageInfo =
  | { kind: 'eth'; from: Hex; to: Hex; amount: bigint }
  | { kind: 'erc20'; token: Hex; from: Hex; to: Hex; amount: bigint }
  | { kind: 'call'; from: Hex; to: Hex; call: DecodedCall | undefined }

/**
 * The bridges' payloads decoded: SuperchainETHBridge.relayETH(from, to, amount) and
 * SuperchainTokenBridge.relayERC20(token, from, to, amount). Only a message from a bridge
 * to the same bridge is one (the bridges accept no other); anything else is a generic call,
 * sender contract → target and function.
 */
export function describeMessage(m: RpcMessage): MessageInfo {
  const bridge = m.sender.toLowerCase() === m.target.toLowerCase() ? contractName(m.target) : undefined
  try {
    if (bridge === 'SuperchainETHBridge') {
      const d = decodeFunctionData({ abi: abi('SuperchainETHBridge'), data: m.message })
      if (d.functionName === 'relayETH') {
        const [from, to, amount] = d.args as [Hex, Hex, bigint]
        return { kind: 'eth', from, to, amount }
      }
    }
    if (bridge === 'SuperchainTokenBridge') {
      const d = decodeFunctionData({ abi: abi('SuperchainTokenBridge'), data: m.message })
      if (d.functionName === 'relayERC20') {
        const [token, from, to, amount] = d.args as [Hex, Hex, Hex, bigint]
        return { kind: 'erc20', token, from, to, amount }
      }
    }
  } catch {
    // not the bridge's relay call: described as a call below
  }
  return { kind: 'call', from: m.sender, to: m.target, call: decodeCall(m.target, m.message, Number(m.destination)) }
}

/** The unit of a message's amount: the destination's native currency, or the token's (read from it on the destination). */
export function messageUnit(net: Network, m: RpcMessage, info: MessageInfo): Unit | undefined {
  const dst = Number(m.destination)
  if (info.kind === 'eth') return net.chain(dst)?.nativeCurrency ?? { symbol: 'ETH', decimals: 18 }
  if (info.kind === 'erc20') return cachedUnit(dst, info.token) ?? undefined
  return undefined
}

/** Reads the token units the messages need (once per token); resolves true when it read any (redraw), false when all were known. */
export async function prepareMessageUnits(net: Network, list: RpcMessage[]): Promise<boolean> {
  const wanted = new Map<string, { chain: number; token: Hex }>()
  for (const m of list) {
    const info = describeMessage(m)
    if (info.kind !== 'erc20') continue
    const dst = Number(m.destination)
    if (net.chain(dst) && cachedUnit(dst, info.token) === undefined) wanted.set(`${dst}:${info.token.toLowerCase()}`, { chain: dst, token: info.token })
  }
  if (wanted.size === 0) return false
  await Promise.all([...wanted.values()].map(({ chain, token }) => tokenUnit(net.chain(chain)!, token)))
  return true
}

/** The parties of a message: its sender and target, and for a bridge transfer the user who sent and who receives. */
export function messageParties(m: RpcMessage): string[] {
  const info = describeMessage(m)
  return [m.sender, m.target, info.from, info.to].map((a) => a.toLowerCase())
}
