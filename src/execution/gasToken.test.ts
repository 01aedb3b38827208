import { test } from 'node:test'
import assert from 'node:assert/strict'
import { keccak256, toHex } from 'viem'
import { ConfigError } from '../primitives/errors.js'
import { checkGasTokenSpec, GAS_PAYING_TOKEN_SLOTS, gasTokenStorage, gasTokenUnit, toNativeWei, toTokenUnits } from './gasToken.js'

test('scaling between token units and 18-decimal L2 wei at 0, 6 and 18 decimals', () => {
  assert.equal(gasTokenUnit(6), 1_000_000_000_000n)
  assert.equal(gasTokenUnit(0), 10n ** 18n)
  assert.equal(gasTokenUnit(18), 1n)
  assert.equal(toNativeWei(2_500_000n, 6), 25n * 10n ** 17n) // 2.5 USDC
  assert.equal(toNativeWei(3n, 0), 3n * 10n ** 18n)
  assert.equal(toNativeWei(7n, 18), 7n)
  assert.equal(toTokenUnits(25n * 10n ** 17n, 6), 2_500_000n)
  assert.equal(toTokenUnits(25n * 10n ** 17n + 1n, 6), undefined, 'dust is not silently dropped')
  assert.equal(toTokenUnits(10n ** 18n, 0), 1n)
  assert.equal(toTokenUnits(10n ** 18n - 1n, 0), undefined)
  assert.equal(toTokenUnits(123n, 18), 123n)
})

test('the spec is checked field by field: decimals 0…18, name/symbol 1…32 bytes without NUL', () => {
  const ok = { decimals: 6, name: 'USD Coin', symbol: 'USDC' }
  checkGasTokenSpec(ok, 'chains[0].gasToken')
  checkGasTokenSpec({ ...ok, decimals: 0 }, 'x')
  checkGasTokenSpec({ ...ok, decimals: 18, name: 'n'.repeat(32) }, 'x')
  const fails = (spec: typeof ok, path: string) =>
    assert.throws(() => checkGasTokenSpec(spec, 'chains[0].gasToken'), (e) => e instanceof ConfigError && e.path === path)
  fails({ ...ok, decimals: 19 }, 'chains[0].gasToken.decimals')
  fails({ ...ok, decimals: -1 }, 'chains[0].gasToken.decimals')
  fails({ ...ok, decimals: 6.5 }, 'chains[0].gasToken.decimals')
  fails({ ...ok, name: '' }, 'chains[0].gasToken.name')
  fails({ ...ok, name: 'é'.repeat(17) }, 'chains[0].gasToken.name') // 34 bytes
  fails({ ...ok, symbol: 'US\0DC' }, 'chains[0].gasToken.symbol')
})

test('L1Block genesis storage: decimals << 160 | token, and left-aligned name and symbol at the OP slots', () => {
  assert.equal(GAS_PAYING_TOKEN_SLOTS.token, toHex(BigInt(keccak256(toHex('opstack.gaspayingtoken'))) - 1n, { size: 32 }))
  const storage = gasTokenStorage({ address: '0x00000000000000000000000000000000000ab1e0', decimals: 6, name: 'USD Coin', symbol: 'USDC' })
  assert.deepEqual(storage, {
    [GAS_PAYING_TOKEN_SLOTS.token]: `0x${'00'.repeat(11)}06${'00'.repeat(17)}0ab1e0`,
    [GAS_PAYING_TOKEN_SLOTS.name]: `0x${Buffer.from('USD Coin').toString('hex')}${'00'.repeat(24)}`,
    [GAS_PAYING_TOKEN_SLOTS.symbol]: `0x${Buffer.from('USDC').toString('hex')}${'00'.repeat(28)}`,
  })
  assert.throws(() => gasTokenStorage({ address: '0xEeeeeEeeeEeEeeEeEeEeeEEEeeeeEeeeeeeeEEeE', decimals: 18, name: 'Ether', symbol: 'ETH' }), ConfigError)
})
