import assert from 'node:assert/strict'
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { after, describe, test } from 'node:test'
import { startAnvil } from '../../../test/helpers/anvil.js'
import { tempDir } from '../../../test/helpers/tmp.js'
import { silentLogger } from '../../primitives/logger.js'
import { anvilRpc } from './anvilState.js'
import { anvilBinary, EmbeddedAnvil } from './embeddedAnvil.js'
import { liveProcessOf, writePidFile } from './pidFile.js'

const DEV_ACCOUNT = '0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266'
const { dir, cleanup } = tempDir()
after(cleanup)

describe('embedded anvil', () => {
  test('an anvil a killed run left behind is stopped by the next start, and what its pool held is not lost', { timeout: 60_000 }, async () => {
    const stateDir = path.join(dir, 'orphan')
    // The orphan: an anvil recorded in the pid file, mining rarely, with a deposit-like
    // transaction in its pool (accepted, no receipt yet), as a kill -9 of Plexus leaves it.
    const orphan = await startAnvil(['--block-time', '3600'])
    mkdirSync(stateDir, { recursive: true })
    writePidFile(path.join(stateDir, 'anvil.pid'), orphan.proc.pid!, anvilBinary(), orphan.url)
    const hashes: string[] = []
    for (let i = 0; i < 3; i++) hashes.push(await anvilRpc<string>(orphan.url, 'eth_sendTransaction', [{ from: DEV_ACCOUNT, to: DEV_ACCOUNT, value: '0x1' }], 5_000))
    assert.equal(await anvilRpc(orphan.url, 'eth_getTransactionReceipt', [hashes[0]], 5_000), null)

    const next = new EmbeddedAnvil({ host: '127.0.0.1', port: 0, chainId: 31337, blockTime: 1, stateDir, logger: silentLogger() })
    try {
      await next.start()
      assert.equal(orphan.proc.exitCode !== null || orphan.proc.signalCode !== null, true, 'the orphan is stopped')
      for (const hash of hashes) {
        const receipt = await anvilRpc<{ status: string } | null>(next.url, 'eth_getTransactionReceipt', [hash], 5_000)
        assert.equal(receipt?.status, '0x1', `${hash} survives the restart`)
      }
      assert.equal(liveProcessOf(path.join(stateDir, 'anvil.pid'))?.pid, next.pid)
    } finally {
      await next.stop()
      await orphan.stop()
    }
  })
})
