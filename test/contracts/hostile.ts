// Shared by the hostile*.test.ts files: attempts a call that must be refused, decodes its revert
// with the errors of every compiled contract (a refusal bubbled up from another contract is
// still named), then sends it for real and checks that the state the caller cares about is
// exactly what it was.
import assert from 'node:assert/strict'
import { readdirSync } from 'node:fs'
import path from 'node:path'
import {
  decodeErrorResult,
  encodeFunctionData,
  numberToHex,
  type Abi,
  type AccessList,
  type Address,
  type Hex,
} from 'viem'
import { loadArtifact } from '../helpers/artifacts.js'
import { rpc } from '../helpers/node.js'
import type { L1 } from './setup.js'

type AbiError = Extract<Abi[number], { type: 'error' }>

/** Every custom error of every compiled contract, once per signature. */
export const allErrors: Abi = (() => {
  const dir = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../contracts')
  const seen = new Map<string, AbiError>()
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    for (const item of loadArtifact(file.slice(0, -'.json'.length)).abi) {
      if (item.type !== 'error') continue
      const sig = `${item.name}(${item.inputs.map((i) => i.type).join(',')})`
      if (!seen.has(sig)) seen.set(sig, item)
    }
  }
  return [...seen.values()]
})()

/** A contract call as a transaction (every `from` must be an anvil-unlocked or impersonated account). */
export type Attempt = {
  to: Address
  /** The call, or raw calldata in `data` (then `functionName` only labels it). */
  abi?: Abi
  functionName: string
  args?: readonly unknown[]
  data?: Hex
  from: Address
  value?: bigint
  accessList?: AccessList
  gas?: bigint
}

/** How a call ended: its return data, or its revert decoded (`EmptyRevert` for no data). */
export type Outcome =
  | { ok: true; data: Hex }
  | { ok: false; name: string; args: readonly unknown[]; data: Hex }

function txObject(a: Attempt) {
  return {
    from: a.from,
    to: a.to,
    data: a.data ?? encodeFunctionData({ abi: a.abi!, functionName: a.functionName, args: a.args ?? [] }),
    value: numberToHex(a.value ?? 0n),
    gas: numberToHex(a.gas ?? 8_000_000n),
    ...(a.accessList ? { accessList: a.accessList } : {}),
  }
}

/** Names the revert data `data`; Error(string) and Panic(uint256) come out as `Error` and `Panic`. */
export function decodeRevert(data: Hex): { name: string; args: readonly unknown[] } {
  if (data === '0x') return { name: 'EmptyRevert', args: [] }
  try {
    const decoded = decodeErrorResult({ abi: allErrors, data })
    return { name: decoded.errorName, args: decoded.args ?? [] }
  } catch {
    return { name: `Unknown(${data.slice(0, 10)})`, args: [] }
  }
}

/** Runs `a` as an eth_call on the latest block. */
export async function outcome(l1: L1, a: Attempt): Promise<Outcome> {
  try {
    const data = await rpc<Hex>(l1.anvil.url, 'eth_call', [txObject(a), 'latest'])
    return { ok: true, data }
  } catch (err) {
    const data = (err as { data?: unknown }).data
    // anvil answers a revert with code 3 and the revert data; anything else (out of gas,
    // invalid opcode) has none.
    const revertData = (typeof data === 'string' ? data : '0x') as Hex
    return { ok: false, data: revertData, ...decodeRevert(revertData) }
  }
}

/**
 * Sends `a` as a real transaction and returns its receipt status. `free` mines it at a zero
 * base fee and gas price, so the sender's own ETH balance is part of what must not move.
 */
export async function sendRaw(l1: L1, a: Attempt, free = false): Promise<'success' | 'reverted'> {
  if (free) await rpc(l1.anvil.url, 'anvil_setNextBlockBaseFeePerGas', ['0x0'])
  const tx = free ? { ...txObject(a), gasPrice: '0x0' } : txObject(a)
  const hash = await rpc<Hex>(l1.anvil.url, 'eth_sendTransaction', [tx])
  const receipt = await l1.pub.waitForTransactionReceipt({ hash })
  return receipt.status
}

/** Sends `a`, which must succeed. */
export async function mustSend(l1: L1, a: Attempt): Promise<void> {
  const o = await outcome(l1, a)
  assert.ok(o.ok, `${a.functionName} reverted with ${o.ok ? '' : o.name} ${o.ok ? '' : String(o.args)}`)
  assert.equal(await sendRaw(l1, a), 'success', `${a.functionName} failed when sent`)
}

/**
 * The refusal check of every hostile test: `a` reverts with the custom error `name` (and `args`
 * if given), and when sent for real it is mined as reverted and leaves `state()` unchanged.
 */
export async function refuse(
  l1: L1,
  a: Attempt,
  name: string,
  args: readonly unknown[] | undefined,
  state: () => Promise<unknown>,
): Promise<void> {
  const before = await state()
  const o = await outcome(l1, a)
  assert.ok(!o.ok, `${a.functionName} was accepted (expected ${name})`)
  assert.equal(o.name, name, `${a.functionName}: expected ${name}, got ${o.name}(${o.args.map(String).join(', ')})`)
  if (args) assert.deepEqual(o.args, args, `${a.functionName}: ${name} arguments`)
  assert.equal(await sendRaw(l1, a, true), 'reverted', `${a.functionName} succeeded when sent`)
  assert.deepEqual(await state(), before, `${a.functionName}: state moved although it reverted with ${name}`)
}

/** Impersonates `who` on anvil with some ETH for gas. */
export async function impersonate(l1: L1, who: Address, balance = 10n ** 20n): Promise<void> {
  await l1.testClient.impersonateAccount({ address: who })
  await l1.testClient.setBalance({ address: who, value: balance })
}
