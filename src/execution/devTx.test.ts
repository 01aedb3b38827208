import assert from 'node:assert/strict'
import { before, describe, it } from 'node:test'
import { initCrypto } from '../primitives/crypto.js'
import { RLP } from '@ethereumjs/rlp'
import { decodeDevTx, devBaseFeeOf, DEV_TX_TYPE, DevTransaction, DevTxError, isDevGenesis, MAX_DEV_TX_BYTES, type DevTxBody } from './devTx.js'
import { DEPOSIT_TX_TYPE } from './depositTx.js'
import { decodeRawTransaction } from './decodeTx.js'
import { createChainCommon, devGenesis } from './genesis.js'

const id = new Uint8Array(16).fill(7)
const addr = new Uint8Array(20).fill(0xaa)

function typed(rlp: Uint8Array): Uint8Array {
  const out = new Uint8Array(rlp.length + 1)
  out[0] = DEV_TX_TYPE
  out.set(rlp, 1)
  return out
}

const bodies: DevTxBody[] = [
  { kind: 'patch', address: addr, balance: (1n << 256n) - 1n },
  { kind: 'patch', address: addr, nonce: 0n },
  { kind: 'patch', address: addr, code: new Uint8Array([0x60, 0x00]) },
  { kind: 'patch', address: addr, balance: 0n, nonce: 5n, code: new Uint8Array(0), storage: [{ slot: new Uint8Array(32).fill(1), value: 0n }, { slot: new Uint8Array(32), value: 9n }] },
  { kind: 'call', from: addr, to: undefined, nonce: 3n, value: 1n, data: new Uint8Array([1, 2]), gasLimit: 21_000n, maxFeePerGas: 2n, maxPriorityFeePerGas: 1n },
  { kind: 'call', from: addr, to: addr, nonce: 0n, value: 0n, data: new Uint8Array(0), gasLimit: 0n, maxFeePerGas: 0n, maxPriorityFeePerGas: 0n },
  { kind: 'baseFee', baseFeePerGas: 0n },
  { kind: 'baseFee', baseFeePerGas: 7_000_000_000n },
  { kind: 'baseFee', baseFeePerGas: (1n << 256n) - 1n },
]

describe('dev transactions (type 0x7d)', () => {
  before(initCrypto)

  it('decode(encode(x)) is x, byte for byte, for every kind and every optional field', () => {
    assert.notEqual(DEV_TX_TYPE as number, DEPOSIT_TX_TYPE)
    assert.ok(DEV_TX_TYPE < 0x7f)
    for (const body of bodies) {
      const tx = new DevTransaction(id, body)
      const back = decodeDevTx(tx.serialize())
      assert.deepEqual(back.serialize(), tx.serialize())
      assert.deepEqual(back.hash(), tx.hash())
      assert.deepEqual(back.body, tx.body.kind === 'patch' && tx.body.storage?.length === 0 ? { ...tx.body, storage: undefined } : tx.body)
    }
  })

  it('two equal changes with different ids are different transactions', () => {
    const a = new DevTransaction(id, bodies[0]!)
    const b = new DevTransaction(new Uint8Array(16), bodies[0]!)
    assert.notDeepEqual(a.hash(), b.hash())
  })

  it('refuses malformed, non-canonical, oversized and out-of-range bytes with DevTxError (never another error)', () => {
    const good = new DevTransaction(id, bodies[3]!).serialize()
    const bad: Uint8Array[] = [
      new Uint8Array([DEV_TX_TYPE]),
      new Uint8Array([DEV_TX_TYPE, 0xc0]),
      new Uint8Array([DEV_TX_TYPE, 0xff, 0xff]),
      good.subarray(0, good.length - 1),
      typed(RLP.encode([id, Uint8Array.of(4), addr])), // unknown kind
      typed(RLP.encode([id, Uint8Array.of(3)])), // base fee: field count
      typed(RLP.encode([id, Uint8Array.of(3), Uint8Array.of(1), Uint8Array.of(1)])), // base fee: field count
      typed(RLP.encode([id, Uint8Array.of(3), Uint8Array.of(0)])), // base fee 0 with a leading zero: not canonical
      typed(RLP.encode([id, Uint8Array.of(3), Uint8Array.of(0, 1)])), // leading zero: not canonical
      typed(RLP.encode([id, Uint8Array.of(3), new Uint8Array(33).fill(1)])), // base fee > 2^256-1
      typed(RLP.encode([id, Uint8Array.of(3), [Uint8Array.of(1)]])), // base fee must be a byte string
      typed(RLP.encode([id, Uint8Array.of(1), addr, [], [], [], [], []])), // field count
      typed(RLP.encode([id, Uint8Array.of(1), addr, [Uint8Array.of(0, 1)], [], [], []])), // leading zero: not canonical
      typed(RLP.encode([id, Uint8Array.of(1), addr, [new Uint8Array(33).fill(1)], [], [], []])), // balance > 2^256-1
      typed(RLP.encode([id, Uint8Array.of(1), addr, [], [new Uint8Array(9).fill(1)], [], []])), // nonce > 2^64-1
      typed(RLP.encode([id, Uint8Array.of(1), new Uint8Array(19), [], [], [], []])), // address length
      typed(RLP.encode([id, Uint8Array.of(1), addr, [], [], [], [[new Uint8Array(31), Uint8Array.of(1)]]])), // slot length
      typed(RLP.encode([new Uint8Array(15), Uint8Array.of(1), addr, [], [], [], []])), // id length
      typed(RLP.encode([id, Uint8Array.of(1), addr, [], [], [new Uint8Array(MAX_DEV_TX_BYTES)], []])), // oversized
      Uint8Array.from([0x7e, ...good.subarray(1)]),
    ]
    for (const bytes of bad) assert.throws(() => decodeDevTx(bytes), DevTxError, Buffer.from(bytes.subarray(0, 16)).toString('hex'))
  })

  it('a base fee out of a header word (negative, 2^256 and over) cannot be made', () => {
    for (const baseFeePerGas of [-1n, 1n << 256n, 1n << 300n]) {
      assert.throws(() => new DevTransaction(id, { kind: 'baseFee', baseFeePerGas }), DevTxError)
    }
  })

  it("a block's base fee is a base-fee dev transaction's only when that is its first transaction after the deposits", () => {
    const fee = new DevTransaction(id, { kind: 'baseFee', baseFeePerGas: 5n })
    const zero = new DevTransaction(id, { kind: 'baseFee', baseFeePerGas: 0n })
    const patch = new DevTransaction(id, bodies[0]!)
    const deposit = { type: DEPOSIT_TX_TYPE }
    assert.equal(devBaseFeeOf([]), undefined)
    assert.equal(devBaseFeeOf([deposit, deposit]), undefined)
    assert.equal(devBaseFeeOf([deposit, fee, patch]), 5n)
    assert.equal(devBaseFeeOf([zero]), 0n)
    assert.equal(devBaseFeeOf([deposit, patch, fee]), undefined)
    assert.equal(devBaseFeeOf([{ type: 2 }, fee]), undefined)
    // It sends nothing and goes nowhere: no sender to hold back, no gas, no fee.
    assert.equal(fee.getSenderAddress().toString(), `0x${'00'.repeat(20)}`)
    assert.equal(fee.to?.toString(), `0x${'00'.repeat(20)}`)
    assert.equal(fee.gasLimit, 0n)
    assert.equal(fee.maxFeePerGas, 0n)
  })

  it('the pool decoder refuses the type with a clear error', () => {
    const common = createChainCommon(devGenesis({ chainId: 901, gasLimit: 30_000_000n }))
    const raw = new DevTransaction(id, bodies[0]!).serialize()
    assert.throws(() => decodeRawTransaction(raw, common), /0x7d.*cannot be submitted/)
  })

  it('a chain takes them only when its genesis says so', () => {
    assert.equal(isDevGenesis(devGenesis({ chainId: 901, gasLimit: 1n })), false)
    assert.equal(isDevGenesis(devGenesis({ chainId: 901, gasLimit: 1n, devTransactions: true })), true)
    assert.equal(isDevGenesis({ config: { plexus: { dev: 'yes' } } }), false)
  })
})
