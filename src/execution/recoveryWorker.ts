/**
 * Worker thread: recovers transaction senders (native secp256k1 + hash-wasm keccak).
 * Input: n jobs of 97 bytes (msgHash 32 ‖ r 32 ‖ s 32 ‖ recovery id 1).
 * Output: n × 20 address bytes, and per job 1 (recovered) or 0 (invalid signature).
 */
import { parentPort } from 'node:worker_threads'
import secp256k1 from 'secp256k1'
import { createKeccak } from 'hash-wasm'

const JOB = 97
const keccak = await createKeccak(256)
const port = parentPort!

port.on('message', ({ id, jobs }: { id: number; jobs: Uint8Array }) => {
  const n = jobs.length / JOB
  const addresses = new Uint8Array(n * 20)
  const ok = new Uint8Array(n)
  for (let i = 0; i < n; i++) {
    const job = jobs.subarray(i * JOB, (i + 1) * JOB)
    try {
      const pub = secp256k1.ecdsaRecover(job.subarray(32, 96), job[96]!, job.subarray(0, 32), false)
      keccak.init()
      keccak.update(pub.subarray(1))
      addresses.set(keccak.digest('binary').subarray(12), i * 20)
      ok[i] = 1
    } catch {
      ok[i] = 0
    }
  }
  port.postMessage({ id, addresses, ok }, [addresses.buffer, ok.buffer])
})
port.postMessage({ ready: true })
