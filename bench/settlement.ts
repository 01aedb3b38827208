/**
 * The settlement part of `npm run bench`, on a whole network started in this process
 * (embedded anvil with the dev network's L1 block time, one rollup, 901):
 *
 * - **Batch cost.** For each workload, the bench's pre-signed transactions are sent
 *   (bench/workload.ts, bench/measure.ts), the batcher's safe head is awaited, and the
 *   network batches are read back from L1 (`NetworkBatchSubmitted` logs →
 *   `submitNetworkBatch` calldata → frames → channels (`channelsIn`) →
 *   `decodeNetworkBatch`, the chain's section): bytes posted and L1 gas per workload
 *   transaction, over every frame of the channels that carry it.
 * - **Deposit latency.** ETH deposits sent one after another on L1 (`depositETH`); for
 *   each, the L1 block that holds it against the L2 block that includes it.
 */
import { keccak256, parseAbiItem, parseEther, parseEventLogs, type Hex, type PublicClient } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { txsOf } from '../src/execution/executeTx.js'
import { estimatedSizeScaled } from '../src/execution/l1Fee.js'
import { l1InfoOf } from '../src/execution/l1Info.js'
import { ephemeralDatadir } from '../src/node/datadir.js'
import { PlexusNetwork } from '../src/node/network.js'
import { devChainOptions, devL1Options } from '../src/node/networkOptions.js'
import { fastLzCompressedLength } from '../src/primitives/fastlz.js'
import { hexToBytes, toData } from '../src/primitives/hex.js'
import { silentLogger } from '../src/primitives/logger.js'
import { createBridgeContext, depositETH, type BridgeContext } from '../src/settlement/actions/bridge.js'
import { decodeNetworkBatch, type Batch } from '../src/settlement/batch/codec.js'
import { readPostedBatches, type PostedBatchTx } from '../src/settlement/batch/postedBatches.js'
import { channelsIn } from '../src/settlement/derivation/channelReader.js'
import { depositFromLog, TRANSACTION_DEPOSITED_EVENT } from '../src/settlement/deposits.js'
import { BlockWatcher } from './blockWatcher.js'
import { measure, percentile, type MeasureOptions } from './measure.js'
import { chunk, createRpc, sleep, type Rpc } from './rpc.js'
import { DEV_MNEMONIC } from './targets.js'
import { prepareWorkload, WORKLOAD_LABEL, type PreparedWorkload, type WorkloadKind } from './workload.js'

/** What the batcher posted for one workload, counted over the batches that carry its transactions. */
export type BatchCost = {
  workload: WorkloadKind
  /** Workload transactions found in batches (all of them, unless the row has an error). */
  txs: number
  batches: number
  /** L2 blocks in those batches, and how many of them hold no transaction (their cost is charged to the workload). */
  l2Blocks: number
  emptyBlocks: number
  /** Transactions in those batches that are not the workload's (0: the measurement is clean). */
  otherTxs: number
  /** Bytes posted for those channels (every frame, its 24-byte header included), per workload transaction. */
  bytesPerTx: number
  /** The whole L1 transaction input (the ABI-encoded `submitNetworkBatch` call), per workload transaction. */
  calldataBytesPerTx: number
  /** The signed L2 transactions themselves, uncompressed. */
  rawBytesPerTx: number
  /** Fjord's estimated size of each transaction (what its L1 data fee is charged for; at least 100). */
  feeEstimateBytesPerTx: number
  /** `gasUsed` of the L1 `submitNetworkBatch` transactions, per workload transaction. */
  l1GasPerTx: number
  /** Whether every one of those L1 transactions paid exactly the EIP-7623 calldata floor. */
  calldataFloor: boolean
}

/** Batches with no transaction at all (an idle chain's empty blocks, or deposit-only blocks). */
export type IdleBatches = { batches: number; l2Blocks: number; bytes: number }

export type DepositSample = {
  l1Block: number
  l2Block: number
  /** The L2 block's L1 origin minus the deposit's L1 block (0 by the inclusion rule). */
  originLag: number
  /** L1 head when the L2 block was first seen, minus the deposit's L1 block. */
  l1Blocks: number
  /** From the deposit's L1 block first seen to its L2 block first seen. */
  seconds: number
  /** From the `depositTransaction` call to its L2 block first seen. */
  fromSendSeconds: number
}

export type DepositLatency = {
  deposits: number
  l1Blocks: { median: number; max: number }
  seconds: { median: number; max: number }
  fromSendSeconds: { median: number; max: number }
  /** The largest origin lag (must be 0). */
  maxOriginLag: number
  samples: DepositSample[]
}

export type SettlementResult = {
  chainId: number
  l1BlockTimeSeconds: number
  /** L1 blocks an origin must be buried under before L2 adopts it. */
  confirmations: number
  txsPerWorkload: number
  senders: number
  /** Deposits sent. */
  deposits: number
  batchCosts: BatchCost[]
  idle: IdleBatches | null
  depositLatency: DepositLatency | null
  durationMs: number
  /** Set when a part did not complete; what did is still reported. */
  error: string | null
}

export type SettlementOptions = {
  workloads: readonly WorkloadKind[]
  txs: number
  senders: number
  lanes: number
  deposits: number
  measure: MeasureOptions
  log: (line: string) => void
}

const DEPOSIT_AMOUNT = parseEther('0.01')
/** L1 account that sends the deposits: the dev mnemonic's account 1 (9 deploys; 0 is the user's). */
const DEPOSITOR_INDEX = 1
const SAFE_TIMEOUT_MS = 60_000
const DEPOSIT_EVENT = parseAbiItem(TRANSACTION_DEPOSITED_EVENT)

/** Runs the whole settlement part. Never throws: a failure becomes the result's error. */
export async function runSettlement(opts: SettlementOptions): Promise<SettlementResult> {
  const started = performance.now()
  const chain = devChainOptions(0, { rpcPort: 0 })
  const l1 = devL1Options({ embedded: { port: 0 } })
  const result: SettlementResult = {
    chainId: chain.chainId,
    l1BlockTimeSeconds: l1.embedded.blockTimeSeconds,
    confirmations: l1.confirmations,
    txsPerWorkload: opts.txs,
    senders: Math.min(opts.senders, opts.txs),
    deposits: opts.deposits,
    batchCosts: [],
    idle: null,
    depositLatency: null,
    durationMs: 0,
    error: null,
  }
  opts.log(`settlement — network of L1 (embedded anvil, ${result.l1BlockTimeSeconds}s blocks) + rollup ${chain.chainId}, in process`)
  const { datadir, cleanup } = ephemeralDatadir()
  const network = new PlexusNetwork({ datadir, l1, chains: [chain], logger: silentLogger() })
  running = { network, cleanup }
  try {
    await network.start()
    const node = network.node(chain.chainId)
    const l2 = createRpc(node.rpcUrl())
    const addresses = await l2.call<{ BatchInbox: Hex; registeredAtBlock: Hex }>('plexus_getL1Addresses')
    const ctx = await createBridgeContext({ l2Url: node.rpcUrl(), account: mnemonicToAccount(DEV_MNEMONIC, { addressIndex: DEPOSITOR_INDEX }) })

    const workloads: PreparedWorkload[] = []
    for (const kind of opts.workloads) {
      opts.log(`  ${WORKLOAD_LABEL[kind]} × ${opts.txs}`)
      const prepared = await prepareWorkload(l2, { kind, count: opts.txs, senders: opts.senders, lanes: opts.lanes, log: opts.log })
      // Setup blocks batched first, so the batches carrying the workload carry nothing else.
      await waitSafe(l2, await headNumber(l2))
      const m = await measure(l2, prepared, opts.measure)
      const problem =
        m.timedOut ??
        (m.sendErrors > 0 ? `${m.sendErrors} txs not accepted (first error: ${m.firstSendError})` : undefined) ??
        (m.verify.failed > 0 ? `${m.verify.failed} of ${m.verify.checked} sampled receipts failed` : undefined)
      if (problem) throw new Error(`${WORKLOAD_LABEL[kind]}: ${problem}`)
      await waitSafe(l2, await headNumber(l2))
      opts.log(`  ${m.included} txs included in ${m.blocks} blocks and batched on L1`)
      workloads.push(prepared)
    }

    if (opts.deposits > 0) {
      opts.log(`  ${opts.deposits} ETH deposits, one after another`)
      try {
        const d = (result.depositLatency = await depositLatency(network, ctx, l2, opts))
        opts.log(
          `  deposit latency: ${d.l1Blocks.median} L1 blocks median (max ${d.l1Blocks.max}), ` +
            `${d.seconds.median.toFixed(2)}s median (max ${d.seconds.max.toFixed(2)}s) from L1 block to L2 block`,
        )
      } catch (err) {
        // The batches are still worth reading: report this and go on.
        result.error = `deposits: ${(err as Error).message}`
        opts.log(`  failed: ${result.error}`)
      }
    }

    const posted = await readPostedBatches(ctx.l1, {
      inbox: addresses.BatchInbox,
      fromBlock: BigInt(addresses.registeredAtBlock),
    })
    // Only the batcher posts here: every commitment carries readable data, and with one
    // chain in the network each network batch (channel) is that chain's one section.
    const byTx = new Map(posted.map((p) => [p.txHash, p]))
    const batches = channelsIn(posted).channels.map((c) => ({
      frames: c.parts.map((part) => byTx.get(part.txHash)!),
      batch: sectionOf(decodeNetworkBatch(c.found.data).chains, BigInt(chain.chainId)),
    }))
    for (const w of workloads) {
      const cost = await batchCost(ctx.l1, w, batches)
      result.batchCosts.push(cost)
      opts.log(
        `  ${WORKLOAD_LABEL[w.kind]}: ${cost.bytesPerTx} B/tx of batch data (${cost.batches} batch(es), ` +
          `${cost.l2Blocks} L2 blocks of which ${cost.emptyBlocks} empty), ${cost.l1GasPerTx} L1 gas/tx`,
      )
    }
    result.idle = idleBatches(batches)
  } catch (err) {
    const message = (err as Error).message
    result.error = result.error ? `${result.error}; ${message}` : message
    opts.log(`  failed: ${message}`)
  } finally {
    await stopSettlement().catch((err: unknown) => opts.log(`  stopping the network failed: ${(err as Error).message}`))
    running = undefined
    result.durationMs = Math.round(performance.now() - started)
  }
  return result
}

/** The network of the settlement run in progress, so a signal can stop it too. */
let running: { network: PlexusNetwork; cleanup: () => void; stopped?: Promise<void> } | undefined

/**
 * Stops the settlement run's network (its anvil is a child process) and removes its
 * datadir; every caller waits for the same stop.
 */
export function stopSettlement(): Promise<void> {
  const current = running
  if (!current) return Promise.resolve()
  current.stopped ??= current.network.stop().finally(() => current.cleanup())
  return current.stopped
}

/** A channel read back from L1: its L1 transactions (frames) and the chain's section of its network batch. */
type DecodedBatch = { frames: PostedBatchTx[]; batch: Batch }

function sectionOf(sections: Batch[], chainId: bigint): Batch {
  const section = sections.find((s) => s.chainId === chainId)
  if (!section || sections.length !== 1) throw new Error(`a network batch of this one-chain network carries chains ${sections.map((s) => s.chainId).join(', ')}`)
  return section
}

/**
 * The batches that carry at least one of the workload's transactions, all of their bytes
 * and gas divided by the workload's transactions: empty L2 blocks inside those batches
 * are charged to the workload; batches without any of its transactions are not.
 */
async function batchCost(l1: PublicClient, w: PreparedWorkload, batches: DecodedBatch[]): Promise<BatchCost> {
  const ours = new Set(w.txs.map((t) => t.hash.toLowerCase()))
  let txs = 0
  let otherTxs = 0
  let l2Blocks = 0
  let emptyBlocks = 0
  let bytes = 0
  let calldataBytes = 0
  let gas = 0n
  let floorEverywhere = true
  let carrying = 0
  for (const b of batches) {
    const hashes = b.batch.blocks.flatMap((block) => block.txs.map((tx) => keccak256(tx)))
    const mine = hashes.filter((h) => ours.has(h)).length
    if (mine === 0) continue
    carrying++
    txs += mine
    otherTxs += hashes.length - mine
    l2Blocks += b.batch.blocks.length
    emptyBlocks += b.batch.blocks.filter((block) => block.txs.length === 0).length
    for (const frame of b.frames) {
      bytes += frame.data!.length
      const input = hexToBytes(frame.input)
      calldataBytes += input.length
      const receipt = await l1.getTransactionReceipt({ hash: frame.txHash })
      gas += receipt.gasUsed
      if (receipt.gasUsed !== calldataFloorGas(input)) floorEverywhere = false
    }
  }
  if (txs !== w.txs.length) throw new Error(`${WORKLOAD_LABEL[w.kind]}: ${txs} of ${w.txs.length} transactions found in L1 batches`)
  const raws = w.txs.map((t) => hexToBytes(t.raw))
  const feeEstimate = raws.reduce((sum, raw) => sum + Number(estimatedSizeScaled(BigInt(fastLzCompressedLength(raw)))) / 1e6, 0)
  return {
    workload: w.kind,
    txs,
    batches: carrying,
    l2Blocks,
    emptyBlocks,
    otherTxs,
    bytesPerTx: round(bytes / txs, 1),
    calldataBytesPerTx: round(calldataBytes / txs, 1),
    rawBytesPerTx: round(raws.reduce((sum, raw) => sum + raw.length, 0) / txs, 1),
    feeEstimateBytesPerTx: round(feeEstimate / txs, 1),
    l1GasPerTx: Math.round(Number(gas) / txs),
    calldataFloor: floorEverywhere,
  }
}

/** EIP-7623's minimum gas of a transaction with this input: 21,000 + 10 per token (zero byte 1, other 4). */
function calldataFloorGas(input: Uint8Array): bigint {
  let tokens = 0
  for (const byte of input) tokens += byte === 0 ? 1 : 4
  return 21_000n + 10n * BigInt(tokens)
}

function idleBatches(batches: DecodedBatch[]): IdleBatches {
  const idle = batches.filter((b) => b.batch.blocks.every((block) => block.txs.length === 0))
  return {
    batches: idle.length,
    l2Blocks: idle.reduce((n, b) => n + b.batch.blocks.length, 0),
    bytes: idle.reduce((n, b) => n + b.frames.reduce((m, f) => m + f.data!.length, 0), 0),
  }
}

/**
 * Sends `opts.deposits` ETH deposits one after another (each once the previous is in an
 * L1 block), then finds each one's L2 block. Times are when the bench first saw each
 * L1 and L2 block, polling both heads every `opts.measure.pollMs`.
 */
async function depositLatency(
  network: PlexusNetwork,
  ctx: BridgeContext,
  l2: Rpc,
  opts: SettlementOptions,
): Promise<DepositLatency> {
  const l1BlockTimeMs = network.options.l1.embedded.blockTimeSeconds * 1000
  const l1Watch = await BlockWatcher.start(createRpc(network.l1Url), opts.measure.pollMs)
  const l2Watch = await BlockWatcher.start(l2, opts.measure.pollMs)
  try {
    const sent: { sentAt: number; l1Block: number; l2Hash: Hex }[] = []
    for (let i = 0; i < opts.deposits; i++) {
      // Each deposit goes out i/n of an L1 block time after the previous one's block, so
      // the sends spread over the L1 slot as a user's would, not all just after a block.
      await sleep((i / opts.deposits) * l1BlockTimeMs)
      const sentAt = performance.now()
      const receipt = await depositETH(ctx, { amount: DEPOSIT_AMOUNT })
      const [log] = parseEventLogs({ abi: [DEPOSIT_EVENT], logs: receipt.logs })
      if (!log) throw new Error(`deposit ${receipt.transactionHash} emitted no TransactionDeposited`)
      sent.push({ sentAt, l1Block: Number(receipt.blockNumber), l2Hash: toData(depositFromLog(log).tx.hash()) })
    }

    const l2Blocks = await waitForReceipts(l2, sent.map((s) => s.l2Hash))
    const samples: DepositSample[] = []
    for (const [i, s] of sent.entries()) {
      const l2Block = l2Blocks[i]!
      const l2SeenAt = await seenAt(l2Watch, l2Block)
      const l1SeenAt = await seenAt(l1Watch, s.l1Block)
      const block = network.node(Number(ctx.l2ChainId)).chain.getBlockByNumber(BigInt(l2Block))
      const origin = block ? l1InfoOf(txsOf(block)[0])?.number : undefined
      if (origin === undefined) throw new Error(`L2 block ${l2Block} has no L1 origin`)
      samples.push({
        l1Block: s.l1Block,
        l2Block,
        originLag: Number(origin) - s.l1Block,
        l1Blocks: l1Watch.heightAt(l2SeenAt) - s.l1Block,
        seconds: round((l2SeenAt - l1SeenAt) / 1000, 3),
        fromSendSeconds: round((l2SeenAt - s.sentAt) / 1000, 3),
      })
    }
    const spread = (pick: (s: DepositSample) => number) => {
      const sorted = samples.map(pick).sort((a, b) => a - b)
      return { median: percentile(sorted, 50), max: sorted[sorted.length - 1]! }
    }
    return {
      deposits: samples.length,
      l1Blocks: spread((s) => s.l1Blocks),
      seconds: spread((s) => s.seconds),
      fromSendSeconds: spread((s) => s.fromSendSeconds),
      maxOriginLag: Math.max(...samples.map((s) => s.originLag)),
      samples,
    }
  } finally {
    await Promise.all([l1Watch.stop(), l2Watch.stop()])
  }
}

/** The block numbers of `hashes`' receipts, once all exist. */
async function waitForReceipts(rpc: Rpc, hashes: Hex[], timeoutMs = 60_000): Promise<number[]> {
  const blocks = new Array<number | undefined>(hashes.length)
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const missing = hashes.flatMap((_, i) => (blocks[i] === undefined ? [i] : []))
    if (missing.length === 0) return blocks as number[]
    if (Date.now() > deadline) throw new Error(`${missing.length} of ${hashes.length} deposits did not reach L2 within ${timeoutMs / 1000}s`)
    for (const idx of chunk(missing, 100)) {
      const answers = await rpc.batch(idx.map((i) => ({ method: 'eth_getTransactionReceipt', params: [hashes[i]] })))
      answers.forEach((a, j) => {
        const receipt = a.result as { blockNumber: Hex } | null | undefined
        if (receipt) blocks[idx[j]!] = Number(receipt.blockNumber)
      })
    }
    await sleep(100)
  }
}

/** When the watcher first saw `height` (waits a few polls: a receipt can be read before the poll notes its block). */
async function seenAt(watcher: BlockWatcher, height: number): Promise<number> {
  const deadline = Date.now() + 5_000
  for (;;) {
    const at = watcher.seenAt(height)
    if (at !== undefined) return at
    if (Date.now() > deadline) throw new Error(`block ${height} was never seen by the watcher (start height ${watcher.startHeight})`)
    await sleep(10)
  }
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits
  return Math.round(value * scale) / scale
}

async function headNumber(rpc: Rpc): Promise<number> {
  return Number(await rpc.call<Hex>('eth_blockNumber'))
}

/** Waits until `plexus_syncStatus` reports the safe head (batched on L1) at or past `block`. */
async function waitSafe(rpc: Rpc, block: number, timeoutMs = SAFE_TIMEOUT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const status = await rpc.call<{ safe: { number: Hex } | null }>('plexus_syncStatus')
    const safe = status.safe ? Number(status.safe.number) : 0
    if (safe >= block) return
    if (Date.now() > deadline) throw new Error(`safe head ${safe} did not reach L2 block ${block} within ${timeoutMs / 1000}s`)
    await sleep(200)
  }
}
