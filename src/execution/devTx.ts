import type { Common } from '@ethereumjs/common'
import { RLP } from '@ethereumjs/rlp'
import { Capability, createFeeMarket1559Tx, type FeeMarket1559Tx, type TypedTransaction } from '@ethereumjs/tx'
import { Address, createZeroAddress, equalsBytes } from '@ethereumjs/util'
import { BaseError, RpcErrorCode } from '../primitives/errors.js'
import { keccak256 } from '../primitives/crypto.js'
import { bigIntToBytes, bytesToBigInt, toData } from '../primitives/hex.js'
import { MAX_BASE_FEE } from './baseFee.js'
import { DEPOSIT_TX_TYPE } from './depositTx.js'
import type { PooledTx } from './pooledTx.js'

/**
 * Plexus' dev system transaction type: what anvil's state-changing dev methods become on a
 * chain of a dev network, so the change is carried in a block, batched to L1 like any
 * transaction and replayed by replicas. 0x7d is used by neither the OP Stack (0x7e
 * deposits) nor Ethereum (0x00–0x04), and it sits below 0x7f as EIP-2718 requires.
 */
export const DEV_TX_TYPE = 0x7d

/**
 * Largest encoded dev transaction (the pool's largest transaction, 128 KiB): it must fit a
 * block's data limit, or it would wait forever for a block that can carry it to L1.
 */
export const MAX_DEV_TX_BYTES = 128 * 1024

/** Largest code anvil_setCode may set: what fits a dev transaction with its other fields. */
export const MAX_DEV_TX_CODE_BYTES = MAX_DEV_TX_BYTES - 1024

const MAX_UINT256 = (1n << 256n) - 1n
const MAX_UINT64 = (1n << 64n) - 1n

/** Sets what it names of one account (anvil_setBalance / setNonce / setCode / setStorageAt). */
export interface DevPatch {
  kind: 'patch'
  address: Uint8Array
  balance?: bigint
  nonce?: bigint
  code?: Uint8Array
  /** 32-byte slot → value (a value of 0 clears the slot). */
  storage?: { slot: Uint8Array; value: bigint }[]
}

/** A transaction run as if `from` had signed it (impersonation): it pays gas and uses its nonce like any. */
export interface DevCall {
  kind: 'call'
  from: Uint8Array
  /** Undefined for a contract creation. */
  to: Uint8Array | undefined
  nonce: bigint
  value: bigint
  data: Uint8Array
  gasLimit: bigint
  maxFeePerGas: bigint
  maxPriorityFeePerGas: bigint
}

/**
 * Sets the base fee of the block that carries it (anvil_setNextBlockBaseFeePerGas): valid
 * only as the block's first transaction after its deposits, in a block whose header base
 * fee is exactly `baseFeePerGas` (see `devBaseFeeOf`). Later blocks follow EIP-1559 from it.
 */
export interface DevBaseFee {
  kind: 'baseFee'
  baseFeePerGas: bigint
}

export type DevTxBody = DevPatch | DevCall | DevBaseFee

/** Dev transaction bytes that do not decode, or a dev transaction where none may be. */
export class DevTxError extends BaseError {
  override name = 'DevTxError'
  constructor(message: string) {
    super(message, { rpcCode: RpcErrorCode.Server })
  }
}

const KIND_PATCH = 1
const KIND_CALL = 2
const KIND_BASE_FEE = 3

/**
 * `0x7d ‖ rlp([id, kind, …])`. `id` (16 bytes, chosen by the sequencer) makes two equal
 * changes distinct transactions with distinct hashes. A patch is
 * `[id, 1, address, [balance?], [nonce?], [code?], [[slot, value]…]]`; a call is
 * `[id, 2, from, to, nonce, value, data, gas, maxFeePerGas, maxPriorityFeePerGas]`; a base
 * fee is `[id, 3, baseFeePerGas]`. It has
 * no signature: only the sequencer of a dev network makes one, and only chains whose
 * genesis allows them (`isDevChain`) accept one in a block. It offers the part of
 * ethereumjs' transaction surface that blocks, tries and RPC formatting use, as
 * `DepositTransaction` does.
 */
export class DevTransaction {
  readonly type = DEV_TX_TYPE
  readonly v = undefined
  readonly r = undefined
  readonly s = undefined
  private readonly encoded: Uint8Array
  private txHash: Uint8Array | undefined

  constructor(
    readonly id: Uint8Array,
    readonly body: DevTxBody,
    readonly common?: Common,
  ) {
    checkBody(id, body)
    this.encoded = encode(id, body)
    if (this.encoded.length > MAX_DEV_TX_BYTES) {
      throw new DevTxError(`the dev transaction is ${this.encoded.length} bytes, over the ${MAX_DEV_TX_BYTES} a block can carry to L1`)
    }
  }

  get nonce(): bigint {
    return this.body.kind === 'call' ? this.body.nonce : 0n
  }

  get gasLimit(): bigint {
    return this.body.kind === 'call' ? this.body.gasLimit : 0n
  }

  get to(): Address | undefined {
    if (this.body.kind === 'call') return this.body.to ? new Address(this.body.to) : undefined
    // The zero address, not none: a transaction without `to` reads as a contract creation.
    if (this.body.kind === 'baseFee') return createZeroAddress()
    return new Address(this.body.address)
  }

  get value(): bigint {
    return this.body.kind === 'call' ? this.body.value : 0n
  }

  get data(): Uint8Array {
    return this.body.kind === 'call' ? this.body.data : new Uint8Array(0)
  }

  get maxFeePerGas(): bigint {
    return this.body.kind === 'call' ? this.body.maxFeePerGas : 0n
  }

  get maxPriorityFeePerGas(): bigint {
    return this.body.kind === 'call' ? this.body.maxPriorityFeePerGas : 0n
  }

  serialize(): Uint8Array {
    return this.encoded
  }

  hash(): Uint8Array {
    return (this.txHash ??= keccak256(this.encoded))
  }

  /** The impersonated sender of a call; the patched account of a patch; the zero address for a base fee (they send nothing). */
  getSenderAddress(): Address {
    const b = this.body
    if (b.kind === 'baseFee') return createZeroAddress()
    return new Address(b.kind === 'call' ? b.from : b.address)
  }

  /** Only the EIP-2718 envelope (a call's fees are read from its fields, not through ethereumjs). */
  supports(capability: number): boolean {
    return capability === Capability.EIP2718TypedTransaction
  }

  /**
   * The unsigned EIP-1559 message the EVM runs for a call, its sender pinned to `from`
   * (Hardhat's impersonation: a transaction whose sender is given, not recovered).
   */
  message(common: Common): FeeMarket1559Tx {
    const b = this.body
    if (b.kind !== 'call') throw new DevTxError('a state patch runs no message')
    const message = createFeeMarket1559Tx(
      {
        chainId: common.chainId(),
        nonce: b.nonce,
        gasLimit: b.gasLimit,
        maxFeePerGas: b.maxFeePerGas,
        maxPriorityFeePerGas: b.maxPriorityFeePerGas,
        to: b.to,
        value: b.value,
        data: b.data,
      },
      { common, freeze: false },
    )
    const from = new Address(b.from)
    Object.defineProperty(message, 'getSenderAddress', { value: () => from })
    return message
  }
}

/** A dev transaction in the shape blocks are filled from (its sender: the impersonated `from`, or the patched account). */
export function pooledDevTx(tx: DevTransaction, receivedAt = Date.now()): PooledTx {
  return {
    tx: tx as unknown as TypedTransaction,
    hash: toData(tx.hash()),
    sender: toData(tx.getSenderAddress().bytes),
    raw: tx.serialize(),
    nonce: tx.nonce,
    gasLimit: tx.gasLimit,
    maxFeePerGas: tx.maxFeePerGas,
    maxPriorityFeePerGas: tx.maxPriorityFeePerGas,
    receivedAt,
  }
}

export function isDevTransaction(tx: { type: number }): tx is DevTransaction {
  return tx.type === DEV_TX_TYPE
}

/**
 * Whether a chain accepts dev transactions: its genesis says so (`config.plexus.dev`),
 * which the network sets only when its L1 is the embedded anvil. Replicas read the same
 * genesis from the chain's L1 registration, so they agree on it.
 */
export function isDevGenesis(genesis: { config?: unknown }): boolean {
  const plexus = (genesis.config as { plexus?: { dev?: unknown } } | undefined)?.plexus
  return plexus?.dev === true
}

function checkBody(id: Uint8Array, b: DevTxBody): void {
  if (id.length !== 16) throw new DevTxError('dev transaction id must be 16 bytes')
  if (b.kind === 'baseFee') {
    if (b.baseFeePerGas < 0n || b.baseFeePerGas > MAX_BASE_FEE) throw new DevTxError('baseFeePerGas must be between 0 and 2^256-1')
    return
  }
  if (b.kind === 'patch') {
    if (b.address.length !== 20) throw new DevTxError('dev patch address must be 20 bytes')
    if (b.balance !== undefined && (b.balance < 0n || b.balance > MAX_UINT256)) throw new DevTxError('balance must be between 0 and 2^256-1')
    if (b.nonce !== undefined && (b.nonce < 0n || b.nonce > MAX_UINT64)) throw new DevTxError('nonce must be between 0 and 2^64-1')
    for (const s of b.storage ?? []) {
      if (s.slot.length !== 32) throw new DevTxError('storage slot must be 32 bytes')
      if (s.value < 0n || s.value > MAX_UINT256) throw new DevTxError('storage value must be between 0 and 2^256-1')
    }
    return
  }
  if (b.from.length !== 20) throw new DevTxError('dev call from must be 20 bytes')
  if (b.to !== undefined && b.to.length !== 20) throw new DevTxError('dev call to must be 20 bytes or empty')
  if (b.nonce < 0n || b.nonce > MAX_UINT64) throw new DevTxError('nonce must be between 0 and 2^64-1')
  for (const [name, v] of [['value', b.value], ['gas', b.gasLimit], ['maxFeePerGas', b.maxFeePerGas], ['maxPriorityFeePerGas', b.maxPriorityFeePerGas]] as const) {
    if (v < 0n || v > MAX_UINT256) throw new DevTxError(`${name} must be between 0 and 2^256-1`)
  }
}

function optional(v: Uint8Array | undefined): Uint8Array[] {
  return v === undefined ? [] : [v]
}

function encode(id: Uint8Array, b: DevTxBody): Uint8Array {
  const fields =
    b.kind === 'baseFee'
      ? [id, Uint8Array.of(KIND_BASE_FEE), bigIntToBytes(b.baseFeePerGas)]
      : b.kind === 'patch'
      ? [
          id,
          Uint8Array.of(KIND_PATCH),
          b.address,
          optional(b.balance === undefined ? undefined : bigIntToBytes(b.balance)),
          optional(b.nonce === undefined ? undefined : bigIntToBytes(b.nonce)),
          optional(b.code),
          (b.storage ?? []).map((s) => [s.slot, bigIntToBytes(s.value)]),
        ]
      : [
          id,
          Uint8Array.of(KIND_CALL),
          b.from,
          b.to ?? new Uint8Array(0),
          bigIntToBytes(b.nonce),
          bigIntToBytes(b.value),
          b.data,
          bigIntToBytes(b.gasLimit),
          bigIntToBytes(b.maxFeePerGas),
          bigIntToBytes(b.maxPriorityFeePerGas),
        ]
  const body = RLP.encode(fields as never)
  const out = new Uint8Array(body.length + 1)
  out[0] = DEV_TX_TYPE
  out.set(body, 1)
  return out
}

/**
 * Decodes `0x7d ‖ rlp([...])`; throws DevTxError on any malformation, including a
 * non-canonical encoding (the bytes must be exactly what the decoded transaction
 * encodes to, so its hash and the block's transactions root cannot differ between the
 * sequencer and a replica).
 */
export function decodeDevTx(bytes: Uint8Array, common?: Common): DevTransaction {
  if (bytes[0] !== DEV_TX_TYPE) throw new DevTxError('not a dev transaction')
  if (bytes.length > MAX_DEV_TX_BYTES) throw new DevTxError(`dev transaction of ${bytes.length} bytes, over ${MAX_DEV_TX_BYTES}`)
  let fields: unknown
  try {
    fields = RLP.decode(bytes.subarray(1))
  } catch (err) {
    throw new DevTxError(`dev transaction: ${(err as Error).message}`)
  }
  if (!Array.isArray(fields) || fields.length < 2) throw new DevTxError('dev transaction must be a list')
  const bytesAt = (i: number): Uint8Array => {
    const f = (fields as unknown[])[i]
    if (!(f instanceof Uint8Array)) throw new DevTxError(`dev transaction field ${i} must be a byte string`)
    return f
  }
  const listAt = (i: number): unknown[] => {
    const f = (fields as unknown[])[i]
    if (!Array.isArray(f)) throw new DevTxError(`dev transaction field ${i} must be a list`)
    return f
  }
  const optionalAt = (i: number): Uint8Array | undefined => {
    const l = listAt(i)
    if (l.length > 1 || (l.length === 1 && !(l[0] instanceof Uint8Array))) throw new DevTxError(`dev transaction field ${i} must be empty or one byte string`)
    return l[0] as Uint8Array | undefined
  }
  const kind = bytesAt(1)
  let body: DevTxBody
  if (kind.length === 1 && kind[0] === KIND_PATCH && fields.length === 7) {
    const balance = optionalAt(3)
    const nonce = optionalAt(4)
    const code = optionalAt(5)
    const storage = listAt(6).map((pair) => {
      if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((p) => p instanceof Uint8Array)) throw new DevTxError('dev patch storage entries must be [slot, value]')
      return { slot: pair[0] as Uint8Array, value: bytesToBigInt(pair[1] as Uint8Array) }
    })
    body = {
      kind: 'patch',
      address: bytesAt(2),
      ...(balance ? { balance: bytesToBigInt(balance) } : {}),
      ...(nonce ? { nonce: bytesToBigInt(nonce) } : {}),
      ...(code ? { code } : {}),
      ...(storage.length > 0 ? { storage } : {}),
    }
  } else if (kind.length === 1 && kind[0] === KIND_CALL && fields.length === 10) {
    const to = bytesAt(3)
    body = {
      kind: 'call',
      from: bytesAt(2),
      to: to.length === 0 ? undefined : to,
      nonce: bytesToBigInt(bytesAt(4)),
      value: bytesToBigInt(bytesAt(5)),
      data: bytesAt(6),
      gasLimit: bytesToBigInt(bytesAt(7)),
      maxFeePerGas: bytesToBigInt(bytesAt(8)),
      maxPriorityFeePerGas: bytesToBigInt(bytesAt(9)),
    }
  } else if (kind.length === 1 && kind[0] === KIND_BASE_FEE && fields.length === 3) {
    body = { kind: 'baseFee', baseFeePerGas: bytesToBigInt(bytesAt(2)) }
  } else {
    throw new DevTxError('dev transaction of an unknown kind or field count')
  }
  const tx = new DevTransaction(bytesAt(0), body, common)
  if (!equalsBytes(tx.serialize(), bytes)) throw new DevTxError('dev transaction is not canonically encoded')
  return tx
}

/** A dev transaction's base fee, if it is one (anvil_setNextBlockBaseFeePerGas). */
export function devBaseFeeTx(tx: { type: number }): bigint | undefined {
  return isDevTransaction(tx) && tx.body.kind === 'baseFee' ? tx.body.baseFeePerGas : undefined
}

/**
 * The base fee a block's transactions fix for its header, or undefined when they fix none
 * (the header then has the EIP-1559 value from the parent): the value of a base-fee dev
 * transaction that is the block's first after its deposits. The sequencer opens the block
 * with it and a replica derives the block with it, so both build the same header.
 */
export function devBaseFeeOf(txs: readonly { type: number }[]): bigint | undefined {
  const first = txs.find((tx) => tx.type !== DEPOSIT_TX_TYPE)
  return first === undefined ? undefined : devBaseFeeTx(first)
}
