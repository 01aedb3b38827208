// Blob data availability against a real anvil (Osaka): post network batches in blobs through the
// BatchInbox, find them by their events, read them back through anvil's blobs endpoint and
// through a beacon API, and refuse blobs that do not match L1's versioned hashes.
import assert from 'node:assert/strict'
import { createServer, type Server } from 'node:http'
import { after, before, describe, it } from 'node:test'
import { createPublicClient, createWalletClient, defineChain, http, type Hex, type PublicClient } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { silentLogger } from '../../src/primitives/logger.js'
import { hexToBytes, toData } from '../../src/primitives/hex.js'
import {
  BLOB_PAYLOAD_BYTES,
  BlobDataError,
  MAX_BLOB_BATCH_BYTES,
  anvilBlobSource,
  beaconBlobSource,
  blobBatchesIn,
  encodeBlobs,
  fetchBlobBatch,
  postBlobBatch,
  type BlobBatchRef,
  type BlobDataReason,
  type BlobSource,
} from '../../src/settlement/da/index.js'
import { blobKzg, versionedHash } from '../../src/settlement/da/kzg.js'
import { abiOf } from '../../src/settlement/l1/abis.js'
import { ensureL1Contracts, registerChain } from '../../src/settlement/l1/deploy.js'
import { ensureNetworkBatcher } from '../../src/settlement/l1/networkBatcherRole.js'
import { L1TransactionError, writeAndWait, type L1Signer } from '../../src/settlement/l1/l1Transactions.js'
import { startAnvil, type Anvil } from '../helpers/anvil.js'
import { rpc } from '../helpers/node.js'
import { pseudoRandom } from '../helpers/random.js'
import { tempDir } from '../helpers/tmp.js'
import { KEYS } from '../contracts/setup.js'

const CHAIN_ID = 901n
const BLOB_GAS_PER_BLOB = 131_072n

async function expectBlobError(promise: Promise<unknown>, reason: BlobDataReason, pattern: RegExp): Promise<void> {
  await assert.rejects(promise, (e: unknown) => {
    assert.ok(e instanceof BlobDataError, `expected BlobDataError, got ${(e as Error)?.name}: ${(e as Error)?.message}`)
    assert.equal(e.reason, reason, e.message)
    assert.match(e.message, pattern)
    return true
  })
}

describe('blob batches on L1', () => {
  let anvil: Anvil
  let pub: PublicClient
  let deployer: L1Signer
  let batcher: L1Signer
  let inbox: Hex
  let source: BlobSource
  let datadir: ReturnType<typeof tempDir>
  /** The one-blob batch of the second test, reused by the read-side tests. */
  let small: { data: Uint8Array; ref: BlobBatchRef }

  before(async () => {
    anvil = await startAnvil(['--hardfork', 'osaka'])
    // anvil checks every blob's KZG proof: on a loaded machine a blob transaction can take
    // longer than viem's default 10 s to answer.
    pub = createPublicClient({ transport: http(anvil.url, { timeout: 60_000 }), pollingInterval: 50 }) as PublicClient
    const chain = defineChain({
      id: await pub.getChainId(),
      name: 'L1',
      nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
      rpcUrls: { default: { http: [anvil.url] } },
    })
    const signer = (key: Hex): L1Signer => {
      const account = privateKeyToAccount(key)
      return { account, chain, publicClient: pub, wallet: createWalletClient({ account, chain, transport: http(anvil.url, { timeout: 60_000 }) }) }
    }
    deployer = signer(KEYS[0])
    batcher = signer(KEYS[1])
    datadir = tempDir()
    const deployment = await ensureL1Contracts(deployer, datadir.dir, deployer.account.address, silentLogger())
    inbox = deployment.contracts.BatchInbox
    await registerChain(deployer, deployment.contracts.ChainRegistry, {
      chainId: CHAIN_ID,
      genesisHash: `0x${'11'.repeat(32)}`,
      batcher: batcher.account.address,
      proposer: deployer.account.address,
      challengeWindow: 600n,
      config: '0x',
    })
    await ensureNetworkBatcher(deployer, deployment.contracts.ChainRegistry, batcher.account.address)
    source = anvilBlobSource(anvil.url)
  })
  after(async () => {
    await anvil?.stop()
    datadir?.cleanup()
  })

  /** Posts `data` as the batcher and returns the event's batch, checked against the tx. */
  async function post(data: Uint8Array, blobs: number, sidecarVersion?: 0 | 1): Promise<BlobBatchRef> {
    const receipt = await postBlobBatch(batcher, inbox, data, { sidecarVersion })
    assert.equal(receipt.status, 'success')
    assert.equal(receipt.type, 'eip4844')
    assert.equal(receipt.blobGasUsed, BigInt(blobs) * BLOB_GAS_PER_BLOB)
    const batches = blobBatchesIn(receipt.logs, inbox)
    assert.equal(batches.length, 1)
    const ref = batches[0]!
    const tx = await pub.getTransaction({ hash: receipt.transactionHash })
    assert.deepEqual(ref.blobHashes, tx.blobVersionedHashes, 'the event lists the transaction’s versioned hashes')
    assert.equal(ref.blobHashes.length, blobs)
    assert.deepEqual([ref.block.number, ref.block.hash, ref.txHash], [receipt.blockNumber, receipt.blockHash, receipt.transactionHash])
    return ref
  }

  it('a 200 KB batch takes two blobs and reads back byte for byte', async () => {
    const data = pseudoRandom(200_000, 1)
    const ref = await post(data, 2)
    assert.equal(ref.batchIndex, 0n)
    assert.deepEqual(await fetchBlobBatch(source, ref), data)
  })

  it('a small batch takes one blob', async () => {
    const data = pseudoRandom(1_000, 2)
    const ref = await post(data, 1)
    assert.equal(ref.batchIndex, 1n)
    assert.deepEqual(await fetchBlobBatch(source, ref), data)
    small = { data, ref }
  })

  it('an Osaka L1 takes the EIP-7594 sidecar (cell proofs) as well', async () => {
    const data = pseudoRandom(BLOB_PAYLOAD_BYTES, 3)
    const ref = await post(data, 1, 1)
    assert.deepEqual(await fetchBlobBatch(source, ref), data)
  })

  it('only the network batcher posts; the error carries the revert reason', async () => {
    await assert.rejects(postBlobBatch(deployer, inbox, Uint8Array.of(1)), (e: unknown) => {
      assert.ok(e instanceof L1TransactionError)
      assert.match(e.shortMessage, new RegExp(`NotBatcher\\(${deployer.account.address}\\)`))
      return true
    })
  })

  it('a batch over what one transaction carries is refused before anything is sent', async () => {
    const nonce = await pub.getTransactionCount({ address: batcher.account.address })
    await assert.rejects(postBlobBatch(batcher, inbox, new Uint8Array(MAX_BLOB_BATCH_BYTES + 1)), /780265 bytes is over the 780264/)
    assert.equal(await pub.getTransactionCount({ address: batcher.account.address }), nonce)
  })

  it('a blob that does not match its versioned hash is refused as a mismatch', async () => {
    const tampered = (edit: (blob: Uint8Array) => void): BlobSource => ({
      async blobs(block, hashes) {
        return (await source.blobs(block, hashes)).map((blob) => {
          const copy = blob.slice()
          edit(copy)
          return copy
        })
      },
    })
    await expectBlobError(
      fetchBlobBatch(tampered((b) => (b[1000] ^= 1)), small.ref),
      'mismatch',
      new RegExp(`did not serve blob 0 of 1 \\(versioned hash ${small.ref.blobHashes[0]}\\)`),
    )
    // A field element at or above the BLS modulus: not a blob at all.
    await expectBlobError(fetchBlobBatch(tampered((b) => (b[0] = 0xff)), small.ref), 'mismatch', /did not serve blob 0 of 1/)
  })

  it('blobs the source does not have are unavailable', async () => {
    const wrongHash = { ...small.ref, blobHashes: [`0x01${'ab'.repeat(31)}` as Hex] }
    await expectBlobError(fetchBlobBatch(source, wrongHash), 'unavailable', /does not have blob 0 of 1 \(versioned hash 0x01abab/)
    const noBlock = { ...small.ref, block: { number: 1n, hash: `0x${'cd'.repeat(32)}` as Hex } }
    await expectBlobError(fetchBlobBatch(source, noBlock), 'unavailable', /did not serve the blobs of L1 block 1/)
    const down = anvilBlobSource('http://127.0.0.1:1')
    await expectBlobError(fetchBlobBatch(down, small.ref), 'unavailable', /did not serve/)
  })

  it('blobs that match L1 but hold no batch encoding are malformed', async () => {
    const blob = encodeBlobs(Uint8Array.of(1, 2, 3))[0]!
    blob[5] = 0xee // a byte of padding: still a valid blob, no longer a valid encoding
    const [commitment] = await blobKzg.commitments([blob])
    const ref = { block: small.ref.block, blobHashes: [versionedHash(commitment!)] }
    const served: BlobSource = { blobs: async () => [blob] }
    await expectBlobError(fetchBlobBatch(served, ref), 'malformed', /non-zero byte after the chunk/)
  })

  describe('through a beacon node', () => {
    let beacon: FakeBeacon
    before(async () => {
      const [blobHex] = await rpc<Hex[]>(anvil.url, 'anvil_getBlobsByTransactionHash', [small.ref.txHash])
      const blob = hexToBytes(blobHex!)
      const [commitment] = await blobKzg.commitments([blob])
      const genesis = await pub.getBlock({ blockNumber: 0n })
      const block = await pub.getBlock({ blockHash: small.ref.block.hash })
      // 1 s slots from anvil's genesis: every anvil block (whole seconds) is at a slot.
      beacon = await startFakeBeacon(genesis.timestamp, 1n)
      beacon.slots.set(block.timestamp - genesis.timestamp, [
        // another rollup's blob in the same block: the zero blob, whose commitment is the point at infinity
        { blob: new Uint8Array(131_072), commitment: Uint8Array.of(0xc0, ...new Uint8Array(47)) },
        { blob, commitment: commitment! },
      ])
    })
    after(() => beacon?.close())

    it('maps the L1 block to its slot and reads the blobs endpoint', async () => {
      const slot = [...beacon.slots.keys()][0]!
      const got = await fetchBlobBatch(beaconBlobSource({ url: beacon.url, l1: pub }), small.ref)
      assert.deepEqual(got, small.data)
      assert.ok(beacon.requests.includes(`/eth/v1/beacon/blobs/${slot}?versioned_hashes=${small.ref.blobHashes[0]}`), beacon.requests.join('\n'))
    })

    it('falls back to blob_sidecars on a node without the blobs endpoint', async () => {
      beacon.blobsEndpoint = false
      const got = await fetchBlobBatch(beaconBlobSource({ url: beacon.url, l1: pub }), small.ref)
      assert.deepEqual(got, small.data)
      assert.ok(beacon.requests.some((r) => r.startsWith('/eth/v1/beacon/blob_sidecars/')))
      beacon.blobsEndpoint = true
    })

    it('a block at no slot of the beacon node, or one it lacks, is unavailable', async () => {
      const early = await startFakeBeacon(10n ** 12n, 1n) // genesis long after the block
      try {
        await expectBlobError(fetchBlobBatch(beaconBlobSource({ url: early.url, l1: pub }), small.ref), 'unavailable', /falls in no slot/)
      } finally {
        early.close()
      }
      const empty = await startFakeBeacon(0n, 1n)
      try {
        await expectBlobError(fetchBlobBatch(beaconBlobSource({ url: empty.url, l1: pub }), small.ref), 'unavailable', /blob_sidecars endpoint: GET .* answered 404/)
      } finally {
        empty.close()
      }
    })
  })

  it('measures L1 gas: a 120 KB batch as calldata and as a blob', async (t) => {
    const data = pseudoRandom(120 * 1024, 4) // compressed batches look random
    const calldata = await writeAndWait(batcher, {
      address: inbox,
      abi: abiOf('BatchInbox'),
      functionName: 'submitNetworkBatch',
      args: [toData(data)],
    })
    const blob = await postBlobBatch(batcher, inbox, data)
    const fee = (r: typeof blob) => r.gasUsed * r.effectiveGasPrice + (r.blobGasUsed ?? 0n) * (r.blobGasPrice ?? 0n)
    t.diagnostic(`calldata: gas ${calldata.gasUsed}, fee ${fee(calldata)} wei at ${calldata.effectiveGasPrice} wei/gas`)
    t.diagnostic(`blob: gas ${blob.gasUsed} + blob gas ${blob.blobGasUsed}, fee ${fee(blob)} wei at ${blob.effectiveGasPrice} wei/gas, ${blob.blobGasPrice} wei/blob gas`)
    assert.equal(blob.blobGasUsed, BLOB_GAS_PER_BLOB)
    // EIP-7623 prices data-heavy calldata at its floor: 10 gas per token, 4 tokens per non-zero byte.
    assert.ok(calldata.gasUsed > 4_000_000n, `calldata gas ${calldata.gasUsed}`)
    assert.ok(blob.gasUsed < 60_000n, `blob tx gas ${blob.gasUsed}`)
  })
})

interface FakeBeacon {
  url: string
  /** Blobs (with their commitments) per slot. */
  slots: Map<bigint, { blob: Uint8Array; commitment: Uint8Array }[]>
  /** False: answer 404 on /eth/v1/beacon/blobs, like a node from before Fulu. */
  blobsEndpoint: boolean
  requests: string[]
  close(): void
}

/** A beacon node's blob API over fixed data: genesis, spec, blobs and blob_sidecars. */
async function startFakeBeacon(genesisTime: bigint, secondsPerSlot: bigint): Promise<FakeBeacon> {
  const beacon: FakeBeacon = { url: '', slots: new Map(), blobsEndpoint: true, requests: [], close: () => server.close() }
  const server: Server = createServer((req, res) => {
    beacon.requests.push(req.url!)
    const url = new URL(req.url!, 'http://beacon')
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }
    const notFound = () => reply(404, { code: 404, message: 'NOT_FOUND: beacon block' })
    if (url.pathname === '/eth/v1/beacon/genesis') return reply(200, { data: { genesis_time: String(genesisTime) } })
    if (url.pathname === '/eth/v1/config/spec') return reply(200, { data: { SECONDS_PER_SLOT: String(secondsPerSlot) } })
    const m = /^\/eth\/v1\/beacon\/(blobs|blob_sidecars)\/(\d+)$/.exec(url.pathname)
    const entries = m ? beacon.slots.get(BigInt(m[2]!)) : undefined
    if (!m || !entries || (m[1] === 'blobs' && !beacon.blobsEndpoint)) return notFound()
    if (m[1] === 'blobs') {
      const wanted = url.searchParams.get('versioned_hashes')?.split(',')
      const picked = entries.filter((e) => !wanted || wanted.includes(versionedHash(e.commitment)))
      return reply(200, { execution_optimistic: false, finalized: false, data: picked.map((e) => toData(e.blob)) })
    }
    return reply(200, {
      data: entries.map((e, index) => ({ index: String(index), blob: toData(e.blob), kzg_commitment: toData(e.commitment), kzg_proof: toData(new Uint8Array(48)) })),
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  beacon.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  return beacon
}
