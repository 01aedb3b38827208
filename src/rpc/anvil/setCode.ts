import { MAX_DEV_TX_CODE_BYTES } from '../../execution/devTx.js'
import { InvalidParamsError } from '../../primitives/errors.js'
import { parseAddress, parseData } from '../../primitives/hex.js'
import type { DevApi } from '../dev/api.js'

/** anvil_setCode / hardhat_setCode(address, code): replaces the account's code; null once it is in a block. */
export async function setCode(dev: DevApi, [address, code]: unknown[]): Promise<null> {
  const addr = parseAddress(address)
  const bytes = parseData(code, 'code')
  if (bytes.length > MAX_DEV_TX_CODE_BYTES) {
    throw new InvalidParamsError(`invalid code: ${bytes.length} bytes, over the ${MAX_DEV_TX_CODE_BYTES} a dev change may carry (it travels to L1 in a batch like a transaction)`)
  }
  await dev.applyDevTx({ kind: 'patch', address: addr, code: bytes })
  return null
}
