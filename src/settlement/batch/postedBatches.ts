import { decodeFunctionData, keccak256, parseAbiItem, type Hex, type PublicClient } from 'viem'
import { hexToBytes } from '../../primitives/hex.js'
import { abiOf } from '../l1/abis.js'

export const BATCH_SUBMITTED_EVENT = parseAbiItem(
  'event BatchSubmitted(uint256 indexed chainId, uint256 indexed batchIndex, bytes32 dataHash)',
)

/** A calldata batch found on L1: the L1 transaction that posted it, and its bytes. */
export interface PostedBatchTx {
  l1Number: bigint
  l1Hash: Hex
  txHash: Hex
  batchIndex: bigint
  /** The L1 transaction's whole input: the ABI-encoded `submitBatch(chainId, data)` call. */
  input: Hex
  /** The batch as posted: version byte and compressed payload, not yet decoded. */
  data: Uint8Array
}

/**
 * The calldata batches of `chainId` in L1 blocks `fromBlock` … `toBlock` (default:
 * latest), in log order, found through the BatchInbox's `BatchSubmitted` events. Only
 * direct `submitBatch` calls whose data matches the logged hash are returned: the data of
 * a batch posted through another contract is not in the transaction's input.
 */
export async function readPostedBatches(
  client: PublicClient,
  params: { inbox: Hex; chainId: bigint; fromBlock: bigint; toBlock?: bigint },
): Promise<PostedBatchTx[]> {
  const logs = await client.getLogs({
    address: params.inbox,
    event: BATCH_SUBMITTED_EVENT,
    args: { chainId: params.chainId },
    fromBlock: params.fromBlock,
    toBlock: params.toBlock ?? 'latest',
  })
  const out: PostedBatchTx[] = []
  for (const log of logs) {
    const tx = await client.getTransaction({ hash: log.transactionHash })
    let data: Hex
    try {
      const { functionName, args } = decodeFunctionData({ abi: abiOf('BatchInbox'), data: tx.input })
      if (functionName !== 'submitBatch') continue
      data = args![1] as Hex
    } catch {
      continue
    }
    if (keccak256(data) !== log.args.dataHash) continue
    out.push({
      l1Number: log.blockNumber,
      l1Hash: log.blockHash,
      txHash: log.transactionHash,
      batchIndex: log.args.batchIndex!,
      input: tx.input,
      data: hexToBytes(data),
    })
  }
  return out
}
