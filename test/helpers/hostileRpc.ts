import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import type { Hex } from 'viem'

/**
 * Hostile JSON-RPC input, reproducible from a seed: a corpus of valid requests (one or
 * more per method the server registers) and the mutations that break them (params
 * dropped, added, retyped, hex flipped, strings truncated, huge and negative numbers,
 * deep nesting, random methods, ids and envelopes), byte mutations of signed
 * transactions, and the checks every answer must pass. Used by the RPC fuzz test (one
 * standalone node) and the fault suite (a whole network).
 */

export interface RpcCall {
  method: string
  params: unknown[]
}

/** The values the corpus needs from the node under test (real ones make mutations reach deep code). */
export interface CorpusFixture {
  /** A funded account, and one with an EIP-7702 delegation (or any other account). */
  account: Hex
  delegator: Hex
  /** A deployed contract. */
  contract: Hex
  /** Hashes of included transactions; the first and the last are used. */
  txHashes: Hex[]
  blockHash: Hex
  blockNumber: Hex
  logFilter: Hex
  blockFilter: Hex
  pendingFilter: Hex
  /** A signed transaction the node accepts (e.g. a nonce far ahead). */
  rawTx: Hex
  /** The node's chain id. */
  chainId: number
  /** Network values (a standalone node has none: made-up ones are used). */
  bundleId?: Hex
  msgHash?: Hex
  /**
   * A cross-chain message whose relay failed: plexus_retryMessage acts on it (refusing it
   * once what was paid is used up), plexus_relayMessageTx builds its hand relay.
   */
  failedMsgHash?: Hex
  /** A transaction that started a withdrawal. */
  withdrawalTx?: Hex
}

/** One or more valid calls of every method (a call that is right to fail unmutated is still a valid shape). */
export function rpcCorpus(fx: CorpusFixture): RpcCall[] {
  const a = fx.account
  const c = fx.contract
  const tx = fx.txHashes[0]!
  const chain = `0x${fx.chainId.toString(16)}`
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
    { method: 'eth_getCode', params: [fx.delegator, 'latest'] },
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
    // a standalone node answers -32601 for these (not settled on L1), which is still well-formed
    { method: 'plexus_getL1Addresses', params: [] },
    { method: 'plexus_syncStatus', params: [] },
    // network methods: a standalone node answers -32601 (no network), except getContracts
    { method: 'plexus_getContracts', params: [] },
    { method: 'plexus_sendBundle', params: [{ txs: [{ chainId: chain, tx: '0x02' }], deadlineSlot: '0x10' }] },
    { method: 'plexus_getBundle', params: [fx.bundleId ?? `0x${'11'.repeat(32)}`] },
    { method: 'plexus_getMessage', params: [fx.msgHash ?? `0x${'22'.repeat(32)}`] },
    { method: 'plexus_getMessagesByTx', params: [chain, tx] },
    { method: 'plexus_retryMessage', params: [fx.failedMsgHash ?? `0x${'44'.repeat(32)}`] },
    { method: 'plexus_retryMessage', params: [fx.failedMsgHash ?? `0x${'44'.repeat(32)}`, '0x7a120'] },
    { method: 'plexus_relayMessageTx', params: [fx.failedMsgHash ?? fx.msgHash ?? `0x${'22'.repeat(32)}`] },
    { method: 'plexus_getChainRegistry', params: [] },
    { method: 'plexus_listMessages', params: [{ status: 'failed', limit: 10, order: 'asc' }] },
    { method: 'plexus_listBundles', params: [{ status: 'included', limit: 5 }] },
    { method: 'plexus_listDeposits', params: [{ address: a, limit: 5 }] },
    { method: 'plexus_listWithdrawals', params: [{ address: a }] },
    { method: 'plexus_getWithdrawal', params: [fx.withdrawalTx ?? `0x${'55'.repeat(32)}`] },
    // walks every chain's state and reads L1: costly, so hostile repetitions of it are worth sending
    { method: 'plexus_audit', params: [] },
    { method: 'debug_traceCall', params: [callObj, 'latest', { tracer: 'callTracer', tracerConfig: { withLog: true } }] },
    { method: 'debug_traceTransaction', params: [tx, { tracer: 'callTracer' }] },
    // anvil's dev methods: served by a dev network's sequencer, refused by any other node
    { method: 'anvil_setBalance', params: [a, '0xde0b6b3a7640000'] },
    { method: 'hardhat_setBalance', params: [a, '0xde0b6b3a7640000'] },
    { method: 'anvil_setCode', params: [c, '0x6000'] },
    { method: 'hardhat_setCode', params: [c, '0x6000'] },
    { method: 'anvil_setStorageAt', params: [c, '0x0', `0x${'00'.repeat(31)}01`] },
    { method: 'hardhat_setStorageAt', params: [c, '0x0', `0x${'00'.repeat(31)}01`] },
    { method: 'anvil_setNonce', params: [a, '0x10'] },
    { method: 'hardhat_setNonce', params: [a, '0x10'] },
    { method: 'anvil_impersonateAccount', params: [c] },
    { method: 'hardhat_impersonateAccount', params: [c] },
    { method: 'anvil_stopImpersonatingAccount', params: [c] },
    { method: 'hardhat_stopImpersonatingAccount', params: [c] },
    { method: 'anvil_autoImpersonateAccount', params: [false] },
    { method: 'anvil_setNextBlockBaseFeePerGas', params: ['0x3b9aca00'] },
    { method: 'hardhat_setNextBlockBaseFeePerGas', params: ['0x3b9aca00'] },
    { method: 'anvil_dropTransaction', params: [tx] },
    { method: 'anvil_dropAllTransactions', params: [] },
    { method: 'anvil_nodeInfo', params: [] },
    { method: 'eth_sendTransaction', params: [{ from: a, to: c, value: '0x1' }] },
    { method: 'eth_sign', params: [a, '0xdeadbeef'] },
    { method: 'personal_sign', params: ['0xdeadbeef', a] },
    { method: 'eth_signTypedData_v4', params: [a, JSON.stringify({ types: { EIP712Domain: [{ name: 'name', type: 'string' }], Mail: [{ name: 'contents', type: 'string' }] }, primaryType: 'Mail', domain: { name: 'Plexus' }, message: { contents: 'hi' } })] },
    { method: 'evm_increaseTime', params: ['0x3c'] },
    { method: 'evm_setNextBlockTimestamp', params: [`0x${(2n ** 33n).toString(16)}`] },
    { method: 'evm_mine', params: [] },
    { method: 'anvil_mine', params: ['0x2', '0x1'] },
    { method: 'hardhat_mine', params: ['0x2'] },
    { method: 'evm_snapshot', params: [] },
    { method: 'evm_revert', params: ['0x1'] },
    { method: 'plexus_snapshot', params: [] },
    { method: 'plexus_revert', params: ['0x1'] },
  ]
}

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


const NAMESPACES = ['eth', 'net', 'web3', 'txpool', 'debug', 'plexus', 'admin', 'personal', 'rpc', 'engine', 'foo', '', 'ETH']

/** A generator of hostile requests and transactions: every choice is drawn from `rand`, so a seed replays it. */
export function hostileGenerator(rand: () => number) {
  const int = (n: number): number => Math.floor(rand() * n)
  const chance = (p: number): boolean => rand() < p
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!
  const HEX = '0123456789abcdef'
  const randHex = (chars: number): string => Array.from({ length: chars }, () => HEX[int(16)]).join('')

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
  function mutatedRequest(calls: RpcCall[], known: string[]): unknown {
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

  return { mutatedRequest, mutateBytes, randHex }
}

// ------------------------------------------------------------------ checks of the answers

/** Why a response is not a well-formed JSON-RPC 2.0 response, or undefined when it is. */
export function malformedResponse(v: unknown): string | undefined {
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

/** A request the server must answer: anything but a well-formed notification. */
export function expectsAnswer(entry: unknown): boolean {
  if (typeof entry !== 'object' || entry === null || Array.isArray(entry)) return true
  const m = entry as Record<string, unknown>
  const notification = m.jsonrpc === '2.0' && typeof m.method === 'string' && m.method !== '' && !Object.hasOwn(m, 'id')
  return !notification
}

/** The method names src/rpc/methods.ts registers (read from the source, so a new method without a corpus entry is noticed). */
export function registeredMethods(): string[] {
  const src = readFileSync(new URL('../../../src/rpc/methods.ts', import.meta.url), 'utf8')
  const names = [...src.matchAll(/^\s+([a-z0-9]+_[A-Za-z0-9]+): \[/gm)].map((m) => m[1]!)
  names.push(...[...src.matchAll(/register\('([a-z0-9]+_[A-Za-z0-9]+)'/g)].map((m) => m[1]!))
  assert.ok(names.length > 40, `only ${names.length} methods found in src/rpc/methods.ts`)
  return names
}

// ------------------------------------------------------------------ sending and judging

export interface RpcResponse {
  jsonrpc: '2.0'
  id: unknown
  result?: unknown
  error?: { code: number; message: string; data?: unknown }
}

export interface HostileFailure {
  kind: 'crash' | 'malformed' | 'hang' | 'transport' | 'count' | 'rawtx-code'
  detail: string
  request?: string
}

/** JSON of `v`, cut to `max` characters (for failure reports). */
export function show(v: unknown, max = 300): string {
  let s: string
  try {
    s = JSON.stringify(v) ?? String(v)
  } catch {
    s = String(v)
  }
  return s.length > max ? `${s.slice(0, max - 3)}...` : s
}

/**
 * Sends hostile batches to one server and records every way its answers fail: not
 * answered in time (hang), connection lost or not HTTP 200 (transport), not well-formed
 * JSON-RPC, a wrong number of answers, or -32603 (an exception escaped a method; each such
 * request is replayed alone to name it).
 */
export class HostileSession {
  readonly failures: HostileFailure[] = []
  sent = 0
  answered = 0
  /** How often each error code was answered. */
  readonly codes = new Map<number, number>()

  constructor(
    private readonly url: () => string,
    private readonly timeoutMs: number,
    /** Bodies above this are split in two (keep under the server's body limit). */
    private readonly maxBody = 4 * 1024 * 1024,
  ) {}

  reset(): void {
    this.failures.length = 0
    this.sent = 0
    this.answered = 0
    this.codes.clear()
  }

  /** POSTs a body; the HTTP status and the raw text (a network failure or timeout throws). */
  readonly postRaw = async (body: string): Promise<{ status: number; text: string }> => {
    const res = await fetch(this.url(), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
      signal: AbortSignal.timeout(this.timeoutMs),
    })
    return { status: res.status, text: await res.text() }
  }

  /**
   * Sends entries as one batch (split when the body would get large) and checks every
   * answer. `check` sees each (entry, response) pair matched by position.
   */
  async sendBatch(entries: unknown[], check?: (entry: unknown, res: RpcResponse) => void): Promise<void> {
    const failures = this.failures
    const body = JSON.stringify(entries)
    if (body.length > this.maxBody && entries.length > 1) {
      const mid = entries.length >> 1
      await this.sendBatch(entries.slice(0, mid), check)
      await this.sendBatch(entries.slice(mid), check)
      return
    }
    this.sent += entries.length
    let status: number
    let text: string
    try {
      ;({ status, text } = await this.postRaw(body))
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
      this.answered++
      const why = malformedResponse(res)
      const entry = want[i]
      if (why) {
        failures.push({ kind: 'malformed', detail: `${why}: ${show(res)}`, request: show(entry) })
        return
      }
      const r = res as RpcResponse
      if (r.error) this.codes.set(r.error.code, (this.codes.get(r.error.code) ?? 0) + 1)
      if (r.error?.code === -32603) crashed.push(entry)
      else check?.(entry, r)
    })
    // Name the requests that crash: replay each suspect on its own.
    for (const entry of crashed) await this.attributeCrash(entry)
  }

  private async attributeCrash(entry: unknown): Promise<void> {
    let res: unknown
    try {
      res = JSON.parse((await this.postRaw(JSON.stringify(entry))).text)
    } catch (err) {
      this.failures.push({ kind: 'crash', detail: `-32603 in a batch; alone it failed: ${String(err)}`, request: show(entry, 1000) })
      return
    }
    const r = res as RpcResponse
    const m = entry as { method?: unknown; params?: unknown }
    const what = `${typeof m.method === 'string' ? m.method : show(m.method)}(${show(m.params, 600)})`
    if (r.error?.code === -32603) {
      this.failures.push({ kind: 'crash', detail: `${what} → -32603 ${JSON.stringify(r.error.message)}` })
    } else {
      this.failures.push({ kind: 'crash', detail: `${what} → -32603 inside a batch (alone: ${show(r.error ?? r.result, 200)})` })
    }
  }

  /** The failures grouped by kind, each distinct one once (at most 25 per kind). */
  report(title: string): string {
    const byKind = new Map<string, HostileFailure[]>()
    for (const f of this.failures) byKind.set(f.kind, [...(byKind.get(f.kind) ?? []), f])
    const lines = [`${title}: ${this.failures.length} failures`]
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
}
