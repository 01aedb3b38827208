import { randomBytes } from 'node:crypto'
import type { Common } from '@ethereumjs/common'
import { DevTransaction, type DevTxBody } from '../../execution/devTx.js'
import type { DevAccount } from '../../execution/genesis.js'
import { BaseError, RpcErrorCode } from '../../primitives/errors.js'
import type { Hex } from '../../primitives/hex.js'
import type { DevTxInclusion, DevTxQueue } from '../../sequencer/devTxQueue.js'

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

/**
 * Per-chain dev state methods. Every state change is a dev transaction (type 0x7d, see
 * execution/devTx.ts) in the chain's next block, so replicas replay it from L1.
 */
export interface DevStateApi {
  /** Puts a dev change in the chain's next block; resolves once that block is committed (≤ one slot). */
  applyDevTx(body: DevTxBody): Promise<DevTxInclusion>
  /** The unlocked dev accounts (the test mnemonic's first ten, as anvil's): eth_accounts, eth_sendTransaction, eth_sign. */
  readonly accounts: readonly DevAccount[]
  /** Accounts eth_sendTransaction sends from without a key (anvil_impersonateAccount), or all with `auto`. */
  readonly impersonation: { readonly accounts: Set<Hex>; auto: boolean }
  /** The nonce after `address`'s impersonated calls still waiting for a block, if any wait. */
  queuedNonce(address: Hex): bigint | undefined
  /** The base fee an anvil_setNextBlockBaseFeePerGas still waiting for its block sets (the newest), if one waits. */
  queuedBaseFee(): bigint | undefined
  /**
   * Runs `fn` after every earlier `fn` of `address` has finished: eth_sendTransaction
   * fills a nonce and hands the transaction on under it, so concurrent sends from one
   * account take consecutive nonces.
   */
  serialize<T>(address: Hex, fn: () => Promise<T>): Promise<T>
}

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
    super(`${method} is a dev method, served only by the sequencer of a dev network (one whose L1 is the embedded anvil); this node is not one (a network on a real L1, a replica or a standalone chain), or its dev methods are closed (devMethods: false)`, {
      rpcCode: RpcErrorCode.MethodNotFound,
    })
  }
}

/**
 * One chain's `DevApi`: its own state methods and the network's (bound, since the
 * network's are a class's methods). Without the network's (a chain the node runs outside a
 * dev network's sequencing), those answer DevMethodRefusedError.
 */
export function withDevNetwork(state: DevStateApi, network: DevNetworkApi | undefined): DevApi {
  const refuse = (method: string) => () => Promise.reject(new DevMethodRefusedError(method))
  return Object.assign(state, {
    increaseTime: network ? (seconds: bigint) => network.increaseTime(seconds) : refuse('evm_increaseTime'),
    setNextBlockTimestamp: network ? (timestamp: bigint) => network.setNextBlockTimestamp(timestamp) : refuse('evm_setNextBlockTimestamp'),
    mine: network ? (slots: bigint, opts?: { intervalSeconds?: bigint; timestamp?: bigint }) => network.mine(slots, opts) : refuse('evm_mine'),
    snapshot: network ? () => network.snapshot() : refuse('evm_snapshot'),
    revert: network ? (id: bigint) => network.revert(id) : refuse('evm_revert'),
  })
}

/** A dev network chain's `DevStateApi` over its dev transaction queue. */
export function createDevStateApi(queue: DevTxQueue, common: Common, accounts: readonly DevAccount[]): DevStateApi {
  const tails = new Map<Hex, Promise<unknown>>()
  return {
    // A random id keeps two equal changes distinct transactions (distinct hashes).
    applyDevTx: (body) => queue.submit(new DevTransaction(randomBytes(16), body, common)),
    accounts,
    impersonation: { accounts: new Set(), auto: false },
    queuedNonce: (address) => queue.nextCallNonce(address),
    queuedBaseFee: () => queue.queuedBaseFee(),
    serialize(address, fn) {
      const run = (tails.get(address) ?? Promise.resolve()).then(fn, fn)
      const tail = run.catch(() => undefined)
      tails.set(address, tail)
      // The chain of an idle account is forgotten, so the map stays as small as the senders in flight.
      void tail.then(() => tails.get(address) === tail && tails.delete(address))
      return run
    },
  }
}
