import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import type { Chain } from '../execution/chain.js'
import { devAccounts } from '../execution/genesis.js'
import type { PooledTx } from '../execution/pooledTx.js'
import { initCrypto } from '../primitives/crypto.js'
import { toData, type Hex } from '../primitives/hex.js'
import { fixedPool, openMemoryChains, signedTx } from '../../test/helpers/memoryChains.js'
import { tempDir } from '../../test/helpers/tmp.js'
import { PayloadBuilder, PayloadStateError, type PayloadAttributes, type SignedRelay } from './payloadBuilder.js'
import { relayGasBudget } from './slotBuilder.js'

await initCrypto()

const RELAYER = 2
const relayerAddress = devAccounts(3)[RELAYER]!.address.toLowerCase() as Hex
const noCheck = () => () => undefined
const sink: Hex = '0x00000000000000000000000000000000000000aa'
const burner: Hex = '0x00000000000000000000000000000000000000bb'

function builder(chain: Chain, pool: PooledTx[], checkTx = noCheck): PayloadBuilder {
  return new PayloadBuilder({ chainId: chain.chainId, chain, pool: fixedPool(() => pool), relayer: relayerAddress, checkTx })
}

function attrs(chain: Chain, extra: Partial<PayloadAttributes> = {}): PayloadAttributes {
  const head = chain.headHeader()
  return { slot: head.number + 1n, timestamp: head.timestamp + 1n, coinbase: new Uint8Array(20), ...extra }
}

/** A "relay": any transaction of the relayer's; the builder only cares about its order and nonce. */
const relay = (chain: Chain, nonce: number, gasLimit = 21_000n): SignedRelay => {
  const ptx = signedTx(chain, nonce, { to: sink, value: 1n, from: RELAYER, gasLimit })
  return { msgHash: ptx.hash, ptx }
}

const senders = (chain: Chain, n: bigint) => chain.getBlockByNumber(n)!.transactions.map((t) => `${t.getSenderAddress().toString()}:${t.nonce}`)

describe('PayloadBuilder: one chain\'s block of a slot, in phases', { timeout: 60_000 }, () => {
  const dirs: { dir: string; cleanup(): void }[] = []
  let chains: Map<bigint, Chain>
  let twin: Map<bigint, Chain>
  /** A chain with a contract that burns all the gas it is given (INVALID: an exceptional halt takes every gas unit). */
  let burning: Chain

  before(async () => {
    for (let i = 0; i < 3; i++) dirs.push(tempDir())
    chains = await openMemoryChains([901n], [dirs[0]!])
    twin = await openMemoryChains([901n], [dirs[1]!])
    burning = (await openMemoryChains([901n], [dirs[2]!], { [burner]: { balance: '0x0', code: '0xfe' } })).get(901n)!
  })
  after(() => dirs.forEach((d) => d.cleanup()))

  it('orders the block: bundle legs, earlier relays, the pool, then same-slot relays; the same inputs give the same block on another node', async () => {
    const hashes: Hex[] = []
    for (const chain of [chains.get(901n)!, twin.get(901n)!]) {
      const bundleTx = signedTx(chain, 0, { to: sink, value: 2n, from: 1 })
      const poolTxs = [signedTx(chain, 0, { to: sink, value: 1n }), signedTx(chain, 1, { to: sink, value: 1n })]
      const b = builder(chain, poolTxs)
      const opened = await b.openPayload(attrs(chain))
      assert.equal(opened.relayerNonce, 0n)
      assert.deepEqual(await b.applyBundleLeg([bundleTx]), { ok: true })
      await b.settleBundle(true)
      const earlier = await b.fill([relay(chain, 0)])
      assert.ok(earlier.every((r) => r.included))
      const { sealed, relays } = await b.sealPayload([relay(chain, 1)], new Map())
      assert.ok(relays.every((r) => r.included))
      assert.equal(sealed.invalid.length, 0)
      await b.commitPayload(toData(sealed.block.hash()))
      const n = chain.headHeader().number
      const acct = (i: number) => devAccounts(3)[i]!.address.toLowerCase()
      // The L1-info-less block holds no deposits here: exactly the five signed transactions, in phase order.
      assert.deepEqual(senders(chain, n), [`${acct(1)}:0`, `${acct(RELAYER)}:0`, `${acct(0)}:0`, `${acct(0)}:1`, `${acct(RELAYER)}:1`])
      hashes.push(toData(chain.headHeader().hash()))
    }
    assert.equal(hashes[0], hashes[1])
  })

  it('the pool leaves the same-slot reserve free (up to the relay budget), so same-slot relays fit in it', async () => {
    const chain = burning
    const gasLimit = chain.headHeader().gasLimit
    const budget = relayGasBudget(gasLimit)
    // Far more pool gas than the block holds: calls that burn all of their 1M gas.
    const pool = Array.from({ length: Number(gasLimit / 1_000_000n) + 5 }, (_, i) => signedTx(chain, i, { to: burner, gasLimit: 1_000_000n }))
    const b = builder(chain, pool)
    // The sequencer's reserve for a chain whose last slot's same-slot relays asked for the whole budget.
    await b.openPayload(attrs(chain, { sameSlotReserve: { gas: budget, bytes: 1 << 20 } }))
    await b.fill([])
    // Same-slot relays asking for the whole relay budget, in 1M-gas pieces (burning all of it).
    const late = Array.from({ length: Number(budget / 1_000_000n) }, (_, i) => {
      const ptx = signedTx(chain, i, { to: burner, from: RELAYER, gasLimit: 1_000_000n })
      return { msgHash: ptx.hash, ptx }
    })
    const { sealed, relays } = await b.sealPayload(late, new Map())
    assert.equal(relays.filter((r) => r.included).length, late.length, 'every same-slot relay found room')
    assert.equal(sealed.block.header.gasUsed, gasLimit, 'the block is full')
    // The pool took what was left, and not more.
    const poolIncluded = sealed.included.filter((p) => p.sender !== relayerAddress).length
    assert.equal(poolIncluded, Number((gasLimit - budget) / 1_000_000n))
    await b.commitPayload(toData(sealed.block.hash()))
  })

  it('a bundle leg taken back leaves nothing behind; a failing leg says which transaction and why', async () => {
    const chain = chains.get(901n)!
    const head = chain.headHeader().hash()
    const b = builder(chain, [])
    await b.openPayload(attrs(chain))
    const n1 = Number((await chain.headAccount(Buffer.from(devAccounts(2)[1]!.address.slice(2), 'hex')))?.nonce ?? 0n)
    const good = signedTx(chain, n1, { to: sink, value: 1n, from: 1 })
    const gapped = signedTx(chain, n1 + 5, { to: sink, value: 1n, from: 1 })
    const res = await b.applyBundleLeg([good, gapped])
    assert.equal(res.ok, false)
    assert.equal((res as { hash: Hex }).hash, gapped.hash)
    await b.settleBundle(false)
    await b.fill([])
    const { sealed } = await b.sealPayload([], new Map())
    assert.equal(sealed.included.length, 0, 'the good leg was taken back with the failing one')
    await b.abort()
    assert.deepEqual(chain.headHeader().hash(), head, 'an aborted payload leaves the head as it was')
  })

  it('relays carry consecutive nonces: the first one not included ends the list, leaving no gap', async () => {
    const chain = chains.get(901n)!
    const b = builder(chain, [])
    const { relayerNonce } = await b.openPayload(attrs(chain))
    const r = Number(relayerNonce)
    // The second relay is signed with a wrong nonce (a lost one): it is invalid, and the third is not tried.
    const outcomes = await b.fill([relay(chain, r), relay(chain, r + 7), relay(chain, r + 1)])
    assert.deepEqual(outcomes.map((o) => o.kind), ['included', 'invalid', 'no-room'])
    const { sealed } = await b.sealPayload([], new Map())
    assert.equal(sealed.included.length, 1)
    await b.commitPayload(toData(sealed.block.hash()))
    const opened = await builder(chain, []).openPayload(attrs(chain))
    assert.equal(opened.relayerNonce, relayerNonce + 1n)
  })

  it('refuses calls out of order with PayloadStateError, and deposits-only payloads take no bundle, relay or pool transaction', async () => {
    const chain = chains.get(901n)!
    const pool = [signedTx(chain, 0, { to: sink, value: 1n, from: 3 })]
    const b = builder(chain, pool)
    await assert.rejects(b.fill([]), PayloadStateError)
    await assert.rejects(b.sealPayload([], new Map()), PayloadStateError)
    await assert.rejects(b.commitPayload(toData(new Uint8Array(32).fill(7))), PayloadStateError)
    await b.openPayload(attrs(chain, { depositsOnly: true }))
    await assert.rejects(b.openPayload(attrs(chain)), PayloadStateError)
    await assert.rejects(b.settleBundle(true), PayloadStateError)
    const leg = await b.applyBundleLeg(pool)
    assert.equal(leg.ok, false)
    await b.settleBundle(false)
    assert.deepEqual(await b.fill([relay(chain, 0)]), [])
    const { sealed, relays } = await b.sealPayload([relay(chain, 0)], new Map())
    assert.equal(relays.length, 0)
    assert.equal(sealed.included.length, 0)
    await b.abort()
  })
})
