import { parseHash, toData } from '../../primitives/hex.js'
import type { RpcApi } from '../api.js'
import { formatBundle, networkOf } from './network.js'

/** plexus_getBundle(bundleId): pending | included (slot, blocks, tx hashes) | rejected (which tx failed, why); null if unknown. */
export function getBundle(api: RpcApi, params: unknown[]): Record<string, unknown> | null {
  const id = toData(parseHash(params[0], 'bundleId'))
  const status = networkOf(api, 'plexus_getBundle').getBundle(id)
  return status ? formatBundle(id, status) : null
}
