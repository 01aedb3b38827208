import { decodeFunctionData, keccak256, parseAbiItem, type Hex, type PublicClient } from 'viem'
import { hexToBytes } from '../../primitives/hex.js'
import { abiOf } from '../l1/abis.js'

export const NETWORK_BATCH_SUBMITTED_EVENT = parseAbiItem('event NetworkBatchSubmitted(uint256 indexed batchIndex, bytes32 dataHash)')

/** One calldata network batch commitment found on L1, with its data or why the data is unusable. */
export interface PostedBatchTx {
  l1Number: bigint
  l1Hash: Hex
  txHash: Hex
  batchIndex: bigint
  /** Position in its L1 block: with `l1Number`, the order batches are derived in. */
  logIndex: number
  /** The L1 transaction's whole input (the ABI-encoded `submitNetworkBatch(data)` call). */
  input: Hex
  /** The batch as posted (version byte and compressed payload, not yet decoded). */
  data?: Uint8Array
  /** Set when `data` is not: why the commitment has no usable data. */
  error?: string
}

/**
 * The calldata network batches in L1 blocks `fromBlock` … `toBlock` (default: latest),
 * in L1 order, found through the BatchInbox's `NetworkBatchSubmitted` events, each with
 * its bytes read back from the committing transaction and checked against the logged
 * hash. A commitment whose data cannot be read that way (posted through another
 * contract, or not a `submitNetworkBatch` call) is returned with `error`.
 */
export async function readPostedBatches(
  client: PublicClient,
  params: { inbox: Hex; fromBlock: bigint; toBlock?: bigint },
): Promise<PostedBatchTx[]> {
  const logs = await client.getLogs({
    address: params.inbox,
    event: NETWORK_BATCH_SUBMITTED_EVENT,
    fromBlock: params.fromBlock,
    toBlock: params.toBlock ?? 'latest',
  })
  const out: PostedBatchTx[] = []
  for (const log of logs) {
    const tx = await client.getTransaction({ hash: log.transactionHash })
    const posted: PostedBatchTx = {
      l1Number: log.blockNumber,
      l1Hash: log.blockHash,
      txHash: log.transactionHash,
      batchIndex: log.args.batchIndex!,
      logIndex: log.logIndex,
      input: tx.input,
    }
    const data = calldataBatch(tx.to ?? undefined, tx.input, params.inbox)
    if (typeof data === 'string') posted.error = data
    else if (keccak256(data) !== log.args.dataHash) posted.error = 'the calldata does not match the data hash the inbox logged'
    else posted.data = data
    out.push(posted)
  }
  return out
}

/** The batch bytes of a direct `submitNetworkBatch(data)` call, or why there are none. */
function calldataBatch(to: Hex | undefined, input: Hex, inbox: Hex): Uint8Array | string {
  if (to?.toLowerCase() !== inbox.toLowerCase()) return 'the transaction does not call the inbox directly'
  try {
    const { functionName, args } = decodeFunctionData({ abi: abiOf('BatchInbox'), data: input })
    if (functionName !== 'submitNetworkBatch') return 'the transaction is not a submitNetworkBatch call'
    return hexToBytes(args![0] as Hex)
  } catch {
    return 'the transaction calldata is not a submitNetworkBatch call'
  }
}
