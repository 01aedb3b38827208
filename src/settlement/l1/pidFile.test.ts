import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { createServer, type AddressInfo } from 'node:net'
import path from 'node:path'
import { after, describe, test } from 'node:test'
import { silentLogger } from '../../primitives/logger.js'
import { tempDir } from '../../../test/helpers/tmp.js'
import { liveProcessOf, stopRecordedProcess, waitPortFree, writePidFile } from './pidFile.js'

const { dir, cleanup } = tempDir()
const children: ChildProcess[] = []
after(() => {
  for (const c of children) c.kill('SIGKILL')
  cleanup()
})

/** A process that stays up (and, with `stubborn`, ignores SIGTERM), as a left-behind anvil would. */
async function longRunning(stubborn = false): Promise<ChildProcess> {
  const code = `${stubborn ? "process.on('SIGTERM', () => {});" : ''} setInterval(() => {}, 1000); console.log('up')`
  const child = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'ignore'] })
  children.push(child)
  await new Promise((resolve) => child.stdout!.once('data', resolve))
  return child
}

const exited = (child: ChildProcess) =>
  child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', resolve))

describe('pid file', () => {
  test('finds the recorded process while it runs, and nothing once it is gone', async () => {
    const file = path.join(dir, 'a.pid')
    const child = await longRunning()
    writePidFile(file, child.pid!, process.execPath)
    assert.equal(liveProcessOf(file)?.pid, child.pid)
    child.kill('SIGKILL')
    await exited(child)
    assert.equal(liveProcessOf(file), undefined)
  })

  test('never names a process the pid does not belong to any more (other start time, other binary), nor a torn file', async () => {
    const file = path.join(dir, 'b.pid')
    const child = await longRunning()
    writePidFile(file, child.pid!, process.execPath)
    const record = JSON.parse(readFileSync(file, 'utf8')) as { startTime?: string }
    if (record.startTime !== undefined) {
      // The same pid reused by a process started at another time.
      writeFileSync(file, JSON.stringify({ ...record, startTime: String(Number(record.startTime) + 1) }))
      assert.equal(liveProcessOf(file), undefined)
    }
    writeFileSync(file, JSON.stringify({ ...record, binary: '/usr/bin/anvil' }))
    assert.equal(liveProcessOf(file), undefined)
    writeFileSync(file, '{"pid": 12')
    assert.equal(liveProcessOf(file), undefined)
    writeFileSync(file, JSON.stringify({ pid: 1, binary: process.execPath }))
    assert.equal(liveProcessOf(file), undefined, 'pid 1 is never ours to stop')
  })

  test('stops the recorded process, with SIGKILL if it ignores SIGTERM, and removes the file', async () => {
    const file = path.join(dir, 'c.pid')
    const child = await longRunning(true)
    writePidFile(file, child.pid!, process.execPath)
    assert.equal(await stopRecordedProcess(file, 'test process', silentLogger(), 300), true)
    await exited(child)
    assert.equal(child.signalCode, 'SIGKILL')
    assert.equal(existsSync(file), false)
    assert.equal(await stopRecordedProcess(file, 'test process', silentLogger(), 300), false)
  })

  test('waits for a port to be free (bounded): resolves once its holder lets go, or at the bound while it holds on', async () => {
    const holder = createServer()
    await new Promise<void>((resolve) => holder.listen({ host: '127.0.0.1', port: 0 }, resolve))
    const port = (holder.address() as AddressInfo).port
    let freed = false
    setTimeout(() => holder.close(() => (freed = true)), 300)
    await waitPortFree('127.0.0.1', port, 10_000)
    assert.equal(freed, true, 'resolved only once the port was let go')
    // Held throughout: it gives up at the bound (the caller's start then reports the port taken).
    const held = createServer()
    await new Promise<void>((resolve) => held.listen({ host: '127.0.0.1', port }, resolve))
    try {
      await waitPortFree('127.0.0.1', port, 200)
      assert.equal(held.listening, true)
    } finally {
      held.close()
    }
  })
})
