import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { parseGwei, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { devAccounts } from '../../src/execution/genesis.js'
import { rpc, sleep, spawnNode, startTestNode, waitFor } from '../helpers/node.js'
import { tempDir } from '../helpers/tmp.js'

type Receipt = { transactionHash: Hex; blockHash: Hex; blockNumber: Hex; status: Hex; gasUsed: Hex; cumulativeGasUsed: Hex }
type Block = { hash: Hex; stateRoot: Hex; number: Hex }

const accounts = devAccounts(10).map((a) => privateKeyToAccount(a.privateKey))
const RECIPIENT = '0x000000000000000000000000000000000000bEEF'

async function signTransfer(index: number, nonce: number, value: bigint): Promise<Hex> {
  return accounts[index]!.signTransaction({
    chainId: 901,
    type: 'eip1559',
    nonce,
    to: RECIPIENT,
    value,
    gas: 21000n,
    maxFeePerGas: parseGwei('50'),
    maxPriorityFeePerGas: parseGwei('1'),
  })
}

describe('durability', () => {
  test('restart: same head, same state root, every receipt still there', async () => {
    const { dir, cleanup } = tempDir()
    try {
      const first = await startTestNode({ datadir: dir, slotTimeMs: 50 })
      const hashes: Hex[] = []
      for (let i = 0; i < 20; i++) hashes.push(await rpc<Hex>(first.url, 'eth_sendRawTransaction', [await signTransfer(i % 10, Math.floor(i / 10), BigInt(i + 1))]))
      const receipts = await waitFor(async () => {
        const rs = await Promise.all(hashes.map((h) => rpc<Receipt | null>(first.url, 'eth_getTransactionReceipt', [h])))
        return rs.every((r) => r !== null) ? (rs as Receipt[]) : undefined
      }, 15_000, 'receipts')
      await first.node.stop()
      const head = first.node.chain.headHeader()

      const second = await startTestNode({ datadir: dir, produceBlocks: false })
      try {
        const latest = await rpc<Block>(second.url, 'eth_getBlockByNumber', ['latest', false])
        assert.equal(BigInt(latest.number), head.number)
        assert.equal(latest.hash, '0x' + Buffer.from(head.hash()).toString('hex'))
        assert.equal(latest.stateRoot, '0x' + Buffer.from(head.stateRoot).toString('hex'))
        for (const r of receipts) {
          const again = await rpc<Receipt>(second.url, 'eth_getTransactionReceipt', [r.transactionHash])
          assert.deepEqual(again, r)
        }
        const balance = await rpc<Hex>(second.url, 'eth_getBalance', [RECIPIENT, 'latest'])
        assert.equal(BigInt(balance), (20n * 21n) / 2n)
      } finally {
        await second.stop()
      }
    } finally {
      cleanup()
    }
  })

  test('kill -9 under a stream of transactions loses no returned receipt, and the chain continues', async () => {
    const { dir, cleanup } = tempDir()
    let node = await spawnNode(['--datadir', dir, '--block-time', '50'])
    try {
      const confirmed = new Map<Hex, Receipt>()
      const nonces = new Array(10).fill(0) as number[]
      let stop = false
      // Ten senders stream transfers; each waits for its receipt before the next one.
      const senders = accounts.map(async (_, i) => {
        while (!stop) {
          let hash: Hex
          try {
            hash = await rpc<Hex>(node.url, 'eth_sendRawTransaction', [await signTransfer(i, nonces[i]!, 1n)])
          } catch {
            return
          }
          for (;;) {
            if (stop) return
            let r: Receipt | null
            try {
              r = await rpc<Receipt | null>(node.url, 'eth_getTransactionReceipt', [hash])
            } catch {
              return
            }
            if (r) {
              confirmed.set(hash, r)
              nonces[i]!++
              break
            }
            await sleep(10)
          }
        }
      })
      await waitFor(async () => confirmed.size >= 60, 30_000, '60 receipts')
      node.proc.kill('SIGKILL')
      stop = true
      await node.exited
      await Promise.all(senders)
      assert.ok(confirmed.size >= 60)

      node = await spawnNode(['--datadir', dir, '--block-time', '50'])
      for (const [hash, r] of confirmed) {
        const again = await rpc<Receipt | null>(node.url, 'eth_getTransactionReceipt', [hash])
        assert.ok(again, `receipt of ${hash} lost after kill -9`)
        assert.equal(again.blockHash, r.blockHash)
        assert.equal(again.blockNumber, r.blockNumber)
        assert.equal(again.status, '0x1')
        const block = await rpc<Block>(node.url, 'eth_getBlockByNumber', [r.blockNumber, false])
        assert.equal(block.hash, r.blockHash, 'canonical block changed after restart')
      }
      // The chain continues: a sender's next nonce is accepted and mined.
      const next = await rpc<Hex>(node.url, 'eth_getTransactionCount', [accounts[0]!.address, 'latest'])
      const hash = await rpc<Hex>(node.url, 'eth_sendRawTransaction', [await signTransfer(0, Number(BigInt(next)), 1n)])
      const r = await waitFor(() => rpc<Receipt | null>(node.url, 'eth_getTransactionReceipt', [hash]), 10_000, 'receipt after restart')
      assert.equal(r.status, '0x1')
    } finally {
      node.proc.kill('SIGKILL')
      await node.exited
      cleanup()
    }
  })

  test('accepted transactions survive a clean restart: pending and queued are pooled again, then mined', { timeout: 120_000 }, async () => {
    const { dir, cleanup } = tempDir()
    try {
      // No block production: everything sent stays in the pool until the restart.
      const first = await startTestNode({ datadir: dir, produceBlocks: false })
      const pending: Hex[] = []
      for (let i = 0; i < 30; i++) pending.push(await rpc<Hex>(first.url, 'eth_sendRawTransaction', [await signTransfer(i % 10, Math.floor(i / 10), 1n)]))
      // A gapped one (nonce 5 after 0..2): queued.
      const queued = await rpc<Hex>(first.url, 'eth_sendRawTransaction', [await signTransfer(0, 5, 1n)])
      const before = await rpc<{ pending: Hex; queued: Hex }>(first.url, 'txpool_status', [])
      await first.node.stop()

      const second = await startTestNode({ datadir: dir })
      try {
        assert.deepEqual(await rpc(second.url, 'txpool_status', []), before)
        for (const hash of [...pending, queued]) assert.ok(await rpc(second.url, 'eth_getTransactionByHash', [hash]), `${hash} lost in the restart`)
        const receipts = await waitFor(async () => {
          const rs = await Promise.all(pending.map((h) => rpc<Receipt | null>(second.url, 'eth_getTransactionReceipt', [h])))
          return rs.every((r) => r !== null) ? rs : undefined
        }, 20_000, 'the journaled transactions mined')
        assert.ok(receipts.every((r) => r!.status === '0x1'))
        // The gapped one waits for nonces 3 and 4, still pooled.
        assert.equal((await rpc<{ blockNumber: Hex | null }>(second.url, 'eth_getTransactionByHash', [queued])).blockNumber, null)
      } finally {
        await second.stop()
      }
    } finally {
      cleanup()
    }
  })

  // Two races: with 12 s slots the kill catches most of the burst in the pool (the replay
  // must bring it back); with 500 ms slots blocks commit while sends are journaled (an
  // entry may outlive its inclusion, never the other way round).
  for (const slotMs of [12_000, 500]) {
    test(`a burst of thousands of sends, then kill -9 (${slotMs} ms slots): every acknowledged transaction is mined after the restart`, { timeout: 240_000 }, async (t) => {
      const { dir, cleanup } = tempDir()
      let node = await spawnNode(['--datadir', dir, '--block-time', String(slotMs)])
      try {
        const PER_SENDER = 300
        const BATCH = 50
        const signed = await Promise.all(
          accounts.map(async (_, i) => Promise.all(Array.from({ length: PER_SENDER }, (_, nonce) => signTransfer(i, nonce, 1n)))),
        )
        const acknowledged: Hex[] = []
        let killed = false
        // Each sender posts its nonces in JSON-RPC batches, one batch after the other: an
        // acknowledged batch is a contiguous run of nonces from 0.
        const senders = signed.map(async (raws) => {
          for (let from = 0; from < raws.length && !killed; from += BATCH) {
            const body = raws.slice(from, from + BATCH).map((raw, k) => ({ jsonrpc: '2.0', id: from + k, method: 'eth_sendRawTransaction', params: [raw] }))
            let replies: { result?: Hex; error?: unknown }[]
            try {
              const res = await fetch(node.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })
              replies = (await res.json()) as { result?: Hex; error?: unknown }[]
            } catch {
              return // the process is gone
            }
            for (const r of replies) {
              assert.ok(r.result, `a send was refused: ${JSON.stringify(r.error)}`)
              acknowledged.push(r.result)
            }
          }
        })
        await waitFor(async () => acknowledged.length >= 1_500, 60_000, '1,500 acknowledged sends')
        node.proc.kill('SIGKILL')
        killed = true
        await node.exited
        await Promise.all(senders)

        node = await spawnNode(['--datadir', dir, '--block-time', '100', '--log-level', 'info'])
        // Invariant: nothing acknowledged is lost — each is mined or still pooled right after
        // the restart, and (the runs being contiguous) all of them get mined.
        const known = await Promise.all(
          chunks(acknowledged, 200).map((part) => rpcBatch<{ hash: Hex } | null>(node.url, part.map((h) => ['eth_getTransactionByHash', [h]]))),
        )
        const missing = acknowledged.filter((_, i) => known.flat()[i] === null)
        assert.deepEqual(missing, [], `${missing.length} of ${acknowledged.length} acknowledged transactions lost`)
        // The replay is logged (when the journal held anything) before the node logs that it started.
        await waitFor(async () => node.output().includes('node started'), 10_000, 'the start-up log')
        const replay = /"restored":(\d+),"included":(\d+)/.exec(node.output()) ?? ['', '0', '0']
        t.diagnostic(`acknowledged ${acknowledged.length} sends; ${replay[1]} pooled again from the journal, ${replay[2]} entries already included`)
        // With long slots the kill must have caught part of the burst in the pool, or this proves little.
        if (slotMs > 1_000) assert.ok(Number(replay[1]) > 0)
        await waitFor(async () => (await rpcBatchCount(node.url, acknowledged)) === acknowledged.length, 60_000, 'every acknowledged transaction mined')
      } finally {
        node.proc.kill('SIGKILL')
        await node.exited
        cleanup()
      }
    })
  }

  test('SIGTERM shuts down cleanly (exit 0) and Ctrl-C on --ephemeral removes its datadir', async () => {
    const { dir, cleanup } = tempDir()
    try {
      const node = await spawnNode(['--datadir', dir])
      node.proc.kill('SIGTERM')
      assert.equal(await node.exited, 0)

      const eph = await spawnNode(['--ephemeral'])
      const banner = await waitFor(async () => /Data\s+(\S+) \(ephemeral\)/.exec(eph.output()), 5000, 'banner')
      const { existsSync } = await import('node:fs')
      assert.ok(existsSync(banner[1]!))
      eph.proc.kill('SIGINT')
      assert.equal(await eph.exited, 0)
      assert.equal(existsSync(banner[1]!), false)
    } finally {
      cleanup()
    }
  })
})

function chunks<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = []
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size))
  return out
}

/** One JSON-RPC batch; each result, or null for an error. */
async function rpcBatch<T>(url: string, calls: [string, unknown[]][]): Promise<(T | null)[]> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(calls.map(([method, params], id) => ({ jsonrpc: '2.0', id, method, params }))),
  })
  const replies = (await res.json()) as { id: number; result?: T }[]
  return replies.sort((a, b) => a.id - b.id).map((r) => r.result ?? null)
}

/** How many of `hashes` have a receipt. */
async function rpcBatchCount(url: string, hashes: readonly Hex[]): Promise<number> {
  let n = 0
  for (const part of chunks(hashes, 200)) {
    const receipts = await rpcBatch<Receipt | null>(url, part.map((h) => ['eth_getTransactionReceipt', [h]]))
    n += receipts.filter((r) => r !== null).length
  }
  return n
}
