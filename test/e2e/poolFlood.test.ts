/**
 * A flood of 128 KiB transactions over JSON-RPC: the pool's byte limit (32 KiB slots)
 * holds, every refusal is geth's error with geth's code, and the node keeps serving.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { parseGwei, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { devAccounts } from '../../src/execution/genesis.js'
import { TX_SLOT_BYTES } from '../../src/sequencer/txpool/index.js'
import { rpc, startTestNode } from '../helpers/node.js'

const accounts = devAccounts(10).map((a) => privateKeyToAccount(a.privateKey))
const DATA_BYTES = 128 * 1024 - 200 // a 4-slot transaction, just under geth's 128 KiB cap

function signBig(sender: number, nonce: number, tipGwei: number): Promise<Hex> {
  return accounts[sender]!.signTransaction({
    chainId: 901,
    type: 'eip1559',
    nonce,
    to: '0x000000000000000000000000000000000000f100',
    data: `0x${'00'.repeat(DATA_BYTES)}`,
    gas: 21_000n + 10n * BigInt(DATA_BYTES), // EIP-7623 floor for zero bytes
    maxFeePerGas: parseGwei('100'),
    maxPriorityFeePerGas: parseGwei(String(tipGwei)),
  })
}

describe('txpool flood', () => {
  it('128 KiB transactions from every sender at once: the pool never holds more than its slots, refusals are geth errors', { timeout: 180_000 }, async (t) => {
    const limits = { maxPending: 48, maxQueued: 16 }
    const capacity = limits.maxPending + limits.maxQueued
    const node = await startTestNode({ produceBlocks: false, txpool: limits })
    try {
      // 10 senders × 8 nonces × 128 KiB = 10 MiB offered to a pool of 64 slots (2 MiB).
      const raws = await Promise.all(
        accounts.flatMap((_, sender) => Array.from({ length: 8 }, (_, nonce) => signBig(sender, nonce, 1 + ((sender * 7 + nonce * 3) % 40)))),
      )
      const replies = await Promise.all(
        raws.map(async (raw) => {
          const res = await fetch(node.url, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'eth_sendRawTransaction', params: [raw] }),
          })
          return (await res.json()) as { result?: Hex; error?: { code: number; message: string } }
        }),
      )
      const refusals = new Map<string, number>()
      for (const r of replies) {
        if (r.result) continue
        assert.equal(r.error!.code, -32000, JSON.stringify(r.error))
        refusals.set(r.error!.message, (refusals.get(r.error!.message) ?? 0) + 1)
      }
      t.diagnostic(`accepted ${replies.filter((r) => r.result).length} of ${raws.length}; refused: ${JSON.stringify(Object.fromEntries(refusals))}`)
      assert.deepEqual(
        [...refusals.keys()].filter((m) => !['transaction underpriced', 'txpool is full', 'future transaction tries to replace pending'].includes(m)),
        [],
      )
      // Invariant: the byte limit holds whatever the interleaving.
      const pool = node.node.pool
      assert.ok(pool.slots <= capacity, `${pool.slots} slots`)
      assert.ok(pool.bytes <= capacity * TX_SLOT_BYTES, `${pool.bytes} bytes`)
      const status = await rpc<{ pending: Hex; queued: Hex }>(node.url, 'txpool_status', [])
      const held = Number(BigInt(status.pending)) + Number(BigInt(status.queued))
      assert.ok(held <= capacity / 4 && held > 0, `${held} txs held`)
      // Full of richer txs: a cheap small one is refused as underpriced, clearly.
      const cheap = await accounts[0]!.signTransaction({ chainId: 901, type: 'eip1559', nonce: 8, to: accounts[1]!.address, value: 1n, gas: 21_000n, maxFeePerGas: parseGwei('100'), maxPriorityFeePerGas: 1n })
      await assert.rejects(rpc(node.url, 'eth_sendRawTransaction', [cheap]), (err: Error & { code?: number }) => {
        assert.equal(err.code, -32000)
        assert.equal(err.message, 'transaction underpriced')
        return true
      })
    } finally {
      await node.stop()
    }
  })
})
