import type { Block } from '@ethereumjs/block'
import type { Common } from '@ethereumjs/common'
import type { TypedTransaction } from '@ethereumjs/tx'
import { equalsBytes } from '@ethereumjs/util'
import { InvalidBlockError, type Chain, type TxSource } from '../../execution/chain.js'
import { decodeRawTransaction } from '../../execution/decodeTx.js'
import { isDepositTransaction } from '../../execution/depositTx.js'
import { decodeDevTx, DEV_TX_TYPE, devBaseFeeOf, DevTxError, isDevGenesis, pooledDevTx } from '../../execution/devTx.js'
import { txsOf } from '../../execution/executeTx.js'
import type { PooledTx } from '../../execution/pooledTx.js'
import type { BlockInputs } from '../../sequencer/blockInputs.js'
import type { L1Tracker } from '../l1/l1Tracker.js'
import { blockInputsAt } from '../l1OriginSelector.js'
import type { BlockPlan } from './batchRules.js'

export interface BlockBuilderOptions {
  chainId: bigint
  feeRecipient: Uint8Array
  baseFeeScalar: bigint
  blobBaseFeeScalar: bigint
}

/**
 * Attributes and execution stages of derivation: turns a planned block (from a batch)
 * into the block inputs the sequencer would have used (L1-info deposit, the origin's
 * deposits when the origin advances, the batch's transactions) and builds it in strict
 * mode, where any transaction that is invalid or does not fit makes the block invalid.
 */
export class DerivedBlockBuilder {
  constructor(
    private readonly chain: Chain,
    private readonly tracker: L1Tracker,
    private readonly options: BlockBuilderOptions,
  ) {}

  inputsOf(plan: BlockPlan): BlockInputs {
    const deposits = plan.sequenceNumber === 0n ? this.tracker.depositsIn(plan.origin.hash, this.options.chainId) : []
    // The tracker holds every canonical block from the chain's registration on, and an
    // origin is never after the L1 block holding its batch, so this is a bug if hit.
    if (!deposits) throw new Error(`L1 block ${plan.origin.number} (${plan.origin.hash}) is not tracked`)
    return blockInputsAt(plan.origin, plan.sequenceNumber, plan.timestamp, deposits, this.options)
  }

  /** Whether the stored `block` is exactly what `plan` describes (a restarted replica). */
  matches(block: Block, plan: BlockPlan): boolean {
    if (block.header.timestamp !== plan.timestamp) return false
    const txs = txsOf(block)
    const inputs = this.inputsOf(plan)
    const deposits = txs.filter(isDepositTransaction)
    const others = txs.filter((t) => !isDepositTransaction(t))
    return (
      deposits.length === inputs.deposits.length &&
      deposits.every((d, i) => equalsBytes(d.serialize(), inputs.deposits[i]!.serialize())) &&
      others.length === plan.txs.length &&
      others.every((t, i) => equalsBytes(t.serialize(), plan.txs[i]!))
    )
  }

  /**
   * Builds and commits `plan` on the head; throws `InvalidBlockError` if the batch's block
   * is invalid, which includes a transaction `checkTx` rejects (a protocol check beyond
   * the EVM's, e.g. that a cross-chain message it executes was initiated).
   */
  async build(plan: BlockPlan, checkTx?: (tx: TypedTransaction) => string | undefined): Promise<Block> {
    const inputs = this.inputsOf(plan)
    const txs = decodeBatchTxs(plan, this.chain.common, isDevGenesis(this.chain.genesis))
    // A base-fee dev transaction first in the batch's block sets the header's base fee, as
    // the sequencer set it; anywhere else it makes the block invalid (`OpenBlock`).
    const baseFee = devBaseFeeOf(txs.map((p) => p.tx))
    const built = await this.chain.buildBlock({
      timestamp: inputs.timestamp,
      coinbase: this.options.feeRecipient,
      deposits: inputs.deposits,
      l1Fee: inputs.l1Fee,
      ...(baseFee !== undefined ? { baseFee } : {}),
      txs: inOrder(txs),
      strict: true,
      ...(checkTx ? { checkTx } : {}),
    })
    return built.block
  }
}

/**
 * A planned block's transactions as the block is filled from them; any that does not
 * decode makes the block invalid (`InvalidBlockError`). A dev transaction changes state
 * with no signature: only a chain whose genesis allows them (`devChain`) takes one.
 */
export function decodeBatchTxs(plan: Pick<BlockPlan, 'number' | 'txs'>, common: Common, devChain: boolean): PooledTx[] {
  return plan.txs.map((raw, i) => {
    try {
      if (raw[0] !== DEV_TX_TYPE) return decodeRawTransaction(raw, common)
      if (devChain) return pooledDevTx(decodeDevTx(raw, common))
      throw new DevTxError('a dev transaction (type 0x7d) in a batch of a chain that is not a dev chain')
    } catch (err) {
      throw new InvalidBlockError(`block ${plan.number}: transaction ${i} cannot be decoded: ${(err as Error).message}`, { cause: err })
    }
  })
}

/** The batch's transactions, all of them, in their order (strict builds never skip). */
function inOrder(txs: readonly PooledTx[]): TxSource {
  let i = 0
  return {
    next: () => (i < txs.length ? { done: false, value: txs[i++]! } : { done: true, value: undefined }),
    skipSender: () => {
      throw new Error('a strict build never skips a sender')
    },
  }
}
