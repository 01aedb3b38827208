import { InvalidParamsError } from '../../primitives/errors.js'
import { parseAddress, parseData } from '../../primitives/hex.js'
import type { DevApi } from '../dev/api.js'
import { parseUint } from '../params.js'

/**
 * anvil_setStorageAt / hardhat_setStorageAt(address, slot, value): writes one storage
 * word; answers true (as anvil) once it is in a block. The slot is a uint256 (a QUANTITY
 * or 32-byte DATA, as both tools accept); the value is 32-byte DATA.
 */
export async function setStorageAt(dev: DevApi, [address, slot, value]: unknown[]): Promise<boolean> {
  const addr = parseAddress(address)
  const key = bigIntWord(parseSlot(slot))
  const word = parseData(value, 'value')
  if (word.length !== 32) throw new InvalidParamsError(`invalid value: expected 32 bytes of data, got ${word.length}`)
  await dev.applyDevTx({ kind: 'patch', address: addr, storage: [{ slot: key, value: BigInt(`0x${Buffer.from(word).toString('hex') || '0'}`) }] })
  return true
}

function parseSlot(slot: unknown): bigint {
  if (typeof slot === 'string' && /^0x[0-9a-fA-F]{64}$/.test(slot)) return BigInt(slot)
  // hardhat takes a QUANTITY ("0x0"); a longer string is past 2^256 and refused there.
  return parseUint(slot, 'slot', 256)
}

function bigIntWord(n: bigint): Uint8Array {
  return Uint8Array.from(Buffer.from(n.toString(16).padStart(64, '0'), 'hex'))
}
