import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import type { Hex } from 'viem'
import { CliProcess } from '../helpers/cliProcess.js'
import { rpcCall, RpcCallError } from '../helpers/jsonRpc.js'
import { sleep } from '../helpers/node.js'
import { commandLine, pidsWithArg, signal, waitForExit } from '../helpers/processes.js'
import { readAdminRecord } from '../../src/node/adminEndpoint.js'
import { liveProcessOf } from '../../src/settlement/l1/pidFile.js'

/**
 * The network under test as a real OS process: `plexus up --config <file> --datadir <dir>
 * --no-dashboard` on free ports, started, killed (the node alone, or with its anvil) and
 * restarted on the same datadir. Nothing here knows Plexus' internals beyond what an
 * operator sees: the RPC ports, `<datadir>/admin.json`, the process tree.
 */

export interface NetworkLayout {
  /** Everything the suite writes lives under it. */
  workdir: string
  datadir: string
  configFile: string
  logFile: string
  l1Port: number
  /** Chain id → RPC port. */
  rpcPorts: Map<number, number>
}

export interface ChainEndpoint {
  chainId: number
  url: string
  /** The slot of the chain's block 0 (`plexus_getChainRegistry`). */
  genesisSlot: bigint
}

/** The default network (two chains, 250 ms slots, embedded anvil with 2 s blocks) on the layout's ports, its chains' executors where `executors` says. */
export function writeConfig(layout: NetworkLayout, executors: 'inline' | 'thread' = 'inline'): void {
  const config = {
    executors,
    l1: { embedded: { port: layout.l1Port } },
    chains: [...layout.rpcPorts.values()].map((port) => ({ rpc: { port } })),
  }
  writeFileSync(layout.configFile, JSON.stringify(config, null, 2) + '\n')
}

/** Start failed: the process exited, or did not become ready in time. */
export class StartError extends Error {
  override name = 'StartError'
  constructor(
    message: string,
    readonly output: string[],
    readonly exitCode?: number | null,
  ) {
    super(message)
  }
}

/** Whether `plexus up --fault-injection` and `admin_injectFault` exist in this build. */
export interface FaultHook {
  available: boolean
  /** Why not (the CLI's refusal, or the admin endpoint's answer). */
  why?: string
}

export class NetworkProcess {
  process: CliProcess | undefined
  /** Every process this object started, for the final leftovers check. */
  readonly started: number[] = []
  hook: FaultHook = { available: false, why: 'not probed yet' }
  /** The output of every start, newest last, with when it arrived (performance.now()). */
  private readonly history: { at: number; line: string }[] = []
  chains: ChainEndpoint[] = []
  starts = 0

  constructor(
    readonly layout: NetworkLayout,
    private readonly logLevel: string,
  ) {}

  get l1Url(): string {
    return `http://127.0.0.1:${this.layout.l1Port}`
  }

  url(chainId: number): string {
    return `http://127.0.0.1:${this.layout.rpcPorts.get(chainId)}`
  }

  get chainIds(): number[] {
    return [...this.layout.rpcPorts.keys()]
  }

  // Dev methods closed: a setBalance mints unbacked ETH and a revert takes receipts back,
  // on purpose, which is what the invariants forbid; the hostile corpus checks their refusal.
  private args(faultInjection: boolean): string[] {
    const l = this.layout
    return ['up', '--config', l.configFile, '--datadir', l.datadir, '--no-dashboard', '--no-dev-methods', '--rpc-expose', 'debug,operator', '--log-level', this.logLevel, ...(faultInjection ? ['--fault-injection'] : [])]
  }

  /**
   * Starts `plexus up` and waits until it serves: every chain and the L1 answer and
   * `admin.json` names this process. The first start probes the fault-injection flag: a
   * build that refuses it (it exits naming the flag) is started again without it and the
   * hook is reported unavailable.
   */
  async start(timeoutMs: number): Promise<{ ms: number }> {
    const started = performance.now()
    const probing = this.starts === 0
    this.starts++
    try {
      await this.spawnAndWait(probing || this.hook.available, timeoutMs)
      if (probing) this.hook = { available: true }
    } catch (err) {
      const refusedFlag = probing && err instanceof StartError && err.output.some((l) => l.includes('--fault-injection'))
      if (!refusedFlag) throw err
      this.hook = { available: false, why: `plexus up refused --fault-injection: ${err.output.find((l) => l.includes('--fault-injection'))!.trim()}` }
      await this.spawnAndWait(false, timeoutMs)
    }
    if (this.chains.length === 0) await this.readRegistry()
    return { ms: performance.now() - started }
  }

  private async spawnAndWait(faultInjection: boolean, timeoutMs: number): Promise<void> {
    const proc = (this.process = new CliProcess(this.args(faultInjection), this.layout.logFile, (line) => this.remember(line)))
    this.started.push(proc.pid)
    const deadline = Date.now() + timeoutMs
    for (;;) {
      if (!proc.running) {
        const { code } = await proc.exited
        throw new StartError(`plexus up exited with code ${code} before serving`, proc.tail(40), code)
      }
      if (await this.ready(proc.pid)) return
      if (Date.now() > deadline) {
        proc.killGroup('SIGKILL')
        await proc.exited
        throw new StartError(`plexus up did not serve within ${timeoutMs} ms`, proc.tail(40))
      }
      await sleep(250)
    }
  }

  private async ready(pid: number): Promise<boolean> {
    const record = readAdminRecord(path.join(this.layout.datadir, 'admin.json'))
    if (record?.pid !== pid) return false
    try {
      await rpcCall(this.l1Url, 'eth_chainId', [], 2000)
      for (const chainId of this.chainIds) await rpcCall(this.url(chainId), 'eth_chainId', [], 2000)
      return true
    } catch {
      return false
    }
  }

  private async readRegistry(): Promise<void> {
    const first = this.chainIds[0]!
    const registry = await rpcCall<{ chains: { chainId: number | Hex; genesisSlot: number | Hex }[] }>(this.url(first), 'plexus_getChainRegistry')
    this.chains = this.chainIds.map((chainId) => {
      const entry = registry.chains.find((c) => Number(c.chainId) === chainId)
      if (!entry) throw new Error(`chain ${chainId} is not in plexus_getChainRegistry`)
      return { chainId, url: this.url(chainId), genesisSlot: BigInt(entry.genesisSlot) }
    })
  }

  get running(): boolean {
    return this.process?.running ?? false
  }

  /** The embedded anvil(s) of this datadir that still run: children now, or orphans of a killed network. */
  anvilPids(): number[] {
    // A restarted anvil names the datadir (--load-state); a first one only in its pid file.
    const byArg = pidsWithArg(this.layout.datadir).filter((pid) => commandLine(pid).includes('anvil'))
    const recorded = liveProcessOf(path.join(this.layout.datadir, 'l1', 'anvil', 'anvil.pid'))?.pid
    return recorded === undefined || byArg.includes(recorded) ? byArg : [...byArg, recorded]
  }

  /** `kill -9` of the network process alone (its anvil is not signalled). */
  async kill9(): Promise<void> {
    const proc = this.process
    if (!proc) return
    proc.kill('SIGKILL')
    await proc.exited
  }

  /** `kill -9` of the whole process group at once: the network and its anvil, as a power cut would. */
  async kill9All(): Promise<void> {
    const proc = this.process
    if (!proc) return
    const anvils = this.anvilPids()
    proc.killGroup('SIGKILL')
    // anvil runs in a process group of its own (a terminal's Ctrl-C must reach Plexus alone): a power cut takes it too
    for (const pid of anvils) signal(pid, 'SIGKILL')
    await proc.exited
    for (const pid of anvils) await waitForExit(pid, 10_000)
  }

  /**
   * The newest L1 block the embedded anvil's state file holds (call once anvil is dead:
   * what a restart loads), or undefined when there is no file yet.
   */
  durableL1Block(): bigint | undefined {
    const file = path.join(this.layout.datadir, 'l1', 'anvil', 'state.json')
    if (!existsSync(file)) return undefined
    const state = JSON.parse(readFileSync(file, 'utf8')) as { best_block_number?: number | string }
    return state.best_block_number === undefined ? undefined : BigInt(state.best_block_number)
  }

  /** Stops as an operator would (SIGTERM, a second signal, then SIGKILL; see `CliProcess.stop`); how long it took and what ended it. */
  async stop(termMs: number, forceMs = termMs): Promise<{ ms: number; by: string }> {
    const proc = this.process
    if (!proc) return { ms: 0, by: 'not-started' }
    return proc.stop(termMs, forceMs)
  }

  /** Each chain's head number (undefined for a chain that does not answer). */
  async heads(): Promise<Map<number, bigint | undefined>> {
    const out = new Map<number, bigint | undefined>()
    await Promise.all(
      this.chainIds.map(async (chainId) => {
        try {
          out.set(chainId, BigInt(await rpcCall<Hex>(this.url(chainId), 'eth_blockNumber', [], 3000)))
        } catch {
          out.set(chainId, undefined)
        }
      }),
    )
    return out
  }

  /**
   * Polls until every chain's head is at least `blocks` above where it was when called.
   * Returns when that happened (ms) or, on timeout, the heads it saw.
   */
  async waitProducing(blocks: number, timeoutMs: number): Promise<{ ok: boolean; ms: number; from: Map<number, bigint | undefined>; to: Map<number, bigint | undefined> }> {
    const started = performance.now()
    let from = await this.heads()
    // a chain that did not answer yet counts from its first answer
    for (;;) {
      const now = await this.heads()
      for (const [c, n] of now) if (from.get(c) === undefined && n !== undefined) from.set(c, n)
      const ok = [...now].every(([c, n]) => n !== undefined && from.get(c) !== undefined && n >= from.get(c)! + BigInt(blocks))
      if (ok) return { ok, ms: performance.now() - started, from, to: now }
      if (performance.now() - started > timeoutMs) return { ok: false, ms: performance.now() - started, from, to: now }
      await sleep(200)
    }
  }

  /** Calls the running network's admin endpoint (`<datadir>/admin.json`). */
  async admin<T = unknown>(method: string, params: unknown[] = []): Promise<T> {
    const record = readAdminRecord(path.join(this.layout.datadir, 'admin.json'))
    if (!record) throw new RpcCallError(`no admin.json in ${this.layout.datadir}`)
    const res = await fetch(record.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${record.token}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
      signal: AbortSignal.timeout(15_000),
    })
    const body = (await res.json()) as { result?: T; error?: { code: number; message: string } }
    if (body.error) throw new RpcCallError(`${method}: ${body.error.code} ${body.error.message}`, body.error.code)
    return body.result as T
  }

  private remember(line: string): void {
    this.history.push({ at: performance.now(), line })
    if (this.history.length > 20_000) this.history.splice(0, 10_000)
  }

  /** The newest distinct warning and error lines the network logged since `since` (performance.now(); pino level ≥ 40, or plain text), for evidence. */
  problems(since: number, max = 8): string[] {
    const lines = this.history.filter((h) => h.at >= since).map((h) => h.line)
    const seen = new Set<string>()
    const out: string[] = []
    for (const line of lines.reverse()) {
      let msg: string
      try {
        const j = JSON.parse(line) as { level?: number; msg?: string; err?: unknown; module?: string; chain?: number }
        if ((j.level ?? 0) < 40) continue
        const err = typeof j.err === 'string' ? j.err : (j.err as { message?: string } | undefined)?.message
        msg = `${j.level! >= 50 ? 'error' : 'warn'}${j.chain ? ` [${j.chain}]` : ''}: ${j.msg}${err ? ` — ${err}` : ''}`
      } catch {
        if (!line.trim() || line.startsWith('  ')) continue
        msg = line.trim()
      }
      const norm = msg.replace(/\d+/g, 'N')
      if (seen.has(norm)) continue
      seen.add(norm)
      out.push(msg.slice(0, 400))
      if (out.length >= max) break
    }
    return out.reverse()
  }
}
