import { parseAbiItem, type Hex, type PublicClient } from 'viem'
import type { Chain } from '../../execution/chain.js'
import type { Logger } from '../../primitives/logger.js'
import { outputAt } from '../outputRoot.js'

const OUTPUT_PROPOSED_EVENT = parseAbiItem(
  'event OutputProposed(uint256 indexed chainId, uint256 indexed outputIndex, bytes32 outputRoot, uint256 l2BlockNumber, uint256 l1Timestamp)',
)

/** A posted output root and what this node computed for the same block. */
export interface OutputMismatch {
  outputIndex: bigint
  l2Block: bigint
  l1Block: bigint
  posted: Hex
  computed: Hex
}

interface PostedOutput {
  outputIndex: bigint
  l2Block: bigint
  l1Block: bigint
  root: Hex
}

/**
 * Checks every output root the proposer posts for the chain against the root this node
 * computes from the blocks it derived itself. Roots wait until their block is derived;
 * a mismatch is logged as an error and kept for `plexus_syncStatus`.
 */
export class OutputVerifier {
  private cursor: bigint
  private pending: PostedOutput[] = []
  /** The newest output that matched, and the L1 block that holds it. */
  private verified: { l2Block: bigint; l1Block: bigint } | undefined
  readonly mismatches: OutputMismatch[] = []

  constructor(
    private readonly chain: Chain,
    private readonly client: PublicClient,
    private readonly options: { chainId: bigint; oracle: Hex; l1StartBlock: bigint },
    private readonly logger: Logger,
  ) {
    this.cursor = options.l1StartBlock
  }

  /** L2 block of the newest posted output that matched. */
  latestVerified(): bigint {
    return this.verified?.l2Block ?? 0n
  }

  /** Reads outputs posted up to L1 block `l1Head` and checks those at or below `derivedHead`. */
  async check(l1Head: bigint, derivedHead: bigint): Promise<void> {
    if (l1Head >= this.cursor) {
      const logs = await this.client.getLogs({
        address: this.options.oracle,
        event: OUTPUT_PROPOSED_EVENT,
        args: { chainId: this.options.chainId },
        fromBlock: this.cursor,
        toBlock: l1Head,
      })
      for (const log of logs) {
        this.pending.push({ outputIndex: log.args.outputIndex!, l2Block: log.args.l2BlockNumber!, l1Block: log.blockNumber!, root: log.args.outputRoot! })
      }
      this.cursor = l1Head + 1n
    }
    const waiting: PostedOutput[] = []
    for (const output of this.pending) {
      if (output.l2Block > derivedHead) {
        waiting.push(output)
        continue
      }
      const { root } = await outputAt(this.chain, output.l2Block)
      if (root === output.root) {
        if (!this.verified || output.l2Block > this.verified.l2Block) this.verified = { l2Block: output.l2Block, l1Block: output.l1Block }
        continue
      }
      const mismatch = { outputIndex: output.outputIndex, l2Block: output.l2Block, l1Block: output.l1Block, posted: output.root, computed: root }
      this.mismatches.push(mismatch)
      this.logger.error(
        { outputIndex: output.outputIndex.toString(), l2Block: output.l2Block.toString(), posted: output.root, computed: root },
        'posted output root does not match the derived chain',
      )
    }
    this.pending = waiting
  }

  /** L1 reorged back to `ancestor`: outputs posted after it are read again. */
  reset(ancestor: bigint): void {
    if (this.cursor > ancestor + 1n) this.cursor = ancestor + 1n
    this.pending = this.pending.filter((o) => o.l1Block <= ancestor)
    // The output it held is gone; the next one checked takes its place.
    if (this.verified && this.verified.l1Block > ancestor) this.verified = undefined
  }
}
