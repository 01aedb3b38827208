/**
 * Bad input over JSON-RPC: every malformed, ill-typed or invalid request gets the error
 * geth would answer (code, and the message where geth's wording is the contract), and
 * the node keeps serving and producing blocks afterwards.
 */
import { after, afterEach, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'node:http'
import { encodeErrorResult, parseTransaction, serializeTransaction, type Hex, type TransactionSerializable } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { devAccounts } from '../../src/execution/genesis.js'
import { startTestNode, waitFor, type TestNode } from '../helpers/node.js'

const CHAIN_ID = 901
const DEV_KEY = '0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80' as const
const dev = privateKeyToAccount(DEV_KEY)
/** A second funded dev account, for transactions that must stay queued in the pool. */
const dev1 = privateKeyToAccount(devAccounts()[1]!.privateKey)
const SINK = '0x00000000000000000000000000000000000b0b00' as const
const GWEI = 1_000_000_000n
const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n

interface RpcError {
  code: number
  message: string
  data?: unknown
}
interface RpcResponse {
  jsonrpc: string
  id: unknown
  result?: unknown
  error?: RpcError
}

let t: TestNode

/** POSTs a raw body; returns the HTTP status, the text and (when it parses) the JSON. */
async function post(body: string): Promise<{ status: number; text: string; json: unknown }> {
  const res = await fetch(t.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    signal: AbortSignal.timeout(20_000),
  })
  const text = await res.text()
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    json = undefined
  }
  return { status: res.status, text, json }
}

/** One call; returns the whole response object. */
async function call(method: string, params: unknown, id: unknown = 1): Promise<RpcResponse> {
  const { status, json, text } = await post(JSON.stringify({ jsonrpc: '2.0', id, method, params }))
  assert.equal(status, 200, `HTTP ${status} for ${method}: ${text}`)
  assertWellFormed(json)
  return json as RpcResponse
}

async function result<T = unknown>(method: string, params: unknown[]): Promise<T> {
  const res = await call(method, params)
  assert.equal(res.error, undefined, `${method} failed: ${JSON.stringify(res.error)}`)
  return res.result as T
}

/** Asserts the call fails with `code`, and with `message` when given (string = exact). */
async function expectError(method: string, params: unknown, code: number, message?: string | RegExp): Promise<RpcError> {
  const res = await call(method, params)
  assert.ok(res.error, `${method}(${short(params)}) should fail with ${code}, got result ${short(res.result)}`)
  assert.notEqual(res.error.message, 'method handler crashed', `${method}(${short(params)}) crashed the handler`)
  assert.equal(res.error.code, code, `${method}(${short(params)}): code ${res.error.code} (${res.error.message}), want ${code}`)
  if (typeof message === 'string') assert.equal(res.error.message, message)
  else if (message) assert.match(res.error.message, message)
  return res.error
}

/** Runs every case and fails once, listing each call that did not answer `code`. */
async function expectAllErrors(cases: [method: string, params: unknown[]][], code: number): Promise<void> {
  const wrong: string[] = []
  for (const [method, params] of cases) {
    const res = await call(method, params)
    if (res.error?.code !== code) {
      wrong.push(`${method}(${short(params)}) → ${res.error ? `${res.error.code} ${res.error.message}` : `result ${short(res.result)}`}`)
    }
  }
  assert.deepEqual(wrong, [], `want ${code} from every case`)
}

function short(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v)
  return s.length > 200 ? `${s.slice(0, 197)}...` : s
}

function assertWellFormed(v: unknown): asserts v is RpcResponse {
  assert.ok(typeof v === 'object' && v !== null && !Array.isArray(v), `not a JSON-RPC response object: ${short(v)}`)
  const r = v as Record<string, unknown>
  assert.equal(r.jsonrpc, '2.0', `bad jsonrpc field: ${short(v)}`)
  assert.ok(Object.hasOwn(r, 'id'), `response without id: ${short(v)}`)
  assert.ok(Object.hasOwn(r, 'result') !== Object.hasOwn(r, 'error'), `need result xor error: ${short(v)}`)
  if (r.error !== undefined) {
    const e = r.error as Record<string, unknown>
    assert.ok(Number.isInteger(e.code), `error code not an integer: ${short(v)}`)
    assert.equal(typeof e.message, 'string', `error message not a string: ${short(v)}`)
  }
}

async function blockNumber(): Promise<bigint> {
  return BigInt(await result<string>('eth_blockNumber', []))
}

async function nonceOf(address: string): Promise<number> {
  return Number(BigInt(await result<string>('eth_getTransactionCount', [address, 'latest'])))
}

async function baseFee(): Promise<bigint> {
  const block = await result<{ baseFeePerGas: string }>('eth_getBlockByNumber', ['latest', false])
  return BigInt(block.baseFeePerGas)
}

async function waitForReceipt(hash: string): Promise<{ status: string; blockNumber: string }> {
  return waitFor(
    async () => (await result<{ status: string; blockNumber: string } | null>('eth_getTransactionReceipt', [hash])) ?? undefined,
    15_000,
    `receipt of ${hash}`,
  )
}

/** A signed EIP-1559 transfer from `dev` (chain 901 unless overridden). */
async function sign1559(overrides: Partial<TransactionSerializable> & { nonce: number }, account = dev): Promise<Hex> {
  return account.signTransaction({
    type: 'eip1559',
    chainId: CHAIN_ID,
    to: SINK,
    value: 1n,
    gas: 21_000n,
    maxFeePerGas: 100n * GWEI,
    maxPriorityFeePerGas: 1n * GWEI,
    ...overrides,
  } as TransactionSerializable)
}

/** Re-serializes a signed tx with its signature replaced. */
function withSignature(raw: Hex, sig: { r: bigint; s: bigint; yParity: number }): Hex {
  const unsigned = { ...(parseTransaction(raw) as Record<string, unknown>) }
  for (const k of ['r', 's', 'v', 'yParity']) delete unsigned[k]
  const hex = (n: bigint): Hex => `0x${n.toString(16).padStart(64, '0')}`
  return serializeTransaction(unsigned as TransactionSerializable, { r: hex(sig.r), s: hex(sig.s), yParity: sig.yParity })
}

function signatureOf(raw: Hex): { r: bigint; s: bigint; yParity: number } {
  const p = parseTransaction(raw)
  return { r: BigInt(p.r!), s: BigInt(p.s!), yParity: p.yParity ?? 0 }
}

describe('bad input over JSON-RPC', () => {
  before(async () => {
    t = await startTestNode({ expose: ['debug', 'operator'] })
  })

  after(async () => {
    await t?.stop()
  })

  // After every case the node must still answer and still be producing blocks.
  afterEach(async () => {
    const first = await blockNumber()
    await waitFor(async () => (await blockNumber()) > first, 10_000, 'eth_blockNumber to advance')
  })

  describe('envelope', () => {
    it('malformed JSON → -32700 parse error', async () => {
      for (const body of ['{', '{"jsonrpc":"2.0","id":1,"method":"eth_blockNumber"', 'not json', '[{"jsonrpc":"2.0",}]', '\u0000\u0001']) {
        const { status, json } = await post(body)
        assert.equal(status, 200)
        assertWellFormed(json)
        assert.equal(json.id, null)
        assert.deepEqual(json.error, { code: -32700, message: 'parse error' }, `body ${JSON.stringify(body)}`)
      }
    })

    it('a request that is not an object → -32600 invalid request', async () => {
      for (const body of ['42', '"eth_blockNumber"', 'true', 'null']) {
        const { json } = await post(body)
        assertWellFormed(json)
        assert.equal(json.id, null)
        assert.deepEqual(json.error, { code: -32600, message: 'invalid request' }, `body ${body}`)
      }
      const { json } = await post('[1, "x", null]')
      assert.ok(Array.isArray(json), 'a batch gets a batch back')
      assert.equal(json.length, 3)
      for (const r of json) {
        assertWellFormed(r)
        assert.equal(r.error?.code, -32600)
        assert.equal(r.error?.message, 'invalid request')
      }
    })

    it('an object that is not a valid request → -32600 with the id', async () => {
      const bad = [
        { jsonrpc: '2.0', id: 7 }, // no method
        { jsonrpc: '1.0', id: 7, method: 'eth_blockNumber' }, // wrong version
        { id: 7, method: 'eth_blockNumber' }, // no version
        { jsonrpc: '2.0', id: 7, method: 42 }, // method not a string
      ]
      for (const msg of bad) {
        const { json } = await post(JSON.stringify(msg))
        assertWellFormed(json)
        assert.equal(json.error?.code, -32600, short(msg))
        assert.equal(json.error?.message, 'invalid request')
        assert.equal(json.id, 7)
      }
    })

    it('params that are not an array → -32602 non-array args', async () => {
      await expectError('eth_getBalance', { address: dev.address }, -32602, 'non-array args')
      await expectError('eth_blockNumber', 'latest', -32602, 'non-array args')
    })

    it('unknown method → -32601 with geth’s wording', async () => {
      await expectError('foo_bar', [], -32601, 'the method foo_bar does not exist/is not available')
      await expectError('eth_getBalanceX', [dev.address, 'latest'], -32601, 'the method eth_getBalanceX does not exist/is not available')
    })

    it('oversized body (> 5 MiB, declared length) → HTTP 413 with a JSON error', async () => {
      const filler = 'a'.repeat(5 * 1024 * 1024)
      const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'web3_sha3', params: [`0x${filler}`] })
      const res = await rawHttp(body, { chunked: false })
      assert.equal(res.status, 413)
      const json = JSON.parse(res.body) as RpcResponse
      assertWellFormed(json)
      assert.equal(json.error?.code, -32600)
      assert.match(json.error!.message, /too large/)
    })

    it('oversized body (> 5 MiB, chunked) → HTTP 413 with a JSON error', async () => {
      const filler = 'b'.repeat(5 * 1024 * 1024 + 16)
      const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'web3_sha3', params: [`0x${filler}`] })
      const res = await rawHttp(body, { chunked: true })
      assert.equal(res.status, 413)
      const json = JSON.parse(res.body) as RpcResponse
      assertWellFormed(json)
      assert.equal(json.error?.code, -32600)
      assert.match(json.error!.message, /too large/)
    })

    it('batch over 1000 entries → one -32600 "batch too large" with the first call’s id', async () => {
      const batch = Array.from({ length: 1001 }, (_, i) => ({ jsonrpc: '2.0', id: 100 + i, method: 'eth_chainId', params: [] }))
      const { status, json } = await post(JSON.stringify(batch))
      assert.equal(status, 200)
      assert.ok(Array.isArray(json), 'answered with an array')
      assert.equal(json.length, 1)
      assertWellFormed(json[0])
      assert.equal(json[0].id, 100)
      assert.deepEqual(json[0].error, { code: -32600, message: 'batch too large' })
      // exactly at the limit is fine
      const ok = await post(JSON.stringify(batch.slice(0, 1000)))
      assert.ok(Array.isArray(ok.json))
      assert.equal(ok.json.length, 1000)
      for (const r of ok.json) assert.equal((r as RpcResponse).result, `0x${CHAIN_ID.toString(16)}`)
    })

    it('empty batch → -32600 "empty batch"', async () => {
      const { status, json } = await post('[]')
      assert.equal(status, 200)
      assertWellFormed(json)
      assert.equal(json.id, null)
      assert.deepEqual(json.error, { code: -32600, message: 'empty batch' })
    })
  })

  describe('params', () => {
    it('eth_getBalance with wrong param types → -32602', async () => {
      const cases: unknown[][] = [
        [123, 'latest'], // number address
        ['0xzz00000000000000000000000000000000000000', 'latest'], // not hex
        ['f39fd6e51aad88f6f4ce6ab8827279cfffb92266', 'latest'], // no 0x prefix
        ['0x1234', 'latest'], // too short
        [`${dev.address}00`, 'latest'], // too long
        [null, 'latest'], // null required param
        [{ address: dev.address }, 'latest'], // object
        [[dev.address], 'latest'], // array
        [true, 'latest'], // bool
        [dev.address, 'lates'], // misspelt tag
        [dev.address, 'LATEST'], // tags are case-sensitive in geth
        [dev.address, '0x01'], // leading zero quantity
        [dev.address, '0x'], // empty quantity
        [dev.address, '1'], // decimal string
        [dev.address, 1], // number block
        [dev.address, true], // bool block
        [dev.address, '-0x1'], // negative
        [dev.address, `0x1${'0'.repeat(16)}`], // block number over 64 bits (geth: hex number > 64 bits)
      ]
      await expectAllErrors(cases.map((params) => ['eth_getBalance', params]), -32602)
    })

    it('other methods with leading-zero quantities and bad hashes → -32602', async () => {
      await expectError('eth_getBlockByNumber', ['0x01', false], -32602)
      await expectError('eth_getBlockByNumber', ['lates', false], -32602)
      await expectError('eth_getBlockByHash', ['0x1234', false], -32602)
      await expectError('eth_getTransactionByHash', ['0xzz'], -32602)
      await expectError('eth_getTransactionByBlockNumberAndIndex', ['latest', '0x00'], -32602)
      await expectError('eth_call', ['not an object', 'latest'], -32602)
      await expectError('eth_call', [{ to: dev.address, gas: '0x0001' }, 'latest'], -32602)
      await expectError('eth_getLogs', [{ address: '0x12' }], -32602)
      await expectError('eth_getLogs', [{ topics: ['0x12'] }], -32602)
    })

    it('out-of-range numbers → -32602 (geth: hex number > 64/256 bits), never a crash', async () => {
      const over64 = `0x1${'0'.repeat(16)}`
      const over256 = `0x1${'0'.repeat(64)}`
      const call = { from: dev.address, to: SINK }
      await expectAllErrors(
        [
          // block numbers past 64 bits
          ['eth_getBlockByNumber', [over64, false]],
          ['eth_getBlockReceipts', [over64]],
          ['eth_getBlockTransactionCountByNumber', [over64]],
          ['eth_getTransactionByBlockNumberAndIndex', [over64, '0x0']],
          // eth_feeHistory's blockCount is a uint64 (hex or decimal), not any JSON number
          ['eth_feeHistory', [1.5, 'latest', []]],
          ['eth_feeHistory', [-1, 'latest', []]],
          // call arguments: gas and nonce are uint64, value and fees uint256
          ['eth_call', [{ ...call, gas: over64 }, 'latest']],
          ['eth_call', [{ ...call, nonce: over64 }, 'latest']],
          ['eth_call', [{ ...call, value: over256 }, 'latest']],
          ['eth_call', [{ ...call, gasPrice: over256 }, 'latest']],
          ['eth_estimateGas', [{ ...call, value: over256 }]],
          ['eth_createAccessList', [{ ...call, gas: over64 }, 'latest']],
          ['debug_traceCall', [{ ...call, value: over256 }, 'latest', { tracer: 'callTracer' }]],
          ['eth_call', [{ ...call, accessList: [null] }, 'latest']],
          ['eth_call', [{ ...call, authorizationList: [null] }, 'latest']],
        ],
        -32602,
      )
    })

    it('eth_call with a gas limit over the EIP-7825 cap is served or refused, never a crash', async () => {
      const wrong: string[] = []
      for (const gas of ['0x1000001', '0x1c9c380', '0xffffffffffffffff']) {
        for (const method of ['eth_call', 'eth_estimateGas', 'eth_createAccessList']) {
          const res = await call(method, [{ from: dev.address, to: SINK, gas }, 'latest'])
          if (res.error && res.error.code !== -32000) wrong.push(`${method} gas ${gas}: ${res.error.code} ${res.error.message}`)
        }
      }
      assert.deepEqual(wrong, [])
    })

    it('a block hash passed as a plain string where geth takes BlockNumberOrHash is a hash, not a number', async () => {
      const block = await result<{ hash: string; number: string }>('eth_getBlockByNumber', ['latest', false])
      const balance = await result<string>('eth_getBalance', [dev.address, block.number])
      assert.equal(await result<string>('eth_getBalance', [dev.address, block.hash]), balance)
    })

    it('too many params → -32602 "too many arguments, want at most N"', async () => {
      await expectError('eth_blockNumber', [1], -32602, 'too many arguments, want at most 0')
      await expectError('eth_getBalance', [dev.address, 'latest', 'extra'], -32602, 'too many arguments, want at most 2')
      await expectError('eth_getTransactionByHash', [`0x${'00'.repeat(32)}`, true], -32602, 'too many arguments, want at most 1')
      await expectError('eth_call', [{ to: dev.address }, 'latest', {}, {}, 'extra'], -32602, 'too many arguments, want at most 4')
    })

    it('missing required param → -32602 "missing value for required argument N"', async () => {
      await expectError('eth_getBalance', [], -32602, 'missing value for required argument 0')
      await expectError('eth_getStorageAt', [dev.address], -32602, 'missing value for required argument 1')
      await expectError('eth_sendRawTransaction', [], -32602, 'missing value for required argument 0')
      await expectError('eth_getTransactionReceipt', null, -32602, 'missing value for required argument 0')
    })
  })

  describe('eth_sendRawTransaction', () => {
    it('invalid RLP → -32000 "rlp: …"', async () => {
      for (const raw of ['0xdeadbeef', '0xf8', '0xc0', '0x02c0', '0x01ff', '0x02f8ffff']) {
        await expectError('eth_sendRawTransaction', [raw], -32000, /^rlp: /)
      }
      // a signed tx with a byte cut off the end
      const good = await sign1559({ nonce: await nonceOf(dev.address) })
      await expectError('eth_sendRawTransaction', [good.slice(0, -2)], -32000, /^rlp: /)
      // and one with trailing garbage
      await expectError('eth_sendRawTransaction', [`${good}00`], -32000, /^rlp: /)
    })

    it('empty or non-hex raw transaction', async () => {
      await expectError('eth_sendRawTransaction', ['0x'], -32000, 'typed transaction too short')
      await expectError('eth_sendRawTransaction', ['0xzz'], -32602)
      await expectError('eth_sendRawTransaction', ['0x123'], -32602)
      await expectError('eth_sendRawTransaction', [42], -32602)
    })

    it('corrupted signature → -32000 invalid sender (or a funds-less recovered sender)', async () => {
      const good = await sign1559({ nonce: await nonceOf(dev.address) })
      const sig = signatureOf(good)
      const variants: [string, { r: bigint; s: bigint; yParity: number }][] = [
        ['r with a flipped byte', { ...sig, r: sig.r ^ (0xffn << 80n) }],
        ['s with a flipped byte', { ...sig, s: sig.s ^ 0xa5n }],
        ['yParity flipped', { ...sig, yParity: sig.yParity ^ 1 }],
        ['r = 0', { ...sig, r: 0n }],
        ['r ≥ secp256k1 n', { ...sig, r: SECP256K1_N + 1n }],
        ['high s (malleable twin)', { ...sig, s: SECP256K1_N - sig.s, yParity: sig.yParity ^ 1 }],
      ]
      const allowed = /^(invalid sender|insufficient funds for gas \* price \+ value)/
      const wrong: string[] = []
      for (const [what, bad] of variants) {
        const res = await call('eth_sendRawTransaction', [withSignature(good, bad)])
        if (!res.error) wrong.push(`${what}: accepted as ${short(res.result)}`)
        else if (res.error.code !== -32000 || !allowed.test(res.error.message)) wrong.push(`${what}: ${res.error.code} ${res.error.message}`)
      }
      assert.deepEqual(wrong, [])
    })

    it('signed for another chain id → -32000 invalid chain id', async () => {
      const nonce = await nonceOf(dev.address)
      const want = /^invalid sender: invalid chain id for signer: have 1 want 901$/
      const signed: [string, Hex][] = [
        ['eip1559', await sign1559({ nonce, chainId: 1 })],
        ['eip2930', await dev.signTransaction({ type: 'eip2930', chainId: 1, nonce, to: SINK, value: 1n, gas: 21_000n, gasPrice: 100n * GWEI })],
        ['legacy (EIP-155)', await dev.signTransaction({ type: 'legacy', chainId: 1, nonce, to: SINK, value: 1n, gas: 21_000n, gasPrice: 100n * GWEI })],
      ]
      const wrong: string[] = []
      for (const [what, raw] of signed) {
        const res = await call('eth_sendRawTransaction', [raw])
        if (res.error?.code !== -32000 || !want.test(res.error.message)) wrong.push(`${what}: ${res.error ? `${res.error.code} ${res.error.message}` : 'accepted'}`)
      }
      assert.deepEqual(wrong, [])
    })

    it('nonce too low: the same nonce again after it was mined', async () => {
      const nonce = await nonceOf(dev.address)
      const raw = await sign1559({ nonce })
      const hash = await result<string>('eth_sendRawTransaction', [raw])
      const receipt = await waitForReceipt(hash)
      assert.equal(receipt.status, '0x1')
      await expectError('eth_sendRawTransaction', [raw], -32000, `nonce too low: next nonce ${nonce + 1}, tx nonce ${nonce}`)
      const other = await sign1559({ nonce, value: 2n })
      await expectError('eth_sendRawTransaction', [other], -32000, `nonce too low: next nonce ${nonce + 1}, tx nonce ${nonce}`)
    })

    it('replacement transaction underpriced', async () => {
      // a nonce gap keeps these queued, so the producer cannot mine them mid-test
      const nonce = (await nonceOf(dev1.address)) + 3
      const first = await sign1559({ nonce, maxFeePerGas: 100n * GWEI, maxPriorityFeePerGas: 2n * GWEI }, dev1)
      await result('eth_sendRawTransaction', [first])
      await expectError('eth_sendRawTransaction', [first], -32000, 'already known')
      const same = await sign1559({ nonce, value: 2n, maxFeePerGas: 100n * GWEI, maxPriorityFeePerGas: 2n * GWEI }, dev1)
      await expectError('eth_sendRawTransaction', [same], -32000, 'replacement transaction underpriced')
      // +5 % on both caps is below the 10 % bump
      const small = await sign1559({ nonce, value: 3n, maxFeePerGas: 105n * GWEI, maxPriorityFeePerGas: 2_100_000_000n }, dev1)
      await expectError('eth_sendRawTransaction', [small], -32000, 'replacement transaction underpriced')
      // only the tip bumped is not enough either
      const tipOnly = await sign1559({ nonce, value: 4n, maxFeePerGas: 100n * GWEI, maxPriorityFeePerGas: 3n * GWEI }, dev1)
      await expectError('eth_sendRawTransaction', [tipOnly], -32000, 'replacement transaction underpriced')
    })

    it('intrinsic gas too low', async () => {
      const raw = await sign1559({ nonce: await nonceOf(dev.address), gas: 20_000n })
      await expectError('eth_sendRawTransaction', [raw], -32000, 'intrinsic gas too low: gas 20000, minimum needed 21000')
    })

    it('fee cap below the block base fee', async () => {
      const fee = await baseFee()
      assert.ok(fee > 1n, `base fee ${fee} too low to go under`)
      const raw = await sign1559({ nonce: await nonceOf(dev.address), maxFeePerGas: 1n, maxPriorityFeePerGas: 0n })
      await expectError('eth_sendRawTransaction', [raw], -32000, /^max fee per gas less than block base fee: address 0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266, maxFeePerGas: 1, baseFee: \d+$/)
    })

    it('gas above the EIP-7825 cap of 16777216', async () => {
      const raw = await sign1559({ nonce: await nonceOf(dev.address), gas: 16_777_217n })
      await expectError('eth_sendRawTransaction', [raw], -32000, 'transaction gas limit too high (cap: 16777216, tx: 16777217)')
      // exactly the cap is allowed past that check (and is a valid tx)
      const atCap = await sign1559({ nonce: (await nonceOf(dev.address)) + 50, gas: 16_777_216n })
      const res = await call('eth_sendRawTransaction', [atCap])
      assert.ok(!res.error || !/gas limit too high/.test(res.error.message), `cap itself rejected: ${res.error?.message}`)
    })

    it('unsupported tx types (blob 0x03, unknown 0x05) → transaction type not supported', async () => {
      const nonce = await nonceOf(dev.address)
      const blob = await dev.signTransaction({
        type: 'eip4844',
        chainId: CHAIN_ID,
        nonce,
        to: SINK,
        gas: 21_000n,
        maxFeePerGas: 100n * GWEI,
        maxPriorityFeePerGas: GWEI,
        maxFeePerBlobGas: 100n * GWEI,
        blobVersionedHashes: [`0x01${'11'.repeat(31)}`],
      })
      assert.ok(blob.startsWith('0x03'))
      await expectError('eth_sendRawTransaction', [blob], -32000, /^transaction type not supported/)
      await expectError('eth_sendRawTransaction', ['0x05c0'], -32000, /^transaction type not supported/)
      const valid = await sign1559({ nonce })
      await expectError('eth_sendRawTransaction', [`0x05${valid.slice(4)}`], -32000, /^transaction type not supported/)
    })
  })

  describe('execution and queries', () => {
    it('eth_call that reverts → code 3 with the revert data', async () => {
      const revertData = encodeErrorResult({
        abi: [{ type: 'error', name: 'Error', inputs: [{ name: 'message', type: 'string' }] }],
        errorName: 'Error',
        args: ['nope'],
      })
      const len = (revertData.length - 2) / 2
      assert.ok(len < 256)
      const l = len.toString(16).padStart(2, '0')
      // CODECOPY the revert data that follows this 12-byte prologue into memory, REVERT with it
      const initcode = `0x60${l}600c60003960${l}6000fd${revertData.slice(2)}` as Hex
      const err = await expectError('eth_call', [{ from: dev.address, data: initcode }, 'latest'], 3, 'execution reverted: nope')
      assert.equal(err.data, revertData)
      // the same through eth_estimateGas
      const est = await expectError('eth_estimateGas', [{ from: dev.address, data: initcode }], 3, 'execution reverted: nope')
      assert.equal(est.data, revertData)
    })

    it('eth_getLogs over more than 10000 blocks is refused', async () => {
      const res = await call('eth_getLogs', [{ fromBlock: '0x0', toBlock: '0x2710' }])
      assert.ok(res.error, `a 10001-block range answered ${short(res.result)}`)
      // -32005 is the range limit; geth checks that toBlock is not past the head too,
      // and a young chain's head is below 10000, so either refusal is geth's
      if (res.error.code === -32602) assert.equal(res.error.message, 'block range extends beyond current head block')
      else assert.equal(res.error.code, -32005, `code ${res.error.code} (${res.error.message})`)
    })

    it('eth_getLogs with toBlock past the head → -32602 like geth', async () => {
      const head = await blockNumber()
      await expectError('eth_getLogs', [{ fromBlock: `0x${head.toString(16)}`, toBlock: `0x${(head + 1000n).toString(16)}` }], -32602, 'block range extends beyond current head block')
    })

    it('eth_getLogs with fromBlock > toBlock → -32602 invalid block range params', async () => {
      await expectError('eth_getLogs', [{ fromBlock: '0x2', toBlock: '0x1' }], -32602, 'invalid block range params')
    })
  })

  it('the node still serves and its state is right after all of that', async () => {
    const before = BigInt(await result<string>('eth_getBalance', [SINK, 'latest']))
    const nonce = await nonceOf(dev.address)
    const hash = await result<string>('eth_sendRawTransaction', [await sign1559({ nonce, value: 12345n })])
    const receipt = await waitForReceipt(hash)
    assert.equal(receipt.status, '0x1')
    const after = BigInt(await result<string>('eth_getBalance', [SINK, receipt.blockNumber]))
    assert.equal(after - before, 12345n)
    assert.equal(await result('eth_chainId', []), `0x${CHAIN_ID.toString(16)}`)
  })
})

/** A POST through node:http, so the body can be sent with a declared length or chunked. */
function rawHttp(body: string, opts: { chunked: boolean }): Promise<{ status: number; body: string }> {
  const url = new URL(t.url)
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { 'content-type': 'application/json' }
    if (!opts.chunked) headers['content-length'] = Buffer.byteLength(body)
    const req = request({ host: url.hostname, port: url.port, method: 'POST', path: '/', headers, timeout: 20_000 }, (res) => {
      let out = ''
      res.setEncoding('utf8')
      res.on('data', (d: string) => (out += d))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: out }))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error('HTTP request timed out')))
    req.on('error', reject)
    if (opts.chunked) {
      // several writes so the server sees a stream, not one buffer
      const step = 1024 * 1024
      for (let i = 0; i < body.length; i += step) req.write(body.slice(i, i + step))
      req.end()
    } else {
      req.end(body)
    }
  })
}
