import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { after, before, describe, test } from 'node:test'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { startAnvil, type Anvil } from '../../../test/helpers/anvil.js'
import { mulberry32 } from '../../../test/helpers/random.js'
import { sleep } from '../../../test/helpers/node.js'
import { tempDir } from '../../../test/helpers/tmp.js'
import { anvilRpc, writeAnvilState } from './anvilState.js'

const DEV_ACCOUNT = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266'
const here = path.dirname(fileURLToPath(import.meta.url))

let anvil: Anvil
const { dir, cleanup } = tempDir()
after(async () => {
  await anvil?.stop()
  cleanup()
})

/** Block hashes 0…n as anvil serves them. */
async function hashes(url: string, upTo: bigint): Promise<string[]> {
  const out: string[] = []
  for (let n = 0n; n <= upTo; n++) out.push((await anvilRpc<{ hash: string }>(url, 'eth_getBlockByNumber', [`0x${n.toString(16)}`, false], 5_000)).hash)
  return out
}

describe('anvil state on disk', () => {
  before(async () => {
    anvil = await startAnvil(['--block-time', '1'])
    // Some weight, so that a write takes long enough to be cut in the middle.
    for (let i = 0; i < 12; i++) {
      await anvilRpc(anvil.url, 'eth_sendTransaction', [{ from: DEV_ACCOUNT, to: DEV_ACCOUNT, data: `0x${'ab'.repeat(100_000)}` }], 10_000)
    }
    await sleep(1_500)
  })

  test('a write holds every block up to the one it reports, under the same hashes, and anvil loads it', async () => {
    const file = path.join(dir, 'state.json')
    const written = await writeAnvilState(anvil.url, file, 30_000)
    assert.ok(written && written.block >= 1n)
    const before = await hashes(anvil.url, written.block)
    const again = await startAnvil(['--load-state', file])
    try {
      assert.deepEqual(await hashes(again.url, written.block), before)
    } finally {
      await again.stop()
    }
  })

  test('kill -9 of the writer at random moments never leaves a torn or older state file', async () => {
    const file = path.join(dir, 'crash.json')
    const module = pathToFileURL(path.join(here, 'anvilState.js')).href
    // A writer in its own process, writing as fast as it can, killed at random moments.
    const script = `const { writeAnvilState } = await import(${JSON.stringify(module)}); for (;;) { const w = await writeAnvilState(${JSON.stringify(anvil.url)}, ${JSON.stringify(file)}, 30000); console.log(String(w?.block)) }`
    const random = mulberry32(13)
    let previous = -1
    let kills = 0
    for (let trial = 0; trial < 12; trial++) {
      const writer = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] })
      let reported = -1
      writer.stdout!.on('data', (d: Buffer) => {
        for (const line of d.toString().trim().split('\n')) if (line !== 'undefined') reported = Math.max(reported, Number(line))
      })
      const exited = new Promise((resolve) => writer.once('exit', resolve))
      await sleep(50 + Math.floor(random() * 400))
      writer.kill('SIGKILL')
      await exited
      kills++
      if (!existsSync(file)) continue // killed before its first rename
      // Invariant: the file is whole (parses), holds at least what the writer reported
      // written, and never goes back to an older state.
      const state = JSON.parse(readFileSync(file, 'utf8')) as { best_block_number: string | number }
      const best = Number(BigInt(state.best_block_number))
      assert.ok(best >= reported, `file at block ${best}, the writer reported ${reported} written`)
      assert.ok(best >= previous, `file went back from ${previous} to ${best}`)
      previous = best
    }
    assert.equal(kills, 12)
    assert.ok(previous >= 0, 'no write ever completed')
    const again = await startAnvil(['--load-state', file])
    try {
      assert.deepEqual(await hashes(again.url, BigInt(previous)), await hashes(anvil.url, BigInt(previous)))
    } finally {
      await again.stop()
    }
  })
})
