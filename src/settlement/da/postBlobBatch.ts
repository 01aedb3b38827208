import { encodeFunctionData, type Hex, type TransactionReceipt } from 'viem'
import { abiOf } from '../l1/abis.js'
import { L1TransactionError, reasonOf, waitForSuccess, type L1Signer } from '../l1/l1Transactions.js'
import { encodeBlobs, MAX_BLOB_BATCH_BYTES } from './blobCodec.js'
import { blobTxNetworkForm, sidecarVersionOf } from './blobTx.js'
import { blobKzg, versionedHash, type BlobSidecarVersion } from './kzg.js'

export interface PostBlobBatchOptions {
  /** Sidecar proof format; by default what the L1 takes (see `sidecarVersionOf`). */
  sidecarVersion?: BlobSidecarVersion
}

/**
 * maxFeePerBlobGas as a multiple of the current blob base fee. The blob base fee rises
 * at most 12.5% per block (Cancun; 8.2% from Prague), so twice today's fee still pays
 * after six full blocks in a row; the transaction pays only the base fee of its block.
 */
const BLOB_FEE_HEADROOM = 2n

/**
 * Posts `data` (one network batch, at most MAX_BLOB_BATCH_BYTES) to L1 in the blobs of one
 * type-3 transaction calling `BatchInbox.submitNetworkBlobBatch()`, and waits for its receipt.
 * The blobs' KZG work runs on a worker thread (seconds per blob; see kzg.ts); fees,
 * nonce and gas are read after it, so they are current when the transaction is signed.
 * Throws L1TransactionError with the revert reason if the call would revert or did, and
 * a plain Error for data that is empty or too large (the batcher sizes batches).
 * Like `writeAndWait`, send one at a time per signer so nonces never race.
 */
export async function postBlobBatch(
  signer: L1Signer,
  inbox: Hex,
  data: Uint8Array,
  options: PostBlobBatchOptions = {},
): Promise<TransactionReceipt> {
  if (data.length > MAX_BLOB_BATCH_BYTES) {
    throw new Error(`postBlobBatch: ${data.length} bytes is over the ${MAX_BLOB_BATCH_BYTES} one blob transaction carries`)
  }
  const { publicClient, account, chain } = signer
  if (account.type !== 'local') {
    throw new L1TransactionError(`blob batches need a local (private key) account; ${account.address} is a ${account.type} account`, {
      details: 'the node signs blob transactions itself, since it must attach the blobs to the signed transaction',
    })
  }
  const blobs = encodeBlobs(data)
  const fail = (what: string, err: unknown): never => {
    throw new L1TransactionError(`L1 call submitNetworkBlobBatch ${what}: ${reasonOf(err)}`, { cause: err })
  }
  const version = options.sidecarVersion ?? (await sidecarVersionOf(publicClient).catch((err) => fail('failed', err)))
  const commitments = await blobKzg.commitments(blobs)
  const proofs = await blobKzg.proofs(blobs, commitments, version)
  const blobVersionedHashes = commitments.map(versionedHash)

  const request = { address: inbox, abi: abiOf('BatchInbox'), functionName: 'submitNetworkBlobBatch', args: [] } as const
  let hash: Hex
  try {
    const [fees, blobBaseFee, nonce] = await Promise.all([
      publicClient.estimateFeesPerGas({ chain }),
      publicClient.getBlobBaseFee(),
      publicClient.getTransactionCount({ address: account.address, blockTag: 'pending' }),
    ])
    const maxFeePerBlobGas = blobBaseFee * BLOB_FEE_HEADROOM
    // Simulates too: a revert (NotBatcher) surfaces here, decoded.
    const gas = await publicClient.estimateContractGas({
      ...request,
      account,
      blobVersionedHashes,
      maxFeePerBlobGas,
      maxFeePerGas: fees.maxFeePerGas,
      maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
      prepare: false,
    } as never)
    const signed = await account.signTransaction({
      type: 'eip4844',
      chainId: chain.id,
      nonce,
      to: inbox,
      data: encodeFunctionData(request),
      gas,
      maxFeePerGas: fees.maxFeePerGas,
      maxPriorityFeePerGas: fees.maxPriorityFeePerGas,
      maxFeePerBlobGas,
      blobVersionedHashes,
    })
    const serializedTransaction = blobTxNetworkForm(signed, { version, blobs, commitments, proofs })
    hash = await publicClient.sendRawTransaction({ serializedTransaction })
  } catch (err) {
    return fail('failed', err)
  }
  return waitForSuccess(publicClient, hash, 'submitNetworkBlobBatch')
}
