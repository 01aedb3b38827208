import { BaseError, RpcErrorCode } from '../../primitives/errors.js'

/**
 * anvil's and Hardhat's dev methods (`evm_*`, `anvil_*`, the unlocked dev accounts),
 * served only by a chain of a dev network: one whose L1 is the embedded anvil, whose
 * accounts are the test mnemonic's. The node hands this in as `RpcApi.dev`; on any other
 * network it is absent and every dev method is refused with `DevMethodRefusedError`.
 *
 * Chain state changes (balances, code, storage, impersonated sends) live in `DevStateApi`;
 * the network's clock, mining and snapshots (which act on every chain and the L1 at
 * once, since all chains share one slot) in `DevNetworkApi`.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface DevApi extends DevStateApi, DevNetworkApi {}

/** Per-chain dev state methods (filled in by the dev-state work). */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface DevStateApi {}

/** Network-wide dev methods: time, mining, snapshot/revert (filled in by the dev-network work). */
// eslint-disable-next-line @typescript-eslint/no-empty-interface
export interface DevNetworkApi {}

/** A dev method called on a network that is not a dev network. */
export class DevMethodRefusedError extends BaseError {
  override name = 'DevMethodRefusedError'
  constructor(method: string) {
    super(`${method} is a dev method, served only on a dev network (one whose L1 is the embedded anvil); this network settles on a real L1`, {
      rpcCode: RpcErrorCode.MethodNotFound,
    })
  }
}
