/**
 * The fault suite, short: the default network as a real process under the mixed load,
 * every fault once or twice (kill -9 of the network, of the network with its L1, the L1
 * alone, an exception between two chains' commits, 1,000 hostile requests, a
 * 5,000-transfer burst) and every invariant after each. `npm run chaos` is the full run.
 *
 * The seed is fixed so every run makes the same choices; CHAOS_SEED=<n> explores others.
 * A failure lists each broken invariant with its evidence and the replay command.
 */
import { after, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { shortOptions } from './options.js'
import { renderSummary } from './report.js'
import { killRuns, runSuite } from './suite.js'

const DEFAULT_SEED = 13
const SEED = process.env.CHAOS_SEED ? Number(process.env.CHAOS_SEED) >>> 0 : DEFAULT_SEED

describe(`fault suite, short (CHAOS_SEED=${SEED})`, () => {
  after(() => killRuns())

  it('every invariant holds after every fault', { timeout: 30 * 60_000 }, async () => {
    const result = await runSuite(shortOptions(SEED), (line) => console.log(`# ${line}`))
    const summary = renderSummary(result)
    console.log(summary.split('\n').map((l) => `# ${l}`).join('\n'))
    // the summary names every broken invariant with its trial, fault and evidence, and the replay command
    if (result.aborted !== undefined || result.violations.length > 0) assert.fail(summary)
  })
})
