import type { Hex } from '../../primitives/hex.js'

/** No peers until p2p arrives (a later issue). */
export function peerCount(): Hex {
  return '0x0'
}
