import { keccak256 } from '../../primitives/crypto.js'
import { parseData, toData, type Hex } from '../../primitives/hex.js'

export function sha3(_api: unknown, [data]: unknown[]): Hex {
  return toData(keccak256(parseData(data)))
}
