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
  if (o.gas != null) req.gas = parseUint(o.gas, 'gas', 64)
  if (o.gasPrice != null) req.gasPrice = parseUint(o.gasPrice, 'gasPrice', 256)
  if (o.maxFeePerGas != null) req.maxFeePerGas = parseUint(o.maxFeePerGas, 'maxFeePerGas', 256)
  if (o.maxPriorityFeePerGas != null) req.maxPriorityFeePerGas = parseUint(o.maxPriorityFeePerGas, 'maxPriorityFeePerGas', 256)
  if (req.gasPrice !== undefined && (req.maxFeePerGas !== undefined || req.maxPriorityFeePerGas !== undefined)) {
    throw new InvalidParamsError('both gasPrice and (maxFeePerGas or maxPriorityFeePerGas) specified')
  }
  if (req.maxFeePerGas !== undefined && req.maxPriorityFeePerGas !== undefined && req.maxPriorityFeePerGas > req.maxFeePerGas) {
    throw new InvalidParamsError(
      `maxFeePerGas (${req.maxFeePerGas}) < maxPriorityFeePerGas (${req.maxPriorityFeePerGas})`,
    )
  }
  if (o.value != null) req.value = parseUint(o.value, 'value', 256)
  if (o.nonce != null) req.nonce = parseUint(o.nonce, 'nonce', 64)
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
      if (typeof item !== 'object' || item === null) throw new InvalidParamsError(`invalid accessList[${i}]: expected an object`)
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
      if (typeof a !== 'object' || a === null) throw new InvalidParamsError(`invalid authorizationList[${i}]: expected an object`)
      const x = a as Record<string, unknown>
      const q = (f: string) => bigToBytes(parseUint(x[f], `authorizationList[${i}].${f}`, f === 'nonce' ? 64 : 256))
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
      ...(o.nonce != null ? { nonce: parseUint(o.nonce, 'nonce', 64) } : {}),
      ...(o.code != null ? { code: parseData(o.code, 'code') } : {}),
      ...(o.state != null ? { state: slots(o.state, 'state') } : {}),
      ...(o.stateDiff != null ? { stateDiff: slots(o.stateDiff, 'stateDiff') } : {}),
    })
  }
  return out
}

/** A QUANTITY that must fit `bits` bits (geth: hexutil.Uint64 / hexutil.Big ≤ 256 bits). */
export function parseUint(value: unknown, field: string, bits: 64 | 256): bigint {
  const n = parseQuantity(value, field)
  if (n >> BigInt(bits) !== 0n) {
    throw new InvalidParamsError(`invalid ${field}: hex number > ${bits} bits`)
  }
  return n
}

function bigToBytes(v: bigint): Uint8Array {
  if (v === 0n) return new Uint8Array(0)
  let hex = v.toString(16)
  if (hex.length % 2) hex = '0' + hex
  return Uint8Array.from(Buffer.from(hex, 'hex'))
}
