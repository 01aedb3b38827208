import type { DevApi } from '../dev/api.js'
import { parseDevUint } from '../dev/params.js'

/**
 * evm_revert(id) / plexus_revert(id): puts every chain and the L1 back to the snapshot,
 * which is used up with every later one; false for an unknown or used-up id (anvil).
 */
export function revert(dev: DevApi, params: unknown[]): Promise<boolean> {
  return dev.revert(parseDevUint(params[0], 'id'))
}
