import { createKeccak, createSHA256 } from 'hash-wasm'
import secp256k1 from 'secp256k1'
import type { CustomCrypto } from '@ethereumjs/common'

/**
 * Hashing and signature recovery for the hot path. Keccak runs through hash-wasm
 * (~6x faster than the pure-JS default for 32-byte inputs) and recovery through the
 * native libsecp256k1 binding (~24x faster than pure JS). Both are synchronous after
 * `initCrypto()` has resolved once per process (the WASM module compiles async).
 */
type Hasher = Awaited<ReturnType<typeof createKeccak>>

let keccakHasher: Hasher | undefined
let sha256Hasher: Awaited<ReturnType<typeof createSHA256>> | undefined

export async function initCrypto(): Promise<void> {
  keccakHasher ??= await createKeccak(256)
  sha256Hasher ??= await createSHA256()
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
  if (chainId === undefined) return Number(v - 27n)
  return Number(v - (chainId * 2n + 35n))
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
  return { keccak256, ecrecover, sha256 }
}
