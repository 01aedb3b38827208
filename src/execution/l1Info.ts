import { decodeFunctionData, encodeFunctionData, parseAbi } from 'viem'
import { hexToBytes, toData } from '../primitives/hex.js'
import { DEPOSITOR_ACCOUNT, PREDEPLOYS } from './predeploys.js'
import { DepositTransaction, isDepositTransaction, l1InfoSourceHash } from './depositTx.js'
import type { L1FeeParams } from './l1Fee.js'

/**
 * What an L2 block knows about L1: its origin block (the newest L1 block whose
 * deposits it has included) and the fee parameters of its L1 data fee. Every block of
 * a settled chain opens with a system deposit that writes this into the `L1Block`
 * predeploy, so contracts can read it and replicas can re-derive it.
 */
export interface L1BlockInfo {
  number: bigint
  timestamp: bigint
  hash: Uint8Array
  baseFee: bigint
  blobBaseFee: bigint
  /** How many L2 blocks before this one share its origin (0 for the first). */
  sequenceNumber: bigint
  baseFeeScalar: bigint
  blobBaseFeeScalar: bigint
}

export const L1_BLOCK_ABI = parseAbi([
  'function setL1BlockValues(uint64 _number, uint64 _timestamp, uint256 _basefee, bytes32 _hash, uint64 _sequenceNumber, uint256 _blobBaseFee, uint32 _baseFeeScalar, uint32 _blobBaseFeeScalar)',
])

/** Gas of the L1-info deposit (as the OP Stack's since Regolith). */
export const L1_INFO_GAS = 1_000_000n

export function encodeL1Info(info: L1BlockInfo): Uint8Array {
  return hexToBytes(
    encodeFunctionData({
      abi: L1_BLOCK_ABI,
      functionName: 'setL1BlockValues',
      args: [
        info.number,
        info.timestamp,
        info.baseFee,
        toData(info.hash),
        info.sequenceNumber,
        info.blobBaseFee,
        Number(info.baseFeeScalar),
        Number(info.blobBaseFeeScalar),
      ],
    }),
  )
}

/** The system deposit that opens a block with origin `info`. */
export function l1InfoDeposit(info: L1BlockInfo): DepositTransaction {
  return new DepositTransaction({
    sourceHash: l1InfoSourceHash(info.hash, info.sequenceNumber),
    from: hexToBytes(DEPOSITOR_ACCOUNT),
    to: hexToBytes(PREDEPLOYS.L1Block),
    mint: 0n,
    value: 0n,
    gasLimit: L1_INFO_GAS,
    isSystemTx: false,
    data: encodeL1Info(info),
  })
}

/**
 * The L1 info of a block from its first transaction, or undefined when the block has
 * none (genesis, or a chain that is not settled on L1).
 */
export function l1InfoOf(firstTx: { type: number } | undefined): L1BlockInfo | undefined {
  if (firstTx === undefined || !isDepositTransaction(firstTx)) return undefined
  // Receipts, replays and the batcher all ask for it; decode each block's once.
  if (decoded.has(firstTx)) return decoded.get(firstTx)
  const info = decodeL1Info(firstTx)
  decoded.set(firstTx, info)
  return info
}

const decoded = new WeakMap<DepositTransaction, L1BlockInfo | undefined>()

function decodeL1Info(firstTx: DepositTransaction): L1BlockInfo | undefined {
  if (!firstTx.to || firstTx.to.toString() !== PREDEPLOYS.L1Block || toData(firstTx.from) !== DEPOSITOR_ACCOUNT) return undefined
  try {
    const { args } = decodeFunctionData({ abi: L1_BLOCK_ABI, data: toData(firstTx.data) })
    const [number, timestamp, baseFee, hash, sequenceNumber, blobBaseFee, baseFeeScalar, blobBaseFeeScalar] = args
    return {
      number,
      timestamp,
      baseFee,
      hash: hexToBytes(hash),
      sequenceNumber,
      blobBaseFee,
      baseFeeScalar: BigInt(baseFeeScalar),
      blobBaseFeeScalar: BigInt(blobBaseFeeScalar),
    }
  } catch {
    return undefined
  }
}

export function l1FeeParamsOf(info: L1BlockInfo): L1FeeParams {
  return {
    l1BaseFee: info.baseFee,
    l1BlobBaseFee: info.blobBaseFee,
    baseFeeScalar: info.baseFeeScalar,
    blobBaseFeeScalar: info.blobBaseFeeScalar,
  }
}
