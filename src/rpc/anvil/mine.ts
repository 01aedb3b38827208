import type { DevApi } from '../dev/api.js'
import { parseOptionalDevUint } from '../dev/params.js'

/** anvil_mine(count?, interval?) (and hardhat_mine): `count` slots (default 1) now on every chain, `interval` seconds apart. */
export async function anvilMine(dev: DevApi, params: unknown[]): Promise<null> {
  const count = parseOptionalDevUint(params[0], 'count') ?? 1n
  const interval = parseOptionalDevUint(params[1], 'interval')
  await dev.mine(count, interval === undefined ? {} : { intervalSeconds: interval })
  return null
}
