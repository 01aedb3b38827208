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

/** A batch laid out in blobs with their KZG commitments and proofs: ready to sign. */
export interface PreparedBlobBatch {
  version: BlobSidecarVersion
  blobs: Uint8Array[]
  commitments: Uint8Array[]
  proofs: Uint8Array[]
  blobVersionedHashes: Hex[]
}

/** Fees of one blob transaction. */
export interface BlobTxFees {
  maxFeePerGas: bigint
  maxPriorityFeePerGas: bigint
  maxFeePerBlobGas: bigint
}

/** The inbox call a blob batch makes; read when first used, so importing this module needs no compiled contracts (the build writes the config schema before it compiles them). */
const submitBlobBatch = () => ({ abi: abiOf('BatchInbox'), functionName: 'submitNetworkBlobBatch', args: [] }) as const

/**
 * Lays `data` (one piece of posted data, at most MAX_BLOB_BATCH_BYTES) out in blobs and
 * computes their KZG commitments and sidecar proofs on the KZG worker thread (seconds per
 * blob; see kzg.ts). Throws a plain Error for data that is empty or too large (the
 * batcher sizes what it posts), L1TransactionError if the L1's sidecar version cannot
 * be read.
 */
export async function prepareBlobBatch(signer: L1Signer, data: Uint8Array, options: PostBlobBatchOptions = {}): Promise<PreparedBlobBatch> {
  if (data.length > MAX_BLOB_BATCH_BYTES) {
    throw new Error(`postBlobBatch: ${data.length} bytes is over the ${MAX_BLOB_BATCH_BYTES} one blob transaction carries`)
  }
  const blobs = encodeBlobs(data)
  const version =
    options.sidecarVersion ??
    (await sidecarVersionOf(signer.publicClient).catch((err) => {
      throw new L1TransactionError(`L1 call submitNetworkBlobBatch failed: ${reasonOf(err)}`, { cause: err })
    }))
  const commitments = await blobKzg.commitments(blobs)
  const proofs = await blobKzg.proofs(blobs, commitments, version)
  return { version, blobs, commitments, proofs, blobVersionedHashes: commitments.map(versionedHash) }
}

/** The fees a blob transaction sent now should offer (the blob fee with headroom, see BLOB_FEE_HEADROOM). */
export async function blobTxFees(signer: L1Signer): Promise<BlobTxFees> {
  const [fees, blobBaseFee] = await Promise.all([signer.publicClient.estimateFeesPerGas({ chain: signer.chain }), signer.publicClient.getBlobBaseFee()])
  return { maxFeePerGas: fees.maxFeePerGas, maxPriorityFeePerGas: fees.maxPriorityFeePerGas, maxFeePerBlobGas: blobBaseFee * BLOB_FEE_HEADROOM }
}

/**
 * Gas for sending `prepared` with `fees`; simulates the call, so a revert (NotBatcher)
 * surfaces here, decoded, as L1TransactionError.
 */
export async function estimateBlobBatchGas(signer: L1Signer, inbox: Hex, prepared: PreparedBlobBatch, fees: BlobTxFees): Promise<bigint> {
  try {
    return await signer.publicClient.estimateContractGas({
      ...submitBlobBatch(),
      address: inbox,
      account: signer.account,
      blobVersionedHashes: prepared.blobVersionedHashes,
      ...fees,
      prepare: false,
    } as never)
  } catch (err) {
    throw new L1TransactionError(`L1 call submitNetworkBlobBatch failed: ${reasonOf(err)}`, { cause: err })
  }
}

/**
 * Signs and sends a prepared blob batch as one type-3 transaction calling
 * `BatchInbox.submitNetworkBlobBatch()` with the given nonce, fees and gas (default: the
 * account's pending nonce, current fees, `estimateBlobBatchGas`), without waiting for it.
 * Throws L1TransactionError with the revert reason if the call would revert, or if the
 * L1 refuses the transaction.
 */
export async function sendBlobBatch(
  signer: L1Signer,
  inbox: Hex,
  prepared: PreparedBlobBatch,
  tx: { nonce?: number; fees?: BlobTxFees; gas?: bigint } = {},
): Promise<Hex> {
  const { publicClient, account, chain } = signer
  if (account.type !== 'local') {
    throw new L1TransactionError(`blob batches need a local (private key) account; ${account.address} is a ${account.type} account`, {
      details: 'the node signs blob transactions itself, since it must attach the blobs to the signed transaction',
    })
  }
  const fees = tx.fees ?? (await blobTxFees(signer))
  const gas = tx.gas ?? (await estimateBlobBatchGas(signer, inbox, prepared, fees))
  try {
    const nonce = tx.nonce ?? (await publicClient.getTransactionCount({ address: account.address, blockTag: 'pending' }))
    const signed = await account.signTransaction({
      type: 'eip4844',
      chainId: chain.id,
      nonce,
      to: inbox,
      data: encodeFunctionData(submitBlobBatch()),
      gas,
      ...fees,
      blobVersionedHashes: prepared.blobVersionedHashes,
    })
    return await publicClient.sendRawTransaction({ serializedTransaction: blobTxNetworkForm(signed, prepared) })
  } catch (err) {
    throw new L1TransactionError(`L1 call submitNetworkBlobBatch failed: ${reasonOf(err)}`, { cause: err })
  }
}

/**
 * Posts `data` to L1 in the blobs of one type-3 transaction calling
 * `BatchInbox.submitNetworkBlobBatch()`, and waits for its receipt: `prepareBlobBatch`,
 * then `sendBlobBatch` with fees, nonce and gas read after the KZG work, so they are
 * current when the transaction is signed. Throws as those do, and L1TransactionError if
 * the transaction reverted or was dropped. Like `writeAndWait`, send one at a time per
 * signer so nonces never race (the network batcher sends several at once through its
 * own nonces, see `BatchPoster`).
 */
export async function postBlobBatch(
  signer: L1Signer,
  inbox: Hex,
  data: Uint8Array,
  options: PostBlobBatchOptions = {},
): Promise<TransactionReceipt> {
  const prepared = await prepareBlobBatch(signer, data, options)
  const hash = await sendBlobBatch(signer, inbox, prepared)
  return waitForSuccess(signer.publicClient, hash, 'submitNetworkBlobBatch')
}
