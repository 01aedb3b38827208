import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { after, describe, test } from 'node:test'
import { tempDir } from '../../test/helpers/tmp.js'
import { writePidFile } from '../settlement/l1/pidFile.js'
import { datadirLockFile, DatadirInUseError, lockDatadir } from './datadirLock.js'

const { dir, cleanup } = tempDir()
const children: ChildProcess[] = []
after(() => {
  for (const c of children) c.kill('SIGKILL')
  cleanup()
})

/** Another Plexus-like process (node) that stays up until killed. */
async function otherProcess(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['-e', "setInterval(() => {}, 1000); console.log('up')"], { stdio: ['ignore', 'pipe', 'ignore'] })
  children.push(child)
  await new Promise((resolve) => child.stdout!.once('data', resolve))
  return child
}

/**
 * Invariant: at most one live process holds a datadir; a lock never outlives its holder
 * in effect (a dead holder's lock is taken over), and releasing never removes another's.
 */
describe('the datadir lock', { timeout: 30_000 }, () => {
  test('refused while another live process holds it; its lock is left as it was', async () => {
    const datadir = path.join(dir, 'held')
    mkdirSync(datadir, { recursive: true })
    const other = await otherProcess()
    writePidFile(datadirLockFile(datadir), other.pid!, process.execPath)
    const before = readFileSync(datadirLockFile(datadir), 'utf8')
    assert.throws(() => lockDatadir(datadir), (err: unknown) => err instanceof DatadirInUseError && err.message.includes(`pid ${other.pid}`))
    assert.equal(readFileSync(datadirLockFile(datadir), 'utf8'), before)
  })

  test("a dead holder's lock, or a torn lock file, is taken over", async () => {
    for (const [name, content] of [
      ['dead', async () => {
        const other = await otherProcess()
        other.kill('SIGKILL')
        await new Promise((resolve) => other.once('exit', resolve))
        return JSON.stringify({ pid: other.pid, binary: process.execPath })
      }],
      ['torn', async () => '{"pid": 12'],
    ] as const) {
      const datadir = path.join(dir, name)
      mkdirSync(datadir, { recursive: true })
      writeFileSync(datadirLockFile(datadir), await content())
      const release = lockDatadir(datadir)
      assert.equal((JSON.parse(readFileSync(datadirLockFile(datadir), 'utf8')) as { pid: number }).pid, process.pid)
      release()
      assert.ok(!existsSync(datadirLockFile(datadir)))
    }
  })

  test("release removes only this process' lock", async () => {
    const datadir = path.join(dir, 'release')
    const release = lockDatadir(datadir)
    const other = await otherProcess()
    // Someone else's lock now (as after a takeover): releasing ours must not remove it.
    writePidFile(datadirLockFile(datadir), other.pid!, process.execPath)
    release()
    assert.ok(existsSync(datadirLockFile(datadir)))
  })
})
