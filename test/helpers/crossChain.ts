import assert from 'node:assert/strict'
import { createPublicClient, createWalletClient, defineChain, encodeFunctionData, http, parseAbi, type Hex, type PrivateKeyAccount } from 'viem'
import { PREDEPLOYS, REFERENCE_SUPERCHAIN_TOKEN } from '../../src/execution/predeploys.js'
import type { TestNetwork } from './network.js'
import { rpc, waitFor } from './node.js'

const tokenAbi = parseAbi(['function balanceOf(address) view returns (uint256)'])
const tokenBridgeAbi = parseAbi(['function sendERC20(address token, address to, uint256 amount, uint256 chainId) returns (bytes32)'])

/**
 * Sends `amount` of the reference SuperchainERC20 from `from` to `to` through the
 * SuperchainTokenBridge and asserts that the network relays the message (nobody by
 * hand) without anyone paying for its relay (the network's own bridges relay on its
 * allowance), and the recipient's balance on `to` grows by exactly `amount`.
 */
export async function sendTokenAcross(net: TestNetwork, account: PrivateKeyAccount, from: number, to: number, amount: bigint): Promise<void> {
  const chain = defineChain({ id: from, name: `L2 ${from}`, nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [net.l2Url(from)] } } })
  const source = createPublicClient({ chain, transport: http(net.l2Url(from)), cacheTime: 0 })
  const destination = createPublicClient({ transport: http(net.l2Url(to)), cacheTime: 0 })
  const balance = () => destination.readContract({ address: REFERENCE_SUPERCHAIN_TOKEN, abi: tokenAbi, functionName: 'balanceOf', args: [account.address] })
  const before = await balance()
  const hash = await createWalletClient({ account, chain, transport: http(net.l2Url(from)) }).sendTransaction({
    to: PREDEPLOYS.SuperchainTokenBridge,
    data: encodeFunctionData({ abi: tokenBridgeAbi, functionName: 'sendERC20', args: [REFERENCE_SUPERCHAIN_TOKEN, account.address, amount, BigInt(to)] }),
  })
  assert.equal((await source.waitForTransactionReceipt({ hash, pollingInterval: 50 })).status, 'success')
  const [message] = await rpc<{ msgHash: Hex; destination: Hex; paidGas: Hex; autoRelay: boolean }[]>(net.l2Url(from), 'plexus_getMessagesByTx', [`0x${from.toString(16)}`, hash])
  assert.equal(BigInt(message!.destination), BigInt(to))
  assert.equal(BigInt(message!.paidGas), 0n, 'nobody paid for the bridge message')
  assert.equal(message!.autoRelay, true, 'the network relays its own bridge unpaid')
  await waitFor(async () => (await rpc<{ status: string } | null>(net.l2Url(to), 'plexus_getMessage', [message!.msgHash]))?.status === 'relayed', 30_000, `${from}→${to} relayed`)
  assert.equal((await balance()) - before, amount)
}
