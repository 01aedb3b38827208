import assert from 'node:assert/strict'
import { describe, it, test } from 'node:test'
import { pseudoRandom } from '../../test/helpers/random.js'
import { packNetworkBatches, slotFitsLimits, type BatchBlock } from './batch/codec.js'
import { FRAME_HEADER_BYTES, toFrames } from './batch/frames.js'
import { DEFAULT_CALLDATA_BATCH_BYTES, l1BlocksPerSlot, maxBlockDataBytesFor, slotCarriage } from './daCapacity.js'

describe('slot carriage', () => {
  it('a 1 MiB slot on two chains: 10 calldata frames in 3 L1 blocks, 2 blob frames in 2 L1 blocks', () => {
    assert.deepEqual(slotCarriage('calldata', 1 << 20, { chains: 2 }), { channelBytes: 1_114_911, frames: 10, l1Blocks: 3 })
    assert.deepEqual(slotCarriage('blobs', 1 << 20, { chains: 2 }), { channelBytes: 1_114_911, frames: 2, l1Blocks: 2 })
    assert.equal(l1BlocksPerSlot('calldata', 100 * 1024), 1, 'one frame')
    assert.equal(l1BlocksPerSlot('calldata', 128 * 1024), 2, 'two frames may straddle a block boundary')
    assert.equal(l1BlocksPerSlot('calldata', 1 << 20, { chains: 2, maxBatchBytes: 60_000 }), 4, '19 frames')
    assert.throws(() => slotCarriage('calldata', 32 << 20), /may exceed the batch limits/)
  })

  // Invariant: the bound is never below what the batcher really posts for a slot of that
  // many signed bytes, here the worst kind (incompressible, so brotli cannot shrink it).
  it('bounds the frames the batcher really cuts for an incompressible 1 MiB slot', async () => {
    const block = (chainId: number, bytes: number): BatchBlock => ({
      number: 5n,
      hash: new Uint8Array(32).fill(chainId),
      parentHash: new Uint8Array(32),
      timestamp: 1_700_000_000n,
      l1OriginNumber: 3n,
      l1OriginHash: new Uint8Array(32),
      txs: Array.from({ length: bytes / 4096 }, (_, i) => {
        const tx = pseudoRandom(4096, chainId * 1000 + i)
        tx[0] = 0x02
        return tx
      }),
    })
    const slot = [901, 902].map((chainId) => ({ chainId: BigInt(chainId), blocks: [block(chainId, 512 * 1024)] }))
    const [channel, more] = await packNetworkBatches(slot, DEFAULT_CALLDATA_BATCH_BYTES - FRAME_HEADER_BYTES)
    assert.equal(more, undefined, 'one slot, one channel')
    const bound = slotCarriage('calldata', 1 << 20, { chains: 2 })
    assert.ok(channel!.data.length <= bound.channelBytes, `${channel!.data.length} > ${bound.channelBytes}`)
    assert.ok(toFrames(new Uint8Array(16), channel!.data, DEFAULT_CALLDATA_BATCH_BYTES - FRAME_HEADER_BYTES).length <= bound.frames)
  })
})

test('maxBlockDataBytesFor: a slot of full blocks at that limit fits one network batch, 1 KiB more does not', () => {
  for (const chains of [1, 2, 16, 60, 64, 200]) {
    const limit = maxBlockDataBytesFor(chains)
    assert.ok(slotFitsLimits(limit * chains, chains), `${chains} chains at ${limit}`)
    assert.ok(!slotFitsLimits((limit + 1024) * chains, chains), `${chains} chains at ${limit + 1024}`)
  }
  // The default 512 KiB block data limit holds for 60 chains.
  assert.ok(maxBlockDataBytesFor(60) >= 512 * 1024)
})
