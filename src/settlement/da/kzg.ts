import { createHash } from 'node:crypto'
import { Worker } from 'node:worker_threads'
import type { Hex } from 'viem'
import { BaseError } from '../../primitives/errors.js'
import type { KzgJob, KzgReply, KzgRequest } from './kzgWorker.js'

/**
 * Proof format of a blob transaction's sidecar: 0 is EIP-4844's one proof per blob, what
 * L1s before Osaka take; 1 is EIP-7594's 128 cell proofs per blob, what Osaka L1s'
 * transaction pools take (geth dropped version 0 from its pool after the fork).
 */
export type BlobSidecarVersion = 0 | 1

/** KZG for blob transactions, computed off the calling thread. */
export interface BlobKzg {
  /** The 48-byte KZG commitment of each blob. */
  commitments(blobs: readonly Uint8Array[]): Promise<Uint8Array[]>
  /** The sidecar proofs of `version` for blobs with these commitments, in wire order. */
  proofs(blobs: readonly Uint8Array[], commitments: readonly Uint8Array[], version: BlobSidecarVersion): Promise<Uint8Array[]>
}

/** The KZG library refused an input: a blob with a field element at or above the modulus. */
export class KzgInputError extends BaseError {
  override name = 'KzgInputError'
}

const VERSIONED_HASH_VERSION_KZG = 0x01

/** EIP-4844 versioned hash of a commitment: sha256 with its first byte replaced by 0x01. */
export function versionedHash(commitment: Uint8Array): Hex {
  const hash = createHash('sha256').update(commitment).digest()
  hash[0] = VERSIONED_HASH_VERSION_KZG
  return `0x${hash.toString('hex')}`
}

interface Pending {
  resolve: (result: Uint8Array[]) => void
  reject: (err: Error) => void
}

/**
 * One worker thread, started on first use and restarted if it dies. It keeps the process
 * alive only while it has work: an idle batcher or replica needs no stop() to exit.
 */
class KzgWorker implements BlobKzg {
  private worker: Promise<Worker> | undefined
  /** The worker `worker` resolves to, known as soon as it is spawned. */
  private live: Worker | undefined
  private readonly pending = new Map<number, Pending>()
  private nextId = 1

  commitments(blobs: readonly Uint8Array[]): Promise<Uint8Array[]> {
    return this.request({ op: 'commitments', blobs: [...blobs] })
  }

  proofs(blobs: readonly Uint8Array[], commitments: readonly Uint8Array[], version: BlobSidecarVersion): Promise<Uint8Array[]> {
    if (blobs.length !== commitments.length) return Promise.reject(new Error('KZG proofs: one commitment per blob'))
    return this.request({ op: 'proofs', blobs: [...blobs], commitments: [...commitments], version })
  }

  private async request(job: KzgJob): Promise<Uint8Array[]> {
    const worker = await (this.worker ??= this.spawn())
    const id = this.nextId++
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
      if (this.pending.size === 1) worker.ref()
      const message: KzgRequest = { ...job, id }
      worker.postMessage(message)
    })
  }

  private spawn(): Promise<Worker> {
    const worker = (this.live = new Worker(new URL('./kzgWorker.js', import.meta.url)))
    // Referenced while it starts (a caller awaits it); request() refs it again per job.
    const ready = new Promise<Worker>((resolve, reject) => {
      worker.once('message', () => {
        if (this.pending.size === 0) worker.unref()
        resolve(worker)
      })
      worker.once('error', reject)
    })
    worker.on('message', (reply: KzgReply | { ready: true }) => {
      if ('id' in reply) this.settle(reply, worker)
    })
    worker.on('error', (err) => this.fail(worker, err))
    worker.on('exit', (code) => this.fail(worker, new Error(`the KZG worker exited with code ${code}`)))
    return ready.catch((err: Error) => {
      this.fail(worker, err)
      throw new Error(`the KZG worker did not start: ${err.message}`, { cause: err })
    })
  }

  private settle(reply: KzgReply, worker: Worker): void {
    const p = this.pending.get(reply.id)
    if (!p) return
    this.pending.delete(reply.id)
    if (this.pending.size === 0) worker.unref()
    if ('error' in reply) p.reject(new KzgInputError(`KZG: ${reply.error}`))
    else p.resolve(reply.result)
  }

  /** The worker died: fail its jobs; the next request starts a new one. */
  private fail(worker: Worker, err: Error): void {
    if (worker !== this.live) return
    this.live = undefined
    this.worker = undefined
    for (const p of this.pending.values()) p.reject(err)
    this.pending.clear()
  }
}

/** The process's KZG worker. */
export const blobKzg: BlobKzg = new KzgWorker()
