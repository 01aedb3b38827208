/**
 * Randomized robustness test of the JSON-RPC surface, reproducible from a seed.
 *
 * A corpus of valid requests (one or more per method in src/rpc/methods.ts) is mutated
 * (params dropped, added, retyped, hex flipped, strings truncated, huge and negative
 * numbers, deep nesting, random methods, ids and envelopes) and sent in JSON-RPC
 * batches; then signed transactions of every supported type are byte-mutated and sent
 * through eth_sendRawTransaction. Every answer must be a well-formed JSON-RPC response,
 * none may be -32603 (an exception escaped a method), no request may hang or lose its
 * connection, and the node must still produce blocks and report balances correctly.
 *
 * The seed is printed; rerun one with `FUZZ_SEED=<n> node --test dist/test/e2e/fuzz.test.js`.
 */
import { after, before, beforeEach, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { type Hex, type TransactionSerializable } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { DEV_BALANCE, devAccounts } from '../../src/execution/genesis.js'
import { startTestNode, waitFor, type TestNode } from '../helpers/node.js'
import { rpcCall } from '../helpers/jsonRpc.js'
import { DEV_METHOD_NAMES } from '../../src/rpc/methods.js'
import { mulberry32 } from '../helpers/random.js'
import { HostileSession, hostileGenerator, malformedResponse, registeredMethods, rpcCorpus, show, type CorpusFixture, type RpcCall, type RpcResponse } from '../helpers/hostileRpc.js'

/** Fixed by default so every run sends the same requests; FUZZ_SEED explores others. */
const DEFAULT_SEED = 901
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) >>> 0 : DEFAULT_SEED
const REQUESTS = 3000
const RAW_TXS = 1000
const BATCH = 50
/** Most batches in flight at once. */
const CONCURRENCY = 2
/** A batch not answered by then counts as a hang. */
const TIMEOUT_MS = 20_000
/** Keep request bodies well under the node's 5 MiB limit. */
const MAX_BODY = 4 * 1024 * 1024

const CHAIN_ID = 901
const DEV_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80' as const
const dev = privateKeyToAccount(DEV_KEY)
const delegator = privateKeyToAccount(devAccounts()[2]!.privateKey)
/** Never touched by this test: its balance must still be the genesis one at the end. */
const untouched = devAccounts()[9]!.address
const GWEI = 1_000_000_000n

// ------------------------------------------------------------------ PRNG

const rand = mulberry32(SEED)
const int = (n: number): number => Math.floor(rand() * n)
const { mutatedRequest, mutateBytes, randHex } = hostileGenerator(rand)

// ------------------------------------------------------------------ JSON-RPC over HTTP

let t: TestNode

function rpc<T = unknown>(method: string, params: unknown[]): Promise<T> {
  return rpcCall<T>(t.url, method, params, TIMEOUT_MS)
}

const session = new HostileSession(() => t.url, TIMEOUT_MS, MAX_BODY)
const { failures, postRaw } = session
const sendBatch = session.sendBatch.bind(session)

// ------------------------------------------------------------------ the corpus

/** The corpus's fixture, plus the signed transactions the raw-tx fuzz mutates. */
type Fixture = CorpusFixture & { topic: Hex; signed: { kind: string; raw: Hex }[] }

let fx: Fixture

function corpus(): RpcCall[] {
  return rpcCorpus(fx)
}

/** Corpus calls that are right to fail even unmutated (over HTTP, or by design). */
const EXPECTED_TO_FAIL = new Set([
  'eth_subscribe',
  'eth_unsubscribe',
  'eth_uninstallFilter',
  'eth_sendRawTransaction',
  'plexus_getL1Addresses',
  'plexus_syncStatus',
  'plexus_sendBundle',
  'plexus_getBundle',
  'plexus_getMessage',
  'plexus_getMessagesByTx',
  'plexus_retryMessage',
  'plexus_relayMessageTx',
  'plexus_getChainRegistry',
  'plexus_listMessages',
  'plexus_listBundles',
  'plexus_listDeposits',
  'plexus_listWithdrawals',
  'plexus_getWithdrawal',
  'plexus_audit',
  // a standalone node is no dev network's sequencer: every dev method is refused (-32601)
  ...DEV_METHOD_NAMES,
])

function bytesOf(hex: Hex): Uint8Array {
  return Uint8Array.from(Buffer.from(hex.slice(2), 'hex'))
}

// ------------------------------------------------------------------ setup helpers

async function receipt(hash: Hex): Promise<{ status: Hex; blockHash: Hex; blockNumber: Hex; contractAddress: Hex | null }> {
  return waitFor(async () => (await rpc<{ status: Hex; blockHash: Hex; blockNumber: Hex; contractAddress: Hex | null } | null>('eth_getTransactionReceipt', [hash])) ?? undefined, 20_000, `receipt ${hash}`)
}

/** Init code that CODECOPYs `runtime` into memory and returns it. */
function deployCode(runtime: number[]): Hex {
  const len = runtime.length
  const prologue = [0x60, len, 0x60, 12, 0x60, 0x00, 0x39, 0x60, len, 0x60, 0x00, 0xf3]
  return `0x${Buffer.from([...prologue, ...runtime]).toString('hex')}`
}

/** SSTORE(0, calldatasize); LOG1(topic = calldata[0:32]); return calldata. */
const RUNTIME = [0x36, 0x60, 0x00, 0x55, 0x60, 0x00, 0x35, 0x60, 0x00, 0x60, 0x00, 0xa1, 0x36, 0x60, 0x00, 0x60, 0x00, 0x37, 0x36, 0x60, 0x00, 0xf3]

const fees = { maxFeePerGas: 100n * GWEI, maxPriorityFeePerGas: GWEI }

// ------------------------------------------------------------------ the test

describe(`JSON-RPC fuzz (FUZZ_SEED=${SEED})`, () => {
  before(async () => {
    console.log(`# fuzz seed ${SEED} (rerun with FUZZ_SEED=${SEED})`)
    t = await startTestNode({ expose: ['debug', 'operator'] })
    let nonce = Number(BigInt(await rpc<string>('eth_getTransactionCount', [dev.address, 'latest'])))

    // a contract that stores and logs, then one tx of each type touching it
    const deployHash = await rpc<Hex>('eth_sendRawTransaction', [
      await dev.signTransaction({ type: 'eip1559', chainId: CHAIN_ID, nonce: nonce++, gas: 200_000n, data: deployCode(RUNTIME), ...fees }),
    ])
    const deployed = await receipt(deployHash)
    assert.equal(deployed.status, '0x1')
    const contract = deployed.contractAddress!
    const data = `0x${'ab'.repeat(32)}` as Hex
    const authorization = await delegator.signAuthorization({ address: contract, chainId: CHAIN_ID, nonce: 0 })
    const txs: TransactionSerializable[] = [
      { type: 'legacy', chainId: CHAIN_ID, nonce: nonce++, to: contract, data, gas: 100_000n, gasPrice: 100n * GWEI },
      { type: 'eip2930', chainId: CHAIN_ID, nonce: nonce++, to: contract, data, gas: 100_000n, gasPrice: 100n * GWEI, accessList: [{ address: contract, storageKeys: [`0x${'00'.repeat(32)}`] }] },
      { type: 'eip1559', chainId: CHAIN_ID, nonce: nonce++, to: contract, data, gas: 100_000n, ...fees },
      { type: 'eip7702', chainId: CHAIN_ID, nonce: nonce++, to: delegator.address, data, gas: 200_000n, ...fees, authorizationList: [authorization] },
    ]
    const txHashes: Hex[] = []
    for (const tx of txs) txHashes.push(await rpc<Hex>('eth_sendRawTransaction', [await dev.signTransaction(tx)]))
    let last: Awaited<ReturnType<typeof receipt>> | undefined
    for (const h of txHashes) {
      last = await receipt(h)
      assert.equal(last.status, '0x1', `setup tx ${h} failed`)
    }

    // the bases for the raw-tx fuzz: the same shapes, at nonces far ahead
    const ahead = nonce + 1000
    const signed = await Promise.all(
      txs.map(async (tx, i) => ({ kind: tx.type!, raw: await dev.signTransaction({ ...tx, nonce: ahead + i } as TransactionSerializable) })),
    )
    fx = {
      account: dev.address,
      delegator: delegator.address,
      chainId: CHAIN_ID,
      contract,
      txHashes,
      blockHash: last!.blockHash,
      blockNumber: last!.blockNumber,
      logFilter: await rpc<Hex>('eth_newFilter', [{ fromBlock: '0x0', address: contract }]),
      blockFilter: await rpc<Hex>('eth_newBlockFilter', []),
      pendingFilter: await rpc<Hex>('eth_newPendingTransactionFilter', []),
      rawTx: signed[2]!.raw,
      topic: data,
      signed,
    }
  })

  after(async () => {
    await t?.stop()
  })

  beforeEach(() => {
    session.reset()
  })

  it('the corpus is valid: every unmutated call succeeds', async () => {
    const calls = corpus()
    const fails: string[] = []
    await sendBatch(
      calls.map((c, i) => ({ jsonrpc: '2.0', id: i, ...c })),
      (entry, res) => {
        const m = (entry as { method: string }).method
        if (res.error && !EXPECTED_TO_FAIL.has(m)) fails.push(`${m}: ${res.error.code} ${res.error.message}`)
      },
    )
    assert.deepEqual(fails, [])
    assert.equal(failures.length, 0, report())
    // every method of the table is covered (read from the source, so a new method fails here)
    const covered = new Set(calls.map((c) => c.method))
    const missing = registeredMethods().filter((m) => !covered.has(m))
    assert.deepEqual(missing, [], 'methods without a corpus entry')
  })

  it(`${REQUESTS} mutated requests in batches of ${BATCH}: well-formed answers, no crash, no hang`, async () => {
    const calls = corpus()
    const known = [...new Set(calls.map((c) => c.method))]
    // generate everything first, so the stream of randomness is independent of timing
    const batches: unknown[][] = []
    for (let i = 0; i < REQUESTS; i += BATCH) {
      batches.push(Array.from({ length: Math.min(BATCH, REQUESTS - i) }, () => mutatedRequest(calls, known)))
    }
    const started = performance.now()
    await runPool(batches, (b) => sendBatch(b))
    console.log(`# ${session.sent} requests sent, ${session.answered} answered in ${Math.round(performance.now() - started)} ms; error codes ${show(Object.fromEntries(session.codes))}`)
    assert.equal(failures.length, 0, report())
  })

  it('bodies the batch mutator cannot make: deep nesting, huge ids, odd envelopes', async () => {
    const singles = [
      `{"jsonrpc":"2.0","id":1,"method":"eth_getBalance","params":${'['.repeat(100_000)}${']'.repeat(100_000)}}`,
      `${'['.repeat(50_000)}${']'.repeat(50_000)}`,
      `{"jsonrpc":"2.0","id":${'9'.repeat(400)},"method":"eth_chainId","params":[]}`,
      `{"jsonrpc":"2.0","id":"${'i'.repeat(100_000)}","method":"eth_chainId","params":[]}`,
      `{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[],"jsonrpc":"1.0"}`,
      `{"jsonrpc":"2.0","id":1,"method":"eth_getBalance","params":["${dev.address}","latest"],"params":[1]}`,
      `{"jsonrpc":"2.0","id":1e400,"method":"eth_chainId","params":[]}`,
      `{"jsonrpc":"2.0","id":1,"method":"eth_getBlockByNumber","params":[1e400,false]}`,
      `{"jsonrpc":"2.0","id":1,"method":"eth_feeHistory","params":[1.5,"latest",[]]}`,
      `{"jsonrpc":"2.0","id":1,"method":"eth_feeHistory","params":[-1,"latest",[]]}`,
      `\uFEFF{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}`,
    ]
    for (const body of singles) {
      let status: number
      let text: string
      try {
        ;({ status, text } = await postRaw(body))
      } catch (err) {
        failures.push({ kind: 'transport', detail: String(err), request: body.slice(0, 200) })
        continue
      }
      if (status !== 200) {
        failures.push({ kind: 'transport', detail: `HTTP ${status}: ${text.slice(0, 200)}`, request: body.slice(0, 200) })
        continue
      }
      let res: unknown
      try {
        res = JSON.parse(text)
      } catch {
        failures.push({ kind: 'malformed', detail: `not JSON: ${text.slice(0, 200)}`, request: body.slice(0, 200) })
        continue
      }
      // a body that parsed as an array is a batch, answered with an array
      for (const one of body.startsWith('[') && Array.isArray(res) ? res : [res]) {
        const why = malformedResponse(one)
        if (why) failures.push({ kind: 'malformed', detail: `${why}: ${show(one)}`, request: body.slice(0, 200) })
        else if ((one as RpcResponse).error?.code === -32603) {
          failures.push({ kind: 'crash', detail: `-32603 ${(one as RpcResponse).error!.message}`, request: body.slice(0, 200) })
        }
      }
    }
    assert.equal(failures.length, 0, report())
  })

  it(`${RAW_TXS} byte-mutated signed transactions (legacy, 2930, 1559, 7702): -32000 or accepted, never a crash`, async () => {
    const entries: { entry: unknown; kind: string }[] = []
    for (let i = 0; i < RAW_TXS; i++) {
      const base = fx.signed[i % fx.signed.length]!
      const raw = `0x${Buffer.from(mutateBytes(bytesOf(base.raw))).toString('hex')}`
      entries.push({ kind: base.kind, entry: { jsonrpc: '2.0', id: `raw-${i}`, method: 'eth_sendRawTransaction', params: [raw] } })
    }
    const kinds = new Map(entries.map((e) => [(e.entry as { id: string }).id, e.kind]))
    let accepted = 0
    const check = (entry: unknown, res: RpcResponse): void => {
      if (res.error === undefined) {
        accepted++
        if (typeof res.result !== 'string' || !/^0x[0-9a-f]{64}$/.test(res.result)) {
          failures.push({ kind: 'malformed', detail: `accepted with a non-hash result ${show(res.result)}`, request: show(entry) })
        }
        return
      }
      // geth answers every refusal of a hex-valid raw transaction with -32000
      if (res.error.code !== -32000) {
        const id = (entry as { id: string }).id
        failures.push({ kind: 'rawtx-code', detail: `${kinds.get(id)}: ${res.error.code} ${res.error.message}`, request: show(entry) })
      }
    }
    const batches: unknown[][] = []
    for (let i = 0; i < entries.length; i += BATCH) batches.push(entries.slice(i, i + BATCH).map((e) => e.entry))
    await runPool(batches, (b) => sendBatch(b, check))
    console.log(`# ${RAW_TXS} mutated raw txs: ${accepted} accepted`)
    assert.equal(failures.length, 0, report())
  })

  it('afterwards the node still produces blocks and reports balances correctly', async () => {
    const first = BigInt(await rpc<string>('eth_blockNumber', []))
    await waitFor(async () => BigInt(await rpc<string>('eth_blockNumber', [])) > first + 2n, 15_000, 'new blocks')
    const to = `0x${randHex(40)}` as Hex
    const value = 1n + BigInt(int(1_000_000_000))
    const nonce = Number(BigInt(await rpc<string>('eth_getTransactionCount', [dev.address, 'latest'])))
    const hash = await rpc<Hex>('eth_sendRawTransaction', [
      await dev.signTransaction({ type: 'eip1559', chainId: CHAIN_ID, nonce, to, value, gas: 21_000n, ...fees }),
    ])
    const r = await receipt(hash)
    assert.equal(r.status, '0x1')
    assert.equal(BigInt(await rpc<string>('eth_getBalance', [to, 'latest'])), value)
    assert.equal(BigInt(await rpc<string>('eth_getBalance', [to, r.blockNumber])), value)
    assert.equal(BigInt(await rpc<string>('eth_getBalance', [untouched, 'latest'])), DEV_BALANCE)
  })
})

/** Runs `fn` over the items with at most CONCURRENCY in flight. */
async function runPool<T>(items: T[], fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < items.length) await fn(items[next++]!)
    }),
  )
}

function report(): string {
  return session.report(`seed ${SEED}`)
}
