import type { Block } from '@ethereumjs/block'
import { isDepositTransaction } from '../../execution/depositTx.js'
import { txsOf } from '../../execution/executeTx.js'
import { l1InfoOf } from '../../execution/l1Info.js'
import type { BatchBlock } from './codec.js'

/** A block as a network batch carries it: its L1 origin (from the L1-info deposit) and its signed transactions. */
export function batchBlockOf(chainId: bigint, block: Block): BatchBlock {
  const txs = txsOf(block)
  const info = l1InfoOf(txs[0])
  if (!info) throw new Error(`chain ${chainId} block ${block.header.number} has no L1 info deposit; cannot batch it`)
  return {
    number: block.header.number,
    hash: block.hash(),
    parentHash: block.header.parentHash,
    timestamp: block.header.timestamp,
    l1OriginNumber: info.number,
    l1OriginHash: info.hash,
    txs: txs.filter((t) => !isDepositTransaction(t)).map((t) => t.serialize()),
  }
}
