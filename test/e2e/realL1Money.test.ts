import assert from 'node:assert/strict'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createPublicClient, createWalletClient, defineChain, encodeFunctionData, http, parseAbi, parseEther, type Hex, type PublicClient } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { devAccounts } from '../../src/execution/genesis.js'
import { PREDEPLOYS } from '../../src/execution/predeploys.js'
import { createBridgeContext, initiateWithdrawal } from '../../src/settlement/actions/bridge.js'
import { abiOf } from '../../src/settlement/l1/abis.js'
import { NETWORK_ROLE, roleKey } from '../../src/settlement/l1/roleKeys.js'
import { startAnvil, type Anvil } from '../helpers/anvil.js'
import { freePort, rpc, runCli, waitFor } from '../helpers/node.js'
import { tempDir } from '../helpers/tmp.js'
import { proveAndFinalize } from '../helpers/withdraw.js'
import { killNetwork, spawnUp, type UpProcess } from '../helpers/upProcess.js'

const ethBridgeAbi = parseAbi(['function sendETH(address to, uint256 chainId) payable returns (bytes32)'])
/** anvil's first dev account deploys (the operator's key); the second is a user. */
const DEPLOYER_KEY = devAccounts()[0]!.privateKey
const user = privateKeyToAccount(devAccounts()[1]!.privateKey)

interface AuditJson {
  ok: boolean
  assets: { kind: string; l2Supply: string; l1Escrow: string; inFlightToL1: string; surplus: string; ok: boolean; chains: { chainId: string; ok: boolean }[] }[]
}

/**
 * Issue 14 on a real L1 (an anvil the test starts, given to `plexus up` by URL, exactly as
 * a Sepolia or mainnet RPC would be): no L2 wei exists that was not deposited, the relayer
 * is funded by a deposit, unbacked genesis funds are refused, and `plexus audit` balances
 * after deposits, cross-chain moves and withdrawals.
 */
describe('money on a real L1 (--l1-rpc): only deposited ETH exists on L2', { timeout: 300_000 }, () => {
  let anvil: Anvil
  let up: UpProcess | undefined
  const dir = tempDir()
  const datadir = path.join(dir.dir, 'data')
  let urls: Record<number, string>
  let l1: PublicClient

  function config(extra = ''): string {
    return [
      'l1:',
      `  rpcUrl: ${anvil.url}`,
      `  deployerKey: "${DEPLOYER_KEY}"`,
      '  confirmations: 0',
      'chains:',
      ...Object.entries(urls).map(([id, url]) => `  - { chainId: ${id}, rpc: { port: ${new URL(url).port} }, challengeWindow: 3s, acceptShortChallengeWindow: true, outputIntervalBlocks: 4${extra} }`),
      '',
    ].join('\n')
  }

  before(async () => {
    anvil = await startAnvil(['--block-time', '1'])
    l1 = createPublicClient({ transport: http(anvil.url), cacheTime: 0 }) as PublicClient
    urls = { 901: `http://127.0.0.1:${await freePort()}`, 902: `http://127.0.0.1:${await freePort()}` }
  })
  after(async () => {
    await killNetwork(up, datadir)
    await anvil?.stop()
    dir.cleanup()
  })

  it('refuses a config asking for dev accounts on a real L1, in one line naming the field', async () => {
    const file = path.join(dir.dir, 'dev-accounts.yaml')
    writeFileSync(file, config(', prefund: { devAccounts: true }'))
    const r = await runCli(['up', '--config', file, '--datadir', path.join(dir.dir, 'refused'), '--no-dashboard'])
    assert.equal(r.code, 1)
    assert.match(r.out, /chains\[0\]\.prefund\.devAccounts: funds the public test mnemonic's accounts with ETH no one deposited/)
    assert.doesNotMatch(r.out, /\n\s+at /, 'no stack trace')
  })

  it('starts with no unbacked wei: the dev accounts hold nothing, the relayer holds what was deposited for it', async () => {
    const file = path.join(dir.dir, 'plexus.yaml')
    writeFileSync(file, config())
    up = await spawnUp(['--config', file, '--datadir', datadir, '--no-dashboard', '--log-level', 'warn'], Object.values(urls))
    const relayer = privateKeyToAccount(roleKey(DEPLOYER_KEY, 'relayer', NETWORK_ROLE)).address
    for (const url of Object.values(urls)) {
      const l2 = createPublicClient({ transport: http(url), cacheTime: 0 })
      for (const dev of devAccounts()) assert.equal(await l2.getBalance({ address: dev.address }), 0n, `${dev.address} is not funded on a real L1`)
      // The relayer's ETH arrives as a deposit (10 ETH, the role funding).
      await waitFor(async () => (await l2.getBalance({ address: relayer })) > 0n, 60_000, 'the relayer deposit')
    }
    const audit = JSON.parse((await runCli(['audit', '--datadir', datadir, '--json'])).out) as AuditJson
    assert.equal(audit.ok, true)
    const eth = audit.assets.find((a) => a.kind === 'eth')!
    // Everything on L2 is the relayers' deposits, and all of it is escrowed.
    assert.ok(BigInt(eth.l2Supply) <= parseEther('20'))
    assert.ok(BigInt(eth.l1Escrow) >= BigInt(eth.l2Supply))
  })

  it('after deposits, a cross-chain move and a withdrawal of ETH that arrived from the other chain, `plexus audit` balances', async () => {
    const portal = (await rpc<{ Portal: Hex }>(urls[901]!, 'plexus_getL1Addresses', [])).Portal
    const l1Wallet = createWalletClient({ account: user, chain: defineChain({ id: await l1.getChainId(), name: 'L1', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [anvil.url] } } }), transport: http(anvil.url) })
    for (const [chainId, amount] of [[901n, parseEther('50')], [902n, parseEther('5')]] as const) {
      const hash = await l1Wallet.writeContract({ address: portal, abi: abiOf('Portal'), functionName: 'depositETH', args: [chainId, user.address], value: amount })
      assert.equal((await l1.waitForTransactionReceipt({ hash })).status, 'success')
    }
    const l2 = (id: number) => createPublicClient({ chain: defineChain({ id, name: `L2 ${id}`, nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [urls[id]!] } } }), transport: http(urls[id]!), cacheTime: 0 })
    await waitFor(async () => (await l2(901).getBalance({ address: user.address })) === parseEther('50'), 60_000, 'the deposit on 901')
    await waitFor(async () => (await l2(902).getBalance({ address: user.address })) === parseEther('5'), 60_000, 'the deposit on 902')

    // 40 ETH from 901 to 902, then 30 withdrawn from 902: more than was ever deposited to 902.
    const c901 = l2(901).chain!
    const hash = await createWalletClient({ account: user, chain: c901, transport: http(urls[901]!) }).sendTransaction({
      to: PREDEPLOYS.SuperchainETHBridge,
      data: encodeFunctionData({ abi: ethBridgeAbi, functionName: 'sendETH', args: [user.address, 902n] }),
      value: parseEther('40'),
    })
    assert.equal((await l2(901).waitForTransactionReceipt({ hash, pollingInterval: 50 })).status, 'success')
    await waitFor(async () => (await l2(902).getBalance({ address: user.address })) > parseEther('44'), 60_000, 'the ETH on 902')

    const ctx = await createBridgeContext({ l1Url: anvil.url, l2Url: urls[902]!, account: user })
    const w = await initiateWithdrawal(ctx, { amount: parseEther('30') })
    const before = await l1.getBalance({ address: user.address })
    assert.equal((await proveAndFinalize(ctx, w)).status, 'success')
    assert.ok((await l1.getBalance({ address: user.address })) - before > parseEther('29.99'))

    // 902's escrow paid 30 though only 5 (+ its relayer's 10) were deposited to it: 901's
    // escrow followed the 40 ETH. Nothing on L2 lacks L1 backing.
    const settled = (await l1.readContract({ address: portal, abi: abiOf('Portal'), functionName: 'ethFlowSettled', args: [901n, 902n] })) as bigint
    assert.equal(settled, parseEther('40'))
    const r = await runCli(['audit', '--datadir', datadir])
    assert.equal(r.code, 0, r.out)
    assert.match(r.out, /every asset is backed by L1 escrow/)
    const audit = JSON.parse((await runCli(['audit', '--datadir', datadir, '--json'])).out) as AuditJson
    const eth = audit.assets.find((a) => a.kind === 'eth')!
    assert.equal(eth.ok, true)
    assert.ok(eth.chains.every((c) => c.ok))
    // What is on L2 now came from L1 deposits: 55 ETH by the user and 20 for the relayers, less 30 withdrawn.
    assert.ok(BigInt(eth.l2Supply) <= parseEther('45'))
  })
})
