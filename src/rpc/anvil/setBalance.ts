import { parseAddress } from '../../primitives/hex.js'
import type { DevApi } from '../dev/api.js'
import { parseUint } from '../params.js'

/** anvil_setBalance / hardhat_setBalance(address, balance): sets the account's balance; answers null once it is in a block. */
export async function setBalance(dev: DevApi, [address, balance]: unknown[]): Promise<null> {
  await dev.applyDevTx({ kind: 'patch', address: parseAddress(address), balance: parseUint(balance, 'balance', 256) })
  return null
}
