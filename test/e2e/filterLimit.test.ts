import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { rpcBatch } from '../helpers/jsonRpc.js'
import { rpc, startTestNode, type TestNode } from '../helpers/node.js'

/**
 * Filters are bounded per chain (`rpc.maxFilters`): a flood of eth_newFilter far above the
 * limit installs exactly the limit, refuses the rest with -32005, leaves installed filters
 * working, and frees a slot on uninstall.
 */
describe('filters per chain are bounded', { timeout: 60_000 }, () => {
  let n: TestNode
  const LIMIT = 25
  before(async () => {
    n = await startTestNode({ rpcLimits: { maxFilters: LIMIT } })
  })
  after(async () => n?.stop())

  it('a flood of 2,000 filter installs gets exactly the limit; the rest get -32005; uninstalling frees a slot', async () => {
    const methods = ['eth_newFilter', 'eth_newBlockFilter', 'eth_newPendingTransactionFilter'] as const
    const calls = Array.from({ length: 2_000 }, (_, i) => ({ method: methods[i % 3]!, params: methods[i % 3] === 'eth_newFilter' ? [{ fromBlock: 'latest' }] : [] }))
    const answers = await rpcBatch<string>(n.url, calls, { chunk: 500 })
    const installed = answers.flatMap((a) => (a.ok ? [a.result] : []))
    const refused = answers.filter((a) => !a.ok)
    assert.equal(installed.length, LIMIT)
    assert.equal(refused.length, 2_000 - LIMIT)
    for (const r of refused) assert.equal(r.ok ? 0 : r.error.code, -32005)
    // The installed ones still answer.
    assert.ok(Array.isArray(await rpc(n.url, 'eth_getFilterChanges', [installed[0]])))
    assert.equal(await rpc(n.url, 'eth_uninstallFilter', [installed[0]]), true)
    const again = await rpc<string>(n.url, 'eth_newBlockFilter', [])
    assert.match(again, /^0x[0-9a-f]+$/)
    await assert.rejects(rpc(n.url, 'eth_newBlockFilter', []), /too many filters/)
  })
})
