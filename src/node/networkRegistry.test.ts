import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { defineChain } from 'viem'
import { PREDEPLOYS } from '../execution/predeploys.js'
import { buildRegistry, variableName, viemChainModule } from './networkRegistry.js'

const input = {
  l1: { chainId: 900, rpcUrl: 'http://127.0.0.1:8545', contracts: { Portal: '0x00000000000000000000000000000000000000aa', OutputOracle: '0x00000000000000000000000000000000000000bb', ChainRegistry: '0x00000000000000000000000000000000000000cc' } as const },
  slotTimeMs: 250,
  devAccounts: true,
  chains: [
    { chainId: 902, name: 'plexus-902', httpUrl: 'http://127.0.0.1:9546', genesisSlot: 0n },
    { chainId: 901, name: 'plexus-901', httpUrl: 'http://127.0.0.1:9545', genesisSlot: 0n, nativeCurrency: { name: 'USD Coin', symbol: 'USDC', decimals: 18 } },
  ],
  explorerUrl: 'http://127.0.0.1:8420/',
}

describe('network registry', () => {
  it('gives every chain EIP-3085 parameters, a viem chain and the contract addresses, in chain-id order', () => {
    const r = buildRegistry(input)
    assert.deepEqual(r.chains.map((c) => c.chainId), [901, 902])
    const [c901, c902] = r.chains
    assert.deepEqual(c902!.addEthereumChain, {
      chainId: '0x386',
      chainName: 'plexus-902',
      nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
      rpcUrls: ['http://127.0.0.1:9546'],
      blockExplorerUrls: ['http://127.0.0.1:8420/#/chain/902'],
    })
    assert.equal(c901!.addEthereumChain.nativeCurrency.symbol, 'USDC')
    assert.deepEqual(c902!.rpcUrls.webSocket, ['ws://127.0.0.1:9546'])
    assert.equal(c902!.contracts.l2.L2ToL2CrossDomainMessenger, PREDEPLOYS.L2ToL2CrossDomainMessenger)
    assert.equal(c902!.contracts.l1.Portal, input.l1.contracts.Portal)
  })

  it('the viem chain goes through defineChain with the L1 contracts keyed by the L1 chain id, as viem OP Stack chains have them', () => {
    const chain = defineChain(buildRegistry(input).chains[1]!.viemChain as never) as unknown as {
      id: number
      sourceId: number
      rpcUrls: { default: { http: string[] } }
      contracts: Record<string, { address?: string } & Record<number, { address: string }>>
    }
    assert.equal(chain.id, 902)
    assert.equal(chain.sourceId, 900)
    // viem polls a chain at half its block time (at least 500 ms), not every 4 s.
    assert.equal((chain as unknown as { blockTime: number }).blockTime, input.slotTimeMs)
    assert.deepEqual(chain.rpcUrls.default.http, ['http://127.0.0.1:9546'])
    assert.equal(chain.contracts.portal![900]!.address, input.l1.contracts.Portal)
    assert.equal(chain.contracts.l2OutputOracle![900]!.address, input.l1.contracts.OutputOracle)
    assert.equal(chain.contracts.l2ToL2CrossDomainMessenger!.address, PREDEPLOYS.L2ToL2CrossDomainMessenger)
  })

  it('writes a TypeScript module named after the chain', () => {
    const chain = buildRegistry(input).chains[0]!
    const ts = viemChainModule(chain)
    assert.match(ts, /^\/\/ The viem chain definition of plexus-901 \(chain 901\)/)
    assert.match(ts, /import \{ defineChain \} from 'viem'/)
    assert.match(ts, /import \{ chainConfig \} from 'viem\/op-stack'/)
    assert.match(ts, /export const plexus901 = defineChain\(\{ \.\.\.chainConfig, \.\.\.\{\n {2}"id": 901,/)
    assert.equal(variableName({ chainId: 7, name: 'Gamma Chain' }), 'gammaChain')
    assert.equal(variableName({ chainId: 7, name: '42 things' }), 'chain7')
  })
})
