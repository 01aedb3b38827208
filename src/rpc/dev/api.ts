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

/**
 * Network-wide dev methods: time, mining, snapshot/revert. Every chain of a network builds
 * one block per slot in lockstep and every L2 block refers to an L1 origin, so each of
 * these acts on every chain and on the embedded L1, whichever chain's RPC receives it.
 */
export interface DevNetworkApi {
  /** evm_increaseTime: moves the network's clock (every chain and the L1) forward; returns the total offset in seconds. */
  increaseTime(seconds: bigint): Promise<bigint>
  /** evm_setNextBlockTimestamp: the next slot's timestamp on every chain; later slots go on from it. */
  setNextBlockTimestamp(timestamp: bigint): Promise<void>
  /**
   * evm_mine / anvil_mine: builds `slots` slots now, on every chain, without waiting for
   * the slot clock; `intervalSeconds` apart, or the first at `timestamp`.
   */
  mine(slots: bigint, opts?: { intervalSeconds?: bigint; timestamp?: bigint }): Promise<void>
  /** evm_snapshot / plexus_snapshot: a snapshot of every chain and the L1 at one slot; returns its id. */
  snapshot(): Promise<bigint>
  /** evm_revert / plexus_revert: puts every chain and the L1 back; false for an unknown (or consumed) id. */
  revert(id: bigint): Promise<boolean>
}

/** A dev method called on a network that is not a dev network. */
export class DevMethodRefusedError extends BaseError {
  override name = 'DevMethodRefusedError'
  constructor(method: string) {
    super(`${method} is a dev method, served only on a dev network (one whose L1 is the embedded anvil); this network settles on a real L1`, {
      rpcCode: RpcErrorCode.MethodNotFound,
    })
  }
}
