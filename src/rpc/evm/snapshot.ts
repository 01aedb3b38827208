import { toQuantity, type Hex } from '../../primitives/hex.js'
import type { DevApi } from '../dev/api.js'

/** evm_snapshot / plexus_snapshot: a snapshot of the whole network (every chain and the L1) at one slot; its id. */
export async function snapshot(dev: DevApi): Promise<Hex> {
  return toQuantity(await dev.snapshot())
}
