import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createCustomCommon, Hardfork, Mainnet } from '@ethereumjs/common'
import { toChecksumAddress } from '@ethereumjs/util'
import type { PooledTx } from '../../execution/pooledTx.js'
import { BaseError, ConfigError, RpcErrorCode } from '../../primitives/errors.js'
import type { Hex } from '../../primitives/hex.js'
import { TX_SLOT_BYTES, txSlotsOf } from './options.js'
import type { TxPool, TxPoolLogger } from './txPool.js'
import { addr, CHAIN_ID, makeTx, prague, rejects, setup } from '../../../test/helpers/txpool.js'
import {
  AccountLimitExceededError,
  AlreadyKnownError,
  ExceedsBlockGasLimitError,
  FeeCapTooLowError,
  FloorDataGasTooLowError,
  FutureReplacePendingError,
  GasLimitTooHighError,
  GasPriceBelowMinimumError,
  InsufficientFundsError,
  IntrinsicGasTooLowError,
  InvalidChainIdError,
  MaxInitCodeSizeExceededError,
  NonceMaxError,
  NonceTooLowError,
  OversizedDataError,
  ReplaceUnderpricedError,
  TipAboveFeeCapError,
  TxPoolError,
  TxPoolOverflowError,
  TxPoolRejectReason,
  TxTypeNotSupportedError,
  UnderpricedError,
  UnprotectedTxError,
} from './errors.js'

describe('TxPool.add: rejections with geth wording', () => {
  it('already known', async () => {
    const { pool } = setup()
    const ptx = makeTx()
    await pool.add(ptx)
    await rejects(pool.add(ptx), AlreadyKnownError, 'already known')
  })

  it('already known for the same tx added twice concurrently', async () => {
    const { pool } = setup()
    const ptx = makeTx()
    const results = await Promise.allSettled([pool.add(ptx), pool.add(ptx)])
    assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1)
    const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult
    assert.ok(failed.reason instanceof AlreadyKnownError)
    assert.equal(pool.size, 1)
  })

  it('errors are BaseErrors with rpcCode -32000 and a stable reason', async () => {
    const { pool } = setup()
    const ptx = makeTx()
    await pool.add(ptx)
    const err = await pool.add(ptx).then(
      () => assert.fail('accepted twice'),
      (e: unknown) => e,
    )
    assert.ok(err instanceof BaseError)
    assert.ok(err instanceof TxPoolError)
    assert.equal(err.rpcCode, RpcErrorCode.Server)
    assert.equal(err.rpcCode, -32000)
    assert.equal(err.reason, TxPoolRejectReason.AlreadyKnown)
    assert.equal(err.name, 'AlreadyKnownError')
    assert.equal(err.shortMessage, 'already known')
  })

  it('invalid chain id on a typed tx', async () => {
    const { pool } = setup()
    const mainnet = createCustomCommon({ chainId: 1 }, Mainnet, { hardfork: Hardfork.Osaka })
    await rejects(
      pool.add(makeTx({ common: mainnet })),
      InvalidChainIdError,
      'invalid sender: invalid chain id for signer: have 1 want 901',
    )
  })

  it('invalid chain id on an EIP-155 legacy tx; a matching one is accepted', async () => {
    const { pool } = setup()
    const mainnet = createCustomCommon({ chainId: 1 }, Mainnet, { hardfork: Hardfork.Osaka })
    await rejects(
      pool.add(makeTx({ legacy: true, common: mainnet })),
      InvalidChainIdError,
      'invalid sender: invalid chain id for signer: have 1 want 901',
    )
    await pool.add(makeTx({ legacy: true }))
    assert.equal(pool.status().pending, 1)
  })

  it('unprotected legacy txs are accepted by default and refused when configured', async () => {
    const homestead = createCustomCommon({ chainId: CHAIN_ID }, Mainnet, { hardfork: Hardfork.Homestead })
    const ptx = makeTx({ legacy: true, common: homestead })
    assert.ok(ptx.tx.v === 27n || ptx.tx.v === 28n)
    const open = setup()
    await open.pool.add(ptx)
    assert.ok(open.pool.has(ptx.hash))
    const strict = setup({ allowUnprotectedTxs: false })
    await rejects(
      strict.pool.add(ptx),
      UnprotectedTxError,
      'only replay-protected (EIP-155) transactions allowed over RPC',
    )
  })

  it('transaction type not supported before its fork', async () => {
    const berlin = createCustomCommon({ chainId: CHAIN_ID }, Mainnet, { hardfork: Hardfork.Berlin })
    const { pool } = setup({}, berlin)
    await rejects(
      pool.add(makeTx()),
      TxTypeNotSupportedError,
      'transaction type not supported: type 2 rejected, pool not yet in London',
    )
  })

  it('oversized data', async () => {
    const { pool } = setup({ maxTxBytes: 200 })
    const ptx = makeTx({ data: new Uint8Array(300).fill(1), gas: 100_000n })
    await rejects(pool.add(ptx), OversizedDataError, `oversized data: transaction size ${ptx.raw.length}, limit 200`)
    await pool.add(makeTx({ data: new Uint8Array(10).fill(1), gas: 100_000n }))
    assert.equal(pool.size, 1)
  })

  it('max initcode size exceeded', async () => {
    const { pool } = setup()
    const ptx = makeTx({ create: true, data: new Uint8Array(49_153), gas: 1_000_000n })
    await rejects(pool.add(ptx), MaxInitCodeSizeExceededError, 'max initcode size exceeded: code size 49153, limit 49152')
  })

  it('per-tx gas cap (EIP-7825) comes before the block gas limit', async () => {
    const { pool, head } = setup()
    head.gasLimit = 60_000_000n
    const ptx = makeTx({ common: prague, gas: 16_777_217n })
    await rejects(pool.add(ptx), GasLimitTooHighError, 'transaction gas limit too high (cap: 16777216, tx: 16777217)')
    head.gasLimit = 1_000_000n // both rules broken: the cap is reported, as geth does
    await rejects(pool.add(ptx), GasLimitTooHighError, 'transaction gas limit too high (cap: 16777216, tx: 16777217)')
  })

  it('the per-tx gas cap does not apply before Osaka', async () => {
    const { pool, head } = setup({}, prague)
    head.gasLimit = 60_000_000n
    await pool.add(makeTx({ common: prague, gas: 16_777_217n }))
    assert.equal(pool.size, 1)
  })

  it('exceeds block gas limit', async () => {
    const { pool, head } = setup()
    head.gasLimit = 100_000n
    await rejects(pool.add(makeTx({ gas: 100_001n })), ExceedsBlockGasLimitError, 'exceeds block gas limit')
    await pool.add(makeTx({ gas: 100_000n }))
    assert.equal(pool.size, 1)
  })

  it('max priority fee per gas higher than max fee per gas', async () => {
    const { pool } = setup()
    // ethereumjs refuses to build such a tx, so the fields ingest reported are doctored
    const ptx = { ...makeTx({ fee: 1_000n, tip: 1_000n }), maxPriorityFeePerGas: 1_001n }
    await rejects(pool.add(ptx), TipAboveFeeCapError, 'max priority fee per gas higher than max fee per gas')
  })

  it('nonce has max value', async () => {
    const { pool } = setup()
    const ptx = { ...makeTx(), nonce: (1n << 64n) - 1n }
    await rejects(pool.add(ptx), NonceMaxError, 'nonce has max value')
  })

  it('intrinsic gas too low', async () => {
    const { pool } = setup()
    await rejects(pool.add(makeTx({ gas: 20_999n })), IntrinsicGasTooLowError, 'intrinsic gas too low: gas 20999, minimum needed 21000')
  })

  it('insufficient gas for floor data gas cost (EIP-7623)', async () => {
    const { pool } = setup()
    const ptx = makeTx({ data: new Uint8Array(1000).fill(1), gas: 37_000n }) // exactly the intrinsic gas
    assert.equal(ptx.tx.getIntrinsicGas(), 37_000n)
    await rejects(
      pool.add(ptx),
      FloorDataGasTooLowError,
      'insufficient gas for floor data gas cost: gas 37000, minimum needed 61000',
    )
    await pool.add(makeTx({ data: new Uint8Array(1000).fill(1), gas: 61_000n }))
    assert.equal(pool.size, 1)
  })

  it('transaction gas price below minimum (tip < minTip)', async () => {
    const { pool } = setup({ minTip: 5n })
    await rejects(
      pool.add(makeTx({ tip: 4n })),
      GasPriceBelowMinimumError,
      'transaction gas price below minimum: gas tip cap 4, minimum needed 5',
    )
    await pool.add(makeTx({ tip: 5n }))
    assert.equal(pool.size, 1)
  })

  it('max fee per gas less than block base fee', async () => {
    const { pool, head } = setup()
    head.baseFee = 10n
    await rejects(
      pool.add(makeTx({ fee: 9n, tip: 1n })),
      FeeCapTooLowError,
      `max fee per gas less than block base fee: address ${toChecksumAddress(addr(1))}, maxFeePerGas: 9, baseFee: 10`,
    )
    await pool.add(makeTx({ fee: 10n, tip: 1n }))
    assert.equal(pool.size, 1)
  })

  it('nonce too low', async () => {
    const { pool, state } = setup()
    state.nonces.set(addr(1), 2n)
    await rejects(pool.add(makeTx({ nonce: 1n })), NonceTooLowError, 'nonce too low: next nonce 2, tx nonce 1')
    await pool.add(makeTx({ nonce: 2n }))
    assert.equal(pool.status().pending, 1)
  })

  it('insufficient funds for one tx', async () => {
    const { pool, state } = setup()
    state.balances.set(addr(1), 1_000_000n)
    // cost = 21000 × 100 + 0 = 2,100,000
    await rejects(
      pool.add(makeTx({ fee: 100n, tip: 1n })),
      InsufficientFundsError,
      'insufficient funds for gas * price + value: balance 1000000, tx cost 2100000, overshot 1100000',
    )
  })

  it('insufficient funds counts value', async () => {
    const { pool, state } = setup()
    state.balances.set(addr(1), 2_100_000n)
    await rejects(
      pool.add(makeTx({ fee: 100n, tip: 1n, value: 1n })),
      InsufficientFundsError,
      'insufficient funds for gas * price + value: balance 2100000, tx cost 2100001, overshot 1',
    )
    await pool.add(makeTx({ fee: 100n, tip: 1n, value: 0n }))
    assert.equal(pool.size, 1)
  })

  it('insufficient funds on top of the sender’s pending txs', async () => {
    const { pool, state } = setup()
    state.balances.set(addr(1), 3_000_000n)
    await pool.add(makeTx({ nonce: 0n, fee: 100n, tip: 1n }))
    await rejects(
      pool.add(makeTx({ nonce: 1n, fee: 100n, tip: 1n })),
      InsufficientFundsError,
      'insufficient funds for gas * price + value: balance 3000000, queued cost 2100000, tx cost 2100000, overshot 1200000',
    )
  })

  it('insufficient funds for a replacement’s extra cost', async () => {
    const { pool, state } = setup()
    state.balances.set(addr(1), 2_200_000n)
    await pool.add(makeTx({ nonce: 0n, fee: 100n, tip: 10n }))
    // replacement costs 21000 × 110 = 2,310,000: 210,000 more than the pending one
    await rejects(
      pool.add(makeTx({ nonce: 0n, fee: 110n, tip: 11n })),
      InsufficientFundsError,
      'insufficient funds for gas * price + value: balance 2200000, tx cost 2310000, overshot 110000',
    )
    state.balances.set(addr(1), 4_500_000n)
    await pool.onNewHead({ included: [], touched: [addr(1)] }) // re-read the new balance
    await pool.add(makeTx({ nonce: 1n, fee: 100n, tip: 10n }))
    await rejects(
      pool.add(makeTx({ nonce: 0n, fee: 120n, tip: 12n })),
      InsufficientFundsError,
      'insufficient funds for gas * price + value: balance 4500000, queued cost 4200000, tx bumped 420000, overshot 120000',
    )
  })
})

describe('TxPool: replacement', () => {
  it('needs both fee cap and tip raised by priceBumpPercent: +9% rejected, +10% accepted', async () => {
    const { pool, announced } = setup()
    const old = makeTx({ fee: 1_000n, tip: 100n })
    await pool.add(old)
    await rejects(pool.add(makeTx({ fee: 1_090n, tip: 109n })), ReplaceUnderpricedError, 'replacement transaction underpriced')
    await rejects(pool.add(makeTx({ fee: 1_100n, tip: 109n })), ReplaceUnderpricedError, 'replacement transaction underpriced')
    await rejects(pool.add(makeTx({ fee: 1_090n, tip: 110n })), ReplaceUnderpricedError, 'replacement transaction underpriced')
    assert.ok(pool.has(old.hash))
    const next = makeTx({ fee: 1_100n, tip: 110n })
    await pool.add(next)
    assert.ok(pool.has(next.hash))
    assert.ok(!pool.has(old.hash))
    assert.equal(pool.size, 1)
    assert.deepEqual(pool.status(), { pending: 1, queued: 0 })
    assert.deepEqual(announced, [old.hash, next.hash])
  })

  it('honours a configured bump and also replaces queued txs', async () => {
    const { pool } = setup({ priceBumpPercent: 50 })
    const old = makeTx({ nonce: 3n, fee: 1_000n, tip: 100n })
    await pool.add(old)
    await rejects(pool.add(makeTx({ nonce: 3n, fee: 1_499n, tip: 150n })), ReplaceUnderpricedError, 'replacement transaction underpriced')
    const next = makeTx({ nonce: 3n, fee: 1_500n, tip: 150n })
    await pool.add(next)
    assert.deepEqual(Object.keys(pool.contentFrom(addr(1)).queued), ['3'])
    assert.equal(pool.contentFrom(addr(1)).queued['3'], next)
  })

  it('both caps must be strictly higher even where the bump rounds to zero (as geth)', async () => {
    const { pool, head } = setup()
    head.baseFee = 1n
    await pool.add(makeTx({ fee: 1_000n, tip: 0n }))
    await rejects(pool.add(makeTx({ fee: 2_000n, tip: 0n })), ReplaceUnderpricedError, 'replacement transaction underpriced')
    await pool.add(makeTx({ fee: 2_000n, tip: 1n }))
    assert.equal(pool.size, 1)
    await pool.add(makeTx({ nonce: 1n, fee: 5n, tip: 1n }))
    // 5 × 110 / 100 and 1 × 110 / 100 round down to 5 and 1: thresholds met, fee cap not raised
    await rejects(pool.add(makeTx({ nonce: 1n, fee: 5n, tip: 2n })), ReplaceUnderpricedError, 'replacement transaction underpriced')
    await pool.add(makeTx({ nonce: 1n, fee: 6n, tip: 2n }))
    assert.equal(pool.size, 2)
  })
})

describe('TxPool: pending and queued', () => {
  it('a nonce gap queues; filling it promotes and announces', async () => {
    const { pool, announced } = setup()
    const t0 = makeTx({ nonce: 0n })
    const t2 = makeTx({ nonce: 2n })
    const t3 = makeTx({ nonce: 3n })
    await pool.add(t0)
    await pool.add(t2)
    await pool.add(t3)
    assert.deepEqual(pool.status(), { pending: 1, queued: 2 })
    assert.deepEqual(announced, [t0.hash])
    assert.equal(await pool.pendingNonce(addr(1)), 1n)

    const t1 = makeTx({ nonce: 1n })
    await pool.add(t1)
    assert.deepEqual(pool.status(), { pending: 4, queued: 0 })
    assert.deepEqual(announced, [t0.hash, t1.hash, t2.hash, t3.hash])
    assert.equal(await pool.pendingNonce(addr(1)), 4n)
    assert.deepEqual(
      pool.pendingTxs().map((p) => p.nonce),
      [0n, 1n, 2n, 3n],
    )
  })

  it('pending starts at the state nonce, not at zero', async () => {
    const { pool, state } = setup()
    state.nonces.set(addr(1), 5n)
    await pool.add(makeTx({ nonce: 6n }))
    assert.deepEqual(pool.status(), { pending: 0, queued: 1 })
    await pool.add(makeTx({ nonce: 5n }))
    assert.deepEqual(pool.status(), { pending: 2, queued: 0 })
  })

  it('pendingNonce: state nonce for unknown senders, plus the contiguous pending run', async () => {
    const { pool, state } = setup()
    state.nonces.set(addr(1), 5n)
    assert.equal(await pool.pendingNonce(addr(1)), 5n)
    await pool.add(makeTx({ nonce: 5n }))
    await pool.add(makeTx({ nonce: 6n }))
    await pool.add(makeTx({ nonce: 8n }))
    assert.equal(await pool.pendingNonce(addr(1)), 7n)
    assert.equal(await pool.pendingNonce(addr(1).toUpperCase().replace('0X', '0x') as Hex), 7n)
  })

  it('remove() of a pending tx queues the sender’s later txs', async () => {
    const { pool } = setup()
    const txs = [0n, 1n, 2n].map((nonce) => makeTx({ nonce }))
    for (const t of txs) await pool.add(t)
    assert.equal(pool.remove(txs[1]!.hash), true)
    assert.equal(pool.remove(txs[1]!.hash), false)
    assert.deepEqual(pool.status(), { pending: 1, queued: 1 })
    assert.equal(pool.size, 2)
    assert.equal(pool.get(txs[1]!.hash), undefined)
    assert.equal(pool.get(txs[2]!.hash), txs[2])
  })

  it('content and contentFrom group by sender and nonce', async () => {
    const { pool } = setup()
    const a0 = makeTx({ from: 1, nonce: 0n })
    const a2 = makeTx({ from: 1, nonce: 2n })
    const b0 = makeTx({ from: 2, nonce: 0n })
    for (const t of [a0, a2, b0]) await pool.add(t)
    const content = pool.content()
    assert.deepEqual(content.pending, { [addr(1)]: { '0': a0 }, [addr(2)]: { '0': b0 } })
    assert.deepEqual(content.queued, { [addr(1)]: { '2': a2 } })
    assert.deepEqual(pool.contentFrom(addr(1)), { pending: { '0': a0 }, queued: { '2': a2 } })
    assert.deepEqual(pool.contentFrom(addr(9)), { pending: {}, queued: {} })
  })

  it('announces a tx once, even when it is demoted and promoted again', async () => {
    const { pool, announced } = setup()
    const [t0, t1, t2] = [0n, 1n, 2n].map((nonce) => makeTx({ nonce }))
    for (const t of [t0!, t1!, t2!]) await pool.add(t)
    pool.remove(t1!.hash) // t2 is queued now
    assert.deepEqual(pool.status(), { pending: 1, queued: 1 })
    const t1b = makeTx({ nonce: 1n, tip: 101n })
    await pool.add(t1b) // refills the gap: t2 is pending again
    assert.deepEqual(pool.status(), { pending: 3, queued: 0 })
    assert.deepEqual(announced, [t0!.hash, t1!.hash, t2!.hash, t1b.hash])
  })

  it('onPending unsubscribe stops notifications', async () => {
    const { pool } = setup()
    const seen: Hex[] = []
    const off = pool.onPending((p) => seen.push(p.hash))
    const t0 = makeTx({ nonce: 0n })
    await pool.add(t0)
    off()
    await pool.add(makeTx({ nonce: 1n }))
    assert.deepEqual(seen, [t0.hash])
  })

  it('many concurrent adds from one sender all land pending', async () => {
    const { pool } = setup()
    const txs = Array.from({ length: 20 }, (_, i) => makeTx({ nonce: BigInt(i) }))
    await Promise.all(txs.map((t) => pool.add(t)))
    assert.deepEqual(pool.status(), { pending: 20, queued: 0 })
  })
})

describe('TxPool: per-sender limit', () => {
  it('account limit exceeded for new nonces; replacements still allowed', async () => {
    const { pool } = setup({ maxPerSender: 3 })
    for (const nonce of [0n, 1n, 2n]) await pool.add(makeTx({ nonce }))
    await rejects(pool.add(makeTx({ nonce: 3n })), AccountLimitExceededError, 'account limit exceeded: pooled 3 txs')
    await rejects(pool.add(makeTx({ nonce: 9n })), AccountLimitExceededError, 'account limit exceeded: pooled 3 txs')
    await pool.add(makeTx({ nonce: 2n, fee: 2_000n, tip: 200n }))
    await pool.add(makeTx({ from: 2, nonce: 0n })) // other senders are unaffected
    assert.equal(pool.size, 4)
  })
})

describe('TxPool: global limits and eviction', () => {
  it('evicts the cheapest when the incoming tx pays more; refuses the cheapest as underpriced', async () => {
    const { pool } = setup({ maxPending: 2, maxQueued: 1 })
    const txs = [5n, 6n, 7n].map((tip, i) => makeTx({ from: i + 1, tip }))
    for (const t of txs) await pool.add(t)
    await rejects(pool.add(makeTx({ from: 4, tip: 4n })), UnderpricedError, 'transaction underpriced')
    await rejects(pool.add(makeTx({ from: 4, tip: 5n })), UnderpricedError, 'transaction underpriced') // must be strictly better
    const rich = makeTx({ from: 4, tip: 8n })
    await pool.add(rich)
    assert.equal(pool.size, 3)
    assert.ok(!pool.has(txs[0]!.hash))
    assert.ok(pool.has(rich.hash) && pool.has(txs[1]!.hash) && pool.has(txs[2]!.hash))
  })

  it('evicts a sender’s highest nonce, never opening a gap in pending', async () => {
    const { pool } = setup({ maxPending: 2, maxQueued: 1 })
    const a0 = makeTx({ from: 1, nonce: 0n, tip: 1n }) // cheapest, but not a tail
    const a1 = makeTx({ from: 1, nonce: 1n, tip: 50n })
    const b0 = makeTx({ from: 2, nonce: 0n, tip: 10n })
    for (const t of [a0, a1, b0]) await pool.add(t)
    await pool.add(makeTx({ from: 3, tip: 20n }))
    assert.ok(pool.has(a0.hash) && pool.has(a1.hash))
    assert.ok(!pool.has(b0.hash))
    assert.deepEqual(pool.status(), { pending: 3, queued: 0 })
  })

  it('an executable tx evicts queued ones first, whatever they pay', async () => {
    const { pool } = setup({ maxPending: 2, maxQueued: 1 })
    const p1 = makeTx({ from: 1, tip: 1n })
    const p2 = makeTx({ from: 2, tip: 2n })
    const q3 = makeTx({ from: 3, nonce: 5n, tip: 100n })
    for (const t of [p1, p2, q3]) await pool.add(t)
    assert.deepEqual(pool.status(), { pending: 2, queued: 1 })
    await pool.add(makeTx({ from: 4, tip: 3n }))
    assert.ok(!pool.has(q3.hash))
    assert.deepEqual(pool.status(), { pending: 3, queued: 0 })
  })

  it('a gapped tx never evicts a pending one', async () => {
    const { pool } = setup({ maxPending: 2, maxQueued: 1 })
    for (const [from, tip] of [[1, 1n], [2, 2n], [3, 3n]] as const) await pool.add(makeTx({ from, tip }))
    await rejects(pool.add(makeTx({ from: 5, nonce: 7n, tip: 50n })), FutureReplacePendingError, 'future transaction tries to replace pending')
    await rejects(pool.add(makeTx({ from: 5, nonce: 7n, tip: 0n })), UnderpricedError, 'transaction underpriced')
    assert.deepEqual(pool.status(), { pending: 3, queued: 0 })
  })

  it('the queued limit evicts the cheapest queued tx or refuses the incoming one', async () => {
    const { pool } = setup({ maxPending: 10, maxQueued: 1 })
    const q1 = makeTx({ from: 1, nonce: 3n, tip: 5n })
    await pool.add(q1)
    await rejects(pool.add(makeTx({ from: 2, nonce: 3n, tip: 4n })), UnderpricedError, 'transaction underpriced')
    const q2 = makeTx({ from: 2, nonce: 3n, tip: 6n })
    await pool.add(q2)
    assert.ok(!pool.has(q1.hash) && pool.has(q2.hash))
    assert.deepEqual(pool.status(), { pending: 0, queued: 1 })
    await pool.add(makeTx({ from: 3, nonce: 0n, tip: 1n })) // pending txs still have room
    assert.deepEqual(pool.status(), { pending: 1, queued: 1 })
  })

  it('demotions beyond maxQueued evict queued tails', async () => {
    const { pool } = setup({ maxQueued: 1 })
    const [a0, a1, a2] = [0n, 1n, 2n].map((nonce) => makeTx({ nonce }))
    for (const t of [a0!, a1!, a2!]) await pool.add(t)
    pool.remove(a0!.hash) // a1 and a2 become queued: one too many
    assert.deepEqual(pool.status(), { pending: 0, queued: 1 })
    assert.ok(pool.has(a1!.hash) && !pool.has(a2!.hash))
  })

  it('txpool is full when the only cheaper tx is the sender’s own predecessor', async () => {
    const { pool } = setup({ maxPending: 1, maxQueued: 1 })
    await pool.add(makeTx({ from: 1, nonce: 0n, tip: 1n }))
    await pool.add(makeTx({ from: 2, nonce: 0n, tip: 10n }))
    await rejects(pool.add(makeTx({ from: 1, nonce: 1n, tip: 20n })), TxPoolOverflowError, 'txpool is full')
    assert.equal(pool.size, 2)
  })

  it('ranks by effective tip at the head base fee', async () => {
    const { pool, head } = setup({ maxPending: 1, maxQueued: 1 })
    const low = makeTx({ from: 1, fee: 100n, tip: 50n }) // at base fee 10: tip 50; at 90: 10
    const high = makeTx({ from: 2, fee: 1_000n, tip: 20n }) // 20 at either
    await pool.add(low)
    await pool.add(high)
    await rejects(pool.add(makeTx({ from: 3, fee: 1_000n, tip: 15n })), UnderpricedError, 'transaction underpriced')
    head.baseFee = 90n
    await pool.add(makeTx({ from: 3, fee: 1_000n, tip: 15n }))
    assert.ok(!pool.has(low.hash) && pool.has(high.hash))
  })
})

describe('TxPool: 32 KiB slots (the byte limit)', () => {
  /** A tx of about `bytes` encoded bytes (zero calldata; gas for EIP-7623's floor). */
  function sized(bytes: number, spec: Parameters<typeof makeTx>[0] = {}): PooledTx {
    const data = new Uint8Array(bytes - 120)
    const ptx = makeTx({ ...spec, data, gas: 21_000n + 10n * BigInt(data.length) })
    assert.ok(ptx.raw.length <= bytes && ptx.raw.length > bytes - 32 * 1024, `raw ${ptx.raw.length}`)
    return ptx
  }
  const BIG = 128 * 1024 // 4 slots

  it('a tx takes ceil(size / 32 KiB) slots, at least one', () => {
    assert.deepEqual([0, 1, 32 * 1024, 32 * 1024 + 1, 96 * 1024 + 1, 128 * 1024].map(txSlotsOf), [1, 1, 1, 2, 4, 4])
    assert.equal(TX_SLOT_BYTES, 32 * 1024)
  })

  it('the pool holds at most maxPending + maxQueued slots: a full pool of big txs refuses an equal one, a richer one evicts', async () => {
    const { pool } = setup({ maxPending: 6, maxQueued: 2 })
    const a = sized(BIG, { from: 1, tip: 5n })
    const b = sized(BIG, { from: 2, tip: 6n })
    await pool.add(a)
    await pool.add(b)
    assert.equal(pool.slots, 8)
    await rejects(pool.add(sized(BIG, { from: 3, tip: 5n })), UnderpricedError, 'transaction underpriced')
    await rejects(pool.add(makeTx({ from: 3, tip: 5n })), UnderpricedError, 'transaction underpriced') // one slot is as full
    const c = sized(BIG, { from: 3, tip: 7n })
    await pool.add(c)
    assert.ok(!pool.has(a.hash) && pool.has(b.hash) && pool.has(c.hash))
    assert.equal(pool.slots, 8)
    assert.ok(pool.bytes <= 8 * TX_SLOT_BYTES)
  })

  it('a big tx evicts as many cheaper tails as it needs, or none: a victim worth more puts the others back', async () => {
    const { pool } = setup({ maxPending: 3, maxQueued: 1 })
    const small = [1n, 2n, 3n, 10n].map((tip, i) => makeTx({ from: i + 1, tip }))
    for (const t of small) await pool.add(t)
    const before = { content: pool.content(), status: pool.status(), slots: pool.slots, order: [...pool.selectForBlock(10n)].map((p) => p.hash) }
    // Needs all four slots; the fourth pays 10 > 5.
    await rejects(pool.add(sized(BIG, { from: 5, tip: 5n })), UnderpricedError, 'transaction underpriced')
    assert.deepEqual(pool.content(), before.content)
    assert.deepEqual(pool.status(), before.status)
    assert.equal(pool.slots, before.slots)
    assert.deepEqual([...pool.selectForBlock(10n)].map((p) => p.hash), before.order)
    const big = sized(BIG, { from: 5, tip: 11n })
    await pool.add(big)
    assert.deepEqual([...pool.selectForBlock(10n)].map((p) => p.hash), [big.hash])
    assert.equal(pool.slots, 4)
  })

  it('evicts the cheapest tails first and never a sender’s lower nonce before its higher ones, however cheap', async () => {
    const evicted: Hex[] = []
    const logger = {
      debug: (o: { hash?: Hex }, msg?: string) => void (msg === 'txpool: evicted cheapest tx' && evicted.push(o.hash!)),
      warn: () => undefined,
    } as unknown as TxPoolLogger
    const { pool } = setup({ maxPending: 4, maxQueued: 1 }, undefined, { logger })
    const a = [1n, 50n, 50n].map((tip, nonce) => makeTx({ from: 1, nonce: BigInt(nonce), tip }))
    const b0 = makeTx({ from: 2, tip: 3n })
    for (const t of [...a, b0]) await pool.add(t)
    const d = sized(40 * 1024, { from: 4, tip: 20n }) // 2 slots: b0 goes (a0 pays 1, but a1 and a2 sit on it)
    await pool.add(d)
    const f = sized(40 * 1024, { from: 6, tip: 60n }) // 2 slots: d (20) goes before a2 (50)
    await pool.add(f)
    const g = sized(3 * 32 * 1024, { from: 7, tip: 70n }) // 3 slots: a2, a1, then a0; f (60) stays
    await pool.add(g)
    assert.deepEqual(evicted, [b0.hash, d.hash, a[2]!.hash, a[1]!.hash, a[0]!.hash])
    assert.deepEqual(new Set(pool.pendingTxs().map((p) => p.hash)), new Set([f.hash, g.hash]))
    assert.equal(pool.slots, 5)
  })

  it('a replacement that grows needs room only for the slots it adds', async () => {
    const { pool } = setup({ maxPending: 3, maxQueued: 1 })
    const a0 = makeTx({ from: 1, tip: 10n, fee: 1_000n })
    const others = [1n, 2n, 3n].map((tip, i) => makeTx({ from: i + 2, tip }))
    for (const t of [a0, ...others]) await pool.add(t)
    const bigger = sized(40 * 1024, { from: 1, tip: 20n, fee: 2_000n })
    await pool.add(bigger)
    assert.ok(pool.has(bigger.hash) && !pool.has(a0.hash))
    assert.ok(!pool.has(others[0]!.hash) && pool.has(others[1]!.hash) && pool.has(others[2]!.hash))
    assert.equal(pool.slots, 4)
    // Growing to 4 slots would evict tips 2 and 3, which a replacement paying 30 may do,
    // but never the sender's own tx it replaces.
    const all = sized(BIG, { from: 1, tip: 30n, fee: 3_000n })
    await pool.add(all)
    assert.deepEqual([...pool.selectForBlock(10n)].map((p) => p.hash), [all.hash])
  })

  it('a flood of 128 KiB txs: memory stays within the slot limit, every refusal is a geth error', async () => {
    const limits = { maxPending: 64, maxQueued: 16 }
    const capacity = limits.maxPending + limits.maxQueued
    const { pool } = setup(limits)
    let seed = 7
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed % n
    }
    const outcomes = new Map<string, number>()
    const nonces = new Map<number, bigint>()
    for (let i = 0; i < 240; i++) {
      const from = 1 + rand(40)
      const nonce = nonces.get(from) ?? 0n
      const ptx = sized(BIG, { from, nonce, tip: BigInt(1 + rand(100)), fee: 10_000n })
      try {
        await pool.add(ptx)
        nonces.set(from, nonce + 1n)
        outcomes.set('added', (outcomes.get('added') ?? 0) + 1)
      } catch (err) {
        assert.ok(err instanceof TxPoolError, String(err))
        assert.equal((err as TxPoolError).rpcCode, RpcErrorCode.Server)
        outcomes.set(err.reason, (outcomes.get(err.reason) ?? 0) + 1)
      }
      // Invariant: the pool never holds more than its slots, so never more than
      // capacity × 32 KiB of transactions.
      assert.ok(pool.slots <= capacity, `${pool.slots} slots`)
      assert.ok(pool.bytes <= capacity * TX_SLOT_BYTES, `${pool.bytes} bytes`)
      assert.equal(pool.slots, pool.pendingTxs().reduce((n, p) => n + txSlotsOf(p.raw.length), 0) + queuedSlots(pool))
    }
    assert.equal(pool.size, capacity / 4)
    assert.ok((outcomes.get(TxPoolRejectReason.Underpriced) ?? 0) > 0, JSON.stringify([...outcomes]))
    assert.ok((outcomes.get('added') ?? 0) > capacity / 4, 'richer txs evicted cheaper ones')
    assert.deepEqual(
      // A sender whose earlier nonce was evicted sends a gapped tx, which may not evict a pending one.
      [...outcomes.keys()].filter(
        (k) => !['added', TxPoolRejectReason.Underpriced, TxPoolRejectReason.TxPoolOverflow, TxPoolRejectReason.FutureReplacePending].includes(k),
      ),
      [],
    )
  })
})

function queuedSlots(pool: TxPool): number {
  return Object.values(pool.content().queued).reduce((n, m) => n + Object.values(m).reduce((k, p) => k + txSlotsOf(p.raw.length), 0), 0)
}

describe('TxPool.selectForBlock', () => {
  it('orders by tip across senders and by nonce within a sender', async () => {
    const { pool } = setup()
    const a0 = makeTx({ from: 1, nonce: 0n, tip: 8n })
    const a1 = makeTx({ from: 1, nonce: 1n, tip: 50n })
    const b0 = makeTx({ from: 2, nonce: 0n, tip: 10n })
    const c0 = makeTx({ from: 3, nonce: 0n, tip: 7n })
    const a3 = makeTx({ from: 1, nonce: 3n, tip: 99n }) // queued: never offered
    for (const t of [a1, c0, a3, b0, a0]) await pool.add(t)
    const order = [...pool.selectForBlock(10n)].map((p) => p.hash)
    assert.deepEqual(order, [b0.hash, a0.hash, a1.hash, c0.hash])
  })

  it('breaks tip ties by arrival', async () => {
    const { pool } = setup()
    const late = makeTx({ from: 1, tip: 10n, receivedAt: 200 })
    const early = makeTx({ from: 2, tip: 10n, receivedAt: 100 })
    await pool.add(late)
    await pool.add(early)
    assert.deepEqual(
      [...pool.selectForBlock(10n)].map((p) => p.hash),
      [early.hash, late.hash],
    )
  })

  it('uses the effective tip at the block base fee', async () => {
    const { pool } = setup()
    const x = makeTx({ from: 1, fee: 100n, tip: 50n })
    const y = makeTx({ from: 2, fee: 1_000n, tip: 20n })
    await pool.add(x)
    await pool.add(y)
    assert.deepEqual([...pool.selectForBlock(60n)].map((p) => p.hash), [x.hash, y.hash]) // 40 vs 20
    assert.deepEqual([...pool.selectForBlock(90n)].map((p) => p.hash), [y.hash, x.hash]) // 10 vs 20
  })

  it('skips txs that cannot pay the base fee, and the sender’s later nonces', async () => {
    const { pool } = setup()
    const a0 = makeTx({ from: 1, nonce: 0n, fee: 50n, tip: 5n })
    const a1 = makeTx({ from: 1, nonce: 1n, fee: 1_000n, tip: 5n })
    const b0 = makeTx({ from: 2, nonce: 0n, fee: 1_000n, tip: 1n })
    for (const t of [a0, a1, b0]) await pool.add(t)
    assert.deepEqual([...pool.selectForBlock(51n)].map((p) => p.hash), [b0.hash])
    assert.deepEqual([...pool.selectForBlock(50n)].map((p) => p.hash), [b0.hash, a0.hash, a1.hash])
  })

  it('skipSender drops the rest of that sender for this block', async () => {
    const { pool } = setup()
    const a0 = makeTx({ from: 1, nonce: 0n, tip: 30n })
    const a1 = makeTx({ from: 1, nonce: 1n, tip: 30n })
    const b0 = makeTx({ from: 2, nonce: 0n, tip: 10n })
    for (const t of [a0, a1, b0]) await pool.add(t)
    const selector = pool.selectForBlock(10n)
    const taken: Hex[] = []
    for (const ptx of selector) {
      taken.push(ptx.hash)
      if (ptx.hash === a0.hash) selector.skipSender(ptx.sender)
    }
    assert.deepEqual(taken, [a0.hash, b0.hash])
    // the pool itself is untouched, and a new selection offers a1 again
    assert.deepEqual([...pool.selectForBlock(10n)].map((p) => p.hash), [a0.hash, a1.hash, b0.hash])
  })

  it('works on a snapshot while the pool changes', async () => {
    const { pool } = setup()
    const a0 = makeTx({ from: 1, nonce: 0n, tip: 30n })
    await pool.add(a0)
    const selector = pool.selectForBlock(10n)
    await pool.add(makeTx({ from: 2, nonce: 0n, tip: 99n }))
    pool.remove(a0.hash)
    assert.deepEqual([...selector].map((p) => p.hash), [a0.hash])
  })
})

describe('TxPool.onNewHead', () => {
  it('removes included txs, drops stale and unaffordable ones, demotes after a gap', async () => {
    const { pool, state, announced } = setup()
    const a = [0n, 1n, 2n, 3n, 4n].map((nonce) =>
      makeTx({ from: 1, nonce, fee: 100n, tip: 1n, value: nonce === 3n ? 9n * 10n ** 23n : 0n }),
    )
    for (const t of a) await pool.add(t)
    const b0 = makeTx({ from: 2, nonce: 0n })
    await pool.add(b0)
    assert.deepEqual(pool.status(), { pending: 6, queued: 0 })
    const announcedBefore = announced.length
    const bReads = state.reads.get(addr(2))

    state.nonces.set(addr(1), 2n)
    state.balances.set(addr(1), 5n * 10n ** 23n) // a[3] now costs more than the balance
    await pool.onNewHead({ included: [a[0]!.hash, a[1]!.hash] })

    assert.ok(!pool.has(a[0]!.hash) && !pool.has(a[1]!.hash), 'included txs removed')
    assert.ok(!pool.has(a[3]!.hash), 'unaffordable tx dropped')
    assert.ok(pool.has(a[2]!.hash) && pool.has(a[4]!.hash))
    assert.deepEqual(pool.contentFrom(addr(1)), { pending: { '2': a[2] }, queued: { '4': a[4] } })
    assert.deepEqual(pool.status(), { pending: 2, queued: 1 })
    assert.equal(announced.length, announcedBefore, 'a[2] stayed pending: no second announcement')
    assert.equal(state.reads.get(addr(2)), bReads, 'unaffected sender not re-read')
    assert.ok(pool.has(b0.hash))
  })

  it('included txs the pool never held still advance their sender', async () => {
    const { pool, state } = setup()
    const mine0 = makeTx({ from: 1, nonce: 0n, tip: 1n })
    const mine1 = makeTx({ from: 1, nonce: 1n, tip: 1n })
    await pool.add(mine0)
    await pool.add(mine1)
    const theirs = makeTx({ from: 1, nonce: 0n, tip: 7n }) // same nonce, included elsewhere
    state.nonces.set(addr(1), 1n)
    await pool.onNewHead({ included: [theirs] })
    assert.ok(!pool.has(mine0.hash))
    assert.deepEqual(pool.contentFrom(addr(1)), { pending: { '1': mine1 }, queued: {} })
  })

  it('drops txs over a lowered block gas limit for affected senders', async () => {
    const { pool, state, head } = setup()
    const t0 = makeTx({ nonce: 0n })
    const big = makeTx({ nonce: 1n, gas: 500_000n })
    await pool.add(t0)
    await pool.add(big)
    head.gasLimit = 100_000n
    state.nonces.set(addr(1), 1n)
    await pool.onNewHead({ included: [t0.hash] })
    assert.equal(pool.size, 0)
  })

  it('other senders are re-checked lazily on their next add', async () => {
    const { pool, state } = setup()
    const x0 = makeTx({ from: 3, nonce: 0n })
    await pool.add(x0)
    state.nonces.set(addr(3), 1n) // mined via a path the pool was not told about
    await pool.onNewHead({ included: [] })
    assert.ok(pool.has(x0.hash)) // not touched yet
    await pool.add(makeTx({ from: 3, nonce: 1n }))
    assert.ok(!pool.has(x0.hash))
    assert.deepEqual(pool.status(), { pending: 1, queued: 0 })
  })

  it('an add whose state read straddles a new head re-reads the state', async () => {
    const { pool, state } = setup()
    let release!: () => void
    state.gate = new Promise<void>((r) => (release = r))
    const adding = pool.add(makeTx({ from: 4, nonce: 0n }))
    await Promise.resolve()
    state.gate = undefined
    state.nonces.set(addr(4), 1n)
    await pool.onNewHead({ included: [] })
    release()
    await rejects(adding, NonceTooLowError, 'nonce too low: next nonce 1, tx nonce 0')
  })
})

describe('TxPool options', () => {
  it('rejects unusable limits with the field path', () => {
    assert.throws(() => setup({ maxPerSender: 0 }), (err: unknown) => err instanceof ConfigError && err.path === 'txpool.maxPerSender')
    assert.throws(() => setup({ priceBumpPercent: 0 }), (err: unknown) => err instanceof ConfigError && err.path === 'txpool.priceBumpPercent')
    assert.throws(() => setup({ minTip: -1n }), ConfigError)
    assert.equal(setup({ maxQueued: undefined }).pool.options.maxQueued, 1024)
  })
})

describe('TxPool: invariants under random operations', () => {
  it('counters, pending runs, limits and selection stay consistent', async () => {
    const limits = { maxPending: 9, maxQueued: 3, maxPerSender: 3 }
    const { pool, state, head } = setup(limits)
    head.baseFee = 1n
    let seed = 0x9e3779b9
    const rand = (n: number): number => {
      seed = (seed + 0x6d2b79f5) | 0
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
      return ((t ^ (t >>> 14)) >>> 0) % n
    }
    const senders = [1, 2, 3, 4]
    const outcomes = new Map<string, number>()
    for (let step = 0; step < 250; step++) {
      const op = rand(10)
      if (op < 7) {
        const from = senders[rand(senders.length)]!
        const base = state.nonces.get(addr(from)) ?? 0n
        const tip = BigInt(1 + rand(40))
        // One in eight takes two 32 KiB slots.
        const big = rand(8) === 0 ? { data: new Uint8Array(40 * 1024), gas: 21_000n + 400_000n } : {}
        const ptx = makeTx({ from, nonce: base + BigInt(rand(5)), tip, fee: tip + BigInt(rand(60)), ...big })
        try {
          await pool.add(ptx)
          outcomes.set('added', (outcomes.get('added') ?? 0) + 1)
        } catch (err) {
          assert.ok(err instanceof TxPoolError, String(err))
          outcomes.set(err.reason, (outcomes.get(err.reason) ?? 0) + 1)
        }
      } else if (op === 7) {
        const all = [...pool.pendingTxs(), ...Object.values(pool.content().queued).flatMap((m) => Object.values(m))]
        if (all.length > 0) assert.equal(pool.remove(all[rand(all.length)]!.hash), true)
      } else {
        // a block includes the first 1..2 pending txs of one sender
        const pending = pool.content().pending
        const withPending = Object.keys(pending) as Hex[]
        if (withPending.length === 0) continue
        const sender = withPending[rand(withPending.length)]!
        const txs = Object.values(pending[sender]!).sort((a, b) => (a.nonce < b.nonce ? -1 : 1))
        const included = txs.slice(0, 1 + rand(2))
        state.nonces.set(sender, included[included.length - 1]!.nonce + 1n)
        if (rand(3) === 0) state.balances.set(sender, BigInt(1_000_000 + rand(6_000_000)))
        await pool.onNewHead({ included: included.map((p) => p.hash) })
      }
      checkInvariants()
    }
    // the run must have exercised the interesting paths
    for (const reason of [
      'added',
      TxPoolRejectReason.ReplaceUnderpriced,
      TxPoolRejectReason.AccountLimitExceeded,
      TxPoolRejectReason.Underpriced,
    ]) {
      assert.ok((outcomes.get(reason) ?? 0) > 0, `never saw ${reason}: ${JSON.stringify([...outcomes])}`)
    }

    function checkInvariants(): void {
      const { pending, queued } = pool.content()
      const count = (c: Record<Hex, Record<string, PooledTx>>) =>
        Object.values(c).reduce((n, m) => n + Object.keys(m).length, 0)
      const status = pool.status()
      assert.equal(count(pending), status.pending)
      assert.equal(count(queued), status.queued)
      assert.equal(pool.size, status.pending + status.queued)
      assert.ok(pool.size <= limits.maxPending + limits.maxQueued)
      const slots = [...pool.pendingTxs()].reduce((n, p) => n + txSlotsOf(p.raw.length), 0) + queuedSlots(pool)
      assert.equal(pool.slots, slots)
      assert.ok(pool.slots <= limits.maxPending + limits.maxQueued)
      assert.ok(status.queued <= limits.maxQueued)
      for (const sender of new Set([...Object.keys(pending), ...Object.keys(queued)]) as Set<Hex>) {
        const stateNonce = state.nonces.get(sender) ?? 0n
        const p = Object.keys(pending[sender] ?? {}).map(BigInt).sort((a, b) => (a < b ? -1 : 1))
        const q = Object.keys(queued[sender] ?? {}).map(BigInt).sort((a, b) => (a < b ? -1 : 1))
        assert.ok(p.length + q.length <= limits.maxPerSender)
        p.forEach((n, i) => assert.equal(n, stateNonce + BigInt(i), `pending run of ${sender}`))
        const next = stateNonce + BigInt(p.length)
        if (q.length > 0) assert.ok(q[0]! > next, `queued ${q[0]} of ${sender} should be pending`)
        for (const ptx of [...Object.values(pending[sender] ?? {}), ...Object.values(queued[sender] ?? {})]) {
          assert.equal(pool.get(ptx.hash), ptx)
        }
      }
      const selected = [...pool.selectForBlock(0n)]
      assert.equal(selected.length, status.pending)
      const lastNonce = new Map<Hex, bigint>()
      for (const ptx of selected) {
        const prev = lastNonce.get(ptx.sender)
        if (prev !== undefined) assert.equal(ptx.nonce, prev + 1n)
        lastNonce.set(ptx.sender, ptx.nonce)
      }
    }
  })
})
