import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import path from 'node:path'
import { promisify } from 'node:util'
import { after, before, describe, it } from 'node:test'
import { JsonRpcProvider, Network } from 'ethers'
import {
  createPublicClient,
  createTestClient,
  createWalletClient,
  defineChain,
  http,
  parseEther,
  publicActions,
  verifyMessage,
  verifyTypedData,
  walletActions,
  type Hex,
} from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { chainConfig } from 'viem/op-stack'
import { devAccounts } from '../../src/execution/genesis.js'
import { startAnvil, type Anvil } from '../helpers/anvil.js'
import { rpcCall as rpc } from '../helpers/jsonRpc.js'
import { startTestNetwork, startTestReplica, type TestNetwork, type TestReplica } from '../helpers/network.js'
import { waitFor } from '../helpers/node.js'
import { assertSameChain, safeAtLeast } from '../helpers/sync.js'

const execFileAsync = promisify(execFile)
/** Foundry's cast, from the project's dependencies. */
const CAST = path.resolve('node_modules/.bin/cast')

const chain901 = (url: string) =>
  defineChain({ ...chainConfig, id: 901, name: 'Plexus 901', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [url] } } })

/** A counter: any call adds one to slot 0 (runtime code only, for anvil_setCode): PUSH1 1 PUSH1 0 SLOAD ADD PUSH1 0 SSTORE STOP. */
const COUNTER_RUNTIME: Hex = '0x60016000540160005500'

function address(i: number): Hex {
  return `0x${(0xd0000000n + BigInt(i)).toString(16).padStart(40, '0')}` as Hex
}

describe('anvil dev methods on a dev network chain', () => {
  let net: TestNetwork
  let url: string
  const replicas: TestReplica[] = []

  before(async () => {
    net = await startTestNetwork({ chainIds: [901] })
    url = net.l2Url(901)
  })
  after(async () => {
    for (const r of replicas) await r.stop()
    await net?.stop()
  })

  it('viem test client: setBalance, setCode, setStorageAt, setNonce are visible as soon as the call returns', { timeout: 60_000 }, async () => {
    const client = createTestClient({ mode: 'anvil', chain: chain901(url), transport: http(url) }).extend(publicActions)
    const a = address(1)
    await client.setBalance({ address: a, value: parseEther('123') })
    // Invariant: a dev call returns only once the block carrying it is committed.
    assert.equal(await client.getBalance({ address: a }), parseEther('123'))
    await client.setCode({ address: a, bytecode: COUNTER_RUNTIME })
    assert.equal(await client.getCode({ address: a }), COUNTER_RUNTIME)
    await client.setStorageAt({ address: a, index: 0, value: `0x${'00'.repeat(31)}2a` })
    assert.equal(await client.getStorageAt({ address: a, slot: '0x0' }), `0x${'00'.repeat(31)}2a`)
    await client.setNonce({ address: a, nonce: 77 })
    assert.equal(await client.getTransactionCount({ address: a }), 77)
    // The balance survived the later patches of the same account.
    assert.equal(await client.getBalance({ address: a }), parseEther('123'))
    // Hardhat's names do the same.
    const hh = createTestClient({ mode: 'hardhat', chain: chain901(url), transport: http(url) }).extend(publicActions)
    await hh.setBalance({ address: a, value: 5n })
    assert.equal(await hh.getBalance({ address: a }), 5n)
  })

  it('impersonateAccount lets eth_sendTransaction send from an address without its key; stopImpersonating ends it', { timeout: 60_000 }, async () => {
    const chain = chain901(url)
    const client = createTestClient({ mode: 'anvil', chain, transport: http(url) }).extend(publicActions).extend(walletActions)
    const whale = address(2)
    const to = address(3)
    await client.setBalance({ address: whale, value: parseEther('10') })
    await client.impersonateAccount({ address: whale })
    const hash = await client.sendTransaction({ account: whale, to, value: parseEther('1'), chain })
    const receipt = await client.waitForTransactionReceipt({ hash })
    assert.equal(receipt.status, 'success')
    assert.equal(receipt.from.toLowerCase(), whale)
    assert.equal(await client.getBalance({ address: to }), parseEther('1'))
    // A call into a contract, impersonated: the counter set by setCode counts.
    const counter = address(4)
    await client.setCode({ address: counter, bytecode: COUNTER_RUNTIME })
    const h2 = await client.sendTransaction({ account: whale, to: counter, data: '0xd09de08a', chain })
    assert.equal((await client.waitForTransactionReceipt({ hash: h2 })).status, 'success')
    assert.equal(BigInt((await client.getStorageAt({ address: counter, slot: '0x0' }))!), 1n)
    await client.stopImpersonatingAccount({ address: whale })
    await assert.rejects(client.sendTransaction({ account: whale, to, value: 1n, chain }), /unknown account/)
  })

  it('eth_accounts are the dev accounts; eth_sendTransaction, eth_sign and eth_signTypedData_v4 use their keys', { timeout: 60_000 }, async () => {
    const chain = chain901(url)
    const pub = createPublicClient({ chain, transport: http(url) })
    const accounts = (await rpc(url, 'eth_accounts', [])) as Hex[]
    assert.deepEqual(accounts.map((a) => a.toLowerCase()), devAccounts().map((a) => a.address.toLowerCase()))
    const wallet = createWalletClient({ account: accounts[5]!, chain, transport: http(url) })
    const hash = await wallet.sendTransaction({ to: address(5), value: 1234n })
    assert.equal((await pub.waitForTransactionReceipt({ hash })).status, 'success')
    assert.equal(await pub.getBalance({ address: address(5) }), 1234n)

    const signature = await wallet.signMessage({ message: 'hello plexus' })
    assert.ok(await verifyMessage({ address: accounts[5]!, message: 'hello plexus', signature }))
    const personal = (await rpc(url, 'personal_sign', ['0x68656c6c6f20706c65787573', accounts[5]])) as Hex
    assert.equal(personal, signature)
    const typed = {
      domain: { name: 'Plexus', version: '1', chainId: 901, verifyingContract: address(6) },
      types: { Mail: [{ name: 'to', type: 'address' }, { name: 'contents', type: 'string' }] },
      primaryType: 'Mail' as const,
      message: { to: address(7), contents: 'gm' },
    }
    const typedSig = await wallet.signTypedData(typed)
    assert.ok(await verifyTypedData({ address: accounts[5]!, ...typed, signature: typedSig }))
  })

  it('concurrent eth_sendTransaction from one dev account, and from one impersonated account, take consecutive nonces: all land', { timeout: 90_000 }, async () => {
    const from = devAccounts()[7]!.address
    const whale = address(12)
    await rpc(url, 'anvil_setBalance', [whale, '0xde0b6b3a7640000'])
    await rpc(url, 'anvil_impersonateAccount', [whale])
    const signed = await Promise.all(Array.from({ length: 20 }, () => rpc<Hex>(url, 'eth_sendTransaction', [{ from, to: address(13), value: '0x1' }])))
    const impersonated = await Promise.all(Array.from({ length: 10 }, () => rpc<Hex>(url, 'eth_sendTransaction', [{ from: whale, to: address(14), value: '0x1' }])))
    const pub = createPublicClient({ chain: chain901(url), transport: http(url) })
    for (const hash of [...signed, ...impersonated]) assert.equal((await pub.waitForTransactionReceipt({ hash })).status, 'success')
    assert.equal(await pub.getBalance({ address: address(13) }), 20n)
    assert.equal(await pub.getBalance({ address: address(14) }), 10n)
  })

  it("ethers v6's JsonRpcSigner (Hardhat's default signers) sends and signs typed data through the node", { timeout: 60_000 }, async () => {
    const network = new Network('plexus', 901)
    const provider = new JsonRpcProvider(url, network, { staticNetwork: network, pollingInterval: 100 })
    try {
      const signer = await provider.getSigner(3)
      assert.equal(signer.address.toLowerCase(), devAccounts()[3]!.address.toLowerCase())
      const tx = await signer.sendTransaction({ to: address(15), value: 77n })
      assert.equal((await tx.wait())?.status, 1)
      assert.equal(await provider.getBalance(address(15)), 77n)
      const domain = { name: 'Plexus', version: '1', chainId: 901, verifyingContract: address(6) }
      const types = { Mail: [{ name: 'contents', type: 'string' }] }
      const sig = await signer.signTypedData(domain, types, { contents: 'gm' })
      assert.ok(await verifyTypedData({ address: signer.address as Hex, domain, types, primaryType: 'Mail', message: { contents: 'gm' }, signature: sig as Hex }))
    } finally {
      provider.destroy()
    }
  })

  it("Foundry's cast: anvil_setBalance through `cast rpc`, `cast send --unlocked` from a dev account and from an impersonated one", { timeout: 120_000 }, async () => {
    const cast = (...args: string[]) => execFileAsync(CAST, args, { timeout: 60_000 }).then((r) => r.stdout.trim())
    const whale = address(16)
    await cast('rpc', '--rpc-url', url, 'anvil_setBalance', whale, '0xde0b6b3a7640000')
    assert.equal(await cast('balance', '--rpc-url', url, whale), '1000000000000000000')
    await cast('send', '--rpc-url', url, '--unlocked', '--from', devAccounts()[4]!.address, address(17), '--value', '5')
    assert.equal(await cast('balance', '--rpc-url', url, address(17)), '5')
    await cast('rpc', '--rpc-url', url, 'anvil_impersonateAccount', whale)
    await cast('send', '--rpc-url', url, '--unlocked', '--from', whale, address(17), '--value', '6')
    assert.equal(await cast('balance', '--rpc-url', url, address(17)), '11')
  })

  it('blocks, transactions, receipts and logs holding dev transactions read with viem (OP Stack chain) and ethers v6', { timeout: 60_000 }, async () => {
    const chain = chain901(url)
    const client = createTestClient({ mode: 'anvil', chain, transport: http(url) }).extend(publicActions)
    await client.setBalance({ address: address(8), value: 42n })
    const head = await client.getBlockNumber()
    let found: { block: bigint; hash: Hex } | undefined
    for (let n = head; n >= 0n && !found; n--) {
      const b = await client.getBlock({ blockNumber: n, includeTransactions: true })
      const tx = b.transactions.find((t) => (t as { type: unknown }).type === '0x7d' || (t as { typeHex?: string }).typeHex === '0x7d')
      if (tx) found = { block: n, hash: tx.hash }
    }
    assert.ok(found, 'a block with a dev transaction')
    const tx = await client.getTransaction({ hash: found.hash })
    assert.equal(tx.to?.toLowerCase(), address(8))
    const receipt = await client.getTransactionReceipt({ hash: found.hash })
    assert.equal(receipt.status, 'success')
    await client.getLogs({ fromBlock: found.block, toBlock: found.block })

    const network = new Network('plexus', 901)
    const provider = new JsonRpcProvider(url, network, { staticNetwork: network })
    try {
      const block = await provider.getBlock(Number(found.block), true)
      assert.ok(block)
      assert.ok(block.prefetchedTransactions.some((t) => t.hash === found!.hash))
      const etx = await provider.getTransaction(found.hash)
      assert.equal(etx?.type, 0x7d)
      const er = await provider.getTransactionReceipt(found.hash)
      assert.equal(er?.status, 1)
      await provider.getLogs({ fromBlock: Number(found.block), toBlock: Number(found.block) })
    } finally {
      provider.destroy()
    }
  })

  it('anvil_dropTransaction and anvil_dropAllTransactions empty the pool; anvil_nodeInfo describes the chain', { timeout: 60_000 }, async () => {
    const account = privateKeyToAccount(devAccounts()[6]!.privateKey)
    const wallet = createWalletClient({ account, chain: chain901(url), transport: http(url) })
    const pub = createPublicClient({ chain: chain901(url), transport: http(url) })
    const nonce = await pub.getTransactionCount({ address: account.address })
    // Nonce gaps: queued, never mined, so they stay until dropped.
    const h1 = await wallet.sendTransaction({ to: address(9), value: 1n, nonce: nonce + 5, gas: 21_000n })
    const h2 = await wallet.sendTransaction({ to: address(9), value: 1n, nonce: nonce + 6, gas: 21_000n })
    assert.equal(await rpc(url, 'anvil_dropTransaction', [h1]), h1)
    assert.equal(await rpc(url, 'anvil_dropTransaction', [h1]), null)
    await rpc(url, 'anvil_dropAllTransactions', [])
    const content = (await rpc(url, 'txpool_content', [])) as { queued: Record<string, unknown> }
    assert.equal(JSON.stringify(content.queued).includes(h2), false)
    const info = (await rpc(url, 'anvil_nodeInfo', [])) as { environment: { chainId: Hex } }
    assert.equal(info.environment.chainId, '0x385')
  })

  it('hostile input: every bad parameter gets a clear invalid-params error and changes nothing', { timeout: 60_000 }, async () => {
    const a = address(10)
    const cases: [string, unknown[], RegExp][] = [
      ['anvil_setBalance', ['0x1234', '0x1'], /invalid address/],
      ['anvil_setBalance', [a, `0x1${'0'.repeat(64)}`], /256 bits/],
      ['anvil_setBalance', [a, '-0x1'], /invalid balance/],
      ['anvil_setBalance', [a, 12], /invalid balance/],
      ['anvil_setBalance', [a], /missing value|argument/],
      ['anvil_setCode', [a, `0x${'60'.repeat(1024 * 1024)}`], /over the/],
      ['anvil_setCode', [a, '0xzz'], /invalid code/],
      ['anvil_setStorageAt', [a, `0x1${'0'.repeat(64)}`, `0x${'00'.repeat(32)}`], /256 bits/],
      ['anvil_setStorageAt', [a, '0x0', '0x01'], /32 bytes/],
      ['anvil_setNonce', [a, `0x1${'0'.repeat(16)}`], /64 bits/],
      ['anvil_autoImpersonateAccount', ['yes'], /true or false/],
      ['anvil_impersonateAccount', [{ address: a }], /invalid address/],
      ['eth_sign', [address(11), '0x00'], /unknown account/],
      ['eth_signTypedData_v4', [devAccounts()[0]!.address, '{not json'], /not valid JSON/],
      ['eth_sendTransaction', [{ to: a }], /needs "from"/],
      ['eth_sendTransaction', [{ from: devAccounts()[0]!.address, to: a, gas: '0xffffffffffff' }], /exceeds block gas limit/],
    ]
    for (const [method, params, message] of cases) {
      await assert.rejects(rpc(url, method, params), (err: Error & { code?: number }) => {
        assert.match(err.message, message, `${method} ${JSON.stringify(params).slice(0, 80)}`)
        assert.ok(err.code === -32602 || err.code === -32000, `${method}: code ${err.code}`)
        return true
      })
    }
    assert.equal(await rpc(url, 'eth_getBalance', [a, 'latest']), '0x0')
    assert.equal(await rpc(url, 'eth_getCode', [a, 'latest']), '0x')
    // A raw dev transaction from a user: refused before the pool.
    await assert.rejects(rpc(url, 'eth_sendRawTransaction', ['0x7dc0']), /0x7d.*cannot be submitted/)
  })

  it('a burst of 1,000 setBalance calls: every one lands, none is lost', { timeout: 120_000 }, async () => {
    const n = 1_000
    await Promise.all(Array.from({ length: n }, (_, i) => rpc(url, 'anvil_setBalance', [address(1000 + i), `0x${(i + 1).toString(16)}`])))
    for (let i = 0; i < n; i++) assert.equal(await rpc(url, 'eth_getBalance', [address(1000 + i), 'latest']), `0x${(i + 1).toString(16)}`)
    // Changes of one account land in call order.
    const calls = Array.from({ length: 50 }, (_, i) => rpc(url, 'anvil_setBalance', [address(999), `0x${(i + 1).toString(16)}`]))
    await Promise.all(calls)
    assert.equal(await rpc(url, 'eth_getBalance', [address(999), 'latest']), `0x${(50).toString(16)}`)
  })

  it('a replica derives the chain from L1 with the dev changes: same block hashes and state roots', { timeout: 180_000 }, async () => {
    const head = BigInt((await rpc(url, 'eth_blockNumber', [])) as string)
    const r = await startTestReplica(net, { name: 'dev-replica' })
    replicas.push(r)
    const rurl = r.replica.node(901).rpcUrl()
    await safeAtLeast(url, head, 120_000)
    await waitFor(async () => BigInt((await rpc(rurl, 'eth_blockNumber', [])) as string) >= head, 120_000, 'the replica at the head')
    await assertSameChain(url, rurl, head)
    assert.equal(await rpc(rurl, 'eth_getBalance', [address(1000), 'latest']), '0x1')
    // A replica serves no dev methods: it derives, it does not sequence.
    assert.deepEqual(await rpc(rurl, 'eth_accounts', []), [])
  })
})

describe('dev methods on a network that is not a dev network', () => {
  let anvil: Anvil
  let net: TestNetwork

  before(async () => {
    anvil = await startAnvil(['--chain-id', '900', '--block-time', '1'])
    net = await startTestNetwork({ chainIds: [901], l1RpcUrl: anvil.url })
  })
  after(async () => {
    await net?.stop()
    await anvil?.stop()
  })

  it('are refused with DevMethodRefusedError; eth_accounts is empty', { timeout: 60_000 }, async () => {
    const url = net.l2Url(901)
    assert.deepEqual(await rpc(url, 'eth_accounts', []), [])
    for (const [method, params] of [
      ['anvil_setBalance', [address(1), '0x1']],
      ['hardhat_setCode', [address(1), '0x00']],
      ['anvil_impersonateAccount', [address(1)]],
      ['eth_sendTransaction', [{ from: devAccounts()[0]!.address, to: address(1) }]],
      ['eth_sign', [devAccounts()[0]!.address, '0x00']],
      ['anvil_setNextBlockBaseFeePerGas', ['0x1']],
      ['hardhat_setNextBlockBaseFeePerGas', ['0x0']],
    ] as const) {
      await assert.rejects(rpc(url, method, [...params]), (err: Error & { code?: number }) => {
        assert.equal(err.code, -32601)
        assert.match(err.message, /is a dev method, served only by the sequencer of a dev network/)
        return true
      })
    }
    await assert.rejects(rpc(url, 'eth_sendRawTransaction', ['0x7dc0']), /cannot be submitted/)
  })
})

describe('dev methods closed on a dev network (devMethods: false)', () => {
  let net: TestNetwork

  before(async () => {
    net = await startTestNetwork({ chainIds: [901, 902], devMethods: false })
  })
  after(async () => {
    await net?.stop()
  })

  it('every dev method, the chain-state and the network-wide ones, is refused on every chain, and nothing changes', { timeout: 60_000 }, async () => {
    const before = await rpc<string>(net.l2Url(901), 'eth_getBalance', [address(1), 'latest'])
    for (const chainId of [901, 902]) {
      const url = net.l2Url(chainId)
      assert.deepEqual(await rpc(url, 'eth_accounts', []), [])
      for (const [method, params] of [
        ['anvil_setBalance', [address(1), '0x1']],
        ['evm_snapshot', []],
        ['evm_increaseTime', ['0x3c']],
        ['evm_mine', []],
        ['eth_sendTransaction', [{ from: devAccounts()[0]!.address, to: address(1) }]],
      ] as const) {
        await assert.rejects(rpc(url, method, [...params]), (err: Error & { code?: number }) => err.code === -32601)
      }
    }
    assert.equal(await rpc<string>(net.l2Url(901), 'eth_getBalance', [address(1), 'latest']), before)
  })
})

describe('dev methods when a slot commit is cut short by an exception', () => {
  let net: TestNetwork

  before(async () => {
    net = await startTestNetwork({ chainIds: [901, 902], faultInjection: true })
  })
  after(async () => {
    await net?.stop()
  })

  it('a dev change in the chain whose commit the exception skipped is finished from the slot record, answered once and applied once', { timeout: 60_000 }, async () => {
    // The fault fires after the first chain's commit: 902's block (with its dev changes) is committed from the record.
    for (let round = 0; round < 3; round++) {
      const before = net.network.faults.firedCount
      net.network.faults.arm('between-chain-commits')
      const calls = [901, 902].flatMap((chainId) =>
        Array.from({ length: 5 }, (_, i) => rpc(net.l2Url(chainId), 'anvil_setBalance', [address(5000 + round * 100 + i), `0x${(chainId * 1000 + i).toString(16)}`])),
      )
      await Promise.all(calls)
      await waitFor(async () => net.network.faults.firedCount > before, 30_000, 'the fault to fire')
      for (const chainId of [901, 902]) {
        for (let i = 0; i < 5; i++) {
          assert.equal(await rpc(net.l2Url(chainId), 'eth_getBalance', [address(5000 + round * 100 + i), 'latest']), `0x${(chainId * 1000 + i).toString(16)}`)
        }
      }
    }
    // The impersonated calls of the cut slot ran exactly once: the whale paid for one transfer each.
    const url = net.l2Url(902)
    const whale = address(6000)
    await rpc(url, 'anvil_setBalance', [whale, '0xde0b6b3a7640000'])
    await rpc(url, 'anvil_impersonateAccount', [whale])
    net.network.faults.arm('between-chain-commits')
    const hashes = await Promise.all(Array.from({ length: 3 }, () => rpc<Hex>(url, 'eth_sendTransaction', [{ from: whale, to: address(6001), value: '0x7' }])))
    assert.equal(new Set(hashes).size, 3)
    assert.equal(await rpc(url, 'eth_getBalance', [address(6001), 'latest']), '0x15')
    assert.equal(await rpc(url, 'eth_getTransactionCount', [whale, 'latest']), '0x3')
  })
})
