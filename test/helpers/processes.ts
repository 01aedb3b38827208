import { readdirSync, readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import { sleep } from './node.js'

/**
 * Process and port helpers for tests that run Plexus as real OS processes (the fault
 * suite, CLI tests): find a process's children and strays by command line through /proc,
 * tell whether a pid still runs, and whether a port is still held. Linux only (/proc).
 */

/** The fields of /proc/<pid>/stat a test needs; undefined once the process is gone. */
function stat(pid: number): { state: string; ppid: number; pgrp: number } | undefined {
  let text: string
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return undefined
  }
  // "pid (comm) state ppid pgrp …": comm may hold spaces and parentheses, so split after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ')
  return { state: rest[0]!, ppid: Number(rest[1]), pgrp: Number(rest[2]) }
}

/** The process's command line, arguments joined by spaces ('' once it is gone). */
export function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim()
  } catch {
    return ''
  }
}

/** True while `pid` runs. A zombie (killed, not yet reaped by its parent) counts as gone: it holds no port and runs nothing. */
export function isAlive(pid: number): boolean {
  const s = stat(pid)
  return s !== undefined && s.state !== 'Z' && s.state !== 'X'
}

function allPids(): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number)
}

/** The live children of `pid`. */
export function childPids(pid: number): number[] {
  return allPids().filter((p) => stat(p)?.ppid === pid && isAlive(p))
}

/** The live processes whose command line contains `fragment` (e.g. a test's temporary directory). */
export function pidsWithArg(fragment: string): number[] {
  return allPids().filter((p) => p !== process.pid && isAlive(p) && commandLine(p).includes(fragment))
}

/** Waits until `pid` has exited (polling); false if it still runs after `timeoutMs`. */
export async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (isAlive(pid)) {
    if (Date.now() > deadline) return false
    await sleep(50)
  }
  return true
}

/** Sends `signal` to `pid`, ignoring a process that is already gone. */
export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ESRCH') throw err
  }
}

function listen(port: number): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const srv = createServer()
    srv.once('error', () => resolve(undefined))
    srv.listen(port, '127.0.0.1', () => resolve(srv))
  })
}

function close(srv: Server): Promise<void> {
  return new Promise((resolve) => srv.close(() => resolve()))
}

/** True when nothing listens on 127.0.0.1:`port` (we could bind it). */
export async function portIsFree(port: number): Promise<boolean> {
  const srv = await listen(port)
  if (!srv) return false
  await close(srv)
  return true
}

/**
 * `count` distinct free ports, the first `consecutive` of them adjacent (a replica serves
 * chain i on port + i). All are held until every one is found, so none is handed out twice.
 */
export async function freePorts(count: number, consecutive = 1): Promise<number[]> {
  const held: Server[] = []
  try {
    const ports: number[] = []
    // The consecutive run: take a free port from the OS and try the ones after it.
    while (consecutive > 1 && ports.length === 0) {
      const first = await listen(0)
      if (!first) continue
      const base = (first.address() as { port: number }).port
      const run: Server[] = [first]
      for (let i = 1; i < consecutive && base + i < 65536; i++) {
        const next = await listen(base + i)
        if (!next) break
        run.push(next)
      }
      held.push(...run)
      if (run.length === consecutive) ports.push(...run.map((s) => (s.address() as { port: number }).port))
    }
    while (ports.length < count) {
      const srv = await listen(0)
      if (!srv) continue
      held.push(srv)
      ports.push((srv.address() as { port: number }).port)
    }
    return ports
  } finally {
    await Promise.all(held.map(close))
  }
}
