import type { ChainReader } from '../execution/chainReader.js'
import type { Lifecycle } from '../primitives/lifecycle.js'
import type { NetworkMember } from './networkSequencing.js'
import type { PlexusNode } from './node.js'
import type { ChainL1Side } from './options.js'

/**
 * One chain of a running network as its composition root holds it, wherever the chain's
 * executor runs (`executors: inline | thread`): what the coordinator reads of it, its L1
 * side, what the shared sequencer drives, and where its RPC answers.
 */
export interface NetworkChain extends Lifecycle {
  readonly chainId: bigint
  /** The chain as the coordinator reads it (settlement, batcher, audit, proposers). */
  readonly reader: ChainReader
  /** Its L1 side: deposits in, output roots out, the `plexus_*` settlement methods. */
  readonly settlement: ChainL1Side | undefined
  /** The chain's node in this thread, when its executor runs here (`executors: inline`). */
  readonly node: PlexusNode | undefined
  /** What the shared sequencer builds the chain's blocks with. */
  member(): NetworkMember
  /** The chain's JSON-RPC URL. */
  rpcUrl(): string
  /** Lets one more exact browser origin call the chain's RPC (the dashboard's). */
  allowRpcOrigin(origin: string): Promise<void>
  /** Calls one RPC method of the chain as the operator, the restricted ones included (the admin endpoint's path to them). */
  callRpc(method: string, params: unknown[]): Promise<unknown>
  /** Copies the chain's database into the directory `dest` (a snapshot; call with the sequencer paused). */
  backupDatabase(dest: string): Promise<void>
}

/** A chain whose node (store, execution, pool, RPC) runs in the coordinator's thread. */
export class InlineChain implements NetworkChain {
  constructor(readonly node: PlexusNode) {}

  get chainId(): bigint {
    return this.node.chain.chainId
  }

  get reader(): ChainReader {
    return this.node.chain
  }

  get settlement(): ChainL1Side | undefined {
    return this.node.settlement
  }

  member(): NetworkMember {
    const node = this.node
    return {
      chain: node.chain,
      pool: node.pool,
      feeRecipient: node.feeRecipientBytes(),
      gasLimit: node.options.gasLimit,
      txpool: node.options.txpool,
      inputs: node.settlement?.inputs,
      onProduced: (built, seconds) => node.observeProduced(built, seconds),
      ...(node.devTxs ? { devTxs: node.devTxs } : {}),
    }
  }

  rpcUrl(): string {
    return this.node.rpcUrl()
  }

  async allowRpcOrigin(origin: string): Promise<void> {
    this.node.allowRpcOrigin(origin)
  }

  callRpc(method: string, params: unknown[]): Promise<unknown> {
    return this.node.callRpc(method, params)
  }

  backupDatabase(dest: string): Promise<void> {
    return this.node.backupDatabase(dest)
  }

  start(): Promise<void> {
    return this.node.start()
  }

  stop(): Promise<void> {
    return this.node.stop()
  }
}
