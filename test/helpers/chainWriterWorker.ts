// A chain's writer on a worker thread (what an executor thread does to its store), or in
// a child process (`fork`, the job as JSON in its first argument):
// opens the chain in `dir`, then commits blocks with transactions as fast as it can,
// telling the parent after every commit and rewind. The parent reads the same store.
import { parentPort, workerData } from 'node:worker_threads'
import { once, type EventEmitter } from 'node:events'
import { initCrypto } from '../../src/primitives/crypto.js'
import { silentLogger } from '../../src/primitives/logger.js'
import { toData, type Hex } from '../../src/primitives/hex.js'
import { Chain } from '../../src/execution/chain.js'
import { devAccounts, type GethGenesis } from '../../src/execution/genesis.js'
import { ChainStore } from '../../src/storage/chainStore.js'
import { openDatabase } from '../../src/storage/database.js'
import { signedTx, txSource } from './memoryChains.js'

export interface ChainWriterJob {
  dir: string
  genesis: GethGenesis
  /** Commit until the head is this block; 0: until the worker is terminated. */
  blocks: number
  txsPerBlock: number
  /** A contract in the genesis whose every call logs: half the transactions call it. */
  emitter: Hex
  /** After committing block `at` (and the parent's go-ahead), rewind `depth` blocks. */
  rewind?: { at: number; depth: number }
  /** Int32 slot 0 counts commits (Atomics.notify on each): a parent can wait for one without an event turn. */
  signal?: SharedArrayBuffer
}

export type ChainWriterEvent =
  | { kind: 'open' }
  | { kind: 'commit'; number: string; hash: Hex }
  | { kind: 'paused' }
  | { kind: 'rewind'; number: string }
  | { kind: 'done'; head: Hex; commits: number }

const job = (parentPort ? workerData : JSON.parse(process.argv[2]!)) as ChainWriterJob
const post = (event: ChainWriterEvent) => (parentPort ? parentPort.postMessage(event) : process.send!(event))

await initCrypto()
const store = new ChainStore(openDatabase(job.dir))
const chain = await Chain.open(store, job.genesis, silentLogger())
post({ kind: 'open' })

const senders = devAccounts(4).map((a, i) => ({ index: i, address: a.address }))
let commits = 0
let rewound = false
while (job.blocks === 0 || chain.headHeader().number < BigInt(job.blocks)) {
  const txs = []
  for (const sender of senders) {
    let nonce = Number((await chain.headAccount(Buffer.from(sender.address.slice(2), 'hex')))?.nonce ?? 0n)
    for (let k = 0; k < Math.ceil(job.txsPerBlock / senders.length); k++) {
      // Half transfers, half calls of the emitter (logs for the log index).
      const fields = k % 2 === 0 ? { to: senders[(sender.index + 1) % senders.length]!.address, value: 1n } : { to: job.emitter, gasLimit: 50_000n }
      txs.push(signedTx(chain, nonce++, { ...fields, from: sender.index }))
    }
  }
  // Timestamps grow with every commit, so a block built again after a rewind differs.
  const built = await chain.buildBlock({ timestamp: BigInt(++commits), coinbase: new Uint8Array(20), txs: txSource(txs) })
  post({ kind: 'commit', number: built.block.header.number.toString(), hash: toData(built.block.hash()) })
  if (job.signal) {
    const commits = new Int32Array(job.signal)
    Atomics.add(commits, 0, 1)
    Atomics.notify(commits, 0)
  }
  if (job.rewind && !rewound && built.block.header.number === BigInt(job.rewind.at)) {
    rewound = true
    post({ kind: 'paused' })
    await once((parentPort ?? process) as EventEmitter, 'message')
    await chain.rewindTo(built.block.header.number - BigInt(job.rewind.depth))
    post({ kind: 'rewind', number: chain.headHeader().number.toString() })
  }
}
post({ kind: 'done', head: toData(chain.headHeader().hash()), commits })
await store.close()
if (!parentPort) process.disconnect()
