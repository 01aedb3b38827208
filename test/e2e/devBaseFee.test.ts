import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createPublicClient, createTestClient, createWalletClient, defineChain, http, parseGwei, publicActions, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { chainConfig } from 'viem/op-stack'
import { nextBaseFee } from '../../src/execution/baseFee.js'
import { devAccounts } from '../../src/execution/genesis.js'
import { rpcCall as rpc } from '../helpers/jsonRpc.js'
import { startTestNetwork, startTestReplica, type TestNetwork, type TestReplica } from '../helpers/network.js'
import { waitFor } from '../helpers/node.js'
import { assertSameChain, safeAtLeast } from '../helpers/sync.js'

// anvil_setNextBlockBaseFeePerGas on a dev network: a base-fee dev transaction, first in the
// block that carries it. Invariants: that block's header has exactly the asked base fee and
// every later block follows EIP-1559 from it; other chains' base fees are their own; a pool
// transaction is never in a block whose base fee is over its maxFeePerGas and is never
// dropped for it (it waits); a replica derives the same blocks from L1.

const viemChain = (id: number, url: string) =>
  defineChain({ ...chainConfig, id, name: `Plexus ${id}`, nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [url] } } })

interface RpcBlock {
  number: Hex
  hash: Hex
  timestamp: Hex
  gasLimit: Hex
  gasUsed: Hex
  baseFeePerGas: Hex
  transactions: { type: Hex; hash: Hex; devBaseFeePerGas?: Hex }[]
}

async function block(url: string, n: bigint | 'latest'): Promise<RpcBlock> {
  return rpc<RpcBlock>(url, 'eth_getBlockByNumber', [typeof n === 'bigint' ? `0x${n.toString(16)}` : n, true])
}

/** The block of `url` carrying the base-fee dev transaction of `value`, searching back from the head. */
async function blockSetting(url: string, value: bigint, from: bigint): Promise<RpcBlock> {
  const head = BigInt((await block(url, 'latest')).number)
  for (let n = head; n > from; n--) {
    const b = await block(url, n)
    if (b.transactions.some((t) => t.type === '0x7d' && t.devBaseFeePerGas !== undefined && BigInt(t.devBaseFeePerGas) === value)) return b
  }
  throw new Error(`no block after ${from} sets base fee ${value}`)
}

describe('anvil_setNextBlockBaseFeePerGas on a dev network', () => {
  let net: TestNetwork
  let url: string
  const replicas: TestReplica[] = []

  before(async () => {
    net = await startTestNetwork({ chainIds: [901, 902] })
    url = net.l2Url(901)
  })
  after(async () => {
    for (const r of replicas) await r.stop()
    await net?.stop()
  })

  it("viem's setNextBlockBaseFeePerGas: the next block of 901 has exactly that base fee, 902's is its own, later blocks follow EIP-1559", { timeout: 60_000 }, async () => {
    const client = createTestClient({ mode: 'anvil', chain: viemChain(901, url), transport: http(url) }).extend(publicActions)
    const params = net.network.node(901).chain.baseFeeParams
    const start = await client.getBlockNumber()
    const value = parseGwei('777')
    await client.setNextBlockBaseFeePerGas({ baseFeePerGas: value })
    // The call answers once the block carrying the change is committed.
    const set = await blockSetting(url, value, start)
    assert.equal(BigInt(set.baseFeePerGas), value)
    // The base-fee dev transaction is the block's first after its deposits.
    assert.equal(set.transactions.find((t) => t.type !== '0x7e')?.devBaseFeePerGas, `0x${value.toString(16)}`)
    // It reads as a transaction to and from the zero address, no gas, no contract created.
    const devTx = set.transactions.find((t) => t.devBaseFeePerGas !== undefined)!
    const receipt = await client.getTransactionReceipt({ hash: devTx.hash })
    assert.equal(receipt.status, 'success')
    assert.equal(receipt.gasUsed, 0n)
    assert.equal(receipt.contractAddress ?? null, null)
    assert.equal(receipt.to, '0x0000000000000000000000000000000000000000')
    const n = BigInt(set.number)
    const parent = await block(url, n - 1n)
    assert.notEqual(BigInt(parent.baseFeePerGas), value)
    // The next blocks: EIP-1559 from it, with the chain's parameters.
    await waitFor(async () => (await client.getBlockNumber()) >= n + 2n, 20_000, 'two blocks after')
    let prev = set
    for (const m of [n + 1n, n + 2n]) {
      const b = await block(url, m)
      const expected = nextBaseFee({ gasLimit: BigInt(prev.gasLimit), gasUsed: BigInt(prev.gasUsed), baseFeePerGas: BigInt(prev.baseFeePerGas) }, params)
      assert.equal(BigInt(b.baseFeePerGas), expected, `block ${m}`)
      prev = b
    }
    // 902's block of the same slot (same timestamp) has the base fee its own parent gives it.
    const url902 = net.l2Url(902)
    let other: RpcBlock | undefined
    for (let m = BigInt((await block(url902, 'latest')).number); m > 0n && !other; m--) {
      const b = await block(url902, m)
      if (b.timestamp === set.timestamp) other = b
    }
    assert.ok(other, "902's block of the slot")
    const otherParent = await block(url902, BigInt(other.number) - 1n)
    const params902 = net.network.node(902).chain.baseFeeParams
    assert.equal(
      BigInt(other.baseFeePerGas),
      nextBaseFee({ gasLimit: BigInt(otherParent.gasLimit), gasUsed: BigInt(otherParent.gasUsed), baseFeePerGas: BigInt(otherParent.baseFeePerGas) }, params902),
    )
    assert.notEqual(BigInt(other.baseFeePerGas), value)
  })

  it('a transaction priced under the set base fee waits (never dropped) and lands once the base fee falls to it; one over it lands at once', { timeout: 90_000 }, async () => {
    const chain = viemChain(901, url)
    const pub = createPublicClient({ chain, transport: http(url) })
    const [, , , , , , a6, a7] = devAccounts()
    const cheapWallet = createWalletClient({ account: privateKeyToAccount(a6!.privateKey as Hex), chain, transport: http(url) })
    const dearWallet = createWalletClient({ account: privateKeyToAccount(a7!.privateKey as Hex), chain, transport: http(url) })
    const value = parseGwei('1000')
    const start = await pub.getBlockNumber()
    // Sent while the base fee is being set (a race between the pool's selection and the dev change).
    const [, cheap] = await Promise.all([
      rpc(url, 'anvil_setNextBlockBaseFeePerGas', [`0x${value.toString(16)}`]),
      cheapWallet.sendTransaction({ to: a7!.address as Hex, value: 1n, gas: 21_000n, maxFeePerGas: value / 2n, maxPriorityFeePerGas: 0n }),
    ])
    const set = await blockSetting(url, value, start)
    const dear = await dearWallet.sendTransaction({ to: a6!.address as Hex, value: 1n, gas: 21_000n, maxFeePerGas: 2n * value, maxPriorityFeePerGas: 1n })
    const dearReceipt = await pub.waitForTransactionReceipt({ hash: dear, timeout: 30_000 })
    assert.equal(dearReceipt.status, 'success')
    assert.ok(dearReceipt.blockNumber > BigInt(set.number))
    const cheapReceipt = await pub.waitForTransactionReceipt({ hash: cheap, timeout: 60_000 })
    assert.equal(cheapReceipt.status, 'success')
    const landed = await block(url, cheapReceipt.blockNumber)
    assert.ok(BigInt(landed.baseFeePerGas) <= value / 2n, 'never in a block whose base fee is over its maxFeePerGas')
    if (cheapReceipt.blockNumber > BigInt(set.number)) {
      // It waited through every block from the set one on whose base fee was over its price.
      for (let m = BigInt(set.number); m < cheapReceipt.blockNumber; m++) assert.ok(BigInt((await block(url, m)).baseFeePerGas) > value / 2n, `block ${m}`)
      assert.ok(cheapReceipt.blockNumber > dearReceipt.blockNumber)
    }
  })

  it('eth_sendTransaction without fees, impersonated and from a dev account, sent while a higher base fee waits for its block: priced for it, both land', { timeout: 60_000 }, async () => {
    const whale = '0x00000000000000000000000000000000000be1e5'
    await rpc(url, 'anvil_setBalance', [whale, '0x56bc75e2d63100000'])
    await rpc(url, 'anvil_impersonateAccount', [whale])
    const value = parseGwei('5000')
    const set = rpc(url, 'anvil_setNextBlockBaseFeePerGas', [`0x${value.toString(16)}`])
    const [impersonated, signed] = await Promise.all([
      rpc<Hex>(url, 'eth_sendTransaction', [{ from: whale, to: '0x00000000000000000000000000000000000be1e6', value: '0x1' }]),
      rpc<Hex>(url, 'eth_sendTransaction', [{ from: devAccounts()[8]!.address, to: '0x00000000000000000000000000000000000be1e6', value: '0x1' }]),
    ])
    await set
    const pub = createPublicClient({ chain: viemChain(901, url), transport: http(url) })
    for (const hash of [impersonated, signed]) assert.equal((await pub.waitForTransactionReceipt({ hash, timeout: 30_000 })).status, 'success')
    await rpc(url, 'anvil_setNextBlockBaseFeePerGas', ['0x3b9aca00'])
  })

  it('base fee 0 and 2^256-1: the block has it, the chain goes on', { timeout: 60_000 }, async () => {
    for (const value of [0n, (1n << 256n) - 1n]) {
      const start = BigInt((await block(url, 'latest')).number)
      await rpc(url, 'anvil_setNextBlockBaseFeePerGas', [`0x${value.toString(16)}`])
      const set = await blockSetting(url, value, start)
      assert.equal(BigInt(set.baseFeePerGas), value)
      await waitFor(async () => BigInt((await block(url, 'latest')).number) > BigInt(set.number), 20_000, 'the next block')
    }
    // Back to a usable base fee for what follows (1 gwei).
    await rpc(url, 'anvil_setNextBlockBaseFeePerGas', ['0x3b9aca00'])
  })

  it('a burst of 40 base fees and 200 setBalance calls at once: each base fee is exactly one block\'s, every call answers, none is lost', { timeout: 120_000 }, async () => {
    const start = BigInt((await block(url, 'latest')).number)
    const fees = Array.from({ length: 40 }, (_, i) => parseGwei(String(100 + i)))
    const acct = (i: number) => `0x${(0xbf000000n + BigInt(i)).toString(16).padStart(40, '0')}`
    await Promise.all([
      ...fees.map((f) => rpc(url, 'anvil_setNextBlockBaseFeePerGas', [`0x${f.toString(16)}`])),
      ...Array.from({ length: 200 }, (_, i) => rpc(url, 'anvil_setBalance', [acct(i), `0x${(i + 1).toString(16)}`])),
    ])
    const end = BigInt((await block(url, 'latest')).number)
    const seen = new Map<bigint, bigint>()
    for (let m = start + 1n; m <= end; m++) {
      const b = await block(url, m)
      const sets = b.transactions.filter((t) => t.devBaseFeePerGas !== undefined)
      assert.ok(sets.length <= 1, `block ${m}: at most one base fee`)
      if (sets.length === 1) {
        // Invariant: the header has exactly the value its base-fee dev transaction says.
        assert.equal(BigInt(b.baseFeePerGas), BigInt(sets[0]!.devBaseFeePerGas!), `block ${m}`)
        seen.set(BigInt(sets[0]!.devBaseFeePerGas!), m)
      }
    }
    assert.deepEqual([...seen.keys()].sort((a, b) => (a < b ? -1 : 1)), fees)
    for (let i = 0; i < 200; i++) assert.equal(await rpc(url, 'eth_getBalance', [acct(i), 'latest']), `0x${(i + 1).toString(16)}`)
    await rpc(url, 'anvil_setNextBlockBaseFeePerGas', ['0x3b9aca00'])
  })

  it('hostile parameters are refused with -32602 and change nothing', { timeout: 60_000 }, async () => {
    const before = BigInt((await block(url, 'latest')).number)
    for (const params of [['-0x1'], [`0x1${'0'.repeat(64)}`], ['0xzz'], ['12'], [12], [null], [{}], [], ['0x1', '0x2']]) {
      await assert.rejects(rpc(url, 'anvil_setNextBlockBaseFeePerGas', params), (err: Error & { code?: number }) => {
        assert.equal(err.code, -32602, `${JSON.stringify(params)}: ${err.message}`)
        return true
      })
    }
    await waitFor(async () => BigInt((await block(url, 'latest')).number) > before + 1n, 20_000, 'two more blocks')
    for (let m = before + 1n; m <= BigInt((await block(url, 'latest')).number); m++) {
      assert.ok((await block(url, m)).transactions.every((t) => t.devBaseFeePerGas === undefined), `block ${m} sets no base fee`)
    }
  })

  it('a replica derives both chains from L1 with the set base fees: same block hashes and state roots', { timeout: 180_000 }, async () => {
    const heads = new Map<number, bigint>()
    for (const id of [901, 902]) heads.set(id, BigInt((await block(net.l2Url(id), 'latest')).number))
    const r = await startTestReplica(net, { name: 'basefee-replica' })
    replicas.push(r)
    for (const id of [901, 902]) {
      const head = heads.get(id)!
      const rurl = r.replica.node(id).rpcUrl()
      await safeAtLeast(net.l2Url(id), head, 120_000)
      await waitFor(async () => BigInt((await block(rurl, 'latest')).number) >= head, 120_000, `the replica of ${id} at the head`)
      await assertSameChain(net.l2Url(id), rurl, head)
    }
  })
})
