import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createCustomCommon, Hardfork, Mainnet } from '@ethereumjs/common'
import { createAccessList2930Tx, createFeeMarket1559Tx, createLegacyTx, createTxFromRLP, type TypedTransaction } from '@ethereumjs/tx'
import { keccak256 as viemKeccak, toHex, type Hex } from 'viem'
import { DepositTransaction } from '../execution/depositTx.js'
import { PREDEPLOYS } from '../execution/predeploys.js'
import { initCrypto } from '../primitives/crypto.js'
import { hexToBytes } from '../primitives/hex.js'
import {
  accessesFromStorageKeys,
  accessListKeysFor,
  executingAccessesOf,
  executingMessagesAccessList,
  type ExecutingAccess,
} from './accessList.js'
import { InteropError } from './errors.js'
import { messageChecksum, type MessageIdentifier } from './identifier.js'

await initCrypto()

const common = createCustomCommon({ chainId: 902 }, Mainnet, { hardfork: Hardfork.Prague })
const INBOX = PREDEPLOYS.CrossL2Inbox

// OP reference vectors (optimism op-supervisor/supervisor/types/types_test.go)
const OP_ID: MessageIdentifier = {
  origin: '0xe0e1e2e3e4e5e6e7e8e9f0f1f2f3f4f5f6f7f8f9',
  blockNumber: 0xa1a2_a3a4_a5a6_a7a8n,
  logIndex: 0xb1b2_b3b4,
  timestamp: 0xc1c2_c3c4_c5c6_c7c8n,
  chainId: 0xd1d2_d3d4_d5d6_d7d8n,
}
const OP_MSG_HASH: Hex = '0x8017559a85b12c04b14a1a425d53486d1015f833714a09bd62f04152a7e2ae9b'
const OP_LOOKUP: Hex = '0x01000000d1d2d3d4d5d6d7d8a1a2a3a4a5a6a7a8c1c2c3c4c5c6c7c8b1b2b3b4'
const OP_CHECKSUM: Hex = '0x03749e87fd7789575de9906569deb05aaf220dc4cfab3d8abbfd34a2e1d7d357'

const BIG_CHAIN = (0x0102030405060708090a0b0c0d0e0f101112131415161718n << 64n) | 0x2122232425262728n

function msg(chainId: bigint, blockNumber: bigint, logIndex: number): { id: MessageIdentifier; msgHash: Hex } {
  return {
    id: { origin: PREDEPLOYS.L2ToL2CrossDomainMessenger, blockNumber, logIndex, timestamp: 1_000n + (blockNumber % 1_000_000n) * 2n, chainId },
    msgHash: viemKeccak(toHex(`payload ${chainId}/${blockNumber}/${logIndex}`)),
  }
}

function accessOf(m: { id: MessageIdentifier; msgHash: Hex }): ExecutingAccess {
  const { chainId, blockNumber, timestamp, logIndex } = m.id
  return { chainId, blockNumber, timestamp, logIndex, checksum: messageChecksum(m.id, m.msgHash) }
}

function tx1559(accessList: { address: Hex; storageKeys: Hex[] }[]): TypedTransaction {
  return createFeeMarket1559Tx(
    { chainId: 902n, nonce: 0n, maxFeePerGas: 10n, maxPriorityFeePerGas: 1n, gasLimit: 100_000n, to: INBOX, accessList },
    { common },
  )
}

const bytes = (keys: Hex[]) => keys.map((k) => hexToBytes(k))
const lookup = (tail = '00'.repeat(28)): Hex => `0x01000000${tail}`
const ext = (tail = '00'.repeat(23) + '01'): Hex => `0x02${'00'.repeat(7)}${tail}`
const checksum: Hex = `0x03${'ab'.repeat(31)}`

function assertMalformed(keys: Hex[], pattern: RegExp) {
  assert.throws(
    () => accessesFromStorageKeys(bytes(keys)),
    (err: unknown) => err instanceof InteropError && err.code === 'malformed-access-list' && pattern.test(err.message),
  )
}

describe('CrossL2Inbox access-list entries', () => {
  it('encodes the OP vector: lookup entry then checksum, no extension for a 64-bit chain id', () => {
    assert.deepEqual(accessListKeysFor(OP_ID, OP_MSG_HASH), [OP_LOOKUP, OP_CHECKSUM])
  })

  it('adds the chain-id extension after the lookup entry only when the chain id exceeds 64 bits', () => {
    const m = msg(BIG_CHAIN, 5n, 1)
    const keys = accessListKeysFor(m.id, m.msgHash)
    assert.equal(keys.length, 3)
    // lookup: low 64 bits of the chain id in bytes 4..12
    assert.equal(keys[0]!.slice(0, 26), '0x010000002122232425262728')
    assert.equal(keys[1], `0x02${'00'.repeat(7)}0102030405060708090a0b0c0d0e0f101112131415161718`)
    assert.equal(keys[2], messageChecksum(m.id, m.msgHash))
    // exactly 2^64 - 1 still fits; 2^64 needs the extension
    assert.equal(accessListKeysFor({ ...m.id, chainId: (1n << 64n) - 1n }, m.msgHash).length, 2)
    assert.equal(accessListKeysFor({ ...m.id, chainId: 1n << 64n }, m.msgHash).length, 3)
  })

  it('round-trips keys → transaction → parsed accesses, among other addresses’ entries', () => {
    const msgs = [msg(901n, 12n, 0), msg(BIG_CHAIN, 7n, 3), msg(1n << 64n, 0n, 0xffff_ffff), msg(903n, (1n << 64n) - 1n, 9)]
    const list = executingMessagesAccessList(msgs)
    assert.equal(list.length, 1)
    assert.equal(list[0]!.address, INBOX)
    assert.equal(list[0]!.storageKeys.length, 2 + 3 + 3 + 2)
    const other = { address: `0x${'22'.repeat(20)}` as Hex, storageKeys: [`0x03${'00'.repeat(31)}` as Hex] }
    const tx = tx1559([other, ...list])
    const expected = msgs.map(accessOf)
    assert.deepEqual(executingAccessesOf(tx), expected)
    // through the wire encoding too
    assert.deepEqual(executingAccessesOf(createTxFromRLP(tx.serialize(), { common })), expected)
    // and from a type-1 transaction
    const tx2930 = createAccessList2930Tx({ chainId: 902n, gasPrice: 10n, gasLimit: 100_000n, to: INBOX, accessList: list }, { common })
    assert.deepEqual(executingAccessesOf(tx2930), expected)
  })

  it('reads several CrossL2Inbox entries as one key list, in order', () => {
    const a = msg(901n, 1n, 0)
    const b = msg(BIG_CHAIN, 2n, 1)
    const keysB = accessListKeysFor(b.id, b.msgHash)
    const tx = tx1559([
      { address: INBOX, storageKeys: accessListKeysFor(a.id, a.msgHash) },
      // one message split across two entries is still one message
      { address: INBOX, storageKeys: keysB.slice(0, 2) },
      { address: `0x${'33'.repeat(20)}`, storageKeys: [] },
      { address: INBOX, storageKeys: keysB.slice(2) },
    ])
    assert.deepEqual(executingAccessesOf(tx), [accessOf(a), accessOf(b)])
  })

  it('declares a repeated message once', () => {
    const a = msg(901n, 1n, 0)
    const b = msg(901n, 1n, 1)
    assert.deepEqual(executingMessagesAccessList([a, b, a])[0]!.storageKeys, [
      ...accessListKeysFor(a.id, a.msgHash),
      ...accessListKeysFor(b.id, b.msgHash),
    ])
    assert.deepEqual(executingMessagesAccessList([]), [])
  })

  it('finds nothing in transactions without executing messages', () => {
    const legacy = createLegacyTx({ gasPrice: 10n, gasLimit: 21_000n, to: INBOX }, { common })
    assert.deepEqual(executingAccessesOf(legacy), [])
    const deposit = new DepositTransaction({
      sourceHash: new Uint8Array(32),
      from: new Uint8Array(20),
      to: hexToBytes(INBOX),
      mint: 0n,
      value: 0n,
      gasLimit: 100_000n,
      isSystemTx: false,
      data: new Uint8Array(0),
    })
    assert.deepEqual(executingAccessesOf(deposit as unknown as TypedTransaction), [])
    assert.deepEqual(executingAccessesOf(tx1559([])), [])
    // other addresses' entries, however they look, are not ours
    assert.deepEqual(executingAccessesOf(tx1559([{ address: `0x${'44'.repeat(20)}`, storageKeys: [checksum, lookup()] }])), [])
  })

  it('accepts the zero-valued minimal message and a redundant extension entry', () => {
    assert.deepEqual(accessesFromStorageKeys(bytes([lookup(), `0x03${'00'.repeat(31)}`])), [
      { chainId: 0n, blockNumber: 0n, timestamp: 0n, logIndex: 0, checksum: `0x03${'00'.repeat(31)}` },
    ])
    // an extension whose upper bytes are zero is allowed (the spec only says it need not be included)
    assert.equal(accessesFromStorageKeys(bytes([lookup(), ext('00'.repeat(24)), checksum]))[0]!.chainId, 0n)
    assert.equal(accessesFromStorageKeys(bytes([lookup(), ext(), checksum]))[0]!.chainId, 1n << 64n)
  })

  describe('malformed sequences', () => {
    it('checksum without a lookup entry', () => assertMalformed([checksum], /#0 is a checksum entry \(type 3\) where a lookup entry/))
    it('checksum after a whole message', () => assertMalformed([lookup(), checksum, checksum], /#2 is a checksum entry/))
    it('lookup without a checksum, at the end', () => assertMalformed([lookup()], /#1 is missing/))
    it('lookup, extension, then the end', () => assertMalformed([lookup(), ext()], /#2 is missing: expected a checksum entry/))
    it('lookup followed by another lookup', () => assertMalformed([lookup(), lookup(), checksum], /#1 is a lookup entry \(type 1\) where a checksum entry/))
    it('unknown type bytes', () => {
      assertMalformed([`0x00${'00'.repeat(31)}`], /#0 is an entry of unknown type 0/)
      assertMalformed([`0x04${'00'.repeat(31)}`], /#0 is an entry of unknown type 4/)
      assertMalformed([lookup(), `0xff${'00'.repeat(31)}`], /#1 is an entry of unknown type 255/)
    })
    it('extension not right after a lookup', () => {
      assertMalformed([ext(), checksum], /#0 is a chain-id extension entry \(type 2\) where a lookup entry/)
      assertMalformed([lookup(), checksum, ext(), checksum], /#2 is a chain-id extension entry/)
      assertMalformed([lookup(), ext(), ext(), checksum], /#2 is a chain-id extension entry \(type 2\) where a checksum entry \(type 3\) must follow the chain-id extension/)
    })
    it('non-zero reserved bytes', () => {
      assertMalformed([`0x01000100${'00'.repeat(28)}`, checksum], /reserved bytes/)
      assertMalformed([lookup(), `0x02000000000000ff${'00'.repeat(24)}`, checksum], /bytes 1\.\.8/)
    })
    it('through a transaction as well', () => {
      const tx = tx1559([{ address: INBOX, storageKeys: [lookup(), lookup()] }])
      assert.throws(() => executingAccessesOf(tx), (err: unknown) => err instanceof InteropError && err.code === 'malformed-access-list')
    })
    it('keys of the wrong length', () => {
      assert.throws(
        () => accessesFromStorageKeys([hexToBytes(lookup()), new Uint8Array(31)]),
        (err: unknown) => err instanceof InteropError && err.code === 'malformed-access-list',
      )
    })
  })

  it('parses long random lists back to what was declared', () => {
    let seed = 1n
    const rand = (bits: bigint) => {
      seed = BigInt(viemKeccak(toHex(seed, { size: 32 })))
      return seed & ((1n << bits) - 1n)
    }
    const msgs = Array.from({ length: 100 }, (_, i) => ({
      id: {
        origin: toHex(rand(160n), { size: 20 }),
        blockNumber: rand(64n),
        logIndex: Number(rand(32n)),
        timestamp: rand(64n),
        chainId: i % 3 === 0 ? rand(256n) : rand(64n),
      },
      msgHash: toHex(rand(256n), { size: 32 }),
    }))
    const keys = executingMessagesAccessList(msgs)[0]!.storageKeys
    assert.deepEqual(accessesFromStorageKeys(bytes(keys)), msgs.map(accessOf))
  })
})
