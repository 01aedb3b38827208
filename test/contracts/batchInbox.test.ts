import { after, before, describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { encodeFunctionData, keccak256, sha256, type Address, type Hex, type Kzg } from 'viem'
import { abis, deploySettlement, eventsOf, registerChain, startL1, type L1 } from './setup.js'

const A = 901n

/**
 * KZG for all-zero blobs only: the zero polynomial's commitment and proof are the point at
 * infinity, so no trusted setup (or slow pairing code) is needed to build a valid blob tx.
 */
const INFINITY = new Uint8Array(48)
INFINITY[0] = 0xc0
const zeroBlobKzg: Kzg = {
  blobToKzgCommitment: (blob) => {
    assert.ok(blob.every((b) => b === 0), 'zeroBlobKzg only handles zero blobs')
    return INFINITY
  },
  computeBlobKzgProof: () => INFINITY,
}

describe('BatchInbox', () => {
  let l1: L1
  let inbox: Address
  let registry: Address
  const batcher = () => l1.accounts[2]!

  before(async () => {
    l1 = await startL1()
    ;({ inbox, registry } = await deploySettlement(l1))
    await registerChain(l1, registry, A, 600n)
  })
  after(async () => l1?.stop())

  test('no one posts before the owner sets the network batcher', async () => {
    await l1.expectRevert({ address: inbox, abi: abis.inbox, functionName: 'submitNetworkBatch', args: ['0x01'], from: batcher() }, 'NotBatcher')
    await l1.send({ address: registry, abi: abis.registry, functionName: 'setNetworkBatcher', args: [batcher().address] })
  })

  test('only the network batcher submits; the event hash is keccak256 of the calldata', async (t) => {
    const data: Hex = `0x${Buffer.from(Array.from({ length: 10_240 }, (_, i) => (i * 7) & 0xff)).toString('hex')}`
    const receipt = await l1.send({ address: inbox, abi: abis.inbox, functionName: 'submitNetworkBatch', args: [data], from: batcher() })
    t.diagnostic(`submitNetworkBatch (10 KiB) gas: ${receipt.gasUsed}`)
    assert.deepEqual(eventsOf(receipt, abis.inbox, 'NetworkBatchSubmitted')[0]!.args, { batchIndex: 0n, dataHash: keccak256(data) })
    // The data is in the transaction input, where nodes read it.
    const tx = await l1.pub.getTransaction({ hash: receipt.transactionHash })
    assert.equal(tx.input, encodeFunctionData({ abi: abis.inbox, functionName: 'submitNetworkBatch', args: [data] }))

    const second = await l1.send({ address: inbox, abi: abis.inbox, functionName: 'submitNetworkBatch', args: ['0x01'], from: batcher() })
    assert.equal(eventsOf(second, abis.inbox, 'NetworkBatchSubmitted')[0]!.args.batchIndex, 1n)
    assert.equal(await l1.read(inbox, abis.inbox, 'batchCount'), 2n)

    const call = (args: readonly unknown[], from = batcher()) => ({ address: inbox, abi: abis.inbox, functionName: 'submitNetworkBatch', args, from })
    await l1.expectRevert(call(['0x01'], l1.accounts[0]!), 'NotBatcher')
    await l1.expectRevert(call(['0x']), 'EmptyBatch')
    // A chain's batcher of record is not the network batcher: it cannot post.
    await l1.send({ address: registry, abi: abis.registry, functionName: 'setNetworkBatcher', args: [l1.accounts[1]!.address] })
    await l1.expectRevert(call(['0x01']), 'NotBatcher')
    await l1.send({ address: registry, abi: abis.registry, functionName: 'setNetworkBatcher', args: [batcher().address] })
  })

  test('a rotated network batcher takes over; the old one is refused', async () => {
    const next = l1.accounts[4]!
    await l1.send({ address: registry, abi: abis.registry, functionName: 'setNetworkBatcher', args: [next.address] })
    await l1.send({ address: inbox, abi: abis.inbox, functionName: 'submitNetworkBatch', args: ['0x02'], from: next })
    await l1.expectRevert({ address: inbox, abi: abis.inbox, functionName: 'submitNetworkBatch', args: ['0x02'], from: batcher() }, 'NotBatcher')
    await l1.send({ address: registry, abi: abis.registry, functionName: 'setNetworkBatcher', args: [batcher().address] })
  })

  // The network batcher posts a channel's frames several at once (consecutive nonces);
  // derivation orders them by (L1 block, log index), so the inbox must index them in nonce order.
  test('frames sent back to back land in one block, indexed in nonce order, each with its own data hash', async () => {
    const frames: Hex[] = [0, 1, 2].map((i) => `0x03${'ab'.repeat(16)}000${i}${i === 2 ? '01' : '00'}00000004${'cd'.repeat(4)}` as Hex)
    const first = (await l1.read(inbox, abis.inbox, 'batchCount')) as bigint
    const nonce = await l1.pub.getTransactionCount({ address: batcher().address, blockTag: 'pending' })
    await l1.testClient.setAutomine(false)
    let hashes: Hex[]
    try {
      hashes = await Promise.all(
        frames.map((data, i) =>
          l1.wallet.writeContract({ address: inbox, abi: abis.inbox, functionName: 'submitNetworkBatch', args: [data], account: batcher(), chain: l1.chain, nonce: nonce + i, gas: 200_000n }),
        ),
      )
      await l1.testClient.mine({ blocks: 1 })
    } finally {
      await l1.testClient.setAutomine(true)
    }
    const receipts = await Promise.all(hashes.map((hash) => l1.pub.waitForTransactionReceipt({ hash })))
    assert.equal(new Set(receipts.map((r) => r.blockNumber)).size, 1, 'one L1 block')
    const events = receipts.map((r) => eventsOf(r, abis.inbox, 'NetworkBatchSubmitted')[0]!)
    assert.deepEqual(events.map((e) => e.args), frames.map((data, i) => ({ batchIndex: first + BigInt(i), dataHash: keccak256(data) })))
    const positions = receipts.map((r) => r.transactionIndex)
    assert.deepEqual(positions, [...positions].sort((a, b) => a - b), 'block order is nonce order')
  })

  test('a blob batch emits the versioned hashes of the transaction blobs', async (t) => {
    await l1.expectRevert({ address: inbox, abi: abis.inbox, functionName: 'submitNetworkBlobBatch', args: [], from: batcher() }, 'NoBlobs')

    const blobs: Hex[] = [`0x${'00'.repeat(131_072)}`] // one all-zero blob
    const hash = await l1.wallet.writeContract({
      address: inbox,
      abi: abis.inbox,
      functionName: 'submitNetworkBlobBatch',
      args: [],
      account: batcher(),
      chain: l1.chain,
      blobs,
      kzg: zeroBlobKzg,
      maxFeePerBlobGas: 10n ** 10n,
    })
    const receipt = await l1.pub.waitForTransactionReceipt({ hash })
    assert.equal(receipt.status, 'success')
    t.diagnostic(`submitNetworkBlobBatch (1 blob) gas: ${receipt.gasUsed}`)
    const versioned = `0x01${sha256(INFINITY).slice(4)}`
    assert.deepEqual(eventsOf(receipt, abis.inbox, 'NetworkBlobBatchSubmitted')[0]!.args, {
      batchIndex: 6n,
      blobHashes: [versioned],
    })
  })
})
