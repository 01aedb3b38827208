import { CONTRACT_CALL_TX, EMPTY_LEGACY_TX } from '../../test/fixtures/opTransactions.js'
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { fastLzCompressedLength } from '../primitives/fastlz.js'
import {
  DEFAULT_BASE_FEE_SCALAR,
  DEFAULT_BLOB_BASE_FEE_SCALAR,
  estimatedSizeScaled,
  isDepositTx,
  l1CostOf,
  l1CostOfFastLzSize,
  type L1FeeParams,
} from './l1Fee.js'

function hex(s: string): Uint8Array {
  return Uint8Array.from(Buffer.from(s, 'hex'))
}

// op-geth core/types/rollup_cost_test.go: baseFee 1000e6, blobBaseFee 10e6, scalars 2 and 3
const OP_GETH_PARAMS: L1FeeParams = {
  l1BaseFee: 1000n * 1_000_000n,
  l1BlobBaseFee: 10n * 1_000_000n,
  baseFeeScalar: 2n,
  blobBaseFeeScalar: 3n,
}
// bluealloy/revm op-revm (l1block.rs) test_calculate_tx_l1_cost_fjord uses CONTRACT_CALL_TX too.

// bluealloy/revm op-revm (l1block.rs) calculate_tx_l1_cost_fjord_actual_block: the second tx
// of OP mainnet Fjord block 124665056,
// https://optimistic.etherscan.io/tx/0x1059e8004daff32caa1f1b1ef97fe3a07a8cf40508f5b835b66d9420d87c4a4a
const OP_MAINNET_FJORD_TX =
  '02f904940a8303fba78401d6d2798401db2b6d830493e0943e6f4f7866654c18f536170780344aa8772950b680b904246a7612020000000000000000' +
  '00000000087000a300de7200382b55d40045000000e5d60e000000000000000000000000000000000000000000000000000000000000000000000000' +
  '000000000000000000000000000000000000000000000000000001400000000000000000000000000000000000000000000000000000000000000001' +
  '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
  '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
  '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
  '0000000000000000000003a0000000000000000000000000000000000000000000000000000000000000022482ad56cb000000000000000000000000' +
  '000000000000000000000000000000000000002000000000000000000000000000000000000000000000000000000000000000020000000000000000' +
  '000000000000000000000000000000000000000000000040000000000000000000000000000000000000000000000000000000000000012000000000' +
  '0000000000000000dc6ff44d5d932cbd77b52e5612ba0529dc6226f10000000000000000000000000000000000000000000000000000000000000000' +
  '000000000000000000000000000000000000000000000000000000000000006000000000000000000000000000000000000000000000000000000000' +
  '00000044095ea7b300000000000000000000000021c4928109acb0659a88ae5329b5374a3024694c0000000000000000000000000000000000000000' +
  '000000049b9ca9a6943400000000000000000000000000000000000000000000000000000000000000000000000000000000000021c4928109acb065' +
  '9a88ae5329b5374a3024694c000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000' +
  '000000000000000000000000000000600000000000000000000000000000000000000000000000000000000000000024b6b55f250000000000000000' +
  '000000000000000000000000000000049b9ca9a694340000000000000000000000000000000000000000000000000000000000000000000000000000' +
  '000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000415ec214a3950bea83' +
  '9a7e6fbb0ba1540ac2076acd50820e2d5ef83d0902cdffb24a47aff7de5190290769c4f0a9c6fabf63012986a0d590b1b571547a8c7050ea1b000000' +
  '00000000000000000000000000000000000000000000000000000000c080a06db770e6e25a617fe9652f0958bd9bd6e49281a53036906386ed39ec48' +
  'eadf63a07f47cf51a4a40b4494cf26efc686709a9b03939e20ee27e59682f5faa536667e'

describe('l1CostOf (Fjord)', () => {
  it('charges the minimum size below the regression (op-geth TestFjordL1CostFuncMinimumBounds)', () => {
    // 100_000_000 * (2 * 1000e6 * 16 + 3 * 10e6) / 1e12 = 3_203_000; gas 100e6 * 16 / 1e6 = 1600
    for (const size of [0, 100, 150, 170]) {
      assert.deepEqual(l1CostOfFastLzSize(size, OP_GETH_PARAMS), { l1GasUsed: 1600n, l1Fee: 3_203_000n })
    }
    for (const size of [171, 175, 200]) {
      const cost = l1CostOfFastLzSize(size, OP_GETH_PARAMS)
      assert.ok(cost.l1GasUsed > 1600n && cost.l1Fee > 3_203_000n, `size ${size}`)
    }
  })

  it('prices op-geth\'s emptyTx at the minimum (op-geth TestExtractFjordGasParams)', () => {
    assert.deepEqual(l1CostOf(hex(EMPTY_LEGACY_TX), OP_GETH_PARAMS), { l1GasUsed: 1600n, l1Fee: 3_203_000n })
  })

  it('matches the Solidity GasPriceOracle (op-geth TestFjordL1CostSolidityParity, GasPriceOracle.t.sol)', () => {
    const p: L1FeeParams = { l1BaseFee: 2_000_000n, l1BlobBaseFee: 3_000_000n, baseFeeScalar: 20n, blobBaseFeeScalar: 15n }
    // 153_991_900 * (20 * 16 * 2e6 + 15 * 3e6) / 1e12 = 105_484.4515 -> 105_484; gas 2463.87 -> 2463
    assert.deepEqual(l1CostOfFastLzSize(235, p), { l1GasUsed: 2463n, l1Fee: 105_484n })
    // getL1FeeMinimumBound: fastlz 74 is under the minimum
    assert.deepEqual(l1CostOfFastLzSize(74, p), { l1GasUsed: 1600n, l1Fee: 68_500n })
  })

  it('matches revm test_calculate_tx_l1_cost_fjord', () => {
    const p: L1FeeParams = { l1BaseFee: 1000n, l1BlobBaseFee: 1000n, baseFeeScalar: 1000n, blobBaseFeeScalar: 1000n }
    assert.equal(l1CostOf(hex('facade'), p).l1Fee, 1700n)
    // fastlz 202: 836_500 * 202 - 42_585_600 = 126_387_400; * 17e6 / 1e12 = 2148
    assert.equal(estimatedSizeScaled(202n), 126_387_400n)
    assert.equal(l1CostOf(hex(CONTRACT_CALL_TX), p).l1Fee, 2148n)
  })

  it('matches a real OP mainnet Fjord transaction (revm calculate_tx_l1_cost_fjord_actual_block)', () => {
    const p: L1FeeParams = {
      l1BaseFee: 1_055_991_687n,
      l1BlobBaseFee: 1n,
      baseFeeScalar: 5227n,
      blobBaseFeeScalar: 1_014_213n,
    }
    const raw = hex(OP_MAINNET_FJORD_TX)
    assert.equal(fastLzCompressedLength(raw), 385) // follows from the receipt's l1GasUsed 4471
    assert.deepEqual(l1CostOf(raw, p), { l1GasUsed: 4471n, l1Fee: 0x5bf1ab43dn })
  })

  it('charges deposits and empty input nothing', () => {
    const p: L1FeeParams = {
      l1BaseFee: 30_000_000_000n,
      l1BlobBaseFee: 1n,
      baseFeeScalar: DEFAULT_BASE_FEE_SCALAR,
      blobBaseFeeScalar: DEFAULT_BLOB_BASE_FEE_SCALAR,
    }
    assert.equal(isDepositTx(hex('7efacade')), true)
    assert.equal(isDepositTx(hex('02facade')), false)
    assert.equal(isDepositTx(new Uint8Array(0)), false)
    assert.deepEqual(l1CostOf(hex('7efacade'), p), { l1GasUsed: 0n, l1Fee: 0n })
    assert.deepEqual(l1CostOf(new Uint8Array(0), p), { l1GasUsed: 0n, l1Fee: 0n })
    assert.ok(l1CostOf(hex('02facade'), p).l1Fee > 0n)
  })

  it('uses unbounded integer arithmetic, flooring once at the end', () => {
    const max256 = (1n << 256n) - 1n
    const p: L1FeeParams = { l1BaseFee: max256, l1BlobBaseFee: max256, baseFeeScalar: 0xffffffffn, blobBaseFeeScalar: 0xffffffffn }
    const cost = l1CostOfFastLzSize(1000, p)
    const size = 836_500n * 1000n - 42_585_600n
    assert.equal(cost.l1Fee, (size * (0xffffffffn * max256 * 16n + 0xffffffffn * max256)) / 10n ** 12n)
    assert.equal(cost.l1GasUsed, (size * 16n) / 1_000_000n)
  })
})
