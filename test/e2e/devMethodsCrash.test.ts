import assert from 'node:assert/strict'
import path from 'node:path'
import { after, describe, test } from 'node:test'
import { rpc, sleep, waitFor } from '../helpers/node.js'
import { tempDir } from '../helpers/tmp.js'
import { freeNetworkPorts, headOf, killNetwork, spawnUp, writeNetworkConfig, type UpProcess } from '../helpers/upProcess.js'

function address(i: number): string {
  return `0x${(0xc0000000n + BigInt(i)).toString(16).padStart(40, '0')}`
}

describe('dev methods across a kill -9 of the network', () => {
  const { dir, cleanup } = tempDir()
  const datadir = path.join(dir, 'data')
  let up: UpProcess | undefined
  after(async () => {
    await killNetwork(up, datadir)
    cleanup()
  })

  test('an answered dev change survives a kill -9; one in flight at the crash is applied whole or not at all', { timeout: 600_000 }, async () => {
    const ports = await freeNetworkPorts(1)
    const config = writeNetworkConfig(dir, ports, 1)
    const url = `http://127.0.0.1:${ports.chains[0]}`
    const args = ['--config', config, '--datadir', datadir, '--no-dashboard', '--log-level', 'warn']
    up = await spawnUp(args, [url])

    // 1. Killed right after the call returned: the change is in a committed block.
    await rpc(url, 'anvil_setBalance', [address(0), '0x1234'])
    await rpc(url, 'anvil_setCode', [address(0), '0x6001600055'])
    await killNetwork(up, datadir)
    up = await spawnUp(args, [url])
    assert.equal(await rpc(url, 'eth_getBalance', [address(0), 'latest']), '0x1234')
    assert.equal(await rpc(url, 'eth_getCode', [address(0), 'latest']), '0x6001600055')

    // 2. Killed with changes in flight (accepted, not yet in a block, or in a block not yet answered).
    const answered = new Set<number>()
    const sent = new Set<number>()
    let next = 1
    let running = true
    const worker = async () => {
      while (running) {
        const i = next++
        sent.add(i)
        try {
          await rpc(url, 'anvil_setBalance', [address(i), `0x${(i * 7).toString(16)}`])
          answered.add(i)
        } catch {
          return // the node died under the call
        }
      }
    }
    const workers = Array.from({ length: 16 }, worker)
    await waitFor(async () => answered.size >= 100, 60_000, '100 answered dev calls')
    await sleep(Math.floor(Math.random() * 300))
    running = false
    await killNetwork(up, datadir)
    await Promise.all(workers)
    const answeredBefore = [...answered]
    up = await spawnUp(args, [url])
    // Invariant: every answered change is there; an unanswered one is there whole or not at all.
    for (const i of sent) {
      const balance = await rpc<string>(url, 'eth_getBalance', [address(i), 'latest'])
      const want = `0x${(i * 7).toString(16)}`
      if (answeredBefore.includes(i)) assert.equal(balance, want, `answered change ${i} lost`)
      else assert.ok(balance === want || balance === '0x0', `change ${i} half applied: ${balance}`)
    }
    // The chain goes on, and takes dev changes again.
    const head = await headOf(url)
    await rpc(url, 'anvil_setBalance', [address(0), '0x99'])
    assert.equal(await rpc(url, 'eth_getBalance', [address(0), 'latest']), '0x99')
    assert.ok((await headOf(url)) > head)
  })
})
