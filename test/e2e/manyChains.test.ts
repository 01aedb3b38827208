// Eight chains in one network on one machine (issue 5: at least 16 work; CI runs 8):
// every chain builds every slot with the same timestamp, they are batched to L1 together,
// and a message crosses from the first chain to the last and back.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createPublicClient, createWalletClient, defineChain, encodeFunctionData, http, parseAbi, type Hex, type PublicClient } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { devAccounts } from '../../src/execution/genesis.js'
import { PREDEPLOYS, REFERENCE_SUPERCHAIN_TOKEN } from '../../src/execution/predeploys.js'
import { startTestNetwork, type TestNetwork } from '../helpers/network.js'
import { rpc, waitFor } from '../helpers/node.js'
import { safeAtLeast } from '../helpers/sync.js'

const CHAINS = Array.from({ length: 8 }, (_, i) => 901 + i)
const tokenAbi = parseAbi(['function balanceOf(address) view returns (uint256)'])
const tokenBridgeAbi = parseAbi(['function sendERC20(address token, address to, uint256 amount, uint256 chainId) returns (bytes32)'])
const user = privateKeyToAccount(devAccounts()[6]!.privateKey)

describe('eight chains in one network', () => {
  let net: TestNetwork
  const client = (id: number) => createPublicClient({ transport: http(net.l2Url(id)), cacheTime: 0 }) as PublicClient

  before(async () => {
    net = await startTestNetwork({ chainIds: CHAINS })
  })
  after(async () => {
    await net?.stop()
  })

  it('every chain builds every slot, with the slot timestamp, and all are batched to L1', async () => {
    const target = await waitFor(async () => {
      const heads = await Promise.all(CHAINS.map((id) => client(id).getBlockNumber()))
      const min = heads.reduce((a, b) => (a < b ? a : b))
      return min >= 12n ? min : undefined
    }, 60_000, 'eight chains at block 12')
    for (let n = 1n; n <= target!; n++) {
      const blocks = await Promise.all(CHAINS.map((id) => client(id).getBlock({ blockNumber: n })))
      assert.equal(new Set(blocks.map((b) => b.timestamp)).size, 1, `slot ${n}: one timestamp on every chain`)
    }
    for (const id of CHAINS) await safeAtLeast(net.l2Url(id), target!, 90_000)
  })

  it('a message crosses from the first chain to the last and back', async () => {
    const send = async (from: number, to: number, amount: bigint) => {
      const chain = defineChain({ id: from, name: `L2 ${from}`, nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [net.l2Url(from)] } } })
      const wallet = createWalletClient({ account: user, chain, transport: http(net.l2Url(from)) })
      const before = await client(to).readContract({ address: REFERENCE_SUPERCHAIN_TOKEN, abi: tokenAbi, functionName: 'balanceOf', args: [user.address] })
      const hash = await wallet.sendTransaction({
        to: PREDEPLOYS.SuperchainTokenBridge,
        data: encodeFunctionData({ abi: tokenBridgeAbi, functionName: 'sendERC20', args: [REFERENCE_SUPERCHAIN_TOKEN, user.address, amount, BigInt(to)] }),
      })
      assert.equal((await client(from).waitForTransactionReceipt({ hash, pollingInterval: 50 })).status, 'success')
      const [m] = await rpc<{ msgHash: Hex }[]>(net.l2Url(from), 'plexus_getMessagesByTx', [`0x${from.toString(16)}`, hash])
      await waitFor(async () => (await rpc<{ status: string } | null>(net.l2Url(to), 'plexus_getMessage', [m!.msgHash]))?.status === 'relayed', 30_000)
      const after = await client(to).readContract({ address: REFERENCE_SUPERCHAIN_TOKEN, abi: tokenAbi, functionName: 'balanceOf', args: [user.address] })
      assert.equal(after - before, amount)
    }
    await send(901, 908, 3n)
    await send(908, 901, 1n)
  })
})
