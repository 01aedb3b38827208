import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createCustomCommon, Hardfork, Mainnet } from '@ethereumjs/common'
import { createFeeMarket1559Tx, createLegacyTx, type TypedTransaction } from '@ethereumjs/tx'
import { keccak256 as viemKeccak, toHex, type Hex } from 'viem'
import { PREDEPLOYS } from '../execution/predeploys.js'
import { initCrypto } from '../primitives/crypto.js'
import { BaseError } from '../primitives/errors.js'
import { executingMessagesAccessList, type ExecutingAccess } from './accessList.js'
import { InteropError, type InteropErrorCode } from './errors.js'
import { messageChecksum } from './identifier.js'
import {
  checkExecutingMessages,
  checkTransaction,
  DEFAULT_MESSAGE_EXPIRY_SECONDS,
  type ExecutingContext,
  type InitiatingLog,
  type InteropView,
} from './validation.js'

await initCrypto()

const T0 = 1_700_000_000n
const BLOCK_TIME = 2n
const APP: Hex = '0x000000000000000000000000000000000000a11c'

/**
 * Three chains building one block per slot in the order 901, 902, 903; 903 started at
 * slot 3. Chain 999 exists but is not in the dependency set. The destination chain under
 * test (902) deliberately does not list itself: the checker must add it.
 */
class FakeNetwork implements InteropView {
  readonly order = new Map<bigint, number>([[901n, 0], [902n, 1], [903n, 2], [999n, 3]])
  readonly firstSlot = new Map<bigint, bigint>([[901n, 0n], [902n, 0n], [903n, 3n], [999n, 0n]])
  readonly heads = new Map<bigint, bigint>([[901n, 10n], [902n, 9n], [903n, 6n], [999n, 10n]])
  readonly logs = new Map<string, InitiatingLog[]>()
  /** Timestamps that differ from the slot schedule (to make a block lie about its time). */
  readonly timeOverride = new Map<string, bigint>()

  inDependencySet(chainId: bigint): boolean {
    return chainId === 901n || chainId === 903n
  }
  blockTimestamp(chainId: bigint, blockNumber: bigint): bigint | undefined {
    const head = this.heads.get(chainId)
    if (head === undefined || blockNumber < 0n || blockNumber > head) return undefined
    return this.timeOverride.get(`${chainId}/${blockNumber}`) ?? T0 + BLOCK_TIME * this.slotOf(chainId, blockNumber)
  }
  logAt(chainId: bigint, blockNumber: bigint, logIndex: number): InitiatingLog | undefined {
    return this.logs.get(`${chainId}/${blockNumber}`)?.[logIndex]
  }
  slotOf(chainId: bigint, blockNumber: bigint): bigint {
    return this.firstSlot.get(chainId)! + blockNumber
  }
  orderOf(chainId: bigint): number {
    return this.order.get(chainId)!
  }

  /** Emits a log and returns its executing-message declaration (and msgHash). */
  emit(chainId: bigint, blockNumber: bigint, data: string): { access: ExecutingAccess; msgHash: Hex; origin: Hex } {
    const key = `${chainId}/${blockNumber}`
    const list = this.logs.get(key) ?? []
    const payloadHash = viemKeccak(toHex(data))
    list.push({ origin: APP, payloadHash })
    this.logs.set(key, list)
    const logIndex = list.length - 1
    const timestamp = T0 + BLOCK_TIME * this.slotOf(chainId, blockNumber)
    const id = { origin: APP, blockNumber, logIndex, timestamp, chainId }
    return { access: { chainId, blockNumber, timestamp, logIndex, checksum: messageChecksum(id, payloadHash) }, msgHash: payloadHash, origin: APP }
  }
}

const ctxAt = (chainId: bigint, slot: bigint): ExecutingContext => ({ chainId, slot, timestamp: T0 + BLOCK_TIME * slot })

/** A declaration for a block/log that need not exist (checksum over an arbitrary hash). */
function declared(chainId: bigint, blockNumber: bigint, logIndex: number, timestamp: bigint): ExecutingAccess {
  const id = { origin: APP, blockNumber, logIndex, timestamp, chainId }
  return { chainId, blockNumber, timestamp, logIndex, checksum: messageChecksum(id, viemKeccak(toHex('nothing'))) }
}

function expectError(err: InteropError | undefined, code: InteropErrorCode, opts: { pending?: boolean; index?: number; text?: RegExp } = {}) {
  assert.ok(err instanceof InteropError, `expected ${code}, got ${String(err)}`)
  assert.equal(err.code, code, err.message)
  assert.equal(err.pending, opts.pending ?? false, `pending: ${err.message}`)
  assert.equal(err.messageIndex, opts.index ?? 0)
  assert.ok(err.message.startsWith(`executing message #${opts.index ?? 0} `), err.message)
  if (opts.text) assert.match(err.message, opts.text)
}

describe('checkExecutingMessages', () => {
  it('accepts a message from an earlier slot of a chain in the dependency set', () => {
    const net = new FakeNetwork()
    const { access } = net.emit(901n, 5n, 'hello')
    assert.equal(checkExecutingMessages([access], ctxAt(902n, 8n), net), undefined)
    // also from a chain that started later (its block 2 is slot 5)
    const late = net.emit(903n, 2n, 'late').access
    assert.equal(checkExecutingMessages([access, late], ctxAt(902n, 8n), net), undefined)
    assert.equal(checkExecutingMessages([], ctxAt(902n, 8n), net), undefined)
  })

  it('accepts the same slot from a chain that builds earlier in it', () => {
    const net = new FakeNetwork()
    const { access } = net.emit(901n, 8n, 'same slot')
    assert.equal(checkExecutingMessages([access], ctxAt(902n, 8n), net), undefined)
  })

  it('counts the destination chain as part of its own dependency set', () => {
    const net = new FakeNetwork()
    assert.equal(net.inDependencySet(902n), false)
    const { access } = net.emit(902n, 3n, 'to myself')
    assert.equal(checkExecutingMessages([access], ctxAt(902n, 8n), net), undefined)
  })

  it('not-in-dependency-set', () => {
    const net = new FakeNetwork()
    const { access } = net.emit(999n, 3n, 'outsider')
    expectError(checkExecutingMessages([access], ctxAt(902n, 8n), net), 'not-in-dependency-set', {
      text: /references chain 999, which is not in the dependency set of chain 902$/,
    })
  })

  it('unknown-block, pending while the source chain may still build it in time', () => {
    const net = new FakeNetwork()
    // 901 is at block 10; block 11 belongs to slot 11, before the executing slot 12
    expectError(checkExecutingMessages([declared(901n, 11n, 0, T0 + 22n)], ctxAt(902n, 12n), net), 'unknown-block', {
      pending: true,
      text: /block 11 on chain 901/,
    })
    // same slot, and 901 builds before 902
    expectError(checkExecutingMessages([declared(901n, 11n, 0, T0 + 22n)], ctxAt(902n, 11n), net), 'unknown-block', { pending: true })
  })

  it('unknown-block, not pending when the block could never precede the executing block', () => {
    const net = new FakeNetwork()
    // 903 builds after 902 in a slot and has built up to block 6 (slot 9): its block 7 is in slot 10
    expectError(checkExecutingMessages([declared(903n, 7n, 0, T0 + 20n)], ctxAt(902n, 10n), net), 'unknown-block', {
      pending: false,
      text: /slot 10/,
    })
    // a far-future block
    expectError(checkExecutingMessages([declared(901n, 1_000n, 0, T0 + 2_000n)], ctxAt(902n, 12n), net), 'unknown-block', { pending: false })
  })

  it('timestamp-mismatch', () => {
    const net = new FakeNetwork()
    const { access } = net.emit(901n, 5n, 'hello')
    expectError(checkExecutingMessages([{ ...access, timestamp: access.timestamp + 1n }], ctxAt(902n, 8n), net), 'timestamp-mismatch', {
      text: new RegExp(`declares timestamp ${access.timestamp + 1n} for block 5 on chain 901, whose timestamp is ${access.timestamp}`),
    })
  })

  it('no-log', () => {
    const net = new FakeNetwork()
    net.emit(901n, 5n, 'a')
    net.emit(901n, 5n, 'b')
    const err = checkExecutingMessages([declared(901n, 5n, 7, T0 + 10n)], ctxAt(902n, 8n), net)
    expectError(err, 'no-log')
    assert.equal(err!.message, 'executing message #0 references log 7 of block 5 on chain 901, which has no log at that index')
  })

  it('checksum-mismatch: another payload, another origin, another log index', () => {
    const net = new FakeNetwork()
    const { access } = net.emit(901n, 5n, 'real')
    net.emit(901n, 5n, 'second')
    const forge = (patch: Partial<{ origin: Hex; msgHash: Hex; logIndex: number }>): ExecutingAccess => {
      const id = { origin: patch.origin ?? APP, blockNumber: 5n, logIndex: patch.logIndex ?? 0, timestamp: access.timestamp, chainId: 901n }
      return { ...access, logIndex: id.logIndex, checksum: messageChecksum(id, patch.msgHash ?? viemKeccak(toHex('real'))) }
    }
    assert.equal(checkExecutingMessages([forge({})], ctxAt(902n, 8n), net), undefined, 'the unforged declaration is valid')
    expectError(checkExecutingMessages([forge({ msgHash: viemKeccak(toHex('fake')) })], ctxAt(902n, 8n), net), 'checksum-mismatch', {
      text: /log 0 of block 5 on chain 901/,
    })
    expectError(checkExecutingMessages([forge({ origin: `0x${'99'.repeat(20)}` })], ctxAt(902n, 8n), net), 'checksum-mismatch')
    // the checksum of log 0 declared as log 1 (which exists, with another payload)
    expectError(checkExecutingMessages([{ ...access, logIndex: 1 }], ctxAt(902n, 8n), net), 'checksum-mismatch')
  })

  it('future-message: the source block is later than the executing block (timestamp, then slot)', () => {
    const net = new FakeNetwork()
    const { access } = net.emit(901n, 9n, 'ahead')
    expectError(checkExecutingMessages([access], ctxAt(902n, 8n), net), 'future-message', { text: /timestamp/ })
    // slots later but a timestamp that claims otherwise (a chain with a different clock)
    net.timeOverride.set('901/10', T0)
    const id = { origin: APP, blockNumber: 10n, logIndex: 0, timestamp: T0, chainId: 901n }
    net.logs.set('901/10', [{ origin: APP, payloadHash: viemKeccak(toHex('x')) }])
    const odd: ExecutingAccess = { chainId: 901n, blockNumber: 10n, timestamp: T0, logIndex: 0, checksum: messageChecksum(id, viemKeccak(toHex('x'))) }
    expectError(checkExecutingMessages([odd], ctxAt(902n, 8n), net), 'future-message', { text: /slot 10, later than the executing block's slot 8/ })
  })

  it('same-slot-order: same slot from a chain that builds later, or from the executing chain itself', () => {
    const net = new FakeNetwork()
    const { access } = net.emit(903n, 5n, 'later in the slot') // slot 8
    expectError(checkExecutingMessages([access], ctxAt(902n, 8n), net), 'same-slot-order', {
      text: /chain 903 does not build before chain 902/,
    })
    const own = net.emit(902n, 8n, 'own block').access
    expectError(checkExecutingMessages([own], ctxAt(902n, 8n), net), 'same-slot-order')
  })

  it('expired: valid up to and including source timestamp + expiry', () => {
    const net = new FakeNetwork()
    const { access } = net.emit(901n, 0n, 'old')
    const at = (timestamp: bigint): ExecutingContext => ({ chainId: 902n, slot: 100n, timestamp })
    assert.equal(DEFAULT_MESSAGE_EXPIRY_SECONDS, 604_800n)
    assert.equal(checkExecutingMessages([access], at(T0 + 604_800n), net), undefined)
    expectError(checkExecutingMessages([access], at(T0 + 604_801n), net), 'expired', { text: /expired at 1700604800/ })
    assert.equal(checkExecutingMessages([access], at(T0 + 60n), net, { expirySeconds: 60n }), undefined)
    expectError(checkExecutingMessages([access], at(T0 + 61n), net, { expirySeconds: 60n }), 'expired')
  })

  it('checks in order: the first broken rule is reported, for the first broken message', () => {
    const net = new FakeNetwork()
    const ok = net.emit(901n, 5n, 'ok').access
    // not in the set AND an unknown block: the set comes first
    expectError(checkExecutingMessages([declared(999n, 50n, 0, T0)], ctxAt(902n, 8n), net), 'not-in-dependency-set')
    // wrong timestamp AND no such log: the timestamp comes first
    expectError(checkExecutingMessages([declared(901n, 5n, 9, T0)], ctxAt(902n, 8n), net), 'timestamp-mismatch')
    // bad checksum AND from the future: the checksum comes first
    const ahead = net.emit(901n, 9n, 'ahead').access
    expectError(checkExecutingMessages([{ ...ahead, checksum: ok.checksum }], ctxAt(902n, 8n), net), 'checksum-mismatch')
    // the second message is the bad one
    expectError(checkExecutingMessages([ok, declared(901n, 5n, 9, T0 + 10n)], ctxAt(902n, 8n), net), 'no-log', { index: 1 })
  })

  it('errors are typed Plexus errors', () => {
    const net = new FakeNetwork()
    const err = checkExecutingMessages([declared(999n, 1n, 0, T0)], ctxAt(902n, 8n), net)
    assert.ok(err instanceof BaseError)
    assert.equal(err.name, 'InteropError')
  })
})

describe('checkTransaction', () => {
  const common = createCustomCommon({ chainId: 902 }, Mainnet, { hardfork: Hardfork.Prague })
  const tx = (accessList: { address: Hex; storageKeys: Hex[] }[]): TypedTransaction =>
    createFeeMarket1559Tx(
      { chainId: 902n, maxFeePerGas: 10n, maxPriorityFeePerGas: 1n, gasLimit: 200_000n, to: PREDEPLOYS.L2ToL2CrossDomainMessenger, accessList },
      { common },
    )

  it('parses the access list and checks every declared message', () => {
    const net = new FakeNetwork()
    const a = net.emit(901n, 5n, 'a')
    const b = net.emit(903n, 2n, 'b')
    const msgs = [a, b].map(({ access, msgHash, origin }) => ({
      id: { origin, blockNumber: access.blockNumber, logIndex: access.logIndex, timestamp: access.timestamp, chainId: access.chainId },
      msgHash,
    }))
    assert.equal(checkTransaction(tx(executingMessagesAccessList(msgs)), ctxAt(902n, 8n), net), undefined)
    // both are from slot 5: executing in slot 5, a (901 builds first) is fine, b (903 builds last) is not
    expectError(checkTransaction(tx(executingMessagesAccessList(msgs)), ctxAt(902n, 5n), net), 'same-slot-order', { index: 1 })
    expectError(checkTransaction(tx(executingMessagesAccessList(msgs.slice(1))), ctxAt(902n, 5n), net), 'same-slot-order')
  })

  it('returns (does not throw) the malformed-access-list error', () => {
    const net = new FakeNetwork()
    const bad = tx([{ address: PREDEPLOYS.CrossL2Inbox, storageKeys: [`0x03${'00'.repeat(31)}`] }])
    const err = checkTransaction(bad, ctxAt(902n, 8n), net)
    assert.ok(err instanceof InteropError)
    assert.equal(err.code, 'malformed-access-list')
  })

  it('passes transactions that execute nothing', () => {
    const net = new FakeNetwork()
    assert.equal(checkTransaction(createLegacyTx({ gasPrice: 10n, gasLimit: 21_000n }, { common }), ctxAt(902n, 8n), net), undefined)
    assert.equal(checkTransaction(tx([]), ctxAt(902n, 8n), net), undefined)
  })
})
