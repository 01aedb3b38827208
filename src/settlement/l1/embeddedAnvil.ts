import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { createRequire } from 'node:module'
import path from 'node:path'
import { BaseError } from '../../primitives/errors.js'
import type { Lifecycle } from '../../primitives/lifecycle.js'
import type { Logger } from '../../primitives/logger.js'
import { anvilHead, anvilRpc, AnvilRpcError, writeAnvilState } from './anvilState.js'
import { liveProcessOf, removePidFile, stopRecordedProcess, waitPortFree, writePidFile } from './pidFile.js'

const require = createRequire(import.meta.url)

/** Path of the anvil binary shipped in the @foundry-rs/anvil platform package. */
export function anvilBinary(): string {
  const pkg = `@foundry-rs/anvil-${process.platform}-${process.arch === 'x64' ? 'amd64' : process.arch}`
  try {
    return path.join(path.dirname(require.resolve(`${pkg}/package.json`)), 'bin', 'anvil')
  } catch (cause) {
    throw new BaseError(`no anvil binary for ${process.platform}-${process.arch}`, {
      details: `the npm package ${pkg} is missing; run \`npm ci\`, or set l1.rpcUrl to use another Ethereum node`,
      cause,
    })
  }
}

export interface EmbeddedAnvilOptions {
  host: string
  /** 0 picks a free port (kept for restarts once chosen). */
  port: number
  chainId: number
  /** L1 block time in seconds. */
  blockTime: number
  /**
   * Directory for the chain state (`state.json`, kept across restarts, and `anvil.pid`);
   * undefined keeps it in memory.
   */
  stateDir?: string
  /** How often (ms) to look for new L1 blocks to write to disk (default 100). */
  persistPollMs?: number
  extraArgs?: string[]
  logger: Logger
}

/** Bound on one state write; a dump of a large L1 takes a while, a hung anvil forever. */
const PERSIST_TIMEOUT_MS = 60_000
/** Bound on a mining-mode call. */
const RPC_TIMEOUT_MS = 10_000
/** Bound on the liveness check before the final write at stop. */
const ALIVE_TIMEOUT_MS = 1_000
/** SIGTERM, then SIGKILL after this long. */
const TERM_GRACE_MS = 3_000
/** Restart back-off: doubles from the first to the last. */
const RESTART_DELAYS_MS = [250, 500, 1_000, 2_000, 5_000]
/** After a write of w ms, the next starts no sooner than this × w later (writes take ≤ 1/4 of the time). */
const WRITE_DUTY_FACTOR = 3
/** Longest wait for a stopped orphan anvil's port to be free before starting anew. */
const ORPHAN_PORT_WAIT_MS = 15_000

/** Up this long, anvil counts as healthy again: its next exit is reported anew. */
const HEALTHY_AFTER_MS = 30_000

/**
 * The embedded L1: anvil from the `@foundry-rs/anvil` npm package, started and stopped
 * with the network. Nothing else in Plexus knows it is anvil: the rest talks to `url`
 * over standard JSON-RPC, the same as to any Ethereum node.
 *
 * Durability. anvil keeps its chain in memory; this class writes it to
 * `<stateDir>/state.json` itself (atomically, after every new L1 block) and knows
 * exactly which block is on disk: `durableBlock()`. The L2 chains adopt an L1 origin only
 * once it is durable, so a crash of the whole network (anvil included) can lose only L1
 * blocks no L2 block depends on. anvil's own `--state-interval` dump is not used: it
 * writes every few seconds, in place (a crash mid-write leaves a torn file), and says
 * nothing about which block it covered.
 *
 * Supervision. anvil runs in its own process group (a terminal's Ctrl-C reaches Plexus
 * alone, which then stops anvil after a last write). If it dies while the network runs,
 * it is restarted from its state on disk on the same port (reported once). Its pid is
 * recorded in `<stateDir>/anvil.pid`, so one left running by a `kill -9`ed Plexus is
 * found and stopped by the next start instead of holding the port.
 */
export class EmbeddedAnvil implements Lifecycle {
  private proc: ChildProcess | undefined
  private exited: Promise<void> = Promise.resolve()
  private _url: string | undefined
  private port: number
  private durable = -1n
  /** The next write follows a revert of the L1: it may lower the durable block. */
  private rewound = false
  private running = false
  private persistTimer: NodeJS.Timeout | undefined
  /** Every state write, in order (one at a time). */
  private writes: Promise<unknown> = Promise.resolve()
  private writeQueued = false
  private writeFailing = false
  /** How long the last state write took (ms). */
  private lastWriteMs = 0
  private restartTimer: NodeJS.Timeout | undefined
  private restarts = 0
  private upSince = 0
  private readonly durableListeners = new Set<(block: bigint) => void>()
  private readonly killOnExit = () => this.kill()

  constructor(private readonly options: EmbeddedAnvilOptions) {
    this.port = options.port
  }

  get url(): string {
    if (!this._url) throw new Error('anvil not started')
    return this._url
  }

  /** The pid of the running anvil (undefined while it is down). */
  get pid(): number | undefined {
    return this.proc?.exitCode === null && this.proc.signalCode === null ? this.proc.pid : undefined
  }

  private get stateFile(): string | undefined {
    return this.options.stateDir && path.join(this.options.stateDir, 'state.json')
  }

  private get pidFile(): string | undefined {
    return this.options.stateDir && path.join(this.options.stateDir, 'anvil.pid')
  }

  /**
   * The newest L1 block whose state is on disk: a restart of anvil, whatever kills it,
   * comes back with every block up to here. Undefined when the L1 is kept in memory
   * only (no `stateDir`: nothing survives a restart, so nothing to wait for).
   */
  durableBlock(): bigint | undefined {
    return this.options.stateDir ? this.durable : undefined
  }

  /** Called with the new durable block after each write. */
  onDurable(listener: (block: bigint) => void): () => void {
    this.durableListeners.add(listener)
    return () => this.durableListeners.delete(listener)
  }

  async start(): Promise<void> {
    const o = this.options
    if (o.stateDir) {
      mkdirSync(o.stateDir, { recursive: true })
      await this.saveOrphanState()
      // The orphan's port is free only once the kernel has torn it down, which a loaded
      // machine may take a while to do after the process is gone: wait for it (bounded).
      if ((await stopRecordedProcess(this.pidFile!, 'embedded L1 (anvil)', o.logger)) && this.port !== 0) await waitPortFree(o.host, this.port, ORPHAN_PORT_WAIT_MS)
    }
    this.running = true
    process.on('exit', this.killOnExit)
    await this.spawnAnvil()
    o.logger.info({ url: this._url, chainId: o.chainId, blockTime: o.blockTime, state: o.stateDir ?? 'memory', durableBlock: this.durable.toString() }, 'L1 (anvil) started')
    if (o.stateDir) this.schedulePersist()
  }

  /**
   * Writes the L1 state now and resolves with the newest block on disk, which includes
   * every block anvil had when this was called. For what must outlive a crash before
   * anything else may depend on it (the L1 contracts the datadir records).
   */
  async persist(): Promise<bigint | undefined> {
    if (!this.stateFile) return undefined
    await this.enqueueWrite()
    return this.durable
  }

  /**
   * Writes the L1 state after its chain went back (a dev network's evm_revert) and lowers
   * the durable block to what the file now holds: the blocks the revert removed are gone
   * from disk too, and the blocks that take their numbers are durable only once written.
   */
  async persistRewound(): Promise<bigint | undefined> {
    if (!this.stateFile) return undefined
    this.rewound = true
    await this.enqueueWrite()
    return this.durable
  }

  /**
   * Mines every transaction in a block of its own as soon as it arrives (anvil's
   * automine), until `keepBlockTime` is called: the network's bootstrap (contract
   * deploys, chain registrations, funding) then takes one round trip per transaction
   * instead of one L1 block time. Only before the chains run: they need the L1's blocks
   * to come at its block time (anvil stamps automined blocks with the wall-clock second,
   * so the L1's time does not run ahead). A restart of anvil meanwhile (a crash) brings
   * back its block time: slower, but as correct.
   */
  async mineEachTransaction(): Promise<void> {
    await anvilRpc(this.url, 'evm_setAutomine', [true], RPC_TIMEOUT_MS)
  }

  /** Back to one block every `blockTime` seconds (what anvil was started with). */
  async keepBlockTime(): Promise<void> {
    await anvilRpc(this.url, 'evm_setIntervalMining', [this.options.blockTime], RPC_TIMEOUT_MS)
  }

  async stop(): Promise<void> {
    if (!this.running) return
    this.running = false
    clearTimeout(this.persistTimer)
    clearTimeout(this.restartTimer)
    const proc = this.proc
    // The last blocks go to disk too, unless anvil is already gone or hung.
    if (this.stateFile && this.pid !== undefined && this._url) {
      const alive = await anvilHead(this._url, ALIVE_TIMEOUT_MS).then(() => true, () => false)
      if (alive) await this.enqueueWrite().catch(() => undefined)
    }
    // Still `this.proc` while it terminates: a forced exit meanwhile (`kill`) must find it.
    if (proc) await terminate(proc, this.exited)
    this.proc = undefined
    if (this.pidFile) removePidFile(this.pidFile)
    process.off('exit', this.killOnExit)
  }

  /** Kills anvil at once (SIGKILL), synchronously: for a forced exit, when there is no time to stop. */
  kill(): void {
    const pid = this.pid
    this.running = false
    clearTimeout(this.persistTimer)
    clearTimeout(this.restartTimer)
    if (pid === undefined) return
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }

  private async spawnAnvil(): Promise<void> {
    const o = this.options
    const args = ['--host', o.host, '--port', String(this.port), '--chain-id', String(o.chainId), '--block-time', String(o.blockTime)]
    const stateFile = this.stateFile
    const loading = stateFile !== undefined && existsSync(stateFile)
    if (loading) args.push('--load-state', stateFile)
    args.push(...(o.extraArgs ?? []))
    const binary = anvilBinary()
    // Its own process group: a terminal's Ctrl-C goes to Plexus, which stops anvil in order.
    const proc = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    this.proc = proc
    this.exited = new Promise((resolve) => proc.once('exit', () => resolve()))
    if (this.pidFile && proc.pid !== undefined) writePidFile(this.pidFile, proc.pid, binary)
    let output = ''
    const collect = (d: Buffer) => {
      output += d.toString()
      if (output.length > 20_000) output = output.slice(-10_000)
    }
    proc.stdout!.on('data', collect)
    proc.stderr!.on('data', collect)
    proc.once('error', () => undefined) // reported through 'exit' / the start timeout
    // anvil prints "Listening on host:port" once it serves; the port it chose is there too.
    this._url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => {
        proc.kill('SIGKILL')
        reject(new BaseError(`anvil did not start within 30 s:\n${output.slice(-2000)}`))
      }, 30_000)
      const onData = () => {
        const m = /Listening on ([\d.]+):(\d+)/.exec(output)
        if (m) {
          clearTimeout(timer)
          proc.stdout!.off('data', onData)
          resolve(`http://${m[1]}:${m[2]}`)
        }
      }
      proc.stdout!.on('data', onData)
      proc.once('exit', (code, signal) => {
        clearTimeout(timer)
        reject(
          new BaseError(`anvil exited with ${code ?? signal} while starting`, {
            details: /in use|AddrInUse/i.test(output)
              ? `port ${this.port} is taken: stop what runs there or choose another l1 port`
              : output.slice(-2000),
          }),
        )
      })
    })
    this.port = Number(new URL(this._url).port)
    if (this.pidFile && proc.pid !== undefined) writePidFile(this.pidFile, proc.pid, binary, this._url)
    this.upSince = Date.now()
    proc.once('exit', (code, signal) => this.onExit(proc, code, signal))
    // Everything it loaded is on disk already; a fresh anvil has nothing there yet.
    if (loading) this.setDurable((await anvilHead(this._url, PERSIST_TIMEOUT_MS)).number)
  }

  /**
   * An anvil an earlier run left running (its Plexus was killed, it was not) still holds
   * every L1 block, newer ones than the last state write included: a user's deposit may be
   * in them, or still in its pool: anvil's pool is memory only, and a deposit a user sent
   * must not vanish because Plexus restarted. Its pending transactions are mined and its
   * state written before it is stopped, so the restarted L1 has them all. Best effort: if
   * it does not answer, the state on disk is what the L1 comes back with.
   */
  private async saveOrphanState(): Promise<void> {
    const orphan = liveProcessOf(this.pidFile!)
    if (!orphan?.url) return
    try {
      await mineOrphanPool(orphan.url)
      const written = await writeAnvilState(orphan.url, this.stateFile!, PERSIST_TIMEOUT_MS)
      if (written) this.options.logger.info({ pid: orphan.pid, l1Block: written.block.toString() }, 'saved the state of the embedded L1 an earlier run left running')
    } catch (err) {
      this.options.logger.warn({ pid: orphan.pid, err: (err as Error).message }, 'could not save the state of the embedded L1 an earlier run left running; it restarts from its last state on disk')
    }
  }

  private onExit(proc: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (this.proc !== proc || !this.running) return
    this.proc = undefined
    const o = this.options
    // Reported once: a crash loop (it dies again right after each restart) stays quiet.
    if (Date.now() - this.upSince >= HEALTHY_AFTER_MS || this.restarts === 0) {
      o.logger.error(
        { code, signal, durableBlock: this.durableBlock()?.toString() },
        o.stateDir
          ? 'the embedded L1 (anvil) exited; restarting it from its state on disk (later L1 blocks are lost: the batcher and proposers post again what was in them)'
          : 'the embedded L1 (anvil) exited; restarting it (its state was in memory: the L1 starts over)',
      )
      this.restarts = 0
    }
    this.scheduleRestart()
  }

  private scheduleRestart(): void {
    if (!this.running) return
    const delay = RESTART_DELAYS_MS[Math.min(this.restarts, RESTART_DELAYS_MS.length - 1)]!
    this.restarts++
    this.restartTimer = setTimeout(() => {
      this.spawnAnvil().then(
        () => {
          if (!this.running) return void this.kill()
          this.options.logger.info({ url: this._url, durableBlock: this.durableBlock()?.toString(), attempts: this.restarts }, 'the embedded L1 (anvil) is back')
        },
        (err: unknown) => {
          // The first failed attempt is reported; the next ones retry quietly until one works or Plexus stops.
          if (this.restarts === 1) this.options.logger.error({ err: (err as Error).message }, 'restarting the embedded L1 (anvil) failed; retrying')
          this.proc = undefined
          this.scheduleRestart()
        },
      )
    }, delay)
  }

  private schedulePersist(): void {
    if (!this.running) return
    // A write costs about the file's size in I/O, and the file grows with the L1's history:
    // past a few hundred MB, writing back to back would keep the disk busy for nothing.
    // Writing spends at most a quarter of the time; the chains' origins lag by that much.
    const delay = Math.max(this.options.persistPollMs ?? 100, WRITE_DUTY_FACTOR * this.lastWriteMs)
    this.persistTimer = setTimeout(() => {
      this.persistIfBehind().finally(() => this.schedulePersist())
    }, delay)
  }

  /** Writes the state when anvil has a block that is not on disk yet. */
  private async persistIfBehind(): Promise<void> {
    if (this.pid === undefined || !this._url || this.writeQueued) return
    const head = await anvilHead(this._url, PERSIST_TIMEOUT_MS).catch(() => undefined)
    if (head && head.number > this.durable) await this.enqueueWrite().catch(() => undefined)
  }

  /** One more write after those already queued (so it covers everything anvil has now). */
  private enqueueWrite(): Promise<void> {
    this.writeQueued = true
    const write = this.writes.catch(() => undefined).then(async () => {
      this.writeQueued = false
      const url = this._url
      if (!url || !this.stateFile) return
      try {
        const started = performance.now()
        const written = await writeAnvilState(url, this.stateFile, PERSIST_TIMEOUT_MS)
        this.lastWriteMs = performance.now() - started
        const rewound = this.rewound
        this.rewound = false
        if (written && rewound) this.durable = written.block - 1n
        if (written) this.setDurable(written.block)
        this.options.logger.trace({ block: written?.block.toString(), bytes: written?.bytes, ms: Math.round(this.lastWriteMs) }, 'L1 state written')
        if (this.writeFailing) this.options.logger.info({ durableBlock: this.durable.toString() }, 'writing the L1 state works again')
        this.writeFailing = false
      } catch (err) {
        // anvil being down is the supervisor's to report; anything else (a full disk) is reported once.
        const down = err instanceof AnvilRpcError && err.unreachable
        if (!down && !this.writeFailing) {
          this.writeFailing = true
          this.options.logger.error(
            { err: (err as Error).message, durableBlock: this.durable.toString() },
            'writing the L1 state failed; the chains adopt no newer L1 origin until it works again',
          )
        }
        throw err
      }
    })
    this.writes = write
    return write
  }

  private setDurable(block: bigint): void {
    if (block <= this.durable) return
    this.durable = block
    for (const listener of this.durableListeners) listener(block)
  }
}

/** SIGTERM, SIGKILL after a grace period; resolves once the process exited (bounded either way). */
async function terminate(proc: ChildProcess, exited: Promise<void>): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return
  proc.kill('SIGTERM')
  if (await settlesWithin(exited, TERM_GRACE_MS)) return
  proc.kill('SIGKILL')
  await settlesWithin(exited, TERM_GRACE_MS)
}

async function settlesWithin(p: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), ms)))
  try {
    return await Promise.race([p.then(() => true), timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** Blocks mined at most to empty an orphan's pool (a pool anvil fills faster is not emptied). */
const ORPHAN_POOL_BLOCKS = 16

/**
 * Mines what an orphaned anvil holds in its pool (pending transactions: those with a gap
 * in their nonces can never be mined, and are lost with it, as with any node's restart).
 */
async function mineOrphanPool(url: string): Promise<void> {
  for (let i = 0; i < ORPHAN_POOL_BLOCKS; i++) {
    const status = await anvilRpc<{ pending: string }>(url, 'txpool_status', [], RPC_TIMEOUT_MS)
    if (BigInt(status.pending) === 0n) return
    await anvilRpc(url, 'evm_mine', [], RPC_TIMEOUT_MS)
  }
}
