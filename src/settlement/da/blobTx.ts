import { RLP } from '@ethereumjs/rlp'
import { BaseError as ViemBaseError, type Hex, type PublicClient } from 'viem'
import { hexToBytes, toData } from '../../primitives/hex.js'
import type { BlobSidecarVersion } from './kzg.js'

const BLOB_TX_TYPE = 0x03

export interface BlobSidecar {
  version: BlobSidecarVersion
  blobs: readonly Uint8Array[]
  commitments: readonly Uint8Array[]
  /** One per blob (version 0) or 128 per blob, blob after blob (version 1). */
  proofs: readonly Uint8Array[]
}

/**
 * The network form of a signed blob transaction, the only form that carries its blobs
 * (blocks hold the transaction alone): 0x03 ‖ rlp([tx, blobs, commitments, proofs]) for
 * version 0 (EIP-4844), 0x03 ‖ rlp([tx, 1, blobs, commitments, cellProofs]) for version 1
 * (EIP-7594), where tx is the list of the signed transaction's fields. Built here because
 * viem only serializes version 0, and only from a synchronous KZG hook.
 */
export function blobTxNetworkForm(signedTx: Hex, sidecar: BlobSidecar): Hex {
  const bytes = hexToBytes(signedTx)
  if (bytes[0] !== BLOB_TX_TYPE) throw new Error(`blobTxNetworkForm: not a blob transaction (type ${bytes[0]})`)
  const tx = RLP.decode(bytes.subarray(1))
  const parts = [tx, [...sidecar.blobs], [...sidecar.commitments], [...sidecar.proofs]]
  if (sidecar.version === 1) parts.splice(1, 0, Uint8Array.of(1))
  const body = RLP.encode(parts)
  const out = new Uint8Array(body.length + 1)
  out[0] = BLOB_TX_TYPE
  out.set(body, 1)
  return toData(out)
}

/** Osaka's secp256r1 precompile (EIP-7951): in an L1's precompile set only from Osaka on. */
const P256VERIFY = '0x0000000000000000000000000000000000000100'

/**
 * The sidecar version the L1 behind `client` takes:
 * - anvil: 0. It verifies and accepts both at every fork (checked with anvil 1.7.1 at
 *   Osaka), and version 0 is about six times cheaper to compute in pure JS.
 * - a node with `eth_config` (EIP-7910): 1 when its current fork has Osaka's P256VERIFY
 *   precompile, else 0.
 * - otherwise 1: every public L1 is past Osaka, and providers often leave `eth_config`
 *   out; a pre-Osaka L1 without it needs the version set explicitly.
 */
export async function sidecarVersionOf(client: PublicClient): Promise<BlobSidecarVersion> {
  const clientVersion = await unlessUnsupported(client.request({ method: 'web3_clientVersion' }))
  if (typeof clientVersion === 'string' && clientVersion.toLowerCase().startsWith('anvil/')) return 0
  const config = (await unlessUnsupported(client.request({ method: 'eth_config' as never }))) as
    | { current?: { precompiles?: Record<string, string> } }
    | undefined
  const precompiles = config?.current?.precompiles
  if (!precompiles) return 1
  return Object.values(precompiles).some((address) => address.toLowerCase() === P256VERIFY) ? 1 : 0
}

const METHOD_NOT_FOUND = -32601
const METHOD_NOT_SUPPORTED = -32004

/** The request's result, or undefined if the node does not offer the method. */
async function unlessUnsupported<T>(request: Promise<T>): Promise<T | undefined> {
  try {
    return await request
  } catch (err) {
    const code = (e: unknown) => (e as { code?: unknown }).code
    if (err instanceof ViemBaseError && err.walk((e) => code(e) === METHOD_NOT_FOUND || code(e) === METHOD_NOT_SUPPORTED)) return undefined
    throw err
  }
}
