import { availableParallelism } from 'node:os'
import { Worker } from 'node:worker_threads'
import type { Lifecycle } from '../primitives/lifecycle.js'

const JOB = 97

interface Pending {
  resolve: (address: Uint8Array | undefined) => void
  reject: (err: Error) => void
}

/**
 * Recovers transaction senders on worker threads, off the thread that executes blocks.
 * Jobs queued in one event-loop turn travel to a worker as one message (a JSON-RPC
 * batch of raw transactions costs one round trip), round-robin over the workers.
 */
export class SenderRecovery implements Lifecycle {
  private workers: Worker[] = []
  private next = 0
  private queue: { job: Uint8Array; pending: Pending }[] = []
  private flushScheduled = false
  private inFlight = new Map<number, Pending[]>()
  private owner = new Map<number, Worker>()
  private nextId = 1

  constructor(readonly threads = Math.max(1, Math.min(4, availableParallelism() - 1))) {}

  async start(): Promise<void> {
    const url = new URL('./recoveryWorker.js', import.meta.url)
    this.workers = await Promise.all(
      Array.from({ length: this.threads }, async () => {
        const worker = new Worker(url)
        await new Promise<void>((resolve, reject) => {
          worker.once('error', reject)
          worker.once('message', () => resolve())
        })
        worker.on('message', (msg: { id: number; addresses: Uint8Array; ok: Uint8Array }) => this.settle(msg))
        worker.on('error', (err) => this.failAll(err))
        worker.unref()
        return worker
      }),
    )
  }

  async stop(): Promise<void> {
    const workers = this.workers
    this.workers = []
    this.failAll(new Error('sender recovery stopped'))
    await Promise.all(workers.map((w) => w.terminate()))
  }

  /** The 20-byte sender, or undefined when the signature does not recover. */
  recover(msgHash: Uint8Array, r: bigint, s: bigint, recoveryId: number): Promise<Uint8Array | undefined> {
    if (this.workers.length === 0) return Promise.reject(new Error('sender recovery not started'))
    const job = new Uint8Array(JOB)
    job.set(msgHash, 0)
    writeWord(job, 32, r)
    writeWord(job, 64, s)
    job[96] = recoveryId
    return new Promise((resolve, reject) => {
      this.queue.push({ job, pending: { resolve, reject } })
      if (!this.flushScheduled) {
        this.flushScheduled = true
        setImmediate(() => this.flush())
      }
    })
  }

  private flush(): void {
    this.flushScheduled = false
    const batch = this.queue
    this.queue = []
    if (batch.length === 0) return
    const worker = this.workers[this.next++ % this.workers.length]
    if (!worker) {
      for (const { pending } of batch) pending.reject(new Error('sender recovery stopped'))
      return
    }
    const jobs = new Uint8Array(batch.length * JOB)
    batch.forEach(({ job }, i) => jobs.set(job, i * JOB))
    const id = this.nextId++
    this.inFlight.set(
      id,
      batch.map((b) => b.pending),
    )
    worker.postMessage({ id, jobs }, [jobs.buffer])
    // Idle workers do not keep the process alive; one with work in flight must.
    worker.ref()
    this.owner.set(id, worker)
  }

  private settle({ id, addresses, ok }: { id: number; addresses: Uint8Array; ok: Uint8Array }): void {
    const pending = this.inFlight.get(id)
    if (!pending) return
    this.inFlight.delete(id)
    const worker = this.owner.get(id)
    this.owner.delete(id)
    if (worker && ![...this.owner.values()].includes(worker)) worker.unref()
    pending.forEach((p, i) => p.resolve(ok[i] ? addresses.slice(i * 20, (i + 1) * 20) : undefined))
  }

  private failAll(err: Error): void {
    for (const pending of this.inFlight.values()) for (const p of pending) p.reject(err)
    this.inFlight.clear()
    for (const worker of this.owner.values()) worker.unref()
    this.owner.clear()
    for (const { pending } of this.queue) pending.reject(err)
    this.queue = []
  }
}

function writeWord(out: Uint8Array, offset: number, value: bigint): void {
  for (let i = 31; i >= 0; i--) {
    out[offset + i] = Number(value & 0xffn)
    value >>= 8n
  }
}
