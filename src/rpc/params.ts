import { InvalidParamsError } from '../primitives/errors.js'
import { parseAddress, parseData, parseQuantity, parseStorageKey, toData } from '../primitives/hex.js'
import type { CallRequest, StateOverrides } from '../execution/simulate.js'

/** geth's TransactionArgs for eth_call / eth_estimateGas / eth_createAccessList. */
export function parseCallRequest(value: unknown): CallRequest {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidParamsError('invalid argument 0: expected a transaction call object')
  }
  const o = value as Record<string, unknown>
  const req: CallRequest = {}
  if (o.from != null) req.from = parseAddress(o.from, 'from')
  if (o.to != null) req.to = parseAddress(o.to, 'to')
  if (o.gas != null) req.gas = parseQuantity(o.gas, 'gas')
  if (o.gasPrice != null) req.gasPrice = parseQuantity(o.gasPrice, 'gasPrice')
  if (o.maxFeePerGas != null) req.maxFeePerGas = parseQuantity(o.maxFeePerGas, 'maxFeePerGas')
  if (o.maxPriorityFeePerGas != null) req.maxPriorityFeePerGas = parseQuantity(o.maxPriorityFeePerGas, 'maxPriorityFeePerGas')
  if (req.gasPrice !== undefined && (req.maxFeePerGas !== undefined || req.maxPriorityFeePerGas !== undefined)) {
    throw new InvalidParamsError('both gasPrice and (maxFeePerGas or maxPriorityFeePerGas) specified')
  }
  if (req.maxFeePerGas !== undefined && req.maxPriorityFeePerGas !== undefined && req.maxPriorityFeePerGas > req.maxFeePerGas) {
    throw new InvalidParamsError(
      `maxFeePerGas (${req.maxFeePerGas}) < maxPriorityFeePerGas (${req.maxPriorityFeePerGas})`,
    )
  }
  if (o.value != null) req.value = parseQuantity(o.value, 'value')
  if (o.nonce != null) req.nonce = parseQuantity(o.nonce, 'nonce')
  const input = o.input != null ? parseData(o.input, 'input') : undefined
  const data = o.data != null ? parseData(o.data, 'data') : undefined
  if (input && data && toData(input) !== toData(data)) {
    throw new InvalidParamsError(
      'both "data" and "input" are set and not equal. Please use "input" to pass transaction call data',
    )
  }
  req.data = input ?? data
  if (o.accessList != null) {
    if (!Array.isArray(o.accessList)) throw new InvalidParamsError('invalid accessList: expected an array')
    req.accessList = o.accessList.map((item, i) => {
      const it = item as { address?: unknown; storageKeys?: unknown }
      if (!Array.isArray(it.storageKeys ?? [])) throw new InvalidParamsError(`invalid accessList[${i}].storageKeys`)
      return {
        address: parseAddress(it.address, `accessList[${i}].address`),
        storageKeys: ((it.storageKeys ?? []) as unknown[]).map((k, j) => parseData(k, `accessList[${i}].storageKeys[${j}]`, 32)),
      }
    })
  }
  if (o.authorizationList != null) {
    if (!Array.isArray(o.authorizationList)) throw new InvalidParamsError('invalid authorizationList: expected an array')
    req.authorizationList = o.authorizationList.map((a, i) => {
      const x = a as Record<string, unknown>
      const q = (f: string) => bigToBytes(parseQuantity(x[f], `authorizationList[${i}].${f}`))
      return [q('chainId'), parseAddress(x.address, `authorizationList[${i}].address`), q('nonce'), q('yParity'), q('r'), q('s')]
    })
  }
  return req
}

/** geth's state override set: `{ [address]: { balance, nonce, code, state | stateDiff } }`. */
export function parseStateOverrides(value: unknown): StateOverrides | undefined {
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'object' || Array.isArray(value)) throw new InvalidParamsError('invalid state override set: expected an object')
  const out: StateOverrides = new Map()
  for (const [addr, raw] of Object.entries(value as Record<string, unknown>)) {
    const address = parseAddress(addr, 'state override address')
    const o = (raw ?? {}) as Record<string, unknown>
    if (o.state != null && o.stateDiff != null) {
      throw new InvalidParamsError(`account ${addr} has both 'state' and 'stateDiff'`)
    }
    const slots = (v: unknown, f: string) => {
      if (typeof v !== 'object' || v === null) throw new InvalidParamsError(`invalid ${f} override for ${addr}`)
      const m = new Map<string, { slot: Uint8Array; value: Uint8Array }>()
      for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
        const slot = parseStorageKey(k, `${f} key`)
        const word = parseStorageKey(val, `${f} value`)
        let i = 0
        while (i < word.length && word[i] === 0) i++
        m.set(toData(slot), { slot, value: word.subarray(i) })
      }
      return m
    }
    out.set(toData(address), {
      address,
      ...(o.balance != null ? { balance: parseQuantity(o.balance, 'balance') } : {}),
      ...(o.nonce != null ? { nonce: parseQuantity(o.nonce, 'nonce') } : {}),
      ...(o.code != null ? { code: parseData(o.code, 'code') } : {}),
      ...(o.state != null ? { state: slots(o.state, 'state') } : {}),
      ...(o.stateDiff != null ? { stateDiff: slots(o.stateDiff, 'stateDiff') } : {}),
    })
  }
  return out
}

function bigToBytes(v: bigint): Uint8Array {
  if (v === 0n) return new Uint8Array(0)
  let hex = v.toString(16)
  if (hex.length % 2) hex = '0' + hex
  return Uint8Array.from(Buffer.from(hex, 'hex'))
}
