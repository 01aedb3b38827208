import { parseAddress } from '../../primitives/hex.js'
import type { DevApi } from '../dev/api.js'
import { parseUint } from '../params.js'

/** anvil_setNonce / hardhat_setNonce(address, nonce): sets the account's nonce; null once it is in a block. */
export async function setNonce(dev: DevApi, [address, nonce]: unknown[]): Promise<null> {
  await dev.applyDevTx({ kind: 'patch', address: parseAddress(address), nonce: parseUint(nonce, 'nonce', 64) })
  return null
}
