import type { Common } from '@ethereumjs/common'
import { RLP } from '@ethereumjs/rlp'
import { Capability } from '@ethereumjs/tx'
import { Address } from '@ethereumjs/util'
import { BaseError } from '../primitives/errors.js'
import { keccak256 } from '../primitives/crypto.js'
import { bigIntToBytes, bytesToBigInt } from '../primitives/hex.js'

/** The OP Stack's deposit transaction type: a system transaction derived from L1. */
export const DEPOSIT_TX_TYPE = 0x7e

/** Version of the deposit receipt encoding (OP Canyon: carries the deposit nonce). */
export const DEPOSIT_RECEIPT_VERSION = 1n

export interface DepositTxData {
  /** Unique per deposit: commits to the L1 block and log (user) or sequence number (L1 info). */
  sourceHash: Uint8Array
  from: Uint8Array
  /** Undefined for a contract creation. */
  to: Uint8Array | undefined
  /** Wei credited to `from` before the call (the ETH locked on L1). */
  mint: bigint
  value: bigint
  gasLimit: bigint
  isSystemTx: boolean
  data: Uint8Array
}

/** Deposit bytes that do not decode (only from corrupted storage or a bad batch). */
export class DepositDecodeError extends BaseError {
  override name = 'DepositDecodeError'
}

/**
 * A deposit transaction (`0x7e ‖ rlp([sourceHash, from, to, mint, value, gas,
 * isSystemTx, data])`, as the OP Stack). It has no signature and pays no fees: the
 * sequencer includes it because L1 says so. It offers the part of ethereumjs'
 * transaction surface that blocks, tries and RPC formatting use, so it can sit in a
 * `Block` next to signed transactions.
 */
export class DepositTransaction {
  readonly type = DEPOSIT_TX_TYPE
  readonly sourceHash: Uint8Array
  readonly from: Uint8Array
  readonly to: Address | undefined
  readonly mint: bigint
  readonly value: bigint
  readonly gasLimit: bigint
  readonly isSystemTx: boolean
  readonly data: Uint8Array
  /** Deposits carry no nonce; the sender's nonce at execution is in the receipt. */
  readonly nonce = 0n
  readonly v = undefined
  readonly r = undefined
  readonly s = undefined
  private encoded: Uint8Array | undefined
  private txHash: Uint8Array | undefined

  constructor(
    data: DepositTxData,
    readonly common?: Common,
  ) {
    if (data.sourceHash.length !== 32) throw new DepositDecodeError('deposit sourceHash must be 32 bytes')
    if (data.from.length !== 20) throw new DepositDecodeError('deposit from must be 20 bytes')
    if (data.to !== undefined && data.to.length !== 20) throw new DepositDecodeError('deposit to must be 20 bytes or empty')
    this.sourceHash = data.sourceHash
    this.from = data.from
    this.to = data.to === undefined ? undefined : new Address(data.to)
    this.mint = data.mint
    this.value = data.value
    this.gasLimit = data.gasLimit
    this.isSystemTx = data.isSystemTx
    this.data = data.data
  }

  raw(): Uint8Array[] {
    return [
      this.sourceHash,
      this.from,
      this.to?.bytes ?? new Uint8Array(0),
      bigIntToBytes(this.mint),
      bigIntToBytes(this.value),
      bigIntToBytes(this.gasLimit),
      this.isSystemTx ? Uint8Array.of(1) : new Uint8Array(0),
      this.data,
    ]
  }

  serialize(): Uint8Array {
    if (this.encoded === undefined) {
      const body = RLP.encode(this.raw())
      const out = new Uint8Array(body.length + 1)
      out[0] = DEPOSIT_TX_TYPE
      out.set(body, 1)
      this.encoded = out
    }
    return this.encoded
  }

  hash(): Uint8Array {
    return (this.txHash ??= keccak256(this.serialize()))
  }

  getSenderAddress(): Address {
    return new Address(this.from)
  }

  /** Only the EIP-2718 envelope: no fee market, no access list, no signature. */
  supports(capability: number): boolean {
    return capability === Capability.EIP2718TypedTransaction
  }
}

export function isDepositTransaction(tx: { type: number }): tx is DepositTransaction {
  return tx.type === DEPOSIT_TX_TYPE
}

/** Decodes `0x7e ‖ rlp([...])`; throws DepositDecodeError on any malformation. */
export function decodeDepositTx(bytes: Uint8Array, common?: Common): DepositTransaction {
  if (bytes[0] !== DEPOSIT_TX_TYPE) throw new DepositDecodeError('not a deposit transaction')
  let fields: unknown
  try {
    fields = RLP.decode(bytes.subarray(1))
  } catch (err) {
    throw new DepositDecodeError(`deposit transaction: ${(err as Error).message}`)
  }
  if (!Array.isArray(fields) || fields.length !== 8 || fields.some((f) => !(f instanceof Uint8Array))) {
    throw new DepositDecodeError('deposit transaction must be a list of 8 byte strings')
  }
  const [sourceHash, from, to, mint, value, gas, isSystem, data] = fields as Uint8Array[]
  if (isSystem!.length > 1 || (isSystem!.length === 1 && isSystem![0] !== 1)) {
    throw new DepositDecodeError('deposit isSystemTx must be a boolean')
  }
  return new DepositTransaction(
    {
      sourceHash: sourceHash!,
      from: from!,
      to: to!.length === 0 ? undefined : to!,
      mint: bytesToBigInt(mint!),
      value: bytesToBigInt(value!),
      gasLimit: bytesToBigInt(gas!),
      isSystemTx: isSystem!.length === 1,
      data: data!,
    },
    common,
  )
}

/** Source-hash domains (OP deposit spec): 0 user deposit, 1 L1 attributes. */
const USER_DEPOSIT_DOMAIN = 0n
const L1_INFO_DEPOSIT_DOMAIN = 1n

function domainHash(domain: bigint, l1BlockHash: Uint8Array, n: bigint): Uint8Array {
  const inner = keccak256(Buffer.concat([l1BlockHash, bigIntToBytes(n, 32)]))
  return keccak256(Buffer.concat([bigIntToBytes(domain, 32), inner]))
}

/** Source hash of a user deposit: the L1 block hash and the log's index in that block. */
export function userDepositSourceHash(l1BlockHash: Uint8Array, logIndex: bigint): Uint8Array {
  return domainHash(USER_DEPOSIT_DOMAIN, l1BlockHash, logIndex)
}

/** Source hash of an L1-info deposit: the origin's hash and the block's sequence number. */
export function l1InfoSourceHash(l1BlockHash: Uint8Array, sequenceNumber: bigint): Uint8Array {
  return domainHash(L1_INFO_DEPOSIT_DOMAIN, l1BlockHash, sequenceNumber)
}
