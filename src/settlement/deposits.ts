import { decodeAbiParameters, type Hex, type Log } from 'viem'
import { DepositTransaction, userDepositSourceHash } from '../execution/depositTx.js'
import { BaseError } from '../primitives/errors.js'
import { bytesToBigInt, hexToBytes } from '../primitives/hex.js'

/** The portal's `TransactionDeposited` event (topic 0). */
export const TRANSACTION_DEPOSITED_EVENT =
  'event TransactionDeposited(uint256 indexed chainId, address indexed from, address indexed to, uint256 depositNonce, bytes opaqueData)'

/** A portal log that does not describe a valid deposit (never emitted by our portal). */
export class DepositLogError extends BaseError {
  override name = 'DepositLogError'
}

/** Minimal log shape (viem's `Log` or a raw JSON-RPC log). */
export type DepositLog = Pick<Log, 'topics' | 'data' | 'blockHash' | 'logIndex'>

/**
 * The L2 deposit transaction a portal `TransactionDeposited` log asks for.
 * opaqueData = mint (32) ‖ value (32) ‖ gasLimit (8) ‖ isCreation (1) ‖ data.
 */
export function depositFromLog(log: DepositLog): { chainId: bigint; tx: DepositTransaction } {
  const [, chainTopic, fromTopic, toTopic] = log.topics
  if (!chainTopic || !fromTopic || !toTopic || log.blockHash === null || log.logIndex === null) {
    throw new DepositLogError('deposit log is missing topics or its block position')
  }
  const [, opaque] = decodeAbiParameters([{ type: 'uint256' }, { type: 'bytes' }], log.data)
  const bytes = hexToBytes(opaque)
  if (bytes.length < 73) throw new DepositLogError(`deposit opaqueData is ${bytes.length} bytes, at least 73 expected`)
  const isCreation = bytes[72] === 1
  return {
    chainId: BigInt(chainTopic),
    tx: new DepositTransaction({
      sourceHash: userDepositSourceHash(hexToBytes(log.blockHash), BigInt(log.logIndex)),
      from: topicAddress(fromTopic),
      to: isCreation ? undefined : topicAddress(toTopic),
      mint: bytesToBigInt(bytes.subarray(0, 32)),
      value: bytesToBigInt(bytes.subarray(32, 64)),
      gasLimit: bytesToBigInt(bytes.subarray(64, 72)),
      isSystemTx: false,
      data: bytes.subarray(73),
    }),
  }
}

function topicAddress(topic: Hex): Uint8Array {
  return hexToBytes(topic).subarray(12)
}
