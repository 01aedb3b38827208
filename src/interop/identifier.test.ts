import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { concat, encodeAbiParameters, encodePacked, keccak256 as viemKeccak, toHex, type Hex } from 'viem'
import { initCrypto } from '../primitives/crypto.js'
import { InvalidParamsError } from '../primitives/errors.js'
import { identifierAbi, logHashOf, messageChecksum, payloadHashOf, type MessageIdentifier } from './identifier.js'

await initCrypto()

// Vectors of OP's reference implementation (optimism op-supervisor/supervisor/types/types_test.go):
// the spec's checksum recipe applied to recognisable field values.
const OP_VECTOR = {
  id: {
    origin: '0xe0e1e2e3e4e5e6e7e8e9f0f1f2f3f4f5f6f7f8f9',
    blockNumber: 0xa1a2_a3a4_a5a6_a7a8n,
    logIndex: 0xb1b2_b3b4,
    timestamp: 0xc1c2_c3c4_c5c6_c7c8n,
    chainId: 0xd1d2_d3d4_d5d6_d7d8n,
  } satisfies MessageIdentifier,
  payload: toHex('example payload'),
  msgHash: '0x8017559a85b12c04b14a1a425d53486d1015f833714a09bd62f04152a7e2ae9b',
  logHash: '0xf9ed05990c887d3f86718aabd7e940faaa75d6a5cd44602e89642586ce85f2aa',
  checksum: '0x03749e87fd7789575de9906569deb05aaf220dc4cfab3d8abbfd34a2e1d7d357',
  lookupEntry: '0x01000000d1d2d3d4d5d6d7d8a1a2a3a4a5a6a7a8c1c2c3c4c5c6c7c8b1b2b3b4',
} as const

/** The spec's recipe (predeploys.md, type 3: Checksum) written with viem, independently of the module. */
function referenceChecksum(id: MessageIdentifier, msgHash: Hex): Hex {
  const logHash = viemKeccak(encodePacked(['address', 'bytes32'], [id.origin, msgHash]))
  const idPacked = encodePacked(['uint96', 'uint64', 'uint64', 'uint32'], [0n, id.blockNumber, id.timestamp, id.logIndex])
  const idLogHash = viemKeccak(concat([logHash, idPacked]))
  const bare = viemKeccak(encodePacked(['bytes32', 'uint256'], [idLogHash, id.chainId]))
  return `0x03${bare.slice(4)}`
}

describe('message identifier hashing', () => {
  it('matches the OP vectors: payload hash, log hash, checksum', () => {
    // the payload is a log without topics whose data is the text
    assert.equal(payloadHashOf([], OP_VECTOR.payload), OP_VECTOR.msgHash)
    assert.equal(logHashOf(OP_VECTOR.id.origin, OP_VECTOR.msgHash), OP_VECTOR.logHash)
    assert.equal(messageChecksum(OP_VECTOR.id, OP_VECTOR.msgHash), OP_VECTOR.checksum)
  })

  it('hashes the topics first, then the data', () => {
    const topics: Hex[] = [viemKeccak(toHex('topic0')), viemKeccak(toHex('topic1')), `0x${'00'.repeat(31)}2a`]
    const data: Hex = '0xdeadbeef'
    assert.equal(payloadHashOf(topics, data), viemKeccak(concat([...topics, data])))
    assert.notEqual(payloadHashOf(topics, data), payloadHashOf(topics.slice(1), data))
    assert.notEqual(payloadHashOf([topics[1]!, topics[0]!], data), payloadHashOf(topics.slice(0, 2), data))
    // upper-case input hashes the same bytes
    assert.equal(payloadHashOf([topics[0]!.toUpperCase().replace('0X', '0x') as Hex], '0xDEADBEEF'), payloadHashOf([topics[0]!], data))
    assert.throws(() => payloadHashOf(['0x1234'], data), InvalidParamsError)
  })

  it('agrees with an independent viem computation, including chain ids above 2^64', () => {
    const cases: MessageIdentifier[] = [
      OP_VECTOR.id,
      { origin: '0x4200000000000000000000000000000000000023', blockNumber: 12n, logIndex: 3, timestamp: 1_700_000_000n, chainId: 901n },
      { origin: `0x${'ab'.repeat(20)}`, blockNumber: 0n, logIndex: 0, timestamp: 0n, chainId: (1n << 200n) + 7n },
      { origin: `0x${'ff'.repeat(20)}`, blockNumber: (1n << 64n) - 1n, logIndex: 0xffff_ffff, timestamp: (1n << 64n) - 1n, chainId: (1n << 256n) - 1n },
    ]
    for (const id of cases) {
      const msgHash = viemKeccak(toHex(`message of ${id.chainId}`))
      const got = messageChecksum(id, msgHash)
      assert.equal(got, referenceChecksum(id, msgHash), `chain ${id.chainId}`)
      assert.equal(got.slice(0, 4), '0x03')
      assert.match(got, /^0x[0-9a-f]{64}$/)
    }
  })

  it('commits to every field of the identifier and to the message hash', () => {
    const base = messageChecksum(OP_VECTOR.id, OP_VECTOR.msgHash)
    const variants: [string, MessageIdentifier, Hex][] = [
      ['origin', { ...OP_VECTOR.id, origin: '0xe0e1e2e3e4e5e6e7e8e9f0f1f2f3f4f5f6f7f8f8' }, OP_VECTOR.msgHash],
      ['blockNumber', { ...OP_VECTOR.id, blockNumber: OP_VECTOR.id.blockNumber + 1n }, OP_VECTOR.msgHash],
      ['logIndex', { ...OP_VECTOR.id, logIndex: OP_VECTOR.id.logIndex + 1 }, OP_VECTOR.msgHash],
      ['timestamp', { ...OP_VECTOR.id, timestamp: OP_VECTOR.id.timestamp + 1n }, OP_VECTOR.msgHash],
      ['chainId', { ...OP_VECTOR.id, chainId: OP_VECTOR.id.chainId + 1n }, OP_VECTOR.msgHash],
      ['chainId high bits', { ...OP_VECTOR.id, chainId: OP_VECTOR.id.chainId + (1n << 64n) }, OP_VECTOR.msgHash],
      ['msgHash', OP_VECTOR.id, OP_VECTOR.logHash],
    ]
    for (const [field, id, msgHash] of variants) assert.notEqual(messageChecksum(id, msgHash), base, field)
  })

  it('rejects identifiers the CrossL2Inbox cannot checksum (it reverts on the same bounds)', () => {
    assert.throws(() => messageChecksum({ ...OP_VECTOR.id, blockNumber: 1n << 64n }, OP_VECTOR.msgHash), InvalidParamsError)
    assert.throws(() => messageChecksum({ ...OP_VECTOR.id, timestamp: 1n << 64n }, OP_VECTOR.msgHash), InvalidParamsError)
    assert.throws(() => messageChecksum({ ...OP_VECTOR.id, logIndex: 2 ** 32 }, OP_VECTOR.msgHash), InvalidParamsError)
    assert.throws(() => messageChecksum({ ...OP_VECTOR.id, logIndex: 1.5 }, OP_VECTOR.msgHash), InvalidParamsError)
    assert.throws(() => messageChecksum({ ...OP_VECTOR.id, chainId: -1n }, OP_VECTOR.msgHash), InvalidParamsError)
    assert.throws(() => messageChecksum({ ...OP_VECTOR.id, origin: '0x1234' }, OP_VECTOR.msgHash), InvalidParamsError)
    assert.throws(() => messageChecksum(OP_VECTOR.id, '0x1234'), InvalidParamsError)
  })

  it('identifierAbi encodes the Solidity struct: five words, field order origin, blockNumber, logIndex, timestamp, chainId', () => {
    const encoded = encodeAbiParameters([identifierAbi], [
      { origin: OP_VECTOR.id.origin, blockNumber: 1n, logIndex: 2n, timestamp: 3n, chainId: 4n },
    ])
    const words = encoded.slice(2).match(/.{64}/g)!
    assert.equal(words.length, 5)
    assert.equal(words[0], `000000000000000000000000${OP_VECTOR.id.origin.slice(2)}`)
    assert.deepEqual(words.slice(1).map((w) => BigInt(`0x${w}`)), [1n, 2n, 3n, 4n])
  })
})
