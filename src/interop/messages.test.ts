import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import {
  concat,
  decodeAbiParameters,
  decodeFunctionData,
  encodeAbiParameters,
  getAddress,
  keccak256 as viemKeccak,
  parseAbi,
  pad,
  slice,
  toFunctionSelector,
  toHex,
  type Hex,
} from 'viem'
import { PREDEPLOYS } from '../execution/predeploys.js'
import { initCrypto } from '../primitives/crypto.js'
import { accessesFromStorageKeys, accessListKeysFor } from './accessList.js'
import { hexToBytes } from '../primitives/hex.js'
import { payloadHashOf, type MessageIdentifier } from './identifier.js'
import {
  messageHash,
  RELAYED_MESSAGE_TOPIC,
  relayedMessageFromLog,
  relayMessageCalldata,
  SENT_MESSAGE_TOPIC,
  sentMessageFromLog,
} from './messages.js'
import { checkExecutingMessages, type InteropView } from './validation.js'

await initCrypto()

const MESSENGER = PREDEPLOYS.L2ToL2CrossDomainMessenger
const SOURCE = 901n
const DESTINATION = 902n
const NONCE = (1n << 240n) | 5n // a versioned nonce: the version sits in the upper bytes
const SENDER: Hex = '0x00000000000000000000000000000000000b0b00'
const TARGET: Hex = '0xabcdef0000000000000000000000000000c0ffee'
const MESSAGE: Hex = '0xa9059cbb000000000000000000000000000000000000000000000000000000000000dead000000000000000000000000000000000000000000000000000000000000002a'

/** A SentMessage log built by hand, the way the messenger's `emit` lays it out. */
function sentLog(overrides: Partial<{ address: Hex; topics: Hex[]; data: Hex }> = {}) {
  return {
    address: MESSENGER as Hex,
    topics: [
      viemKeccak(toHex('SentMessage(uint256,address,uint256,address,bytes)')),
      pad(toHex(DESTINATION)),
      pad(TARGET),
      pad(toHex(NONCE)),
    ],
    data: encodeAbiParameters([{ type: 'address' }, { type: 'bytes' }], [SENDER, MESSAGE]),
    ...overrides,
  }
}

/** OP Hashing.hashL2toL2CrossDomainMessage, written independently. */
function referenceMessageHash(): Hex {
  return viemKeccak(
    encodeAbiParameters(
      [{ type: 'uint256' }, { type: 'uint256' }, { type: 'uint256' }, { type: 'address' }, { type: 'address' }, { type: 'bytes' }],
      [DESTINATION, SOURCE, NONCE, SENDER, TARGET, MESSAGE],
    ),
  )
}

describe('L2ToL2CrossDomainMessenger messages', () => {
  it('uses the event selectors of the OP interface', () => {
    assert.equal(SENT_MESSAGE_TOPIC, viemKeccak(toHex('SentMessage(uint256,address,uint256,address,bytes)')))
    assert.equal(RELAYED_MESSAGE_TOPIC, viemKeccak(toHex('RelayedMessage(uint256,uint256,bytes32,bytes32)')))
  })

  it('reads a SentMessage log: fields, OP message hash, relay payload and its hash', () => {
    const log = sentLog()
    const sent = sentMessageFromLog(SOURCE, log)
    assert.ok(sent)
    assert.equal(sent.source, SOURCE)
    assert.equal(sent.destination, DESTINATION)
    assert.equal(sent.nonce, NONCE)
    assert.equal(sent.sender, SENDER)
    assert.equal(sent.target, TARGET)
    assert.equal(sent.message, MESSAGE)
    assert.equal(sent.msgHash, referenceMessageHash())
    assert.equal(messageHash({ destination: DESTINATION, source: SOURCE, nonce: NONCE, sender: SENDER, target: TARGET, message: MESSAGE }), referenceMessageHash())
    assert.equal(sent.payload, concat([...log.topics, log.data]))
    assert.equal(sent.payloadHash, viemKeccak(sent.payload))
    assert.equal(sent.payloadHash, payloadHashOf(log.topics, log.data))
    // the message hash binds the source chain: the same log elsewhere is another message
    assert.notEqual(sentMessageFromLog(903n, log)!.msgHash, sent.msgHash)
  })

  it('produces the payload relayMessage decodes (OP reference: topics in [:128], data in [128:])', () => {
    const sent = sentMessageFromLog(SOURCE, sentLog())!
    const [selector, destination, target, nonce] = decodeAbiParameters(
      [{ type: 'bytes32' }, { type: 'uint256' }, { type: 'address' }, { type: 'uint256' }],
      slice(sent.payload, 0, 128),
    )
    assert.equal(selector, SENT_MESSAGE_TOPIC)
    assert.deepEqual([destination, target.toLowerCase(), nonce], [DESTINATION, TARGET, NONCE])
    const [sender, message] = decodeAbiParameters([{ type: 'address' }, { type: 'bytes' }], slice(sent.payload, 128))
    assert.deepEqual([sender.toLowerCase(), message], [SENDER, MESSAGE])
  })

  it('accepts a checksummed log address and returns lowercase hex', () => {
    const sent = sentMessageFromLog(SOURCE, sentLog({ address: getAddress(MESSENGER) }))
    assert.ok(sent)
    assert.equal(sent.sender, SENDER.toLowerCase())
    assert.match(sent.payload, /^0x[0-9a-f]+$/)
  })

  it('ignores every other log', () => {
    const log = sentLog()
    assert.equal(sentMessageFromLog(SOURCE, { ...log, address: `0x${'42'.repeat(20)}` }), undefined, 'another contract')
    assert.equal(sentMessageFromLog(SOURCE, { ...log, topics: [viemKeccak(toHex('Other()')), ...log.topics.slice(1)] }), undefined, 'another event')
    assert.equal(sentMessageFromLog(SOURCE, { ...log, topics: log.topics.slice(0, 3) }), undefined, 'missing topic')
    assert.equal(sentMessageFromLog(SOURCE, { ...log, data: '0x1234' }), undefined, 'undecodable data')
    assert.equal(sentMessageFromLog(SOURCE, { ...log, topics: [log.topics[0]!, log.topics[1]!, `0x${'ff'.repeat(32)}`, log.topics[3]!] }), undefined, 'dirty address topic')
    assert.equal(relayedMessageFromLog(log), undefined, 'a SentMessage is not a RelayedMessage')
  })

  it('reads a RelayedMessage log', () => {
    const hash = referenceMessageHash()
    const returnDataHash = viemKeccak('0x')
    const log = {
      address: MESSENGER as Hex,
      topics: [viemKeccak(toHex('RelayedMessage(uint256,uint256,bytes32,bytes32)')), pad(toHex(SOURCE)), pad(toHex(NONCE)), hash],
      data: returnDataHash,
    }
    assert.deepEqual(relayedMessageFromLog(log), { source: SOURCE, nonce: NONCE, msgHash: hash, returnDataHash })
    assert.equal(relayedMessageFromLog({ ...log, address: `0x${'42'.repeat(20)}` }), undefined)
    assert.equal(relayedMessageFromLog({ ...log, data: '0x' }), undefined)
    assert.equal(sentMessageFromLog(SOURCE, log), undefined)
  })

  it('encodes relayMessage(Identifier, bytes)', () => {
    const sent = sentMessageFromLog(SOURCE, sentLog())!
    const id: MessageIdentifier = { origin: MESSENGER, blockNumber: 77n, logIndex: 4, timestamp: 1_700_000_154n, chainId: SOURCE }
    const data = relayMessageCalldata(id, sent.payload)
    const abi = parseAbi([
      'function relayMessage((address origin, uint256 blockNumber, uint256 logIndex, uint256 timestamp, uint256 chainId) _id, bytes _sentMessage) payable returns (bytes)',
    ])
    assert.equal(slice(data, 0, 4), toFunctionSelector('relayMessage((address,uint256,uint256,uint256,uint256),bytes)'))
    const decoded = decodeFunctionData({ abi, data })
    assert.deepEqual(decoded.args, [
      { origin: getAddress(MESSENGER), blockNumber: 77n, logIndex: 4n, timestamp: 1_700_000_154n, chainId: SOURCE },
      sent.payload,
    ])
  })

  it('end to end: SentMessage log → access list → parsed → valid against the source chain', () => {
    const log = sentLog()
    const sent = sentMessageFromLog(SOURCE, log)!
    const id: MessageIdentifier = { origin: MESSENGER, blockNumber: 10n, logIndex: 2, timestamp: 1_000n + 20n, chainId: SOURCE }
    // relayMessage validates keccak256(_sentMessage) = payloadHash: that is the msgHash of the checksum
    const accesses = accessesFromStorageKeys(accessListKeysFor(id, sent.payloadHash).map((k) => hexToBytes(k)))
    const view: InteropView = {
      inDependencySet: (c) => c === SOURCE,
      blockTimestamp: (c, n) => (c === SOURCE && n <= 10n ? 1_000n + 2n * n : undefined),
      logAt: (c, n, i) => (c === SOURCE && n === 10n && i === 2 ? { origin: log.address, payloadHash: payloadHashOf(log.topics, log.data) } : undefined),
      slotOf: (_c, n) => n,
      orderOf: (c) => (c === SOURCE ? 0 : 1),
    }
    assert.equal(checkExecutingMessages(accesses, { chainId: DESTINATION, slot: 11n, timestamp: 1_022n }, view), undefined)
    // declaring the OP message hash instead of the payload hash would not validate
    const wrong = accessesFromStorageKeys(accessListKeysFor(id, sent.msgHash).map((k) => hexToBytes(k)))
    assert.equal(checkExecutingMessages(wrong, { chainId: DESTINATION, slot: 11n, timestamp: 1_022n }, view)?.code, 'checksum-mismatch')
  })
})
