import { decodeFunctionData, keccak256, type Hex, type PublicClient } from 'viem'
import { hexToBytes } from '../../primitives/hex.js'
import { BATCH_SUBMITTED_EVENT } from '../batcher.js'
import { abiOf } from '../l1/abis.js'

/** One batch commitment found on L1, with its data or why the data could not be read. */
export interface L1BatchData {
  l1Number: bigint
  l1Hash: Hex
  batchIndex: bigint
  txHash: Hex
  /** Position in L1 order (block, then log index): batches are derived in this order. */
  logIndex: number
  data?: Uint8Array
  /** Set when `data` is not: why the commitment has no usable data. */
  error?: string
}

/**
 * Retrieval stage of derivation: the batches committed for one chain in a range of L1
 * blocks, in L1 order, each with its bytes read back from the committing transaction's
 * calldata and checked against the hash the inbox logged.
 */
export class CalldataBatchSource {
  constructor(
    private readonly client: PublicClient,
    private readonly inbox: Hex,
    private readonly chainId: bigint,
  ) {}

  async batchesIn(fromBlock: bigint, toBlock: bigint): Promise<L1BatchData[]> {
    const logs = await this.client.getLogs({
      address: this.inbox,
      event: BATCH_SUBMITTED_EVENT,
      args: { chainId: this.chainId },
      fromBlock,
      toBlock,
    })
    const out: L1BatchData[] = []
    for (const log of logs) {
      const found: L1BatchData = {
        l1Number: log.blockNumber!,
        l1Hash: log.blockHash!,
        batchIndex: log.args.batchIndex!,
        txHash: log.transactionHash!,
        logIndex: log.logIndex!,
      }
      const tx = await this.client.getTransaction({ hash: log.transactionHash! })
      const data = this.calldataBatch(tx.to ?? undefined, tx.input)
      if (typeof data === 'string') found.error = data
      else if (keccak256(data) !== log.args.dataHash) found.error = 'the calldata does not match the data hash the inbox logged (submitted through another contract?)'
      else found.data = data
      out.push(found)
    }
    return out
  }

  /** The batch bytes of a direct `submitBatch(chainId, data)` call, or why there are none. */
  private calldataBatch(to: Hex | undefined, input: Hex): Uint8Array | string {
    if (to?.toLowerCase() !== this.inbox.toLowerCase()) return 'the transaction does not call the inbox directly'
    try {
      const { functionName, args } = decodeFunctionData({ abi: abiOf('BatchInbox'), data: input })
      if (functionName !== 'submitBatch' || args?.[0] !== this.chainId) return 'the transaction is not a submitBatch for this chain'
      return hexToBytes(args[1] as Hex)
    } catch {
      return 'the transaction calldata is not a submitBatch call'
    }
  }
}
