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
