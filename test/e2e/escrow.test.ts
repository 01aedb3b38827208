import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import {
  createPublicClient,
  createWalletClient,
  defineChain,
  encodeAbiParameters,
  encodeFunctionData,
  http,
  keccak256,
  parseAbi,
  parseEther,
  toHex,
  type Hex,
  type PrivateKeyAccount,
  type PublicClient,
} from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { devAccounts } from '../../src/execution/genesis.js'
import { PREDEPLOYS } from '../../src/execution/predeploys.js'
import { createBridgeContext, initiateWithdrawal, type BridgeContext } from '../../src/settlement/actions/bridge.js'
import { abiOf } from '../../src/settlement/l1/abis.js'
import { genesisNativeSupply } from '../../src/settlement/l1/genesisEscrow.js'
import { storedGenesis } from '../../src/node/datadir.js'
import { assertBacked } from '../helpers/audit.js'
import { proveAndFinalize } from '../helpers/withdraw.js'
import { startTestNetwork, type TestNetwork } from '../helpers/network.js'
import { rpc, waitFor } from '../helpers/node.js'

const l1Chain = defineChain({ id: 900, name: 'L1', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [] } } })
const ethBridgeAbi = parseAbi(['function sendETH(address to, uint256 chainId) payable returns (bytes32)'])

/**
 * Issue 14's money invariant on the dev network: genesis balances are backed by L1
 * escrow, L1 escrow follows ETH across chains (so every withdrawal of ETH that reached a
 * chain is payable), and the audit balances after every move and catches a drained escrow.
 */
describe('escrow follows the money: genesis backing, inter-chain flows, the audit', { timeout: 300_000 }, () => {
  let net: TestNetwork
  let l1: PublicClient
  let portal: Hex

  before(async () => {
    // plexus_audit walks every account: a 'debug' method, opened here.
    net = await startTestNetwork({ chainIds: [901, 902], challengeWindowSeconds: 3, rpc: { expose: ['debug'] } })
    l1 = createPublicClient({ chain: l1Chain, transport: http(net.l1Url), cacheTime: 0 }) as PublicClient
    portal = net.network.deployment.contracts.Portal
  })
  after(async () => {
    await net?.stop()
  })

  const locked = (chainId: number) => l1.readContract({ address: portal, abi: abiOf('Portal'), functionName: 'ethLocked', args: [BigInt(chainId)] }) as Promise<bigint>

  /** A fresh account with `eth` on L1 (the dev L1 is anvil). */
  async function fundedOnL1(eth: bigint): Promise<PrivateKeyAccount> {
    const account = privateKeyToAccount(generatePrivateKey())
    await rpc(net.l1Url, 'anvil_setBalance', [account.address, toHex(eth)])
    return account
  }

  async function deposit(account: PrivateKeyAccount, chainId: number, amount: bigint): Promise<void> {
    const wallet = createWalletClient({ account, chain: l1Chain, transport: http(net.l1Url) })
    const hash = await wallet.writeContract({ address: portal, abi: abiOf('Portal'), functionName: 'depositETH', args: [BigInt(chainId), account.address], value: amount })
    assert.equal((await l1.waitForTransactionReceipt({ hash })).status, 'success')
    const l2 = createPublicClient({ transport: http(net.l2Url(chainId)), cacheTime: 0 })
    await waitFor(async () => (await l2.getBalance({ address: account.address })) >= amount, 30_000, `deposit to ${chainId}`)
  }

  const bridge = (account: PrivateKeyAccount, chainId: number): Promise<BridgeContext> => createBridgeContext({ l1Url: net.l1Url, l2Url: net.l2Url(chainId), account })

  it('the dev accounts and the relayer start backed: each chain escrows its genesis supply, and the audit balances', async () => {
    for (const chainId of [901, 902]) {
      const supply = genesisNativeSupply(storedGenesis(net.datadir, chainId)!)
      // 10 dev accounts × 10,000 ETH and the relayer: all of it escrowed at start.
      assert.ok(supply >= 100_000n * 10n ** 18n)
      const added = (await l1.readContract({ address: portal, abi: abiOf('Portal'), functionName: 'escrowAdded', args: [BigInt(chainId)] })) as bigint
      assert.equal(added, supply)
      assert.ok((await locked(chainId)) >= supply)
    }
    await assertBacked(net.network)
  })

  it("Alice and Bob: ETH that moved between chains is withdrawn from the chain it reached, and both withdrawals finalize", async () => {
    // Amounts above a chain's genesis escrow (101,000 ETH), so that without the flow 902's
    // escrow could not pay both.
    const alice = await fundedOnL1(parseEther('300000'))
    const bob = await fundedOnL1(parseEther('300000'))
    await deposit(alice, 902, parseEther('200000'))
    await deposit(bob, 901, parseEther('200000'))
    const escrow = { 901: await locked(901), 902: await locked(902) }

    // Bob sends 199,000 ETH from 901 to 902 (keeping gas), then withdraws 198,000 there.
    const c901 = defineChain({ id: 901, name: 'L2 901', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [net.l2Url(901)] } } })
    const l2a = createPublicClient({ chain: c901, transport: http(net.l2Url(901)), cacheTime: 0 })
    const l2b = createPublicClient({ transport: http(net.l2Url(902)), cacheTime: 0 })
    const hash = await createWalletClient({ account: bob, chain: c901, transport: http(net.l2Url(901)) }).sendTransaction({
      to: PREDEPLOYS.SuperchainETHBridge,
      data: encodeFunctionData({ abi: ethBridgeAbi, functionName: 'sendETH', args: [bob.address, 902n] }),
      value: parseEther('199000'),
    })
    assert.equal((await l2a.waitForTransactionReceipt({ hash, pollingInterval: 50 })).status, 'success')
    await waitFor(async () => (await l2b.getBalance({ address: bob.address })) >= parseEther('199000'), 30_000, 'the ETH to reach 902')
    await assertBacked(net.network)

    const bobCtx = await bridge(bob, 902)
    const aliceCtx = await bridge(alice, 902)
    const bobW = await initiateWithdrawal(bobCtx, { amount: parseEther('198000') })
    const aliceW = await initiateWithdrawal(aliceCtx, { amount: parseEther('199000') })
    await assertBacked(net.network)

    // Bob's first: with escrow per chain alone it would take most of what Alice deposited,
    // and hers would revert InsufficientLockedEth for good. The network moves 901's escrow
    // behind the 199,000 ETH to 902 once 901's output is final.
    const l1Before = { bob: await l1.getBalance({ address: bob.address }), alice: await l1.getBalance({ address: alice.address }) }
    assert.equal((await proveAndFinalize(bobCtx, bobW)).status, 'success')
    assert.equal((await proveAndFinalize(aliceCtx, aliceW)).status, 'success')
    assert.ok((await l1.getBalance({ address: bob.address })) - l1Before.bob > parseEther('197999'))
    assert.ok((await l1.getBalance({ address: alice.address })) - l1Before.alice > parseEther('198999'))
    // Escrow moved exactly with the ETH: out of 901, into 902, out of 902 to L1.
    assert.equal(await locked(901), escrow[901] - parseEther('199000'))
    assert.equal(await locked(902), escrow[902] + parseEther('199000') - parseEther('198000') - parseEther('199000'))

    // The flow 901 → 902 is settled on L1 in full, and 901 kept nothing of it.
    const settled = (await l1.readContract({ address: portal, abi: abiOf('Portal'), functionName: 'ethFlowSettled', args: [901n, 902n] })) as bigint
    assert.equal(settled, parseEther('199000'))
    await assertBacked(net.network)
  })

  it('settleEthFlows is refused against an output still in its window, a forged output proof, or proofs that do not match the destinations', async () => {
    const deployer = privateKeyToAccount(devAccounts()[3]!.privateKey)
    const count = (await l1.readContract({ address: net.network.deployment.contracts.OutputOracle, abi: abiOf('OutputOracle'), functionName: 'outputCount', args: [901n] })) as bigint
    const zero = `0x${'00'.repeat(32)}` as Hex
    const proof = { version: zero, stateRoot: zero, messagePasserStorageRoot: zero, latestBlockhash: zero }
    const attempt = (args: unknown[]) => l1.simulateContract({ address: portal, abi: abiOf('Portal'), functionName: 'settleEthFlows', args, account: deployer }).then(
      () => 'accepted',
      (err: Error) => err.message,
    )
    // The newest output is inside its window (3 s, and proposals every 4 blocks).
    assert.match(await attempt([901n, count + 5n, proof, [902n], [[]]]), /OutputNotFinalized/)
    assert.match(await attempt([901n, 0n, proof, [902n], [[]]]), /OutputRootMismatch/)
    assert.match(await attempt([901n, 0n, proof, [902n], []]), /FlowProofCountMismatch/)
  })

  it('the audit catches a drained escrow: a chain whose L1 balance is cut is reported not backed', async () => {
    // Portal storage slot 0 is `ethLocked`: cut 902's to 1 wei behind the Portal's back.
    const slot = keccak256(encodeAbiParameters([{ type: 'uint256' }, { type: 'uint256' }], [902n, 0n]))
    const before = await locked(902)
    await rpc(net.l1Url, 'anvil_setStorageAt', [portal, slot, toHex(1n, { size: 32 })])
    await waitFor(async () => (await locked(902)) === 1n, 10_000, 'the storage write')
    const report = await net.network.audit()
    assert.equal(report.ok, false)
    const eth = report.assets.find((a) => a.kind === 'eth')!
    assert.equal(eth.chains.find((c) => c.chainId === 902n)!.ok, false)
    assert.equal(eth.chains.find((c) => c.chainId === 901n)!.ok, true)
    // Over RPC the same answer, with the shortfall as a negative quantity.
    const viaRpc = await rpc<{ ok: boolean; assets: { chains: { chainId: Hex; surplus: string }[] }[] }>(net.l2Url(901), 'plexus_audit', [])
    assert.equal(viaRpc.ok, false)
    assert.match(viaRpc.assets[0]!.chains.find((c) => BigInt(c.chainId) === 902n)!.surplus, /^-0x/)
    await rpc(net.l1Url, 'anvil_setStorageAt', [portal, slot, toHex(before, { size: 32 })])
    await waitFor(async () => (await locked(902)) === before, 10_000, 'the storage restored')
    await assertBacked(net.network)
  })
})
