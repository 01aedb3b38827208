import type { Hex } from 'viem'
import type { ChainReader } from '../execution/chainReader.js'
import type { Lifecycle } from '../primitives/lifecycle.js'
import { SingleFlight } from '../primitives/singleFlight.js'
import type { Logger } from '../primitives/logger.js'
import { abiOf } from './l1/abis.js'
import type { L1Tracker } from './l1/l1Tracker.js'
import { abortable, L1AbortedError, reasonOf, writeAndWait, type L1Signer } from './l1/l1Transactions.js'
import { outputAt } from './outputRoot.js'

export interface ProposerOptions {
  chainId: bigint
  oracle: Hex
  /** Propose the output of every block whose number is a multiple of this. */
  intervalBlocks: bigint
}

/**
 * Posts the chain's output roots to the OutputOracle: for the newest block that is a
 * multiple of `intervalBlocks` and already safe (its batch is on L1), so anything an
 * output commits to can be re-derived from L1. Skipped intervals are not posted: one
 * newer root proves every earlier withdrawal too.
 */
export class Proposer implements Lifecycle {
  private lastProposed = 0n
  /** An L1 reorg may have removed outputs: read the oracle again before the next proposal. */
  private stale = true
  private readonly rounds = new SingleFlight(
    () => this.proposeNext(),
    (err) => {
      if (!(err instanceof L1AbortedError)) this.logger.warn({ err: reasonOf(err) }, 'output proposal failed; retrying on the next L1 block')
    },
  )
  private unsubscribe: (() => void) | undefined
  private readonly abort = new AbortController()

  constructor(
    private readonly chain: ChainReader,
    private readonly tracker: L1Tracker,
    private readonly safeHead: () => bigint,
    private readonly signer: L1Signer,
    private readonly options: ProposerOptions,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    await this.readLatest()
    const offHead = this.tracker.onHead(() => void this.kick())
    const offReorg = this.tracker.onReorg(() => (this.stale = true))
    this.unsubscribe = () => {
      offHead()
      offReorg()
    }
  }

  private async readLatest(): Promise<void> {
    this.lastProposed = (await abortable(
      this.signer.publicClient.readContract({
        address: this.options.oracle,
        abi: abiOf('OutputOracle'),
        functionName: 'latestBlockNumber',
        args: [this.options.chainId],
      }),
      this.stopSignal(),
      'latestBlockNumber',
    )) as bigint
    this.stale = false
  }

  async stop(): Promise<void> {
    this.unsubscribe?.()
    // A proposal waiting on L1 (or on a dead L1) is abandoned, not waited for: the
    // oracle is read again at the next start.
    this.abort.abort()
    await this.rounds.stop()
  }

  /** Aborted by `stop` (or by the signer's owner stopping). */
  private stopSignal(): AbortSignal {
    return this.signer.signal ? AbortSignal.any([this.abort.signal, this.signer.signal]) : this.abort.signal
  }

  /** L2 block number of the newest output this proposer posted (or found on L1). */
  latestProposed(): bigint {
    return this.lastProposed
  }

  kick(): Promise<void> {
    return this.rounds.run()
  }

  private async proposeNext(): Promise<void> {
    if (this.stale) await this.readLatest()
    const interval = this.options.intervalBlocks
    const target = (this.safeHead() / interval) * interval
    if (target <= this.lastProposed) return
    const { root } = await outputAt(this.chain, target)
    // Anchor to the L1 head's parent: its BLOCKHASH is readable both when the call is
    // simulated (at the head) and when it executes in a later block.
    const l1 = this.tracker.head()
    await writeAndWait(
      this.signer,
      {
        address: this.options.oracle,
        abi: abiOf('OutputOracle'),
        functionName: 'proposeOutput',
        args: [this.options.chainId, root, target, l1 ? l1.parentHash : `0x${'00'.repeat(32)}`, l1 ? l1.number - 1n : 0n],
      },
      this.stopSignal(),
    )
    this.lastProposed = target
    this.logger.debug({ block: target.toString(), root }, 'proposed output')
  }
}
