import { InvalidParamsError } from '../../primitives/errors.js'
import { parseAddress, toData } from '../../primitives/hex.js'
import type { DevApi } from '../dev/api.js'

/**
 * anvil_impersonateAccount / hardhat_impersonateAccount(address): eth_sendTransaction
 * may send from the address without its key. Held by this node only (not chain state):
 * what an impersonated send does is carried by its dev transaction, which names `from`.
 */
export function impersonateAccount(dev: DevApi, [address]: unknown[]): null {
  dev.impersonation.accounts.add(toData(parseAddress(address)))
  return null
}

/** anvil_stopImpersonatingAccount / hardhat_stopImpersonatingAccount(address). */
export function stopImpersonatingAccount(dev: DevApi, [address]: unknown[]): null {
  dev.impersonation.accounts.delete(toData(parseAddress(address)))
  return null
}

/** anvil_autoImpersonateAccount(enabled): every address may be sent from. */
export function autoImpersonateAccount(dev: DevApi, [enabled]: unknown[]): null {
  if (typeof enabled !== 'boolean') throw new InvalidParamsError(`invalid enabled: expected true or false, got ${typeof enabled}`)
  dev.impersonation.auto = enabled
  return null
}
