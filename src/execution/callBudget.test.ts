import { test } from 'node:test'
import assert from 'node:assert/strict'
import { initCrypto } from '../primitives/crypto.js'
import { silentLogger } from '../primitives/logger.js'
import { hexToBytes } from '../primitives/hex.js'
import { openDatabase } from '../storage/database.js'
import { ChainStore } from '../storage/chainStore.js'
import { tempDir } from '../../test/helpers/tmp.js'
import { Chain } from './chain.js'
import { devGenesis } from './genesis.js'
import { callBudget, CallTimeoutError, goDuration } from './callBudget.js'
import { estimateGas, simulate, type StateOverrides } from './simulate.js'

await initCrypto()

/** JUMPDEST PUSH1 0 JUMP: a loop that runs until the gas is gone. */
const LOOP = hexToBytes('0x5b600056')
/** Counts to 200 and stops: a call that finishes. */
const COUNT = hexToBytes('0x60005b600101806100c8116002575000')
const TARGET = hexToBytes('0x00000000000000000000000000000000000c0de1')

function withCode(code: Uint8Array): StateOverrides {
  return new Map([['c0de', { address: TARGET, code }]])
}

async function withChain(fn: (chain: Chain) => Promise<void>): Promise<void> {
  const tmp = tempDir()
  const store = new ChainStore(openDatabase(tmp.dir))
  try {
    await fn(await Chain.open(store, devGenesis({ chainId: 901, gasLimit: 60_000_000n }), silentLogger()))
  } finally {
    await store.close()
    tmp.cleanup()
  }
}

test('a looping eth_call is cut at its deadline with geth\'s error, and timers run while it loops', { timeout: 60_000 }, async () => {
  await withChain(async (chain) => {
    // Invariant: a budgeted call never holds the event loop: a 10 ms interval keeps
    // firing during it, and the call ends with CallTimeoutError, not by running out of gas.
    let ticks = 0
    const interval = setInterval(() => ticks++, 10)
    const started = performance.now()
    try {
      await assert.rejects(
        simulate(chain, chain.headHeader(), { to: TARGET, gas: 50_000_000n }, withCode(LOOP), { gasCap: 50_000_000n, budget: callBudget(300) }),
        (err: unknown) => err instanceof CallTimeoutError && err.shortMessage === 'execution aborted (timeout = 300ms)' && err.rpcCode === -32000,
      )
    } finally {
      clearInterval(interval)
    }
    const elapsed = performance.now() - started
    // The interval fires about elapsed/10 times when the loop yields; without yields it fires at most once.
    assert.ok(ticks >= 5, `the event loop ran ${ticks} timer ticks during the call`)
    assert.ok(elapsed >= 300)
  })
})

test('an aborted signal (the client went away) stops the call', { timeout: 60_000 }, async () => {
  await withChain(async (chain) => {
    const abort = new AbortController()
    setTimeout(() => abort.abort(), 50)
    await assert.rejects(
      simulate(chain, chain.headHeader(), { to: TARGET, gas: 50_000_000n }, withCode(LOOP), { gasCap: 50_000_000n, budget: callBudget(0, abort.signal) }),
      CallTimeoutError,
    )
  })
})

test('a budget changes no result: finishing calls and estimates answer as without it', { timeout: 60_000 }, async () => {
  await withChain(async (chain) => {
    const header = chain.headHeader()
    const plain = await simulate(chain, header, { to: TARGET }, withCode(COUNT), { gasCap: 50_000_000n })
    const budgeted = await simulate(chain, header, { to: TARGET }, withCode(COUNT), { gasCap: 50_000_000n, budget: callBudget(5_000) })
    assert.equal(plain.error, undefined)
    assert.equal(budgeted.gasUsed, plain.gasUsed)
    assert.deepEqual(budgeted.returnValue, plain.returnValue)
    const est = await estimateGas(chain, header, { to: TARGET }, withCode(COUNT), { gasCap: 50_000_000n })
    const estBudgeted = await estimateGas(chain, header, { to: TARGET }, withCode(COUNT), { gasCap: 50_000_000n, budget: callBudget(5_000) })
    assert.equal(estBudgeted, est)
  })
})

test('the block-building VM gets no budget: the head VM\'s opcode table is untouched', { timeout: 60_000 }, async () => {
  await withChain(async (chain) => {
    await assert.rejects(
      simulate(chain, chain.headHeader(), { to: TARGET, gas: 50_000_000n }, withCode(LOOP), { gasCap: 50_000_000n, budget: callBudget(20) }),
      CallTimeoutError,
    )
    const vm = chain.vm as unknown as { evm: { _opcodeMap: { opcodeInfo: { isAsync: boolean } }[] } }
    assert.equal(vm.evm._opcodeMap[0x56]!.opcodeInfo.isAsync, false)
  })
})

test('goDuration prints as Go does', () => {
  assert.equal(goDuration(5000), '5s')
  assert.equal(goDuration(1500), '1.5s')
  assert.equal(goDuration(300), '300ms')
  assert.equal(goDuration(90_000), '1m30s')
})
