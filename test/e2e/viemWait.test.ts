import assert from 'node:assert/strict'
import { after, before, describe, test } from 'node:test'
import { createPublicClient, createWalletClient, defineChain, http, parseEther, webSocket, type Chain } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { chainConfig } from 'viem/op-stack'
import { devAccounts } from '../../src/execution/genesis.js'
import type { NetworkRegistry } from '../../src/node/networkRegistry.js'
import { rpcCall } from '../helpers/jsonRpc.js'
import { startTestNetwork, type TestNetwork } from '../helpers/network.js'

/**
 * The registry's viem chain makes viem wait for a receipt on the slot's rhythm, not on
 * viem's 4 s default: it carries the chain's block time (one slot) and the OP Stack
 * formatters. Measured in blocks, never in seconds: a wait that returned on viem's 4 s
 * poll would come back 16 slots of 250 ms after the receipt's block.
 */
describe("viem's waits with the registry's chain", { timeout: 120_000 }, () => {
  let net: TestNetwork
  let chain: Chain

  before(async () => {
    net = await startTestNetwork({ chainIds: [901] })
    const registry = await rpcCall<NetworkRegistry>(net.l2Url(901), 'plexus_getChainRegistry', [])
    const entry = registry.chains.find((c) => c.chainId === 901)
    assert.ok(entry, 'chain 901 is in the registry')
    chain = defineChain({ ...chainConfig, ...(entry.viemChain as object), rpcUrls: { default: { http: [net.l2Url(901)] } } } as unknown as Chain)
  })
  after(async () => net?.stop())

  test('the registry chain carries the slot as blockTime, so viem polls at its floor (500 ms), not 4 s', () => {
    assert.equal(chain.blockTime, 250)
    const pub = createPublicClient({ chain, transport: http(net.l2Url(901)) })
    assert.ok(pub.pollingInterval <= 500, `viem polls every ${pub.pollingInterval} ms`)
    // The OP Stack formatters come along: deposit transactions and L1 fee fields are typed.
    assert.ok(chain.formatters?.transaction, 'OP Stack transaction formatter')
    assert.ok(chain.formatters?.transactionReceipt, 'OP Stack receipt formatter')
  })

  for (const kind of ['http', 'webSocket'] as const) {
    test(`waitForTransactionReceipt over ${kind} returns within a few slots of the receipt's block`, async () => {
      const url = net.l2Url(901)
      const transport = kind === 'http' ? http(url) : webSocket(url.replace(/^http/, 'ws'))
      const pub = createPublicClient({ chain, transport })
      const account = privateKeyToAccount(devAccounts(3)[kind === 'http' ? 1 : 2]!.privateKey as `0x${string}`)
      const wallet = createWalletClient({ chain, transport, account })
      try {
        for (let i = 0; i < 3; i++) {
          const hash = await wallet.sendTransaction({ to: '0x000000000000000000000000000000000000dEaD', value: parseEther('0.001') })
          const receipt = await pub.waitForTransactionReceipt({ hash })
          const head = await pub.getBlockNumber({ cacheTime: 0 })
          assert.equal(receipt.status, 'success')
          // HTTP: one 500 ms poll is two slots, plus the block read after it; WebSocket:
          // newHeads wakes the wait on the receipt's own block. 4 s would be 16 slots.
          const bound = kind === 'http' ? 4n : 2n
          assert.ok(head - receipt.blockNumber <= bound, `${kind}: returned at head ${head}, receipt in block ${receipt.blockNumber}`)
        }
      } finally {
        if (kind === 'webSocket') (await (pub.transport as { getRpcClient?: () => Promise<{ close(): void }> }).getRpcClient?.())?.close()
      }
    })
  }
})
