/**
 * The L2ToL2CrossDomainMessenger side of interop: its events, message hash and relay
 * calldata (OP interop specs: predeploys.md "L2ToL2CrossDomainMessenger"; ABI as in
 * optimism contracts-bedrock interfaces/L2/IL2ToL2CrossDomainMessenger.sol).
 */
import { decodeAbiParameters, encodeAbiParameters, encodeFunctionData, parseAbi, toEventSelector } from 'viem'
import { PREDEPLOYS } from '../execution/predeploys.js'
import { keccak256 } from '../primitives/crypto.js'
import { hexToBytes, toData, type Hex } from '../primitives/hex.js'
import { identifierAbi, payloadOf, type MessageIdentifier } from './identifier.js'

export const messengerAbiEvents = parseAbi([
  'event SentMessage(uint256 indexed destination, address indexed target, uint256 indexed messageNonce, address sender, bytes message)',
  'event RelayedMessage(uint256 indexed source, uint256 indexed messageNonce, bytes32 indexed messageHash, bytes32 returnDataHash)',
])

export const relayMessageAbi = [
  {
    type: 'function',
    name: 'relayMessage',
    stateMutability: 'payable',
    inputs: [
      { ...identifierAbi, name: '_id' },
      { name: '_sentMessage', type: 'bytes' },
    ],
    outputs: [{ name: 'returnData_', type: 'bytes' }],
  },
] as const

export const SENT_MESSAGE_TOPIC: Hex = toEventSelector(messengerAbiEvents[0])
export const RELAYED_MESSAGE_TOPIC: Hex = toEventSelector(messengerAbiEvents[1])

const MESSENGER = PREDEPLOYS.L2ToL2CrossDomainMessenger

/** A message sent through the L2ToL2CrossDomainMessenger, read from its SentMessage log. */
export interface SentMessage {
  source: bigint
  destination: bigint
  nonce: bigint
  sender: Hex
  target: Hex
  message: Hex
  /** OP `Hashing.hashL2toL2CrossDomainMessage`: the messenger's replay-protection key. */
  msgHash: Hex
  /** topics ‖ data of the SentMessage log: the `_sentMessage` argument of relayMessage. */
  payload: Hex
  /** keccak256(payload): the msgHash the CrossL2Inbox checksum commits to. */
  payloadHash: Hex
}

export interface RelayedMessage {
  source: bigint
  nonce: bigint
  msgHash: Hex
  returnDataHash: Hex
}

interface RawLog {
  address: Hex
  topics: readonly Hex[]
  data: Hex
}

/** keccak256(abi.encode(destination, source, nonce, sender, target, message)). */
export function messageHash(m: {
  destination: bigint
  source: bigint
  nonce: bigint
  sender: Hex
  target: Hex
  message: Hex
}): Hex {
  const encoded = encodeAbiParameters(
    [
      { type: 'uint256' },
      { type: 'uint256' },
      { type: 'uint256' },
      { type: 'address' },
      { type: 'address' },
      { type: 'bytes' },
    ],
    [m.destination, m.source, m.nonce, m.sender, m.target, m.message],
  )
  return toData(keccak256(hexToBytes(encoded)))
}

function isMessengerLog(log: RawLog, topic0: Hex): boolean {
  return (
    log.address.toLowerCase() === MESSENGER &&
    log.topics.length === 4 &&
    log.topics[0]!.toLowerCase() === topic0
  )
}

/** A 32-byte topic holding an ABI address: the upper 12 bytes must be zero. */
function topicAddress(topic: Hex): Hex | undefined {
  const body = topic.slice(2).toLowerCase()
  if (body.length !== 64 || !/^0{24}[0-9a-f]{40}$/.test(body)) return undefined
  return `0x${body.slice(24)}`
}

function topicWord(topic: Hex): bigint | undefined {
  return /^0x[0-9a-fA-F]{64}$/.test(topic) ? BigInt(topic) : undefined
}

/** The message a SentMessage log of the messenger on `sourceChainId` carries; undefined for any other log. */
export function sentMessageFromLog(sourceChainId: bigint, log: RawLog): SentMessage | undefined {
  if (!isMessengerLog(log, SENT_MESSAGE_TOPIC)) return undefined
  const destination = topicWord(log.topics[1]!)
  const target = topicAddress(log.topics[2]!)
  const nonce = topicWord(log.topics[3]!)
  if (destination === undefined || target === undefined || nonce === undefined) return undefined
  let sender: Hex
  let message: Hex
  try {
    ;[sender, message] = decodeAbiParameters([{ type: 'address' }, { type: 'bytes' }], log.data)
  } catch {
    return undefined
  }
  sender = sender.toLowerCase() as Hex
  message = message.toLowerCase() as Hex
  const payload = payloadOf(log.topics, log.data)
  return {
    source: sourceChainId,
    destination,
    nonce,
    sender,
    target,
    message,
    msgHash: messageHash({ destination, source: sourceChainId, nonce, sender, target, message }),
    payload,
    payloadHash: toData(keccak256(hexToBytes(payload))),
  }
}

/** The relay a RelayedMessage log of the messenger records; undefined for any other log. */
export function relayedMessageFromLog(log: RawLog): RelayedMessage | undefined {
  if (!isMessengerLog(log, RELAYED_MESSAGE_TOPIC)) return undefined
  const source = topicWord(log.topics[1]!)
  const nonce = topicWord(log.topics[2]!)
  if (source === undefined || nonce === undefined || topicWord(log.topics[3]!) === undefined) return undefined
  if (!/^0x[0-9a-fA-F]{64}$/.test(log.data)) return undefined
  return {
    source,
    nonce,
    msgHash: log.topics[3]!.toLowerCase() as Hex,
    returnDataHash: log.data.toLowerCase() as Hex,
  }
}

/** Calldata of `relayMessage(Identifier _id, bytes _sentMessage)` on the destination's messenger. */
export function relayMessageCalldata(id: MessageIdentifier, payload: Hex): Hex {
  return encodeFunctionData({
    abi: relayMessageAbi,
    functionName: 'relayMessage',
    args: [
      {
        origin: id.origin,
        blockNumber: id.blockNumber,
        logIndex: BigInt(id.logIndex),
        timestamp: id.timestamp,
        chainId: id.chainId,
      },
      payload,
    ],
  })
}
