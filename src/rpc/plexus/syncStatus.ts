import type { RpcApi } from '../api.js'
import { settlementOf } from './getL1Addresses.js'

/** plexus_syncStatus: unsafe / safe / finalized heads, the L1 head, the latest output and any root mismatch. */
export function syncStatus(api: RpcApi): Promise<Record<string, unknown>> {
  return settlementOf(api, 'plexus_syncStatus').syncStatus()
}
