import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createBlockHeader } from '@ethereumjs/block'
import { createFeeMarket1559Tx } from '@ethereumjs/tx'
import { initCrypto } from '../primitives/crypto.js'
import { silentLogger } from '../primitives/logger.js'
import { hexToBytes, toData } from '../primitives/hex.js'
import { openDatabase } from '../storage/database.js'
import { ChainStore } from '../storage/chainStore.js'
import { decodeChainConfig, encodeChainConfig, CHAIN_CONFIG_VERSION } from '../settlement/l1/chainConfig.js'
import { tempDir } from '../../test/helpers/tmp.js'
import { baseFeeParamsOf, baseFeeSettingsMismatch, ETHEREUM_BASE_FEE_PARAMS, MAX_BASE_FEE, nextBaseFee } from './baseFee.js'
import { Chain, type TxSource } from './chain.js'
import { createChainCommon, devAccounts, devGenesis, type GethGenesis } from './genesis.js'
import { toPooledTx } from './decodeTx.js'
import type { PooledTx } from './pooledTx.js'

await initCrypto()

const [alice, bob] = devAccounts(2)
const GAS_LIMIT = 30_000_000n

function source(txs: PooledTx[]): TxSource {
  let i = 0
  return { next: () => (i < txs.length ? { done: false, value: txs[i++]! } : { done: true, value: undefined }), skipSender: () => undefined }
}

function transfer(chain: Chain, nonce: number): PooledTx {
  const tx = createFeeMarket1559Tx(
    { chainId: 901n, nonce, to: bob!.address, value: 1n, gasLimit: 21000n, maxFeePerGas: 10n ** 11n, maxPriorityFeePerGas: 1n },
    { common: chain.common },
  ).sign(hexToBytes(alice!.privateKey))
  return toPooledTx(tx, tx.serialize())
}

async function withChain<T>(genesis: GethGenesis, fn: (chain: Chain) => Promise<T>): Promise<T> {
  const dir = tempDir()
  const store = new ChainStore(openDatabase(dir.dir))
  try {
    return await fn(await Chain.open(store, genesis, silentLogger()))
  } finally {
    await store.close()
    dir.cleanup()
  }
}

test('the EIP-1559 formula matches ethereumjs for Ethereum parameters and follows the chain parameters otherwise', () => {
  const common = createChainCommon(devGenesis({ chainId: 901, gasLimit: GAS_LIMIT }))
  for (const gasUsed of [0n, 1n, 14_999_999n, 15_000_000n, 15_000_001n, 30_000_000n]) {
    const header = createBlockHeader({ gasLimit: GAS_LIMIT, gasUsed, baseFeePerGas: 7n * 10n ** 9n }, { common })
    assert.equal(nextBaseFee(header, ETHEREUM_BASE_FEE_PARAMS), header.calcNextBaseFee(), `gasUsed ${gasUsed}`)
  }
  const full = { gasLimit: GAS_LIMIT, gasUsed: GAS_LIMIT, baseFeePerGas: 10n ** 9n }
  // Full block: target = limit / elasticity; the rise is (used - target) / target / denominator.
  assert.equal(nextBaseFee(full, { elasticity: 2n, denominator: 8n }), 1_125_000_000n)
  assert.equal(nextBaseFee(full, { elasticity: 2n, denominator: 50n }), 1_020_000_000n)
  assert.equal(nextBaseFee(full, { elasticity: 6n, denominator: 50n }), 1_100_000_000n)
  // Empty block: falls by 1/denominator.
  assert.equal(nextBaseFee({ ...full, gasUsed: 0n }, { elasticity: 6n, denominator: 250n }), 996_000_000n)
})

test('a genesis carries its base-fee parameters under config.optimism, checked', () => {
  const genesis = devGenesis({ chainId: 901, gasLimit: GAS_LIMIT, baseFee: { elasticity: 6, denominator: 250, initial: 5n } })
  assert.deepEqual(genesis.config.optimism, { eip1559Elasticity: 6, eip1559Denominator: 250 })
  assert.equal(genesis.baseFeePerGas, '0x5')
  assert.deepEqual(baseFeeParamsOf(genesis), { elasticity: 6n, denominator: 250n })
  const { optimism: _, ...plain } = genesis.config
  assert.deepEqual(baseFeeParamsOf({ ...genesis, config: plain }), ETHEREUM_BASE_FEE_PARAMS)
  assert.throws(
    () => baseFeeParamsOf({ ...genesis, config: { ...genesis.config, optimism: { eip1559Denominator: 0 } } }),
    /genesis\.config\.optimism\.eip1559Denominator: must be a positive integer \(got 0\)/,
  )
  // A restarted chain keeps its genesis: asking for other settings is reported, the same ones are not.
  assert.equal(baseFeeSettingsMismatch(genesis, { elasticity: 6, denominator: 250, initial: 5n }), undefined)
  assert.equal(baseFeeSettingsMismatch(genesis, undefined), undefined)
  assert.equal(baseFeeSettingsMismatch(genesis, { denominator: 8, initial: 7n }), "the chain's genesis has initial 5 wei, denominator 250")
})

test('a chain with another denominator computes another next base fee, and a rebuild from the published genesis agrees', async () => {
  const standard = devGenesis({ chainId: 901, gasLimit: GAS_LIMIT, timestamp: 1n, baseFee: { initial: 2n * 10n ** 9n } })
  const custom = devGenesis({ chainId: 901, gasLimit: GAS_LIMIT, timestamp: 1n, baseFee: { denominator: 50, initial: 2n * 10n ** 9n } })

  // The sequencer's chain: an empty block, then one with a transfer.
  const built = await withChain(custom, async (chain) => {
    assert.equal(chain.headHeader().baseFeePerGas, 2n * 10n ** 9n)
    await chain.buildBlock({ timestamp: 2n, coinbase: new Uint8Array(20) })
    const second = await chain.buildBlock({ timestamp: 3n, coinbase: new Uint8Array(20), txs: source([transfer(chain, 0)]) })
    assert.equal(second.included.length, 1)
    return { blocks: [chain.getBlockByNumber(1n)!, second.block], next: chain.nextBaseFee() }
  })
  // Block 1 follows the empty genesis: 2 gwei - 2 gwei / 50 (Ethereum's denominator: - 2 gwei / 8).
  assert.equal(built.blocks[0]!.header.baseFeePerGas, 2n * 10n ** 9n - (2n * 10n ** 9n) / 50n)
  assert.equal(built.blocks[1]!.header.baseFeePerGas, 1_920_800_000n) // 2 gwei × (49/50)²
  // The same empty block under Ethereum's denominator: 2 gwei × (7/8)².
  await withChain(standard, async (chain) => {
    await chain.buildBlock({ timestamp: 2n, coinbase: new Uint8Array(20) })
    assert.equal(chain.nextBaseFee(), 1_531_250_000n)
  })

  // A replica takes the genesis from the config published on L1 and re-derives the blocks strictly.
  const published = decodeChainConfig(
    encodeChainConfig({
      version: CHAIN_CONFIG_VERSION,
      l1ChainId: 900,
      genesis: custom,
      feeRecipient: '0x4200000000000000000000000000000000000011',
      baseFeeScalar: 0n,
      blobBaseFeeScalar: 0n,
      contracts: { ChainRegistry: alice!.address, BatchInbox: alice!.address, OutputOracle: alice!.address, Portal: alice!.address },
    }),
  ).genesis
  const rebuild = (genesis: GethGenesis) =>
    withChain(genesis, async (chain) => {
      const hashes: string[] = []
      for (const block of built.blocks) {
        const txs = block.transactions.map((tx) => toPooledTx(tx, tx.serialize()))
        const res = await chain.buildBlock({ timestamp: block.header.timestamp, coinbase: new Uint8Array(20), txs: source(txs), strict: true })
        hashes.push(toData(res.block.hash()))
      }
      return { hashes, next: chain.nextBaseFee() }
    })
  const replica = await rebuild(published)
  assert.deepEqual(replica.hashes, built.blocks.map((b) => toData(b.hash())))
  assert.equal(replica.next, built.next)
  // Without the parameters in the genesis, the rebuild would compute other base fees.
  const { optimism: _, ...withoutParams } = custom.config
  const other = await rebuild({ ...custom, config: withoutParams })
  assert.notEqual(other.hashes[1], toData(built.blocks[1]!.hash()))
})

test('the base fee never passes 2^256-1 (a header word), even from 2^256-1 with a full block', () => {
  const max = (1n << 256n) - 1n
  const params = { elasticity: 2n, denominator: 8n }
  assert.equal(MAX_BASE_FEE, max)
  assert.equal(nextBaseFee({ gasLimit: 30_000_000n, gasUsed: 30_000_000n, baseFeePerGas: max }, params), max)
  assert.equal(nextBaseFee({ gasLimit: 30_000_000n, gasUsed: 15_000_001n, baseFeePerGas: max - 1n }, params), max)
  assert.ok(nextBaseFee({ gasLimit: 30_000_000n, gasUsed: 0n, baseFeePerGas: max }, params) < max)
})
