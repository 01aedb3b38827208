import { spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream, type WriteStream } from 'node:fs'
import { CLI } from './node.js'
import { isAlive, signal, waitForExit } from './processes.js'

/**
 * A `plexus` command run as its own OS process (its own process group, so a test can
 * kill it alone or with everything it started), its output appended to a log file and
 * the newest lines kept in memory as evidence.
 */
export class CliProcess {
  readonly proc: ChildProcess
  readonly pid: number
  /** Resolves with the exit code (null when killed by a signal) and the signal. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  private readonly lines: string[] = []
  private partial = ''
  private readonly log: WriteStream

  /** `onLine` sees every output line as it arrives. */
  constructor(
    args: string[],
    logFile: string,
    private readonly onLine?: (line: string) => void,
  ) {
    this.log = createWriteStream(logFile, { flags: 'a' })
    this.log.write(`\n# ${new Date().toISOString()} plexus ${args.join(' ')}\n`)
    // detached: a process group of its own (pgid = pid), which a crash of the whole network kills at once
    this.proc = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    this.pid = this.proc.pid!
    const collect = (d: Buffer) => this.collect(d.toString())
    this.proc.stdout!.on('data', collect)
    this.proc.stderr!.on('data', collect)
    this.exited = new Promise((resolve) =>
      this.proc.once('exit', (code, sig) => {
        this.log.end(`# exited code=${code} signal=${sig}\n`)
        resolve({ code, signal: sig })
      }),
    )
  }

  private collect(text: string): void {
    this.log.write(text)
    const parts = (this.partial + text).split('\n')
    this.partial = parts.pop()!
    this.lines.push(...parts)
    if (this.onLine) for (const line of parts) this.onLine(line)
    if (this.lines.length > 2000) this.lines.splice(0, this.lines.length - 1000)
  }

  /** True until the process exits. */
  get running(): boolean {
    return this.proc.exitCode === null && this.proc.signalCode === null && isAlive(this.pid)
  }

  /** The newest output lines (at most `n`). */
  tail(n = 50): string[] {
    return this.lines.slice(-n)
  }

  /** Sends a signal to the process alone. */
  kill(sig: NodeJS.Signals): void {
    signal(this.pid, sig)
  }

  /** Sends a signal to the process group: the process and every child it started (e.g. the embedded anvil). */
  killGroup(sig: NodeJS.Signals): void {
    signal(-this.pid, sig)
  }

  /**
   * Stops the process as an operator would: SIGTERM; a second signal (SIGINT, a second
   * Ctrl-C) if it still runs `termMs` later; SIGKILL if it still runs `forceMs` after that.
   * Returns how long it took and which step ended it.
   */
  async stop(termMs: number, forceMs = termMs): Promise<{ ms: number; by: 'already-exited' | 'SIGTERM' | 'second-signal' | 'SIGKILL' }> {
    const started = performance.now()
    if (!this.running) return { ms: 0, by: 'already-exited' }
    const exitedWithin = (ms: number) => Promise.race([this.exited.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), ms).unref())])
    this.kill('SIGTERM')
    if (await exitedWithin(termMs)) return { ms: performance.now() - started, by: 'SIGTERM' }
    this.kill('SIGINT')
    if (await exitedWithin(forceMs)) return { ms: performance.now() - started, by: 'second-signal' }
    this.kill('SIGKILL')
    await this.exited
    await waitForExit(this.pid, 5000)
    return { ms: performance.now() - started, by: 'SIGKILL' }
  }
}
