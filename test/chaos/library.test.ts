/**
 * The fault suite's own parts that need no network: a seed replays the same choices, the
 * schedule has every fault it promises, and the report keeps every failure it is given.
 */
import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { burst, kill9All, kill9Network, schedule } from './faults/index.js'
import { INVARIANTS } from './invariants/index.js'
import { fullOptions, shortOptions } from './options.js'
import { failureDetails, invariantTable, renderMarkdown, resultJson, type SuiteResult } from './report.js'
import { Rng } from './rng.js'

describe('fault suite library', () => {
  it('a seed replays the same draws, and a fork does not depend on how far its parent has drawn', () => {
    const a = new Rng(42)
    const b = new Rng(42)
    assert.deepEqual(Array.from({ length: 20 }, () => a.int(1000)), Array.from({ length: 20 }, () => b.int(1000)))
    const draw10 = (r: Rng) => Array.from({ length: 10 }, () => r.next())
    const fresh = draw10(new Rng(42).fork('load'))
    const parent = new Rng(42)
    for (let i = 0; i < 100; i++) parent.next()
    assert.deepEqual(draw10(parent.fork('load')), fresh)
    assert.notDeepEqual(new Rng(42).fork('load').next(), new Rng(42).fork('moments').next())
    assert.notDeepEqual(new Rng(42).fork('load').next(), new Rng(43).fork('load').next())
  })

  it('the schedule: every fault the options ask for, both kinds of kill, the burst last, the same for the same seed', () => {
    for (let seed = 0; seed < 50; seed++) {
      const short = schedule(shortOptions(seed), new Rng(seed).fork('schedule'))
      assert.equal(short.length, 2 + 1 + 1 + 1 + 1)
      assert.ok(short.includes(kill9Network) && short.includes(kill9All), `seed ${seed}: both kinds of kill`)
      assert.equal(short.at(-1), burst)
      assert.deepEqual(short.map((f) => f.name), schedule(shortOptions(seed), new Rng(seed).fork('schedule')).map((f) => f.name))
    }
    const full = schedule(fullOptions(7), new Rng(7).fork('schedule'))
    const count = (name: string) => full.filter((f) => f.name === name).length
    assert.equal(count(kill9Network.name) + count(kill9All.name), 100)
    assert.equal(count('kill -9 L1 (anvil)'), 5)
    assert.equal(count('exception between commits'), 5)
    assert.equal(count('hostile requests'), 1)
    assert.equal(full.at(-1), burst)
  })

  it('the report keeps every failure: counted per invariant, grouped by shape, with evidence', () => {
    const promises = INVARIANTS.map((i) => ({ name: i.name, promise: i.promise }))
    const result: SuiteResult = {
      seed: 1,
      mode: 'short',
      replay: 'npm run chaos -- --seed 1 --short',
      startedAt: new Date(0).toISOString(),
      durationMs: 1000,
      commit: 'abc',
      options: shortOptions(1),
      hook: { available: false, why: 'not in this build' },
      promises,
      trials: [
        { trial: 1, fault: 'kill -9 network', status: 'injected', loadMs: 10, measured: { recoveryMs: 1200 }, checks: [{ invariant: 'receipts kept', ok: false, checked: '3 receipts', ms: 5 }], violations: 2 },
        { trial: 2, fault: 'burst', status: 'injected', loadMs: 10, measured: {}, checks: [{ invariant: 'receipts kept', ok: true, checked: '3 receipts', ms: 5 }], violations: 0 },
      ],
      violations: [
        { invariant: 'receipts kept', trial: 1, fault: 'kill -9 network', detail: '3 receipt(s) on chain 901 lost', evidence: ['transfer 0xabc in block 7'] },
        { invariant: 'receipts kept', trial: 1, fault: 'kill -9 network', detail: '5 receipt(s) on chain 902 lost' },
      ],
      measured: { coldStartMs: 30_000 },
    }
    const table = invariantTable(result).join('\n')
    assert.match(table, /\| receipts kept \| .* \| 2 \| 1 \| 2 \| trial 1 \(kill -9 network\): 3 receipt\(s\) on chain 901 lost \|/)
    const details = failureDetails(result).join('\n')
    assert.match(details, /### receipts kept: 2 failure\(s\)/)
    assert.match(details, /2× after kill -9 network/, 'the same shape with other numbers is one group')
    assert.match(details, /`transfer 0xabc in block 7`/)
    assert.deepEqual(JSON.parse(resultJson(result)), JSON.parse(JSON.stringify(result)), 'the JSON file holds the whole result')
    const md = renderMarkdown(result)
    assert.match(md, /Seed \*\*1\*\*/)
    assert.match(md, /not available\*\* \(not in this build\)/)
  })
})
