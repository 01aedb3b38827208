import { decodeEventLog, encodeAbiParameters, keccak256, parseAbiItem, toEventSelector, type Hex, type Log, type PublicClient } from 'viem'
import type { ChainReader } from '../execution/chainReader.js'
import { PREDEPLOYS } from '../execution/predeploys.js'
import { BaseError } from '../primitives/errors.js'
import { hexToBytes, toData } from '../primitives/hex.js'
import type { WithdrawalTransaction } from './actions/bridge.js'
import { depositFromLog, TRANSACTION_DEPOSITED_EVENT } from './deposits.js'
import { abiOf } from './l1/abis.js'
import { hashOutputRoot, outputAt, type OutputRootProof } from './outputRoot.js'

/**
 * Deposits (L1 → L2) and withdrawals (L2 → L1) of one chain, with the stage each has
 * reached, read from the chain itself (MessagePassed logs, deposit transactions) and
 * from L1 (Portal events and storage, OutputOracle). Nothing is remembered: every call
 * reads the current truth, so a reorg on either side is reflected at once.
 */
export interface BridgeTransfersContext {
  chain: ChainReader
  chainId: bigint
  l1: PublicClient
  portal: Hex
  oracle: Hex
  registry: Hex
  /** First L1 block that can hold a deposit to this chain (its registration). */
  l1StartBlock: bigint
}

export type DepositStatus = 'pending' | 'included'

export interface DepositRecord {
  l1TxHash: Hex
  l1BlockNumber: bigint
  from: Hex
  to: Hex | null
  mint: bigint
  value: bigint
  /** The L2 deposit transaction (its hash is known before it is included). */
  l2TxHash: Hex
  l2BlockNumber: bigint | null
  /** Whether the deposit's call succeeded on L2 (null until included). */
  l2Success: boolean | null
  status: DepositStatus
}

/**
 * initiated: sent on L2, no output root on L1 covers it yet · ready-to-prove · proven
 * (inside the challenge window until `finalizableAt`) · finalizable · finalized.
 */
export type WithdrawalStage = 'initiated' | 'ready-to-prove' | 'proven' | 'finalizable' | 'finalized'

type WithdrawalTx = WithdrawalTransaction

export interface WithdrawalRecord {
  withdrawalHash: Hex
  withdrawal: WithdrawalTx
  l2TxHash: Hex
  l2BlockNumber: bigint
  stage: WithdrawalStage
  /** The output root on L1 that covers the withdrawal's block, once there is one. */
  output: { index: bigint; l2BlockNumber: bigint; timestamp: bigint } | null
  provenAt: bigint | null
  /** First L1 timestamp at which finalizeWithdrawal succeeds (once proven). */
  finalizableAt: bigint | null
  /** The L1 head's timestamp when this was read (to count down against). */
  l1Time: bigint
}

/** What `Portal.proveWithdrawal(chainId, withdrawal, outputIndex, outputRootProof, withdrawalProof)` takes. */
export interface WithdrawalProof {
  outputIndex: bigint
  outputRootProof: OutputRootProof
  withdrawalProof: Hex[]
}

export class BridgeTransferError extends BaseError {
  override name = 'BridgeTransferError'
}

const MESSAGE_PASSED = parseAbiItem(
  'event MessagePassed(uint256 indexed nonce, address indexed sender, address indexed target, uint256 value, uint256 gasLimit, bytes data, bytes32 withdrawalHash)',
)
const MESSAGE_PASSED_TOPIC = toEventSelector(MESSAGE_PASSED)
const DEPOSITED = parseAbiItem(TRANSACTION_DEPOSITED_EVENT)
const PASSER_BYTES = hexToBytes(PREDEPLOYS.L2ToL1MessagePasser)

/** Deposits to the chain, newest first: all, those from or to `address`, or those of one L1 transaction. */
export async function listDeposits(ctx: BridgeTransfersContext, q: { address?: Hex; l1TxHash?: Hex; limit: number }): Promise<DepositRecord[]> {
  let logs: Log[]
  if (q.l1TxHash) {
    const receipt = await ctx.l1.getTransactionReceipt({ hash: q.l1TxHash }).catch(() => undefined)
    const topic = toEventSelector(DEPOSITED)
    logs = (receipt?.logs ?? []).filter((l) => l.address.toLowerCase() === ctx.portal.toLowerCase() && l.topics[0] === topic)
  } else {
    const fetch = (args: { chainId: bigint; from?: Hex; to?: Hex }) =>
      // viem cannot type the args of an event parsed from a shared string constant.
      ctx.l1.getLogs({ address: ctx.portal, event: DEPOSITED, args: args as never, fromBlock: ctx.l1StartBlock, toBlock: 'latest' }) as Promise<Log[]>
    logs = q.address
      ? [...(await fetch({ chainId: ctx.chainId, from: q.address })), ...(await fetch({ chainId: ctx.chainId, to: q.address }))]
      : await fetch({ chainId: ctx.chainId })
  }
  const unique = new Map<string, Log>()
  for (const l of logs) unique.set(`${l.blockHash}:${l.logIndex}`, l)
  const ordered = [...unique.values()].sort((a, b) => Number(b.blockNumber! - a.blockNumber!) || b.logIndex! - a.logIndex!)
  const out: DepositRecord[] = []
  for (const log of ordered) {
    if (out.length >= q.limit) break
    const { chainId, tx } = depositFromLog(log)
    if (chainId !== ctx.chainId) continue
    const l2TxHash = toData(tx.hash())
    const loc = ctx.chain.txLocation(tx.hash())
    const block = loc ? ctx.chain.getBlockByHash(loc.blockHash) : undefined
    const receipt = loc ? ctx.chain.getReceipts(loc.blockHash)?.[loc.index] : undefined
    out.push({
      l1TxHash: log.transactionHash!,
      l1BlockNumber: log.blockNumber!,
      from: toData(tx.from),
      to: tx.to ? (tx.to.toString() as Hex) : null,
      mint: tx.mint,
      value: tx.value,
      l2TxHash,
      l2BlockNumber: block ? block.header.number : null,
      l2Success: receipt ? receipt.status === 1 : null,
      status: block ? 'included' : 'pending',
    })
  }
  return out
}

/** Withdrawals the chain's message passer recorded, newest first: all, or those sent by or to `address`. */
export async function listWithdrawals(ctx: BridgeTransfersContext, q: { address?: Hex; limit: number }): Promise<WithdrawalRecord[]> {
  const head = ctx.chain.headHeader().number
  const blocks = new Set<bigint>()
  const keys = q.address ? [addressTopic(q.address)] : [PASSER_BYTES]
  for (const key of keys) for (const n of ctx.chain.blocksMentioning(key, 0n, head)) blocks.add(n)
  const found: { tx: Hex; block: bigint; w: WithdrawalTx & { withdrawalHash: Hex } }[] = []
  for (const n of [...blocks].sort((a, b) => (a < b ? 1 : -1))) {
    const passed = messagesPassedIn(ctx.chain, n).reverse()
    for (const p of passed) {
      const a = q.address?.toLowerCase()
      if (a && p.w.sender.toLowerCase() !== a && p.w.target.toLowerCase() !== a) continue
      found.push(p)
    }
    if (found.length >= q.limit) break
  }
  return withStages(ctx, found.slice(0, q.limit))
}

/** The withdrawals one L2 transaction started, each with its stage and, once an output covers it, the proof to prove it with. */
export async function withdrawalsOfTx(ctx: BridgeTransfersContext, l2TxHash: Hex): Promise<(WithdrawalRecord & { proof: WithdrawalProof | null })[]> {
  const loc = ctx.chain.txLocation(hexToBytes(l2TxHash))
  if (!loc) return []
  const block = ctx.chain.getBlockByHash(loc.blockHash)
  if (!block) return []
  const passed = messagesPassedIn(ctx.chain, block.header.number).filter((p) => p.tx.toLowerCase() === l2TxHash.toLowerCase())
  const records = await withStages(ctx, passed)
  return Promise.all(
    records.map(async (r) => ({ ...r, proof: r.output && r.stage !== 'finalized' ? await proofOf(ctx, r.withdrawalHash, r.output) : null })),
  )
}

/** MessagePassed events of block `n`, in log order, with the transaction that emitted each. */
function messagesPassedIn(chain: ChainReader, n: bigint): { tx: Hex; block: bigint; w: WithdrawalTx & { withdrawalHash: Hex } }[] {
  const block = chain.getBlockByNumber(n)
  if (!block) return []
  const receipts = chain.getReceipts(block.hash()) ?? []
  const out: { tx: Hex; block: bigint; w: WithdrawalTx & { withdrawalHash: Hex } }[] = []
  receipts.forEach((r, i) => {
    for (const [address, topics, data] of r.logs) {
      if (toData(address) !== PREDEPLOYS.L2ToL1MessagePasser || toData(topics[0]!) !== MESSAGE_PASSED_TOPIC) continue
      const { args } = decodeEventLog({ abi: [MESSAGE_PASSED], topics: topics.map((t) => toData(t)) as [Hex], data: toData(data) })
      out.push({ tx: toData(block.transactions[i]!.hash()), block: n, w: args as WithdrawalTx & { withdrawalHash: Hex } })
    }
  })
  return out
}

async function withStages(
  ctx: BridgeTransfersContext,
  found: { tx: Hex; block: bigint; w: WithdrawalTx & { withdrawalHash: Hex } }[],
): Promise<WithdrawalRecord[]> {
  if (found.length === 0) return []
  const portal = { address: ctx.portal, abi: abiOf('Portal') }
  const oracle = { address: ctx.oracle, abi: abiOf('OutputOracle') }
  const [latestOutput, window, l1Head] = await Promise.all([
    ctx.l1.readContract({ ...oracle, functionName: 'latestBlockNumber', args: [ctx.chainId] }) as Promise<bigint>,
    ctx.l1.readContract({ address: ctx.registry, abi: abiOf('ChainRegistry'), functionName: 'challengeWindow', args: [ctx.chainId] }) as Promise<bigint>,
    ctx.l1.getBlock({ blockTag: 'latest' }),
  ])
  return Promise.all(
    found.map(async ({ tx, block, w }) => {
      const { withdrawalHash, ...withdrawal } = w
      const [proven, finalized] = await Promise.all([
        ctx.l1.readContract({ ...portal, functionName: 'provenWithdrawals', args: [ctx.chainId, withdrawalHash] }) as Promise<readonly [Hex, bigint, bigint]>,
        ctx.l1.readContract({ ...portal, functionName: 'finalizedWithdrawals', args: [ctx.chainId, withdrawalHash] }) as Promise<boolean>,
      ])
      const output = latestOutput >= block ? await outputCovering(ctx, block) : null
      const provenAt = proven[1] === 0n ? null : proven[1]
      let finalizableAt: bigint | null = null
      if (provenAt !== null) {
        // The portal waits out the window both since the proof and since the proven output's proposal.
        const provenOutput = (await ctx.l1.readContract({ ...oracle, functionName: 'getOutput', args: [ctx.chainId, proven[2]] })) as { timestamp: bigint }
        const start = provenAt > provenOutput.timestamp ? provenAt : provenOutput.timestamp
        finalizableAt = start + window + 1n
      }
      const stage: WithdrawalStage = finalized
        ? 'finalized'
        : finalizableAt !== null
          ? l1Head.timestamp >= finalizableAt
            ? 'finalizable'
            : 'proven'
          : output
            ? 'ready-to-prove'
            : 'initiated'
      return { withdrawalHash, withdrawal, l2TxHash: tx, l2BlockNumber: block, stage, output, provenAt, finalizableAt, l1Time: l1Head.timestamp }
    }),
  )
}

async function outputCovering(ctx: BridgeTransfersContext, l2Block: bigint): Promise<WithdrawalRecord['output']> {
  const oracle = { address: ctx.oracle, abi: abiOf('OutputOracle') }
  const index = (await ctx.l1.readContract({ ...oracle, functionName: 'getOutputIndexFor', args: [ctx.chainId, l2Block] })) as bigint
  const o = (await ctx.l1.readContract({ ...oracle, functionName: 'getOutput', args: [ctx.chainId, index] })) as { l2BlockNumber: bigint; timestamp: bigint }
  return { index, l2BlockNumber: BigInt(o.l2BlockNumber), timestamp: BigInt(o.timestamp) }
}

/** The output-root preimage at the output's block and the storage proof of `sentMessages[hash]` there. */
async function proofOf(ctx: BridgeTransfersContext, withdrawalHash: Hex, output: NonNullable<WithdrawalRecord['output']>): Promise<WithdrawalProof> {
  const block = ctx.chain.getBlockByNumber(output.l2BlockNumber)
  if (!block) throw new BridgeTransferError(`L2 block ${output.l2BlockNumber} of the output is not on this node`)
  const { root, proof: outputRootProof } = await outputAt(ctx.chain, output.l2BlockNumber)
  const posted = (await ctx.l1.readContract({ address: ctx.oracle, abi: abiOf('OutputOracle'), functionName: 'getOutput', args: [ctx.chainId, output.index] })) as { outputRoot: Hex }
  if (posted.outputRoot !== root || hashOutputRoot(outputRootProof) !== root) {
    throw new BridgeTransferError(`L2 block ${output.l2BlockNumber} does not match output ${output.index} on L1`, {
      details: 'this node serves a different chain than the one proposed (a wrong root, or a rewound L2)',
    })
  }
  const slot = keccak256(encodeAbiParameters([{ type: 'bytes32' }, { type: 'uint256' }], [withdrawalHash, 0n]))
  const proof = await ctx.chain.proofAt(block.header.stateRoot, PASSER_BYTES, [hexToBytes(slot)])
  return { outputIndex: output.index, outputRootProof, withdrawalProof: proof.storageProof[0]!.proof as Hex[] }
}

function addressTopic(address: Hex): Uint8Array {
  return hexToBytes(`0x${'00'.repeat(12)}${address.slice(2).toLowerCase()}`)
}
