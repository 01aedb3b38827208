import { createAddressFromString } from '@ethereumjs/util'
import type { VM } from '@ethereumjs/vm'
import { bigIntToBytes } from '../primitives/hex.js'

/**
 * The pre-transaction system updates of a post-Cancun block, as the EIPs define them
 * (ethereumjs runs these inside `runBlock` but does not export them for builders).
 * Both are no-ops when the system contract has no code, as on chains whose genesis
 * does not deploy it.
 */

const BEACON_ROOTS_ADDRESS = createAddressFromString('0x000F3df6D732807Ef1319fB7B8bB8522d0Beac02')
const BEACON_ROOTS_RING = 8191n
const HISTORY_SERVE_WINDOW = 8191n

/** EIP-4788: store (timestamp, parent beacon root) in the beacon-roots ring buffer. */
export async function accumulateParentBeaconBlockRoot(vm: VM, root: Uint8Array, timestamp: bigint): Promise<void> {
  const state = vm.stateManager
  if ((await state.getCode(BEACON_ROOTS_ADDRESS)).length === 0) return
  const index = timestamp % BEACON_ROOTS_RING
  await state.putStorage(BEACON_ROOTS_ADDRESS, bigIntToBytes(index, 32), bigIntToBytes(timestamp))
  await state.putStorage(BEACON_ROOTS_ADDRESS, bigIntToBytes(index + BEACON_ROOTS_RING, 32), root)
}

/** EIP-2935: store the parent hash in the block-hash history ring buffer. */
export async function accumulateParentBlockHash(vm: VM, number: bigint, parentHash: Uint8Array): Promise<void> {
  const state = vm.stateManager
  const address = createAddressFromString(
    `0x${vm.common.param('historyStorageAddress').toString(16).padStart(40, '0')}`,
  )
  if ((await state.getCode(address)).length === 0) return
  await state.putStorage(address, bigIntToBytes((number - 1n) % HISTORY_SERVE_WINDOW, 32), parentHash)
}
