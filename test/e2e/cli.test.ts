import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { rpc, runCli as run, spawnNode, waitFor } from '../helpers/node.js'
import { tempDir } from '../helpers/tmp.js'

describe('plexus CLI', () => {
  test('config errors name the exact field and say how to fix it', async () => {
    const { dir, cleanup } = tempDir()
    try {
      const cases: [string, RegExp][] = [
        ['chain:\n  slotTimeMs: 10\n', /config error: chain\.slotTimeMs: .*50/],
        ['chain:\n  rpc:\n    prot: 9545\n', /config error: chain\.rpc\.prot: unknown key; did you mean "port"\?/],
        ['chain:\n  feeRecipient: "0x1234"\n', /config error: chain\.feeRecipient: must be a 0x-prefixed 20-byte hex address/],
        ['chain: [1, 2\n', /config error: config: .* is not valid YAML/],
      ]
      for (const [yaml, expected] of cases) {
        const file = path.join(dir, 'plexus.yaml')
        writeFileSync(file, yaml)
        const { code, out } = await run(['node', '--config', file, '--datadir', path.join(dir, 'data')])
        assert.equal(code, 1, out)
        assert.match(out, expected)
      }
      const flag = await run(['node', '--block-time', '10', '--datadir', path.join(dir, 'data')])
      assert.equal(flag.code, 1)
      assert.match(flag.out, /slotTimeMs: 10 is out of range; use 50 … 12000 ms/)
    } finally {
      cleanup()
    }
  })

  test('a datadir refuses a different genesis, naming both hashes', async () => {
    const { dir, cleanup } = tempDir()
    try {
      const first = await spawnNode(['--datadir', dir])
      first.proc.kill('SIGTERM')
      assert.equal(await first.exited, 0)
      const genesisFile = path.join(dir, 'chains', '901', 'genesis.json')
      const { readFileSync } = await import('node:fs')
      const changed = JSON.parse(readFileSync(genesisFile, 'utf8'))
      changed.gasLimit = '0x1c9c380'
      const other = path.join(dir, 'other-genesis.json')
      writeFileSync(other, JSON.stringify(changed))
      const { code, out } = await run(['node', '--datadir', dir, '--genesis', other, '--port', '0'])
      assert.equal(code, 1)
      assert.match(out, /datadir genesis 0x[0-9a-f]{64} does not match the configured genesis 0x[0-9a-f]{64}/)
    } finally {
      cleanup()
    }
  })

  test('/metrics reports blocks, transactions and RPC latency per method', async () => {
    const { dir, cleanup } = tempDir()
    const node = await spawnNode(['--datadir', dir, '--block-time', '50'])
    try {
      await rpc(node.url, 'eth_chainId', [])
      await waitFor(async () => BigInt(await rpc<string>(node.url, 'eth_blockNumber', [])) >= 3n, 10_000, 'blocks')
      const text = await (await fetch(`${node.url}/metrics`)).text()
      const value = (re: RegExp) => Number(re.exec(text)?.[1] ?? NaN)
      assert.ok(value(/^plexus_blocks_total (\d+)/m) >= 3)
      assert.ok(value(/^plexus_head_block_number (\d+)/m) >= 3)
      assert.ok(value(/^plexus_rpc_request_duration_seconds_count\{method="eth_chainId",ok="true"\} (\d+)/m) >= 1)
      assert.match(text, /^plexus_txpool_pending \d+/m)
      assert.match(text, /^plexus_block_phase_seconds_count\{phase="execution"\} \d+/m)
      const health = await (await fetch(`${node.url}/health`)).json()
      assert.deepEqual(health, { ok: true })
    } finally {
      node.proc.kill('SIGTERM')
      await node.exited
      cleanup()
    }
  })
})
