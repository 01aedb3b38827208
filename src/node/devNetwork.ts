import { BaseError, InvalidParamsError, RpcErrorCode } from '../primitives/errors.js'
import { toQuantity, type Hex } from '../primitives/hex.js'
import type { Logger } from '../primitives/logger.js'
import type { DevNetworkApi } from '../rpc/dev/api.js'
import type { SharedSequencer } from '../sequencer/sharedSequencer.js'
import type { SlotResult } from '../sequencer/slotBuilder.js'
import { anvilRpc } from '../settlement/l1/anvilState.js'
import type { L1Tracker } from '../settlement/l1/l1Tracker.js'
import type { DevClock } from './devClock.js'

/** Most slots one evm_mine/anvil_mine call builds: a call is bounded (about a minute of work at most), never a hang. */
export const MAX_MINE_SLOTS = 1_000n

/** Bound on one request to the embedded L1. */
const L1_TIMEOUT_MS = 30_000

/** How long after a revert L1 transactions stranded behind a nonce gap are dropped. */
const STRANDED_SWEEP_MS = 10_000

/** How long a mined slot may wait for an L1 origin before the call gives up. */
const ORIGIN_WAIT_MS = 10_000

/** A slot `mine` could not build (the chains wait for an L1 origin). */
export class MineFailedError extends BaseError {
  override name = 'MineFailedError'
  constructor(reason: string) {
    super(`no slot could be built: ${reason}`, { rpcCode: RpcErrorCode.Server })
  }
}

/** What the dev methods act on: the network's clock, sequencer and embedded L1. */
export interface DevNetworkDeps {
  clock: DevClock
  sequencer: SharedSequencer
  /** The embedded L1's JSON-RPC URL (anvil). */
  l1Url: string
  tracker: L1Tracker
  /** The embedded L1's durability: makes its head durable, and again after a revert lowered it. */
  l1State: { persist(): Promise<unknown>; persistRewound(): Promise<unknown> }
  /** The newest timestamp of any chain's head. */
  headTimestamp(): bigint
  /** Every chain's transaction pool. */
  /**
   * Every chain's pool, what a snapshot records and a revert trims; absent when the pools
   * run in executor workers (`executors: thread`), where snapshots are refused.
   */
  pools?(): { hashes(): Hex[]; remove(hash: Hex): boolean }[]
  /** Aborted when the network stops: background work (the stranded-transaction sweep) ends with it. */
  signal?: AbortSignal
  logger: Logger
}

interface Snapshot {
  /** anvil's own snapshot id on the L1. */
  l1Id: string
  /** The network slot every chain's head was at. */
  slot: bigint
  /** What was pooled then: it stays pooled after a revert, what came since goes. */
  pooled: Set<Hex>
}

/**
 * The network-wide dev methods (anvil's evm_* time, mining and snapshots) of a dev network.
 * Each acts on every chain and on the embedded L1 together, since every chain makes one
 * block per slot in lockstep and every L2 block refers to an L1 origin:
 *
 * - time: one offset for the slot timestamps (DevClock), and the same move on the L1 (a
 *   block mined there at the new time), so the L1 origins keep up and the max sequencer
 *   drift rule holds;
 * - mining: slots built at once through the shared sequencer (serialized with its clock);
 * - snapshots: anvil's evm_snapshot of the L1 with the network slot; a revert puts the L1
 *   back (a block mined on top, so the L1 tracker sees the reorg at once, and the state
 *   file rewritten so the durable L1 is the reverted one), then rewinds every chain to the
 *   slot without giving their transactions back to the pools (and drops from the pools
 *   what arrived after the snapshot: the whole network goes back).
 *
 * Calls are serialized with each other: a revert never interleaves with a mine.
 */
export class DevNetwork implements DevNetworkApi {
  private readonly snapshots = new Map<bigint, Snapshot>()
  private nextId = 1n
  private queue: Promise<unknown> = Promise.resolve()

  constructor(private readonly deps: DevNetworkDeps) {
    // A slot built by the clock uses up a pinned timestamp as much as a mined one does.
    deps.sequencer.onSlot(() => deps.clock.slotBuilt())
  }

  increaseTime(seconds: bigint): Promise<bigint> {
    // No slot between the move and the L1 block at the new time: it would find no origin
    // within the max sequencer drift and pause production.
    return this.serial(() =>
      this.deps.sequencer.exclusive(async () => {
        const offset = this.deps.clock.increase(seconds)
        await this.l1CatchUp(this.deps.clock.now())
        return offset
      }),
    )
  }

  setNextBlockTimestamp(timestamp: bigint): Promise<void> {
    return this.serial(() => this.moveTo(timestamp))
  }

  mine(slots: bigint, opts: { intervalSeconds?: bigint; timestamp?: bigint } = {}): Promise<void> {
    if (slots > MAX_MINE_SLOTS) {
      throw new InvalidParamsError(`cannot mine ${slots} blocks in one call: at most ${MAX_MINE_SLOTS} (each is a slot on every chain); call it again for more, or use evm_increaseTime to move time`)
    }
    return this.serial(async () => {
      let last: bigint | undefined
      for (let i = 0n; i < slots; i++) {
        if (i === 0n && opts.timestamp !== undefined) await this.moveTo(opts.timestamp)
        else if (last !== undefined && opts.intervalSeconds !== undefined) await this.moveTo(last + opts.intervalSeconds)
        last = (await this.buildSlot()).timestamp
      }
    })
  }

  snapshot(): Promise<bigint> {
    const pools = this.deps.pools
    if (!pools) {
      return Promise.reject(
        new BaseError('evm_snapshot is not served when the chains run in executor worker threads (executors: thread): their pools are not in the coordinator; run the network with executors: inline to use snapshots', { rpcCode: RpcErrorCode.Server }),
      )
    }
    return this.serial(() =>
      this.deps.sequencer.exclusive(async () => {
        const l1Id = await this.l1<string>('evm_snapshot', [])
        const id = this.nextId++
        const pooled = new Set(pools().flatMap((p) => p.hashes()))
        this.snapshots.set(id, { l1Id, slot: this.deps.sequencer.nextSlot() - 1n, pooled })
        this.deps.logger.info({ id: id.toString(), slot: (this.deps.sequencer.nextSlot() - 1n).toString() }, 'dev snapshot taken of every chain and the L1')
        return id
      }),
    )
  }

  revert(id: bigint): Promise<boolean> {
    return this.serial(async () => {
      const snap = this.snapshots.get(id)
      if (!snap) return false
      // As anvil: a revert uses up its snapshot and every later one.
      for (const k of [...this.snapshots.keys()]) if (k >= id) this.snapshots.delete(k)
      return this.deps.sequencer.exclusive(async () => {
        const { sequencer, tracker, l1State, clock, logger } = this.deps
        // The L1 first: a crash before its state file is rewritten leaves the network as it
        // was (the revert never happened); a crash after it leaves L2 blocks whose origins
        // are gone, which start-up rewinds as after any L1 reorg.
        if (!(await this.l1<boolean>('evm_revert', [snap.l1Id]))) {
          logger.warn({ id: id.toString() }, 'the L1 no longer has this snapshot (it restarted); nothing reverted')
          return false
        }
        // anvil keeps its pool across a revert: a transaction sent after the snapshot (the
        // batcher's, a proposer's) would wait there forever behind the nonce the revert took
        // back, and its sender with it. The L1 goes back whole, pool included; the network's
        // senders see their transactions dropped and send again.
        await this.l1('anvil_dropAllTransactions', [])
        // A block on the reverted L1, so the L1 tracker sees the reorg at once rather than at the next L1 block.
        await this.l1('evm_mine', [])
        await l1State.persistRewound()
        // The whole network goes back, its pools too (as Hardhat's): a transaction sent after
        // the snapshot is gone whether a block had included it yet or not.
        for (const pool of this.deps.pools?.() ?? []) for (const hash of pool.hashes()) if (!snap.pooled.has(hash)) pool.remove(hash)
        await sequencer.revertTo(snap.slot)
        await tracker.refresh()
        // anvil puts its clock back with its chain: the slots go on from the L1's time.
        const l1Head = await this.l1<{ timestamp: string }>('eth_getBlockByNumber', ['latest', false])
        clock.resetTo(BigInt(l1Head.timestamp))
        logger.info({ id: id.toString(), slot: snap.slot.toString() }, 'dev revert: every chain and the L1 put back to the snapshot')
        this.sweepStrandedL1Txs()
        return true
      })
    })
  }

  /** The next slot is at `timestamp` (never before a chain's head), the L1 moved there too. */
  private async moveTo(timestamp: bigint): Promise<void> {
    const head = this.deps.headTimestamp()
    if (timestamp < head) {
      throw new InvalidParamsError(`timestamp ${timestamp} is before the latest block's (${head}); a block's timestamp is never before its parent's`)
    }
    await this.deps.sequencer.exclusive(async () => {
      this.deps.clock.pin(timestamp)
      await this.l1CatchUp(timestamp)
    })
  }

  /**
   * Mines an L1 block at `timestamp` when the L1 is behind it, and waits until the L2
   * side may use it as an origin (on disk, seen by the tracker): otherwise a jump beyond
   * the max sequencer drift would halt the slots until the L1 clock got there by itself.
   */
  private async l1CatchUp(timestamp: bigint): Promise<void> {
    const latest = await this.l1<{ timestamp: string }>('eth_getBlockByNumber', ['latest', false])
    if (BigInt(latest.timestamp) >= timestamp) return
    await this.l1('evm_setNextBlockTimestamp', [toQuantity(timestamp)])
    await this.l1('evm_mine', [])
    await this.deps.l1State.persist()
    await this.deps.tracker.refresh()
  }

  /**
   * For a few seconds after a revert, drops L1 transactions queued behind a nonce gap: a
   * sender (batcher, proposer) that read its nonce before the revert and sent after it
   * would otherwise wait for ever on a transaction the L1 can never mine. Dropped, it is
   * sent again with the right nonce. Runs beside the other calls, not in their queue.
   */
  private sweepStrandedL1Txs(): void {
    const until = Date.now() + STRANDED_SWEEP_MS
    const sweep = async (): Promise<void> => {
      const content = await this.l1<{ queued?: Record<string, Record<string, { hash: string }>> }>('txpool_content', [])
      for (const byNonce of Object.values(content.queued ?? {})) {
        for (const tx of Object.values(byNonce)) await this.l1('anvil_dropTransaction', [tx.hash])
      }
    }
    const loop = async (): Promise<void> => {
      while (Date.now() < until && !this.deps.signal?.aborted) {
        await sweep().catch(() => undefined)
        await new Promise((resolve) => setTimeout(resolve, 250))
      }
    }
    void loop()
  }

  /** One slot on every chain now; waits (bounded) while the chains wait for an L1 origin. */
  private async buildSlot(): Promise<SlotResult> {
    const until = Date.now() + ORIGIN_WAIT_MS
    for (;;) {
      const result = await this.deps.sequencer.produceSlot()
      if (result) return result
      if (Date.now() > until) throw new MineFailedError(`the chains have waited ${ORIGIN_WAIT_MS / 1000} s for an L1 origin (is the embedded L1 up?)`)
      await this.deps.tracker.refresh()
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  private l1<T>(method: string, params: unknown[]): Promise<T> {
    return anvilRpc<T>(this.deps.l1Url, method, params, L1_TIMEOUT_MS)
  }

  /** Runs `fn` after every call before it (a revert never interleaves with a mine). */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.catch(() => undefined).then(fn)
    this.queue = run
    return run
  }
}
