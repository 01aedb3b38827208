import { InvalidParamsError } from '../../primitives/errors.js'
import { parseQuantity, toQuantity } from '../../primitives/hex.js'
import type { RpcApi } from '../api.js'
import { parseBlockRef } from '../blockTag.js'
import { effectiveTip } from '../format.js'
import { txsOf } from '../../execution/executeTx.js'

/** eth_feeHistory(blockCount, newestBlock, rewardPercentiles) as geth answers it. */
export function feeHistory(api: RpcApi, [count, newest, percentiles]: unknown[]): Record<string, unknown> {
  let blockCount = parseBlockCount(count)
  if (blockCount > BigInt(api.limits.maxFeeHistory)) blockCount = BigInt(api.limits.maxFeeHistory)
  const pcts = parsePercentiles(percentiles)
  const ref = parseBlockRef(newest, api, 'newestBlock')
  if (ref.kind !== 'number') throw new InvalidParamsError('newestBlock must be a number or tag')
  const head = api.chain.headHeader().number
  const last = ref.number > head ? head : ref.number
  if (blockCount === 0n) return { oldestBlock: toQuantity(0), baseFeePerGas: [], gasUsedRatio: [], reward: [] }
  const first = last - blockCount + 1n < 0n ? 0n : last - blockCount + 1n
  const baseFees: string[] = []
  const ratios: number[] = []
  const blobFees: string[] = []
  const blobRatios: number[] = []
  const rewards: string[][] = []
  for (let n = first; n <= last; n++) {
    const block = api.chain.getBlockByNumber(n)!
    const h = block.header
    baseFees.push(toQuantity(h.baseFeePerGas ?? 0n))
    ratios.push(Number(h.gasUsed) / Number(h.gasLimit))
    blobFees.push(toQuantity(h.excessBlobGas !== undefined ? h.getBlobGasPrice() : 0n))
    blobRatios.push(0)
    if (pcts) rewards.push(blockRewards(api, n, pcts))
  }
  // The base fee after the newest block is part of the answer.
  const newestHeader = api.chain.getBlockByNumber(last)!.header
  baseFees.push(toQuantity(api.chain.baseFeeAfter(newestHeader)))
  blobFees.push(blobFees[blobFees.length - 1]!)
  return {
    oldestBlock: toQuantity(first),
    baseFeePerGas: baseFees,
    gasUsedRatio: ratios,
    baseFeePerBlobGas: blobFees,
    blobGasUsedRatio: blobRatios,
    ...(pcts ? { reward: rewards } : {}),
  }
}

/** geth takes the count as a JSON number, a decimal string or a hex QUANTITY. */
function parseBlockCount(v: unknown): bigint {
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v) || v < 0) throw new InvalidParamsError('invalid blockCount: expected a non-negative integer')
    return BigInt(v)
  }
  if (typeof v === 'string' && /^[0-9]+$/.test(v)) return BigInt(v)
  return parseQuantity(v, 'blockCount')
}

function parsePercentiles(v: unknown): number[] | undefined {
  if (v === undefined || v === null) return undefined
  if (!Array.isArray(v)) throw new InvalidParamsError('invalid rewardPercentiles: expected an array')
  let prev = -1
  return v.map((p) => {
    if (typeof p !== 'number' || p < 0 || p > 100) throw new InvalidParamsError(`invalid reward percentile: ${String(p)}`)
    if (p < prev) throw new InvalidParamsError(`invalid reward percentile: #${prev} > #${p}`)
    prev = p
    return p
  })
}

/** Tips at the given percentiles, weighted by gas used (geth's method). */
function blockRewards(api: RpcApi, n: bigint, pcts: number[]): string[] {
  const block = api.chain.getBlockByNumber(n)!
  const receipts = api.chain.getReceipts(block.hash()) ?? []
  const baseFee = block.header.baseFeePerGas ?? 0n
  if (block.transactions.length === 0) return pcts.map(() => '0x0')
  let prev = 0n
  const items = txsOf(block).map((tx, i) => {
    const used = receipts[i]!.cumulativeGasUsed - prev
    prev = receipts[i]!.cumulativeGasUsed
    return { tip: effectiveTip(tx, baseFee), used }
  })
  items.sort((a, b) => (a.tip < b.tip ? -1 : a.tip > b.tip ? 1 : 0))
  const total = block.header.gasUsed
  return pcts.map((p) => {
    const threshold = (total * BigInt(Math.round(p * 100))) / 10000n
    let sum = 0n
    for (const it of items) {
      sum += it.used
      if (sum >= threshold) return toQuantity(it.tip)
    }
    return toQuantity(items[items.length - 1]!.tip)
  })
}
