import { after, before, test } from 'node:test'
import assert from 'node:assert/strict'
import { parseTransaction, serializeTransaction, toHex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { initCrypto } from '../primitives/crypto.js'
import { hexToBytes } from '../primitives/hex.js'
import { decodeRawTransaction, decodeRawTransactionOffThread } from './decodeTx.js'
import { createChainCommon, devGenesis } from './genesis.js'
import { SenderRecovery } from './senderRecovery.js'

await initCrypto()
const common = createChainCommon(devGenesis({ chainId: 901, gasLimit: 30_000_000n }))
const account = privateKeyToAccount('0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d')
const recovery = new SenderRecovery(1)

before(() => recovery.start())
after(() => recovery.stop())

test('worker recovery gives the same sender as ethereumjs for every transaction type', async () => {
  const base = { chainId: 901, nonce: 3, gas: 50_000n, to: '0x000000000000000000000000000000000000dEaD', value: 7n } as const
  const raws = await Promise.all([
    account.signTransaction({ ...base, type: 'legacy', gasPrice: 10n ** 9n }),
    account.signTransaction({ ...base, type: 'eip2930', gasPrice: 10n ** 9n, accessList: [{ address: base.to, storageKeys: [] }] }),
    account.signTransaction({ ...base, type: 'eip1559', maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 1n }),
    account.signTransaction({
      ...base,
      type: 'eip7702',
      maxFeePerGas: 10n ** 10n,
      maxPriorityFeePerGas: 1n,
      authorizationList: [await account.signAuthorization({ chainId: 901, address: base.to, nonce: 4 })],
    }),
  ])
  // many at once: they travel to the worker as one batch
  const offThread = await Promise.all(raws.map((r) => decodeRawTransactionOffThread(hexToBytes(r), common, recovery)))
  for (const [i, raw] of raws.entries()) {
    const inline = decodeRawTransaction(hexToBytes(raw), common)
    assert.equal(offThread[i]!.sender, account.address.toLowerCase())
    assert.equal(inline.sender, account.address.toLowerCase())
    assert.equal(offThread[i]!.hash, inline.hash)
    // the sender is pinned on the tx, and the tx is frozen
    assert.equal(offThread[i]!.tx.getSenderAddress().toString(), account.address.toLowerCase())
    assert.ok(Object.isFrozen(offThread[i]!.tx))
  }
})

test('an unrecoverable signature is "invalid sender"', async () => {
  const raw = hexToBytes(await account.signTransaction({ chainId: 901, type: 'eip1559', nonce: 0, gas: 21_000n, to: account.address, maxFeePerGas: 1n, maxPriorityFeePerGas: 1n }))
  // r = 5 is a valid scalar but no curve point has x = 5: only recovery itself can fail.
  const parsed = parseTransaction(toHex(raw))
  const bad = hexToBytes(serializeTransaction(parsed, { r: '0x05', s: parsed.s!, yParity: parsed.yParity! }))
  await assert.rejects(decodeRawTransactionOffThread(bad, common, recovery), (err: Error) => {
    assert.equal(err.name, 'TxDecodeError')
    assert.equal(err.message, 'invalid sender')
    return true
  })
  // the worker is still serving after a failure
  const ok = await decodeRawTransactionOffThread(raw, common, recovery)
  assert.equal(ok.sender, account.address.toLowerCase())
})
