import type { TransactionReceipt } from 'viem'
import {
  finalizableAt,
  finalizeWithdrawal,
  proveWithdrawal,
  waitForL1Time,
  waitForOutput,
  type BridgeContext,
  type InitiatedWithdrawal,
} from '../../src/settlement/actions/bridge.js'

/**
 * A withdrawal's way to L1 after it was initiated: its output on L1, the proof, the
 * challenge window, and finalization (which waits while the Portal's escrow for the chain
 * is short, until the network has moved the escrow behind ETH that arrived over interop).
 */
export async function proveAndFinalize(ctx: BridgeContext, w: InitiatedWithdrawal, opts: { timeoutMs?: number } = {}): Promise<TransactionReceipt> {
  const timeoutMs = opts.timeoutMs ?? 120_000
  const output = await waitForOutput(ctx, w.l2BlockNumber, { pollMs: 200, timeoutMs })
  const proven = await proveWithdrawal(ctx, w, output)
  await waitForL1Time(ctx, await finalizableAt(ctx, (await ctx.l1.getBlock({ blockNumber: proven.blockNumber })).timestamp), 200)
  return finalizeWithdrawal(ctx, w, { pollMs: 500, escrowWaitMs: timeoutMs })
}
