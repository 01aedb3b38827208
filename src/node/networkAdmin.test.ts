import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { ConfigError } from '../primitives/errors.js'
import { joiningChainOptions } from './networkAdmin.js'
import { devChainOptions } from './networkOptions.js'

describe('chain add options', () => {
  const chains = [devChainOptions(0), devChainOptions(1, { gasLimit: 30_000_000n })]

  it('defaults: the next chain id and port, a name from the id, the rest from the first chain', () => {
    const opts = joiningChainOptions(chains, {})
    assert.equal(opts.chainId, 903)
    assert.equal(opts.rpcPort, 9547)
    assert.equal(opts.name, 'plexus-903')
    assert.equal(opts.gasLimit, chains[0]!.gasLimit)
    assert.equal(opts.slotTimeMs, chains[0]!.slotTimeMs)
  })

  it('takes what is given', () => {
    const opts = joiningChainOptions(chains, { name: 'gamma', chainId: 4242, rpcPort: 0, gasLimit: '25000000', challengeWindowSeconds: 60 })
    assert.deepEqual([opts.name, opts.chainId, opts.rpcPort, opts.gasLimit, opts.challengeWindowSeconds], ['gamma', 4242, 0, 25_000_000n, 60])
  })

  it('names the field of a bad option and lists the keys it knows', () => {
    assert.throws(() => joiningChainOptions(chains, { chainId: -1 }), (err: unknown) => err instanceof ConfigError && err.path === 'chainId')
    assert.throws(
      () => joiningChainOptions(chains, { gasLimt: 1 }),
      (err: unknown) => err instanceof ConfigError && /unknown key\(s\) gasLimt; the keys are name, chainId/.test(err.message),
    )
  })
})
