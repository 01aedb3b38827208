import { RLP } from '@ethereumjs/rlp'
import type { TxReceipt } from '@ethereumjs/vm'
import { encodeReceipt } from '@ethereumjs/vm'

/** A log as stored: [address, topics, data]. */
export type RawLog = [Uint8Array, Uint8Array[], Uint8Array]

/** A consensus receipt decoded from storage. */
export interface StoredReceipt {
  type: number
  /** 1/0 post-Byzantium; undefined pre-Byzantium (then `root` is set). */
  status: 0 | 1 | undefined
  root: Uint8Array | undefined
  cumulativeGasUsed: bigint
  logsBloom: Uint8Array
  logs: RawLog[]
}

/** Consensus encodings of a block's receipts (what the receipts root commits to). */
export function encodeBlockReceipts(receipts: readonly TxReceipt[], txTypes: readonly number[]): Uint8Array[] {
  return receipts.map((r, i) => encodeReceipt(r, txTypes[i] as never))
}

export function packReceipts(encoded: readonly Uint8Array[]): Uint8Array {
  return RLP.encode(encoded as Uint8Array[])
}

export function unpackReceipts(packed: Uint8Array): StoredReceipt[] {
  const items = RLP.decode(packed) as Uint8Array[]
  return items.map(decodeReceipt)
}

export function decodeReceipt(bytes: Uint8Array): StoredReceipt {
  let type = 0
  let body = bytes
  if (bytes[0]! < 0x80) {
    type = bytes[0]!
    body = bytes.subarray(1)
  }
  const [statusOrRoot, cumGas, bloom, logs] = RLP.decode(body) as [Uint8Array, Uint8Array, Uint8Array, RawLog[]]
  const isRoot = statusOrRoot.length === 32
  return {
    type,
    status: isRoot ? undefined : statusOrRoot.length === 0 ? 0 : (statusOrRoot[0] as 0 | 1),
    root: isRoot ? statusOrRoot : undefined,
    cumulativeGasUsed: cumGas.length === 0 ? 0n : BigInt('0x' + Buffer.from(cumGas).toString('hex')),
    logsBloom: bloom,
    logs,
  }
}
