/**
 * Watches a chain's new blocks from a start height: one loop polls `eth_blockNumber` and
 * notes when each height is first seen; another, when asked for transactions, fetches
 * the bodies of the noted heights (`eth_getBlockByNumber(n, false)`) and reports each
 * transaction with that time, so fetching bodies never delays the timestamps.
 */
import type { Hex } from 'viem'
import { sleep, type Rpc } from './rpc.js'

/** Called once per transaction of every fetched block, with the time its block was first seen. */
export type TxSeen = (hash: string, block: number, seenAt: number) => void

type BlockBody = { transactions: Hex[] } | null

export class BlockWatcher {
  /** Highest height seen. */
  private seenHeight: number
  private fetchedHeight: number
  /** performance.now() when each height above the start was first seen. */
  private readonly firstSeen = new Map<number, number>()
  private stopped = false
  private readonly loops: Promise<void>[] = []
  /** Blocks whose bodies were fetched. */
  blocks = 0
  /** The last polling or fetching error (the loops retry). */
  lastError: unknown

  private constructor(
    private readonly rpc: Rpc,
    private readonly pollMs: number,
    readonly startHeight: number,
  ) {
    this.seenHeight = startHeight
    this.fetchedHeight = startHeight
  }

  /** Starts watching above the current head; `onTx` also fetches bodies. */
  static async start(rpc: Rpc, pollMs: number, onTx?: TxSeen): Promise<BlockWatcher> {
    const watcher = new BlockWatcher(rpc, pollMs, Number(await rpc.call<Hex>('eth_blockNumber')))
    watcher.loops.push(watcher.poll())
    if (onTx) watcher.loops.push(watcher.fetch(onTx))
    return watcher
  }

  get height(): number {
    return this.seenHeight
  }

  /** When `height` was first seen; undefined if not yet, or at or below the start. */
  seenAt(height: number): number | undefined {
    return this.firstSeen.get(height)
  }

  /** The highest height first seen at or before `time` (the start height if none). */
  heightAt(time: number): number {
    let height = this.startHeight
    for (const [n, at] of this.firstSeen) if (at <= time && n > height) height = n
    return height
  }

  async stop(): Promise<void> {
    this.stopped = true
    await Promise.all(this.loops)
  }

  private async poll(): Promise<void> {
    while (!this.stopped) {
      try {
        const height = Number(await this.rpc.call<Hex>('eth_blockNumber'))
        const now = performance.now()
        for (let n = this.seenHeight + 1; n <= height; n++) this.firstSeen.set(n, now)
        if (height > this.seenHeight) this.seenHeight = height
      } catch (err) {
        this.lastError = err
      }
      await sleep(this.pollMs)
    }
  }

  private async fetch(onTx: TxSeen): Promise<void> {
    while (!this.stopped) {
      if (this.fetchedHeight >= this.seenHeight) {
        await sleep(this.pollMs)
        continue
      }
      const heights: number[] = []
      for (let n = this.fetchedHeight + 1; n <= this.seenHeight && heights.length < 100; n++) heights.push(n)
      try {
        const answers = await this.rpc.batch(heights.map((n) => ({ method: 'eth_getBlockByNumber', params: [`0x${n.toString(16)}`, false] })))
        for (const [j, a] of answers.entries()) {
          const body = a.result as BlockBody
          if (a.error || !body) throw new Error(`block ${heights[j]} not available: ${a.error?.message ?? 'null'}`)
          const at = this.firstSeen.get(heights[j]!)!
          for (const hash of body.transactions) onTx(hash, heights[j]!, at)
          this.fetchedHeight = heights[j]!
          this.blocks++
        }
      } catch (err) {
        this.lastError = err
        await sleep(this.pollMs)
      }
    }
  }
}
