import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { initCrypto } from '../../primitives/crypto.js'
import { InvalidBlockError } from '../../execution/chain.js'
import { DevTransaction } from '../../execution/devTx.js'
import { createChainCommon, devGenesis } from '../../execution/genesis.js'
import { decodeBatchTxs } from './blockBuilder.js'

describe("derivation: a batch's dev transactions", () => {
  before(initCrypto)

  const common = createChainCommon(devGenesis({ chainId: 901, gasLimit: 30_000_000n }))
  const dev = new DevTransaction(new Uint8Array(16), { kind: 'patch', address: new Uint8Array(20).fill(1), balance: 10n ** 30n })

  it('are taken on a dev chain, with the impersonated or patched account as sender', () => {
    const [ptx] = decodeBatchTxs({ number: 5n, txs: [dev.serialize()] }, common, true)
    assert.equal(ptx!.hash, `0x${Buffer.from(dev.hash()).toString('hex')}`)
    assert.equal(ptx!.sender, `0x${'01'.repeat(20)}`)
  })

  it('make the block invalid on a chain that is not a dev chain (a hostile batcher cannot mint with one)', () => {
    assert.throws(() => decodeBatchTxs({ number: 5n, txs: [dev.serialize()] }, common, false), (err: Error) => err instanceof InvalidBlockError && /not a dev chain/.test(err.message))
  })

  it('make the block invalid when malformed, on a dev chain too', () => {
    const bytes = dev.serialize().slice()
    bytes[bytes.length - 1] ^= 0xff
    assert.throws(() => decodeBatchTxs({ number: 5n, txs: [bytes.subarray(0, bytes.length - 3)] }, common, true), InvalidBlockError)
  })
})
