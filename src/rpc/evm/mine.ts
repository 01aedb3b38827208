import type { DevApi } from '../dev/api.js'
import { parseOptionalDevUint } from '../dev/params.js'

/**
 * evm_mine(timestamp?): builds one slot now on every chain, at `timestamp` if given;
 * anvil's `{ timestamp, blocks }` object form is taken too. Answers "0x0" as anvil does.
 */
export async function mine(dev: DevApi, params: unknown[]): Promise<'0x0'> {
  const arg = params[0]
  if (arg !== null && typeof arg === 'object' && !Array.isArray(arg)) {
    const { timestamp, blocks } = arg as { timestamp?: unknown; blocks?: unknown }
    await dev.mine(parseOptionalDevUint(blocks, 'blocks') ?? 1n, { timestamp: parseOptionalDevUint(timestamp, 'timestamp') })
  } else {
    await dev.mine(1n, { timestamp: parseOptionalDevUint(arg, 'timestamp') })
  }
  return '0x0'
}
