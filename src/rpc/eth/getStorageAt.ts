import { parseAddress, parseStorageKey, toData, type Hex } from '../../primitives/hex.js'
import type { RpcApi } from '../api.js'
import { headerForState } from '../blockTag.js'

export async function getStorageAt(api: RpcApi, [address, slot, block]: unknown[]): Promise<Hex> {
  const addr = parseAddress(address)
  const key = parseStorageKey(slot)
  const value = await api.chain.storageAt(headerForState(api, block).stateRoot, addr, key)
  const word = new Uint8Array(32)
  word.set(value, 32 - value.length)
  return toData(word)
}
