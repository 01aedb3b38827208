import { z } from 'zod'
import { BaseError, InvalidParamsError, RpcErrorCode } from '../primitives/errors.js'
import type { SettlementView } from '../rpc/api.js'
import type { PeerHandler } from './peer.js'

/**
 * `plexus_settledHeads` (coordinator → executor, a notification): the chain's `safe` and
 * `finalized` block numbers, as the coordinator's L1 side knows them (it follows L1 and
 * the batcher; an executor does not). The executor's RPC answers the `safe`/`finalized`
 * block tags and log filters from the last one it was told. Sent whenever they change;
 * a later message replaces the earlier (an L1 reorg may move them back).
 */
export const SETTLED_HEADS = 'plexus_settledHeads'

export interface SettledHeadNumbers {
  safe: bigint
  finalized: bigint
}

const QUANTITY = /^0x(0|[1-9a-f][0-9a-f]{0,15})$/
const schema = z.object({ safe: z.string().regex(QUANTITY), finalized: z.string().regex(QUANTITY) })

export function encodeSettledHeads(heads: SettledHeadNumbers): { safe: string; finalized: string } {
  if (heads.safe < 0n || heads.finalized < 0n || heads.finalized > heads.safe) throw new InvalidParamsError(`settled heads must be 0 ≤ finalized ≤ safe, got safe ${heads.safe}, finalized ${heads.finalized}`)
  return { safe: `0x${heads.safe.toString(16)}`, finalized: `0x${heads.finalized.toString(16)}` }
}

/** Checks a `plexus_settledHeads` message: two QUANTITYs (at most 64 bits), finalized ≤ safe. */
export function decodeSettledHeads(params: unknown): SettledHeadNumbers {
  const parsed = schema.safeParse(params)
  if (!parsed.success) throw new InvalidParamsError(`${SETTLED_HEADS}: expected { safe, finalized } block numbers as QUANTITY`)
  const heads = { safe: BigInt(parsed.data.safe), finalized: BigInt(parsed.data.finalized) }
  if (heads.finalized > heads.safe) throw new InvalidParamsError(`${SETTLED_HEADS}: finalized ${heads.finalized} is past safe ${heads.safe}`)
  return heads
}

/** A settlement method the executor was asked for itself: they are the coordinator's (`COORDINATOR_METHODS`). */
export class SettlementElsewhereError extends BaseError {
  override name = 'SettlementElsewhereError'
}

/**
 * The executor's view of its chain's settlement: the heads the coordinator pushes (both
 * the genesis block until the first push), never past the executor's own head (a push
 * may overtake the commit of the block it names). Every other settlement read is
 * answered by the coordinator: the RPC forwards those methods, so they never reach this.
 */
export class PushedSettledHeads implements SettlementView {
  private heads: SettledHeadNumbers = { safe: 0n, finalized: 0n }

  constructor(private readonly head: () => bigint) {}

  /** The handler of `plexus_settledHeads`, for the executor's peer. */
  readonly handlers: Record<string, PeerHandler> = {
    [SETTLED_HEADS]: (params) => {
      this.heads = decodeSettledHeads(params)
      return true
    },
  }

  safeHead(): bigint {
    return min(this.heads.safe, this.head())
  }

  finalizedHead(): bigint {
    return min(this.heads.finalized, this.head())
  }

  l1Addresses(): Record<string, unknown> {
    throw elsewhere('plexus_getL1Addresses')
  }

  syncStatus(): Promise<Record<string, unknown>> {
    return Promise.reject(elsewhere('plexus_syncStatus'))
  }
}

const min = (a: bigint, b: bigint): bigint => (a < b ? a : b)

function elsewhere(method: string): SettlementElsewhereError {
  return new SettlementElsewhereError(`${method} is answered by the network coordinator, not the chain's executor`, { rpcCode: RpcErrorCode.Server })
}
