import type { Hex } from '../../src/primitives/hex.js'
import { silentLogger } from '../../src/primitives/logger.js'
import { WorkerExecutor, type WorkerExecutorOptions } from '../../src/executor/workerExecutor.js'
import { memoryGenesis } from './memoryChains.js'
import { tempDir } from './tmp.js'

/** An executor with no network relayer (the zero address): no relay nonce to report. */
export const NO_RELAYER: Hex = '0x0000000000000000000000000000000000000000'

/**
 * Executor workers of test chains (`memoryGenesis`) on fresh datadirs, all stopped and
 * their datadirs removed by `cleanup` (a test's `after`).
 */
export class TestWorkers {
  private readonly dirs: { dir: string; cleanup(): void }[] = []
  private readonly workers: WorkerExecutor[] = []

  /** A fresh datadir, removed by `cleanup`. */
  dir(): string {
    const d = tempDir()
    this.dirs.push(d)
    return d.dir
  }

  /** Starts chain `id`'s executor worker on `datadir` (default a fresh one). */
  async start(id: bigint, datadir = this.dir(), extra: Partial<Omit<WorkerExecutorOptions, 'datadir' | 'genesis'>> = {}): Promise<WorkerExecutor> {
    const w = await WorkerExecutor.start({ datadir, genesis: memoryGenesis(id), relayer: NO_RELAYER, logger: silentLogger(), recoveryThreads: 1, ...extra })
    this.workers.push(w)
    return w
  }

  async cleanup(): Promise<void> {
    for (const w of this.workers) await w.stop()
    this.dirs.forEach((d) => d.cleanup())
  }
}
