import type { Block, BlockHeader } from '@ethereumjs/block'
import { Capability, TransactionType, type TypedTransaction } from '@ethereumjs/tx'
import { RLP } from '@ethereumjs/rlp'
import { bigIntToBytes, bytesToBigInt, toData, toQuantity, type Hex } from '../primitives/hex.js'
import { keccak256 } from '../primitives/crypto.js'
import type { StoredReceipt } from '../execution/receipts.js'
import type { PooledTx } from '../execution/pooledTx.js'
import { isDepositTransaction, type DepositTransaction } from '../execution/depositTx.js'
import { isDevTransaction, type DevTransaction } from '../execution/devTx.js'
import { txsOf, type ChainTx } from '../execution/executeTx.js'
import { l1CostOf } from '../execution/l1Fee.js'
import { l1FeeParamsOf, l1InfoOf, type L1BlockInfo } from '../execution/l1Info.js'

/**
 * JSON shapes of blocks, transactions, receipts and logs exactly as geth prints them
 * (field names, QUANTITY vs DATA encoding, which fields each tx type carries).
 */

export function formatHeader(h: BlockHeader): Record<string, unknown> {
  const out: Record<string, unknown> = {
    baseFeePerGas: h.baseFeePerGas !== undefined ? toQuantity(h.baseFeePerGas) : undefined,
    blobGasUsed: h.blobGasUsed !== undefined ? toQuantity(h.blobGasUsed) : undefined,
    difficulty: toQuantity(h.difficulty),
    excessBlobGas: h.excessBlobGas !== undefined ? toQuantity(h.excessBlobGas) : undefined,
    extraData: toData(h.extraData),
    gasLimit: toQuantity(h.gasLimit),
    gasUsed: toQuantity(h.gasUsed),
    hash: toData(h.hash()),
    logsBloom: toData(h.logsBloom),
    miner: h.coinbase.toString(),
    mixHash: toData(h.mixHash),
    nonce: toData(h.nonce),
    number: toQuantity(h.number),
    parentBeaconBlockRoot: h.parentBeaconBlockRoot !== undefined ? toData(h.parentBeaconBlockRoot) : undefined,
    parentHash: toData(h.parentHash),
    receiptsRoot: toData(h.receiptTrie),
    requestsHash: h.requestsHash !== undefined ? toData(h.requestsHash) : undefined,
    sha3Uncles: toData(h.uncleHash),
    stateRoot: toData(h.stateRoot),
    timestamp: toQuantity(h.timestamp),
    transactionsRoot: toData(h.transactionsTrie),
    withdrawalsRoot: h.withdrawalsRoot !== undefined ? toData(h.withdrawalsRoot) : undefined,
  }
  return dropUndefined(out)
}

// A block's encoded size, computed once (clients poll the head block many times a second).
const blockSizes = new WeakMap<Block, number>()

function blockSize(block: Block): number {
  let size = blockSizes.get(block)
  if (size === undefined) blockSizes.set(block, (size = block.serialize().length))
  return size
}

export function formatBlock(block: Block, fullTxs: boolean, receipts?: readonly StoredReceipt[]): Record<string, unknown> {
  const out = formatHeader(block.header)
  out.size = toQuantity(blockSize(block))
  out.transactions = txsOf(block).map((tx, i) =>
    fullTxs ? formatTransaction(tx, { block, index: i, receipts }) : toData(tx.hash()),
  )
  out.uncles = block.uncleHeaders.map((u) => toData(u.hash()))
  if (block.withdrawals !== undefined) {
    out.withdrawals = block.withdrawals.map((w) => ({
      index: toQuantity(w.index),
      validatorIndex: toQuantity(w.validatorIndex),
      address: w.address.toString(),
      amount: toQuantity(w.amount),
    }))
  }
  return out
}

export interface TxInclusion {
  block: Block
  index: number
  /** The block's receipts, when the caller has them (a deposit's nonce is in its receipt). */
  receipts?: readonly StoredReceipt[]
}

/** The fields every transaction shows, whatever its type. */
function baseTxFields(tx: TypedTransaction | DevTransaction, inclusion: TxInclusion | undefined, sender?: string): Record<string, unknown> {
  return {
    blockHash: inclusion ? toData(inclusion.block.hash()) : null,
    blockNumber: inclusion ? toQuantity(inclusion.block.header.number) : null,
    from: sender ?? tx.getSenderAddress().toString(),
    gas: toQuantity(tx.gasLimit),
    gasPrice: toQuantity(effectiveGasPrice(tx, inclusion?.block.header.baseFeePerGas, inclusion !== undefined)),
    hash: toData(tx.hash()),
    input: toData(tx.data),
    nonce: toQuantity(tx.nonce),
    to: tx.to ? tx.to.toString() : null,
    transactionIndex: inclusion ? toQuantity(inclusion.index) : null,
    value: toQuantity(tx.value),
    type: toQuantity(tx.type),
  }
}

/** A transaction as geth prints it; `inclusion` absent for pending ones. */
export function formatTransaction(tx: ChainTx, inclusion?: TxInclusion, sender?: string): Record<string, unknown> {
  if (isDepositTransaction(tx)) return formatDepositTransaction(tx, inclusion)
  if (isDevTransaction(tx)) return formatDevTransaction(tx, inclusion)
  const t = tx as TypedTransaction & {
    gasPrice?: bigint
    maxFeePerGas?: bigint
    maxPriorityFeePerGas?: bigint
    accessList?: [Uint8Array, Uint8Array[]][]
    authorizationList?: Uint8Array[][]
  }
  const out = baseTxFields(tx, inclusion, sender)
  if (tx.supports(Capability.EIP1559FeeMarket)) {
    out.maxFeePerGas = toQuantity(t.maxFeePerGas!)
    out.maxPriorityFeePerGas = toQuantity(t.maxPriorityFeePerGas!)
  }
  if (tx.supports(Capability.EIP2930AccessLists)) {
    out.accessList = (t.accessList ?? []).map(([address, keys]) => ({
      address: toData(address),
      storageKeys: keys.map(toData),
    }))
  }
  if (tx.type === TransactionType.EOACodeEIP7702) {
    out.authorizationList = (t.authorizationList ?? []).map(([chainId, address, nonce, yParity, r, s]) => ({
      chainId: toQuantity(bytesToBigInt(chainId!)),
      address: toData(address!),
      nonce: toQuantity(bytesToBigInt(nonce!)),
      yParity: toQuantity(bytesToBigInt(yParity!)),
      r: toQuantity(bytesToBigInt(r!)),
      s: toQuantity(bytesToBigInt(s!)),
    }))
  }
  const protectedLegacy = tx.type === TransactionType.Legacy && tx.v !== undefined && tx.v !== 27n && tx.v !== 28n
  if (tx.type !== TransactionType.Legacy || protectedLegacy) out.chainId = toQuantity(tx.common.chainId())
  out.v = toQuantity(tx.v ?? 0n)
  out.r = toQuantity(tx.r ?? 0n)
  out.s = toQuantity(tx.s ?? 0n)
  if (tx.type !== TransactionType.Legacy) out.yParity = toQuantity(tx.v ?? 0n)
  return out
}

/**
 * A deposit as op-geth prints it: no fee fields or signature (v/r/s zero), plus
 * `sourceHash`, `mint`, `isSystemTx`; its nonce is the sender's nonce when it ran
 * (from the receipt).
 */
function formatDepositTransaction(tx: DepositTransaction, inclusion?: TxInclusion): Record<string, unknown> {
  const receipt = inclusion ? receiptOf(inclusion) : undefined
  return {
    blockHash: inclusion ? toData(inclusion.block.hash()) : null,
    blockNumber: inclusion ? toQuantity(inclusion.block.header.number) : null,
    from: toData(tx.from),
    gas: toQuantity(tx.gasLimit),
    gasPrice: '0x0',
    hash: toData(tx.hash()),
    input: toData(tx.data),
    nonce: toQuantity(receipt?.depositNonce ?? 0n),
    to: tx.to ? tx.to.toString() : null,
    transactionIndex: inclusion ? toQuantity(inclusion.index) : null,
    value: toQuantity(tx.value),
    type: toQuantity(tx.type),
    v: '0x0',
    r: '0x0',
    s: '0x0',
    sourceHash: toData(tx.sourceHash),
    mint: toQuantity(tx.mint),
    ...(tx.isSystemTx ? { isSystemTx: true } : {}),
    ...(receipt?.depositReceiptVersion !== undefined ? { depositReceiptVersion: toQuantity(receipt.depositReceiptVersion) } : {}),
  }
}

/**
 * A dev transaction (type 0x7d) in the shape of an EIP-1559 transaction with a zero
 * signature, so clients that know only standard fields read it: a call shows its
 * impersonated sender and fees; a patch shows the patched account as `from` and `to`,
 * no gas, and `devPatch` with what it set; a base fee shows the zero address as `from` and
 * `to` (no `to` would read as a contract creation), and `devBaseFeePerGas`.
 */
function formatDevTransaction(tx: DevTransaction, inclusion?: TxInclusion): Record<string, unknown> {
  const b = tx.body
  return {
    ...baseTxFields(tx, inclusion),
    maxFeePerGas: toQuantity(tx.maxFeePerGas),
    maxPriorityFeePerGas: toQuantity(tx.maxPriorityFeePerGas),
    accessList: [],
    chainId: toQuantity(inclusion?.block.common.chainId() ?? tx.common?.chainId() ?? 0n),
    v: '0x0',
    r: '0x0',
    s: '0x0',
    yParity: '0x0',
    ...(b.kind === 'patch'
      ? {
          devPatch: {
            ...(b.balance !== undefined ? { balance: toQuantity(b.balance) } : {}),
            ...(b.nonce !== undefined ? { nonce: toQuantity(b.nonce) } : {}),
            ...(b.code !== undefined ? { code: toData(b.code) } : {}),
            ...(b.storage ? { storage: Object.fromEntries(b.storage.map((x) => [toData(x.slot), toData(bigIntToBytes(x.value, 32))])) } : {}),
          },
        }
      : {}),
    ...(b.kind === 'baseFee' ? { devBaseFeePerGas: toQuantity(b.baseFeePerGas) } : {}),
  }
}

function receiptOf(inclusion: TxInclusion): StoredReceipt | undefined {
  return inclusion.receipts?.[inclusion.index]
}

export function formatPendingTransaction(ptx: PooledTx): Record<string, unknown> {
  return formatTransaction(ptx.tx, undefined, ptx.sender)
}

/** What the transaction paid per gas (legacy: gasPrice; 1559: baseFee + capped tip; deposits: 0). */
export function effectiveGasPrice(tx: ChainTx, baseFee: bigint | undefined, mined = true): bigint {
  if (isDepositTransaction(tx)) return 0n
  if (isDevTransaction(tx)) {
    // A patch or a base fee pays nothing; a call pays as the EIP-1559 transaction it stands for.
    if (tx.body.kind !== 'call') return 0n
    if (!mined || baseFee === undefined) return tx.maxFeePerGas
    return baseFee + minBig(tx.maxFeePerGas - baseFee, tx.maxPriorityFeePerGas)
  }
  const t = tx as TypedTransaction & { gasPrice?: bigint; maxFeePerGas?: bigint; maxPriorityFeePerGas?: bigint }
  if (!tx.supports(Capability.EIP1559FeeMarket)) return t.gasPrice!
  if (!mined || baseFee === undefined) return t.maxFeePerGas!
  const tip = t.maxFeePerGas! - baseFee < t.maxPriorityFeePerGas! ? t.maxFeePerGas! - baseFee : t.maxPriorityFeePerGas!
  return baseFee + tip
}

/** The tip per gas a mined transaction paid above the base fee (0 for deposits, which pay none). */
export function effectiveTip(tx: ChainTx, baseFee: bigint): bigint {
  if (isDevTransaction(tx) && tx.body.kind !== 'call') return 0n
  return isDepositTransaction(tx) ? 0n : effectiveGasPrice(tx, baseFee) - baseFee
}

function minBig(a: bigint, b: bigint): bigint {
  return a < b ? a : b
}

/** All receipts of a block in geth's JSON form (log indexes run across the block). */
export function formatBlockReceipts(block: Block, receipts: readonly StoredReceipt[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = []
  let logIndex = 0
  let prevCumulative = 0n
  for (let i = 0; i < receipts.length; i++) {
    const r = receipts[i]!
    out.push(formatReceipt(block, i, r, prevCumulative, logIndex))
    logIndex += r.logs.length
    prevCumulative = r.cumulativeGasUsed
  }
  return out
}

export function formatReceipt(
  block: Block,
  index: number,
  r: StoredReceipt,
  prevCumulative: bigint,
  firstLogIndex: number,
): Record<string, unknown> {
  const txs = txsOf(block)
  const tx = txs[index]!
  const from = tx.getSenderAddress()
  const nonce = isDepositTransaction(tx) ? (r.depositNonce ?? 0n) : tx.nonce
  const out: Record<string, unknown> = {
    blockHash: toData(block.hash()),
    blockNumber: toQuantity(block.header.number),
    contractAddress: tx.to === undefined ? contractAddress(from.bytes, nonce) : null,
    cumulativeGasUsed: toQuantity(r.cumulativeGasUsed),
    effectiveGasPrice: toQuantity(effectiveGasPrice(tx, block.header.baseFeePerGas)),
    from: from.toString(),
    gasUsed: toQuantity(r.cumulativeGasUsed - prevCumulative),
    logs: r.logs.map((log, j) => formatLog(log, block, index, firstLogIndex + j)),
    logsBloom: toData(r.logsBloom),
    to: tx.to ? tx.to.toString() : null,
    transactionHash: toData(tx.hash()),
    transactionIndex: toQuantity(index),
    type: toQuantity(tx.type),
  }
  if (r.status !== undefined) out.status = toQuantity(r.status)
  else out.root = toData(r.root!)
  if (isDepositTransaction(tx)) {
    out.depositNonce = toQuantity(r.depositNonce ?? 0n)
    out.depositReceiptVersion = toQuantity(r.depositReceiptVersion ?? 0n)
  } else {
    const info = l1InfoOf(txs[0])
    if (info) Object.assign(out, formatL1Fee(tx.serialize(), info))
  }
  return out
}

/** The OP Stack's L1 data-fee receipt fields (Fjord), from the block's L1 info. */
function formatL1Fee(raw: Uint8Array, info: L1BlockInfo): Record<string, unknown> {
  const { l1Fee, l1GasUsed } = l1CostOf(raw, l1FeeParamsOf(info))
  return {
    l1BaseFeeScalar: toQuantity(info.baseFeeScalar),
    l1BlobBaseFee: toQuantity(info.blobBaseFee),
    l1BlobBaseFeeScalar: toQuantity(info.blobBaseFeeScalar),
    l1Fee: toQuantity(l1Fee),
    l1GasPrice: toQuantity(info.baseFee),
    l1GasUsed: toQuantity(l1GasUsed),
  }
}

export function formatLog(
  [address, topics, data]: [Uint8Array, Uint8Array[], Uint8Array],
  block: Block,
  txIndex: number,
  logIndex: number,
  removed = false,
): Record<string, unknown> {
  return {
    address: toData(address),
    topics: topics.map(toData),
    data: toData(data),
    blockNumber: toQuantity(block.header.number),
    transactionHash: toData(block.transactions[txIndex]!.hash()),
    transactionIndex: toQuantity(txIndex),
    blockHash: toData(block.hash()),
    blockTimestamp: toQuantity(block.header.timestamp),
    logIndex: toQuantity(logIndex),
    removed,
  }
}

/** CREATE address: keccak(rlp([sender, nonce]))[12:]. */
export function contractAddress(sender: Uint8Array, nonce: bigint): Hex {
  return toData(keccak256(RLP.encode([sender, nonce === 0n ? new Uint8Array(0) : nonce])).subarray(12))
}


function dropUndefined(o: Record<string, unknown>): Record<string, unknown> {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k]
  return o
}
