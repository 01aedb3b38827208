import { InvalidParamsError } from '../../primitives/errors.js'
import { toQuantity, type Hex } from '../../primitives/hex.js'
import type { DevApi } from '../dev/api.js'
import { parseDevInteger } from '../dev/params.js'

/** evm_increaseTime(seconds): moves the whole network's clock (every chain and the L1) forward; returns the total offset (anvil). */
export async function increaseTime(dev: DevApi, params: unknown[]): Promise<Hex> {
  const seconds = parseDevInteger(params[0], 'seconds')
  if (seconds < 0n) throw new InvalidParamsError(`invalid seconds: ${seconds} is negative; the network's clock only moves forward (evm_setNextBlockTimestamp sets a given time)`)
  return toQuantity(await dev.increaseTime(seconds))
}
