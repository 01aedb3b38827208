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
import { readFileSync } from 'node:fs'
import { type Hex, type TransactionSerializable } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { DEV_BALANCE, devAccounts } from '../../src/execution/genesis.js'
import { startTestNode, waitFor, type TestNode } from '../helpers/node.js'
import { mulberry32 } from '../helpers/random.js'

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
const chance = (p: number): boolean => rand() < p
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!
const HEX = '0123456789abcdef'
const randHex = (chars: number): string => Array.from({ length: chars }, () => HEX[int(16)]).join('')

// ------------------------------------------------------------------ JSON-RPC over HTTP

interface RpcError {
  code: number
  message: string
  data?: unknown
}
interface RpcResponse {
  jsonrpc: '2.0'
  id: unknown
  result?: unknown
  error?: RpcError
}

let t: TestNode

async function rpc<T = unknown>(method: string, params: unknown[]): Promise<T> {
  const res = await fetch(t.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
    signal: AbortSignal.timeout(TIMEOUT_MS),
  })
  const body = (await res.json()) as RpcResponse
  if (body.error) throw new Error(`${method}: ${body.error.code} ${body.error.message}`)
  return body.result as T
}

/** POSTs a body; the HTTP status and the raw text (a network failure or timeout throws). */
async function postRaw(body: string): Promise<{ status: number; text: string }> {
  const res = await fetch(t.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    signal: AbortSignal.timeout(TIMEOUT_MS),
  })
  return { status: res.status, text: await res.text() }
}

/** Why a response is not a well-formed JSON-RPC 2.0 response, or undefined when it is. */
function malformed(v: unknown): string | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not an object'
  const r = v as Record<string, unknown>
  if (r.jsonrpc !== '2.0') return 'jsonrpc is not "2.0"'
  if (!Object.hasOwn(r, 'id')) return 'no id'
  const hasResult = Object.hasOwn(r, 'result')
  const hasError = Object.hasOwn(r, 'error')
  if (hasResult === hasError) return 'needs exactly one of result and error'
  if (hasError) {
    const e = r.error as Record<string, unknown> | null
    if (typeof e !== 'object' || e === null) return 'error is not an object'
    if (!Number.isInteger(e.code)) return 'error.code is not an integer'
    if (typeof e.message !== 'string') return 'error.message is not a string'
  }
  return undefined
}

/** A request the node must answer: anything but a well-formed notification. */
function expectsAnswer(entry: unknown): boolean {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return true
  const m = entry as Record<string, unknown>
  const notification = m.jsonrpc === '2.0' && typeof m.method === 'string' && m.method !== '' && !Object.hasOwn(m, 'id')
  return !notification
}

interface Failure {
  kind: 'crash' | 'malformed' | 'hang' | 'transport' | 'count' | 'rawtx-code'
  detail: string
  request?: string
}

const failures: Failure[] = []
let sent = 0
let answered = 0
const codes = new Map<number, number>()

function show(v: unknown, max = 300): string {
  let s: string
  try {
    s = JSON.stringify(v) ?? String(v)
  } catch {
    s = String(v)
  }
  return s.length > max ? `${s.slice(0, max - 3)}...` : s
}

/**
 * Sends entries as one batch (split when the body would get large) and checks every
 * answer. `check` sees each (entry, response) pair matched by position.
 */
async function sendBatch(entries: unknown[], check?: (entry: unknown, res: RpcResponse) => void): Promise<void> {
  const body = JSON.stringify(entries)
  if (body.length > MAX_BODY && entries.length > 1) {
    const mid = entries.length >> 1
    await sendBatch(entries.slice(0, mid), check)
    await sendBatch(entries.slice(mid), check)
    return
  }
  sent += entries.length
  let status: number
  let text: string
  try {
    ;({ status, text } = await postRaw(body))
  } catch (err) {
    const e = err as Error
    const kind = e.name === 'TimeoutError' || e.name === 'AbortError' ? 'hang' : 'transport'
    failures.push({ kind, detail: `${e.name}: ${e.message}${e.cause ? ` (${String(e.cause)})` : ''}`, request: show(entries, 2000) })
    return
  }
  const want = entries.filter(expectsAnswer)
  if (status !== 200) {
    failures.push({ kind: 'transport', detail: `HTTP ${status}: ${text.slice(0, 300)}`, request: show(entries, 2000) })
    return
  }
  if (want.length === 0) {
    if (text.trim() !== '') failures.push({ kind: 'count', detail: `notifications only, yet got ${text.slice(0, 200)}` })
    return
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch {
    failures.push({ kind: 'malformed', detail: `body is not JSON: ${text.slice(0, 300)}`, request: show(entries, 2000) })
    return
  }
  if (!Array.isArray(parsed)) {
    failures.push({ kind: 'malformed', detail: `a batch was answered with ${show(parsed)}`, request: show(entries, 2000) })
    return
  }
  if (parsed.length !== want.length) {
    failures.push({ kind: 'count', detail: `${want.length} answers expected, got ${parsed.length}`, request: show(entries, 2000) })
  }
  const crashed: unknown[] = []
  parsed.forEach((res: unknown, i) => {
    answered++
    const why = malformed(res)
    const entry = want[i]
    if (why) {
      failures.push({ kind: 'malformed', detail: `${why}: ${show(res)}`, request: show(entry) })
      return
    }
    const r = res as RpcResponse
    if (r.error) codes.set(r.error.code, (codes.get(r.error.code) ?? 0) + 1)
    if (r.error?.code === -32603) crashed.push(entry)
    else check?.(entry, r)
  })
  // Name the requests that crash: replay each suspect on its own.
  for (const entry of crashed) await attributeCrash(entry)
}

async function attributeCrash(entry: unknown): Promise<void> {
  let res: unknown
  try {
    res = JSON.parse((await postRaw(JSON.stringify(entry))).text)
  } catch (err) {
    failures.push({ kind: 'crash', detail: `-32603 in a batch; alone it failed: ${String(err)}`, request: show(entry, 1000) })
    return
  }
  const r = res as RpcResponse
  const m = entry as { method?: unknown; params?: unknown }
  const what = `${typeof m.method === 'string' ? m.method : show(m.method)}(${show(m.params, 600)})`
  if (r.error?.code === -32603) {
    failures.push({ kind: 'crash', detail: `${what} → -32603 ${JSON.stringify(r.error.message)}` })
  } else {
    failures.push({ kind: 'crash', detail: `${what} → -32603 inside a batch (alone: ${show(r.error ?? r.result, 200)})` })
  }
}

// ------------------------------------------------------------------ the corpus

interface Fixture {
  contract: Hex
  txHashes: Hex[]
  blockHash: Hex
  blockNumber: Hex
  logFilter: Hex
  blockFilter: Hex
  pendingFilter: Hex
  rawTx: Hex
  topic: Hex
  signed: { kind: string; raw: Hex }[]
}

let fx: Fixture

type Call = { method: string; params: unknown[] }

function corpus(): Call[] {
  const a = dev.address
  const c = fx.contract
  const tx = fx.txHashes[0]!
  const callObj = { from: a, to: c, data: `0x${'ab'.repeat(32)}`, value: '0x0', gas: '0x30d40' }
  const filter = { fromBlock: '0x0', toBlock: 'latest', address: c, topics: [[`0x${'ab'.repeat(32)}`], null] }
  return [
    { method: 'eth_accounts', params: [] },
    { method: 'eth_blockNumber', params: [] },
    { method: 'eth_call', params: [callObj, 'latest'] },
    { method: 'eth_call', params: [{ to: c, data: '0x01' }, { blockHash: fx.blockHash }, { [a]: { balance: '0x1', nonce: '0x2' }, [c]: { stateDiff: { '0x0': `0x${'00'.repeat(31)}01` } } }] },
    { method: 'eth_chainId', params: [] },
    { method: 'eth_createAccessList', params: [callObj, 'latest'] },
    { method: 'eth_estimateGas', params: [{ from: a, to: c, data: '0x1234' }] },
    { method: 'eth_estimateGas', params: [{ from: a, to: a, value: '0x1' }, 'latest', { [a]: { balance: '0xffffffffffffffffff' } }] },
    { method: 'eth_feeHistory', params: ['0x5', 'latest', [25, 75]] },
    { method: 'eth_feeHistory', params: [4, fx.blockNumber] },
    { method: 'eth_gasPrice', params: [] },
    { method: 'eth_getBalance', params: [a, 'latest'] },
    { method: 'eth_getBalance', params: [a, { blockNumber: fx.blockNumber }] },
    { method: 'eth_getBlockByHash', params: [fx.blockHash, true] },
    { method: 'eth_getBlockByNumber', params: [fx.blockNumber, false] },
    { method: 'eth_getBlockByNumber', params: ['latest', true] },
    { method: 'eth_getBlockReceipts', params: [fx.blockNumber] },
    { method: 'eth_getBlockTransactionCountByHash', params: [fx.blockHash] },
    { method: 'eth_getBlockTransactionCountByNumber', params: [fx.blockNumber] },
    { method: 'eth_getCode', params: [c, 'latest'] },
    { method: 'eth_getCode', params: [delegator.address, 'latest'] },
    { method: 'eth_getFilterChanges', params: [fx.blockFilter] },
    { method: 'eth_getFilterChanges', params: [fx.pendingFilter] },
    { method: 'eth_getFilterLogs', params: [fx.logFilter] },
    { method: 'eth_getLogs', params: [filter] },
    { method: 'eth_getLogs', params: [{ blockHash: fx.blockHash }] },
    { method: 'eth_getProof', params: [c, ['0x0', `0x${'00'.repeat(32)}`], 'latest'] },
    { method: 'eth_getStorageAt', params: [c, '0x0', 'latest'] },
    { method: 'eth_getTransactionByBlockHashAndIndex', params: [fx.blockHash, '0x0'] },
    { method: 'eth_getTransactionByBlockNumberAndIndex', params: [fx.blockNumber, '0x0'] },
    { method: 'eth_getTransactionByHash', params: [tx] },
    { method: 'eth_getTransactionCount', params: [a, 'pending'] },
    { method: 'eth_getTransactionReceipt', params: [fx.txHashes[fx.txHashes.length - 1]!] },
    { method: 'eth_maxPriorityFeePerGas', params: [] },
    { method: 'eth_newBlockFilter', params: [] },
    { method: 'eth_newFilter', params: [filter] },
    { method: 'eth_newPendingTransactionFilter', params: [] },
    { method: 'eth_newPendingTransactionFilter', params: [true] },
    { method: 'eth_sendRawTransaction', params: [fx.rawTx] },
    { method: 'eth_subscribe', params: ['newHeads'] },
    { method: 'eth_subscribe', params: ['logs', { address: c }] },
    { method: 'eth_syncing', params: [] },
    { method: 'eth_uninstallFilter', params: ['0xdeadbeef'] },
    { method: 'eth_unsubscribe', params: ['0x1'] },
    { method: 'net_listening', params: [] },
    { method: 'net_peerCount', params: [] },
    { method: 'net_version', params: [] },
    { method: 'txpool_content', params: [] },
    { method: 'txpool_contentFrom', params: [a] },
    { method: 'txpool_status', params: [] },
    { method: 'web3_clientVersion', params: [] },
    { method: 'web3_sha3', params: ['0x68656c6c6f'] },
    // the fuzzed node is standalone: these answer -32601 (not settled on L1), which is still well-formed
    { method: 'plexus_getL1Addresses', params: [] },
    { method: 'plexus_syncStatus', params: [] },
    // network methods: a standalone node answers -32601 (no network), except getContracts
    { method: 'plexus_getContracts', params: [] },
    { method: 'plexus_sendBundle', params: [{ txs: [{ chainId: '0x385', tx: '0x02' }], deadlineSlot: '0x10' }] },
    { method: 'plexus_getBundle', params: [`0x${'11'.repeat(32)}`] },
    { method: 'plexus_getMessage', params: [`0x${'22'.repeat(32)}`] },
    { method: 'plexus_getMessagesByTx', params: ['0x385', `0x${'33'.repeat(32)}`] },
    { method: 'plexus_retryMessage', params: [`0x${'44'.repeat(32)}`] },
    { method: 'plexus_getChainRegistry', params: [] },
    { method: 'plexus_listMessages', params: [{ status: 'failed', limit: 10, order: 'asc' }] },
    { method: 'plexus_listBundles', params: [{ status: 'included', limit: 5 }] },
    { method: 'plexus_listDeposits', params: [{ address: a, limit: 5 }] },
    { method: 'plexus_listWithdrawals', params: [{ address: a }] },
    { method: 'plexus_getWithdrawal', params: [`0x${'55'.repeat(32)}`] },
    { method: 'debug_traceCall', params: [callObj, 'latest', { tracer: 'callTracer', tracerConfig: { withLog: true } }] },
    { method: 'debug_traceTransaction', params: [tx, { tracer: 'callTracer' }] },
  ]
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
  'plexus_getChainRegistry',
  'plexus_listMessages',
  'plexus_listBundles',
  'plexus_listDeposits',
  'plexus_listWithdrawals',
  'plexus_getWithdrawal',
])

// ------------------------------------------------------------------ mutations

const WEIRD_STRINGS = [
  '',
  '0x',
  '0x0',
  '0x00',
  '0X1',
  '-0x1',
  '0x-1',
  ' 0x1',
  '0x1 ',
  'latest',
  'pending',
  'earliest',
  'safe',
  'finalized',
  'Latest',
  'null',
  'undefined',
  'NaN',
  '1e400',
  '__proto__',
  'constructor',
  'toString',
  '\u0000',
  '\ud800',
  '😀',
  '0x' + 'f'.repeat(64),
  '0x' + 'f'.repeat(65),
  '0x' + 'f'.repeat(300),
  '0x' + '0'.repeat(40),
  '0x' + '0'.repeat(64),
  '0x1' + '0'.repeat(16),
  '0x8000000000000000',
  '0x7fffffffffffffff',
  '0xffffffffffffffff',
]

const WEIRD_NUMBERS = [
  0, -0, 1, -1, 1.5, -1.5, 0.1, 2 ** 31, -(2 ** 31), 2 ** 32, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 2 ** 64, 1e21, 1e308, -1e308, Number.MIN_VALUE, 100, 101, 1024, 1025,
]

function deepArray(depth: number): unknown {
  let v: unknown = pick([1, '0x1', null, {}])
  for (let i = 0; i < depth; i++) v = [v]
  return v
}

function randomString(): string {
  switch (int(6)) {
    case 0:
      return pick(WEIRD_STRINGS)
    case 1:
      return `0x${randHex(int(130))}`
    case 2:
      return randHex(int(40))
    case 3:
      // big, but bounded so a batch stays under the body limit
      return `0x${'f'.repeat(1000 + int(30_000))}`
    case 4:
      return Array.from({ length: int(20) }, () => String.fromCharCode(int(0x3000))).join('')
    default:
      return `0x${randHex(2 * (1 + int(40)))}`
  }
}

function randomObject(depth: number): Record<string, unknown> {
  const o: Record<string, unknown> = {}
  const keys = ['from', 'to', 'data', 'input', 'gas', 'value', 'blockHash', 'blockNumber', 'fromBlock', 'toBlock', 'address', 'topics', 'tracer', 'tracerConfig', 'accessList', 'authorizationList', 'stateDiff', 'state', 'code', 'balance', 'nonce', '__proto__', 'constructor', 'toString', 'hasOwnProperty', randHex(8)]
  for (let i = int(4); i >= 0; i--) o[pick(keys)] = randomValue(depth + 1)
  return o
}

function randomValue(depth = 0): unknown {
  const r = int(depth > 2 ? 5 : 9)
  switch (r) {
    case 0:
      return null
    case 1:
      return chance(0.5)
    case 2:
      return pick(WEIRD_NUMBERS)
    case 3:
    case 4:
      return randomString()
    case 5:
      return Array.from({ length: int(4) }, () => randomValue(depth + 1))
    case 6:
      return randomObject(depth)
    case 7:
      return deepArray(10 + int(1500))
    default:
      return (rand() - 0.5) * 10 ** int(30)
  }
}

type Slot = { get: () => unknown; set: (v: unknown) => void }

/** Every position inside `root` (array elements and object values), depth-first. */
function slots(root: unknown[], limit = 200): Slot[] {
  const out: Slot[] = []
  const walk = (container: unknown, depth: number): void => {
    if (out.length >= limit || depth > 6) return
    if (Array.isArray(container)) {
      container.forEach((v, i) => {
        out.push({ get: () => container[i], set: (x) => (container[i] = x) })
        walk(v, depth + 1)
      })
    } else if (typeof container === 'object' && container !== null) {
      const o = container as Record<string, unknown>
      for (const k of Object.keys(o)) {
        out.push({ get: () => o[k], set: (x) => (o[k] = x) })
        walk(o[k], depth + 1)
      }
    }
  }
  walk(root, 0)
  return out
}

function mutateString(s: string): string {
  if (s.length === 0) return randomString()
  const i = int(s.length)
  switch (int(6)) {
    case 0: // flip one hex char (or break it)
      return s.slice(0, i) + pick([...HEX, 'g', 'x', 'z', 'G', ' ', '-', '.']) + s.slice(i + 1)
    case 1:
      return s.slice(0, i) // truncate
    case 2:
      return s + randHex(1 + int(5)) // extend (often odd length)
    case 3:
      return s.slice(0, i) + s.slice(i + 1) // drop a char
    case 4:
      return s.toUpperCase()
    default:
      return s.startsWith('0x') ? `0x0${s.slice(2)}` : `0x${s}` // leading zero / add prefix
  }
}

const NAMESPACES = ['eth', 'net', 'web3', 'txpool', 'debug', 'plexus', 'admin', 'personal', 'rpc', 'engine', 'foo', '', 'ETH']

function randomMethod(known: string[]): string {
  switch (int(7)) {
    case 0:
      return `${pick(NAMESPACES)}_${randHex(int(12))}`
    case 1:
      return pick(known).toUpperCase()
    case 2:
      return `${pick(known)}${pick(['', 'x', ' ', '_', '\u0000'])}`
    case 3:
      return pick(known).replace('_', pick(['', '.', '__', '-']))
    case 4:
      return `${pick(NAMESPACES)}_subscribe`
    case 5:
      return `${pick(NAMESPACES)}_unsubscribe`
    default:
      return pick(['_', 'eth_', '_eth', 'constructor', '__proto__', 'toString', 'eth_constructor', 'eth___proto__', 'x'.repeat(5000)])
  }
}

let nextId = 1

/** One corpus call, mutated 1–3 times, as a JSON-RPC message (not always a valid one). */
function mutatedRequest(calls: Call[], known: string[]): unknown {
  const base = pick(calls)
  const params: unknown[] = structuredClone(base.params)
  const msg: Record<string, unknown> = { jsonrpc: '2.0', id: nextId++, method: base.method, params }
  for (let n = 1 + int(3); n > 0; n--) {
    const all = slots(params)
    const slot = all.length > 0 ? pick(all) : undefined
    switch (int(16)) {
      case 0: // drop a param
        if (params.length > 0) params.splice(int(params.length), 1)
        break
      case 1: // add params
        for (let k = 1 + int(3); k > 0; k--) params.push(randomValue())
        break
      case 2:
      case 3: // swap a value's type
        if (slot) slot.set(randomValue())
        else params.push(randomValue())
        break
      case 4:
      case 5: // flip / truncate / extend a string
        if (slot && typeof slot.get() === 'string') slot.set(mutateString(slot.get() as string))
        else if (slot) slot.set(randomString())
        break
      case 6: // huge numbers
        slot?.set(pick([2 ** 64, 1e308, Number.MAX_SAFE_INTEGER + 2, `0x${'f'.repeat(64 + int(200))}`, '0xffffffffffffffff', '0x10000000000000000']))
        break
      case 7: // negative numbers
        slot?.set(pick([-1, -1e308, -(2 ** 53), '-0x1', '-1', -0.5]))
        break
      case 8: // deep nesting
        if (slot) slot.set(deepArray(100 + int(2000)))
        else params.push(deepArray(100 + int(2000)))
        break
      case 9: // random method
        msg.method = randomMethod(known)
        break
      case 10: // random id
        msg.id = pick<unknown>([null, 0, -1, 1.5, 2 ** 64, '', 'x', randHex(10), `${nextId}`, true, {}, [], [1], { a: 1 }])
        break
      case 11: // envelope damage
        switch (int(6)) {
          case 0:
            delete msg.jsonrpc
            break
          case 1:
            msg.jsonrpc = pick(['1.0', '2', 2, null, '2.0 '])
            break
          case 2:
            delete msg.method
            break
          case 3:
            msg.method = pick([null, 1, true, [], {}, ''])
            break
          case 4:
            msg.params = pick<unknown>([{}, 'x', 1, true, { ...params }, null])
            break
          default:
            delete msg.id // a notification: it gets no answer
        }
        break
      case 12: // object keys: inject or remove
        if (slot && typeof slot.get() === 'object' && slot.get() !== null && !Array.isArray(slot.get())) {
          const o = slot.get() as Record<string, unknown>
          const keys = Object.keys(o)
          if (keys.length > 0 && chance(0.4)) delete o[pick(keys)]
          else Object.defineProperty(o, pick(['__proto__', 'constructor', 'toString', 'valueOf', 'blockHash', 'blockNumber', 'requireCanonical', randHex(6)]), { value: randomValue(1), enumerable: true, writable: true, configurable: true })
        } else {
          params.push(randomObject(0))
        }
        break
      case 13: // reorder
        params.reverse()
        break
      case 14: // empty the params
        params.length = 0
        break
      default: // null a param
        if (params.length > 0) params[int(params.length)] = null
    }
  }
  return msg
}

// ------------------------------------------------------------------ raw transactions

function bytesOf(hex: Hex): Uint8Array {
  return Uint8Array.from(Buffer.from(hex.slice(2), 'hex'))
}

function mutateBytes(input: Uint8Array): Uint8Array {
  let b = Array.from(input)
  for (let n = 1 + int(3); n > 0; n--) {
    const i = int(Math.max(1, b.length))
    switch (int(9)) {
      case 0: // flip a bit
        if (b.length) b[i] = b[i]! ^ (1 << int(8))
        break
      case 1: // random byte
        if (b.length) b[i] = int(256)
        break
      case 2: // insert
        b.splice(i, 0, ...Array.from({ length: 1 + int(3) }, () => int(256)))
        break
      case 3: // delete
        b.splice(i, 1 + int(3))
        break
      case 4: // truncate
        b = b.slice(0, i)
        break
      case 5: // append garbage
        b.push(...Array.from({ length: 1 + int(8) }, () => int(256)))
        break
      case 6: // another type byte
        if (b.length) b[0] = pick([0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x7f, 0x80, 0xc0, 0xf8, 0xff])
        break
      case 7: // damage an RLP length prefix near the start
        if (b.length > 4) b[1 + int(3)] = pick([0x00, 0x80, 0xb7, 0xb8, 0xbf, 0xc0, 0xf7, 0xf8, 0xff, b[1]! + 1, b[1]! - 1])
        break
      default: // zero a run (r/s/v live at the end)
        for (let k = Math.max(0, b.length - 1 - int(70)), e = Math.min(b.length, k + 1 + int(32)); k < e; k++) b[k] = 0
    }
  }
  return Uint8Array.from(b)
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
    t = await startTestNode()
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
    failures.length = 0
    sent = 0
    answered = 0
    codes.clear()
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
    console.log(`# ${sent} requests sent, ${answered} answered in ${Math.round(performance.now() - started)} ms; error codes ${show(Object.fromEntries(codes))}`)
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
        const why = malformed(one)
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

/** The method names src/rpc/methods.ts registers. */
function registeredMethods(): string[] {
  const src = readFileSync(new URL('../../../src/rpc/methods.ts', import.meta.url), 'utf8')
  const names = [...src.matchAll(/^\s+([a-z0-9]+_[A-Za-z0-9]+): \[/gm)].map((m) => m[1]!)
  names.push(...[...src.matchAll(/register\('([a-z0-9]+_[A-Za-z0-9]+)'/g)].map((m) => m[1]!))
  assert.ok(names.length > 40, `only ${names.length} methods found in src/rpc/methods.ts`)
  return names
}

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
  const byKind = new Map<string, Failure[]>()
  for (const f of failures) byKind.set(f.kind, [...(byKind.get(f.kind) ?? []), f])
  const lines = [`seed ${SEED}: ${failures.length} failures`]
  for (const [kind, list] of byKind) {
    lines.push(`-- ${kind} (${list.length})`)
    const seen = new Set<string>()
    for (const f of list) {
      if (seen.has(f.detail) || seen.size >= 25) continue
      seen.add(f.detail)
      lines.push(`  ${f.detail}${f.request ? `\n    request: ${f.request.slice(0, 600)}` : ''}`)
    }
  }
  return lines.join('\n')
}
