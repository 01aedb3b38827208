import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { RLP } from '@ethereumjs/rlp'
import { InternalRpcError, MethodNotFoundRpcError, type PublicClient } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { hexToBytes } from '../../primitives/hex.js'
import { blobTxNetworkForm, sidecarVersionOf } from './blobTx.js'

/** A client whose `request` answers from `answers` (a value, or an error to throw). */
function clientAnswering(answers: Record<string, unknown>): PublicClient {
  return {
    request: async ({ method }: { method: string }) => {
      const answer = answers[method]
      if (answer instanceof Error) throw answer
      if (answer === undefined) throw new MethodNotFoundRpcError(new Error(`no ${method}`))
      return answer
    },
  } as unknown as PublicClient
}

const osakaPrecompiles = { ECREC: '0x0000000000000000000000000000000000000001', P256VERIFY: '0x0000000000000000000000000000000000000100' }
const praguePrecompiles = { ECREC: '0x0000000000000000000000000000000000000001' }

describe('sidecarVersionOf', () => {
  it('takes version 0 on anvil, whatever its fork', async () => {
    const anvil = clientAnswering({ web3_clientVersion: 'anvil/v1.7.1', eth_config: { current: { precompiles: osakaPrecompiles } } })
    assert.equal(await sidecarVersionOf(anvil), 0)
  })

  it('follows eth_config: version 1 from Osaka (P256VERIFY), 0 before', async () => {
    assert.equal(await sidecarVersionOf(clientAnswering({ web3_clientVersion: 'Geth/v1.16.7', eth_config: { current: { precompiles: osakaPrecompiles } } })), 1)
    assert.equal(await sidecarVersionOf(clientAnswering({ web3_clientVersion: 'Geth/v1.16.7', eth_config: { current: { precompiles: praguePrecompiles } } })), 0)
  })

  it('takes version 1 from a node without eth_config or a client version', async () => {
    assert.equal(await sidecarVersionOf(clientAnswering({ web3_clientVersion: 'Geth/v1.16.7' })), 1)
    assert.equal(await sidecarVersionOf(clientAnswering({})), 1)
  })

  it('passes other failures on instead of guessing', async () => {
    const failing = clientAnswering({ web3_clientVersion: new InternalRpcError(new Error('upstream down')) })
    await assert.rejects(sidecarVersionOf(failing), InternalRpcError)
  })
})

describe('blobTxNetworkForm', () => {
  const account = privateKeyToAccount(`0x${'42'.repeat(32)}`)
  const blob = new Uint8Array(131_072).fill(1)
  const commitment = new Uint8Array(48).fill(2)
  const signed = () =>
    account.signTransaction({
      type: 'eip4844',
      chainId: 900,
      nonce: 7,
      to: '0x000000000000000000000000000000000000dEaD',
      gas: 50_000n,
      maxFeePerGas: 3n,
      maxPriorityFeePerGas: 1n,
      maxFeePerBlobGas: 2n,
      blobVersionedHashes: [`0x01${'33'.repeat(31)}`],
    })

  it('wraps the signed transaction with its sidecar: version 0 without a version field, version 1 with one', async () => {
    const tx = await signed()
    const fields = RLP.decode(hexToBytes(tx).subarray(1)) as Uint8Array[]
    assert.equal(fields.length, 14, 'a signed type-3 transaction has 14 fields')

    const v0 = hexToBytes(blobTxNetworkForm(tx, { version: 0, blobs: [blob], commitments: [commitment], proofs: [commitment] }))
    assert.equal(v0[0], 0x03)
    assert.deepEqual(RLP.decode(v0.subarray(1)), [fields, [blob], [commitment], [commitment]])

    const cellProofs = Array.from({ length: 128 }, (_, i) => new Uint8Array(48).fill(i))
    const v1 = hexToBytes(blobTxNetworkForm(tx, { version: 1, blobs: [blob], commitments: [commitment], proofs: cellProofs }))
    assert.equal(v1[0], 0x03)
    assert.deepEqual(RLP.decode(v1.subarray(1)), [fields, Uint8Array.of(1), [blob], [commitment], cellProofs])
  })

  it('refuses a transaction of another type', async () => {
    const legacy = await account.signTransaction({ chainId: 900, nonce: 0, to: account.address, gas: 21_000n, gasPrice: 1n })
    assert.throws(() => blobTxNetworkForm(legacy, { version: 0, blobs: [], commitments: [], proofs: [] }), /not a blob transaction/)
  })
})
