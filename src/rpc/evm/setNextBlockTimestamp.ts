import type { DevApi } from '../dev/api.js'
import { parseDevUint } from '../dev/params.js'

/** evm_setNextBlockTimestamp(timestamp): the next slot's timestamp on every chain (and the L1); later slots go on from it. */
export async function setNextBlockTimestamp(dev: DevApi, params: unknown[]): Promise<null> {
  await dev.setNextBlockTimestamp(parseDevUint(params[0], 'timestamp'))
  return null
}
