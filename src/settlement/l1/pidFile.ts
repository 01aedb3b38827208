import { createServer } from 'node:net'
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import type { Logger } from '../../primitives/logger.js'

/**
 * What a pid file records of a child process: enough to find it again after the parent
 * died (`kill -9`), and to be sure the pid still names that process and not another one
 * that reused the number.
 */
export interface PidRecord {
  pid: number
  /** Process start time in clock ticks since boot (`/proc/<pid>/stat` field 22); absent where there is no /proc. */
  startTime?: string
  /** argv[0] of the process. */
  binary: string
  /** Where it serves, once known (an orphaned server can still be asked for its state). */
  url?: string
}

/** Records `pid` (a process just spawned from `binary`, serving at `url` once known) in `file`, atomically. */
export function writePidFile(file: string, pid: number, binary: string, url?: string): void {
  const record: PidRecord = { pid, binary, ...(startTimeOf(pid) !== undefined ? { startTime: startTimeOf(pid) } : {}), ...(url ? { url } : {}) }
  writeFileSync(`${file}.tmp`, JSON.stringify(record) + '\n')
  renameSync(`${file}.tmp`, file)
}

export function removePidFile(file: string): void {
  rmSync(file, { force: true })
}

/**
 * The process a pid file names, if it still runs and is the one recorded: same start time
 * (Linux), and its command line starts with the recorded binary. A pid reused by an
 * unrelated process is never returned.
 */
export function liveProcessOf(file: string): PidRecord | undefined {
  if (!existsSync(file)) return undefined
  let record: PidRecord
  try {
    record = JSON.parse(readFileSync(file, 'utf8')) as PidRecord
  } catch {
    return undefined // a torn write of an earlier run: nothing reliable to act on
  }
  if (!Number.isInteger(record.pid) || record.pid <= 1 || !isAlive(record.pid)) return undefined
  if (record.startTime !== undefined && startTimeOf(record.pid) !== record.startTime) return undefined
  const argv0 = commandOf(record.pid)
  if (argv0 === undefined || path.basename(argv0) !== path.basename(record.binary)) return undefined
  return record
}

/**
 * Stops the process a pid file names (see `liveProcessOf`): SIGTERM, then SIGKILL after
 * `graceMs`; resolves once it is gone (or after the bound). Returns whether one was found.
 */
export async function stopRecordedProcess(file: string, what: string, logger: Logger, graceMs = 3_000): Promise<boolean> {
  const record = liveProcessOf(file)
  if (!record) {
    removePidFile(file)
    return false
  }
  logger.warn({ pid: record.pid }, `stopping the ${what} an earlier run left running`)
  signal(record.pid, 'SIGTERM')
  if (!(await waitGone(record.pid, graceMs))) {
    signal(record.pid, 'SIGKILL')
    await waitGone(record.pid, 2_000)
  }
  removePidFile(file)
  return true
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig)
  } catch {
    // already gone
  }
}

async function waitGone(pid: number, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs
  while (isAlive(pid)) {
    if (Date.now() > until) return false
    await new Promise((r) => setTimeout(r, 25))
  }
  return true
}

/** Alive and not a zombie (a dead child nobody reaped holds no port and no file). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
  return stateOf(pid) !== 'Z'
}

/** Fields of /proc/<pid>/stat after the command (which may itself contain spaces and parentheses). */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  } catch {
    return undefined
  }
}

function stateOf(pid: number): string | undefined {
  return statFields(pid)?.[0]
}

/** Field 22 of /proc/<pid>/stat (index 19 after the command). */
function startTimeOf(pid: number): string | undefined {
  return statFields(pid)?.[19]
}

function commandOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0]
  } catch {
    // No /proc (macOS): ask ps.
    const ps = spawnSync('ps', ['-o', 'command=', '-p', String(pid)], { encoding: 'utf8' })
    const line = ps.status === 0 ? ps.stdout.trim() : ''
    return line ? line.split(' ')[0] : undefined
  }
}

/** Resolves once `host:port` can be listened on, or after `timeoutMs` (the start then reports the port taken). */
export async function waitPortFree(host: string, port: number, timeoutMs: number): Promise<void> {
  const until = Date.now() + timeoutMs
  const free = () =>
    new Promise<boolean>((resolve) => {
      const server = createServer()
      server.once('error', () => resolve(false))
      server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)))
    })
  while (!(await free()) && Date.now() < until) await new Promise((r) => setTimeout(r, 50))
}
