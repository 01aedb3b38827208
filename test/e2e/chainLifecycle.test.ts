// Chain lifecycle (issue 5): `plexus chain add` on a running two-chain network, the
// commands that find a network through its datadir, the registry for wallets and apps,
// and snapshot save / restore of the whole network, L1 included.
import assert from 'node:assert/strict'
import { execFile, spawn, type ChildProcess } from 'node:child_process'
import { after, before, describe, it } from 'node:test'
import { createPublicClient, createWalletClient, defineChain, http, webSocket, type Chain, type Hex, type PublicClient } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { devAccounts } from '../../src/execution/genesis.js'
import type { NetworkRegistry } from '../../src/node/networkRegistry.js'
import { sendTokenAcross } from '../helpers/crossChain.js'
import { startTestNetwork, startTestReplica, type TestNetwork, type TestReplica } from '../helpers/network.js'
import { assertSameChain, safeAtLeast, syncStatus } from '../helpers/sync.js'
import { CLI, freePort, rpc, waitFor } from '../helpers/node.js'
import { tempDir } from '../helpers/tmp.js'

const user = privateKeyToAccount(devAccounts()[5]!.privateKey)

/** Runs a `plexus` command to completion (asynchronously: the network under test runs in this process). */
function plexus(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 240_000 }, (err, stdout, stderr) => {
      resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr })
    })
  })
}


// Once with every chain in this thread, once with each in an executor worker thread: a
// chain that joins is told to every worker, the admin commands and the network's feeds
// reach the workers' RPC, and a snapshot is read from the coordinator's readers.
for (const executors of ['inline', 'thread'] as const)
describe(`chain lifecycle (executors: ${executors}): chain add, chains, status, registry, snapshot`, () => {
  let net: TestNetwork
  let replica: TestReplica | undefined
  let registry: NetworkRegistry
  const clients = new Map<number, PublicClient>()
  const tmp = tempDir()

  const client = (chainId: number) => clients.get(chainId)!
  before(async () => {
    net = await startTestNetwork({ chainIds: [901, 902], datadir: tmp.dir, keep: true, executors })
    for (const id of [901, 902]) {
      const chain = defineChain({ id, name: `L2 ${id}`, nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [net.l2Url(id)] } } })
      clients.set(id, createPublicClient({ chain, transport: http(net.l2Url(id)), cacheTime: 0 }) as PublicClient)
    }
  })
  after(async () => {
    await replica?.stop()
    await net?.stop()
    tmp.cleanup()
  })

  it('a replica started before the chain joins follows the network', async () => {
    replica = await startTestReplica(net, { name: 'before-join' })
    assert.deepEqual(replica.replica.nodes.map((n) => n.chain.chainId), [901n, 902n])
  })

  it('commands that need a running network say so when none runs in the datadir', async () => {
    const empty = tempDir()
    try {
      for (const args of [['chains'], ['status'], ['chain', 'add'], ['snapshot', 'save', `${empty.dir}/x.tar.gz`]]) {
        const r = await plexus([...args, '--datadir', empty.dir])
        assert.equal(r.status, 1, args.join(' '))
        assert.match(r.stderr, new RegExp(`no Plexus network is running in ${empty.dir}`))
        assert.match(r.stderr, /plexus up --datadir/)
      }
    } finally {
      empty.cleanup()
    }
  })

  it('chain add: the new chain is registered on L1, built in the shared slots and listed by chains and status', async () => {
    // Every chain of the network answers for the registry; a subscriber hears of the new chain.
    const ws = createPublicClient({ transport: webSocket(net.l2Url(901).replace('http', 'ws')) })
    const pushed: NetworkRegistry[] = []
    const { unsubscribe } = await ws.transport.subscribe({ params: ['plexus_chains' as never], onData: (d: { result: NetworkRegistry }) => pushed.push(d.result), onError: () => undefined } as never)

    const r = await plexus(['chain', 'add', '--name', 'Gamma Chain', '--datadir', net.datadir, '--json'])
    assert.equal(r.status, 0, r.stderr)
    const added = JSON.parse(r.stdout) as { chainId: number; name: string; rpcUrls: { http: string[] }; genesisSlot: Hex; head: { number: Hex } }
    assert.equal(added.chainId, 903)
    assert.equal(added.name, 'Gamma Chain')
    assert.ok(BigInt(added.head.number) >= 1n, 'chain add returns once the chain has built a block')
    const url = added.rpcUrls.http[0]!
    const chain = defineChain({ id: 903, name: 'Gamma', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [url] } } })
    clients.set(903, createPublicClient({ chain, transport: http(url), cacheTime: 0 }) as PublicClient)

    // Registered on L1 with its genesis slot.
    const l1 = await rpc<Record<string, Hex>>(url, 'plexus_getL1Addresses', [])
    assert.equal(l1.ChainRegistry, net.network.deployment.contracts.ChainRegistry)

    // Same slots: block n of 903 is built in slot n + genesisSlot, with that slot's timestamp on 901.
    const genesisSlot = BigInt(added.genesisSlot)
    assert.ok(genesisSlot > 0n)
    const head903 = await waitFor(async () => {
      const n = await client(903).getBlockNumber()
      return n >= 5n ? n : undefined
    }, 20_000)
    for (let n = 1n; n <= head903; n++) {
      const [b903, b901, b902] = await Promise.all([
        client(903).getBlock({ blockNumber: n }),
        client(901).getBlock({ blockNumber: n + genesisSlot }),
        client(902).getBlock({ blockNumber: n + genesisSlot }),
      ])
      assert.equal(b903.timestamp, b901.timestamp, `903 block ${n} shares slot ${n + genesisSlot}'s timestamp`)
      assert.equal(b902.timestamp, b901.timestamp)
    }

    registry = await rpc<NetworkRegistry>(net.l2Url(902), 'plexus_getChainRegistry', [])
    assert.deepEqual(registry.chains.map((c) => c.chainId), [901, 902, 903])
    await waitFor(async () => pushed.some((p) => p.chains.some((c) => c.chainId === 903)), 10_000, 'plexus_chains notification')
    await unsubscribe()
    ;(await ws.transport.getRpcClient()).close()

    const listed = await plexus(['chains', '--datadir', net.datadir, '--json'])
    assert.equal(listed.status, 0, listed.stderr)
    const rows = JSON.parse(listed.stdout) as { chainId: number; rpcUrl: string; head: number }[]
    assert.deepEqual(rows.map((c) => c.chainId), [901, 902, 903])
    assert.equal(rows[2]!.rpcUrl, url)
    const table = await plexus(['status', '--datadir', net.datadir])
    assert.equal(table.status, 0, table.stderr)
    assert.match(table.stdout, /^903\s+Gamma Chain\s+\d+/m)
    const status = JSON.parse((await plexus(['status', '--datadir', net.datadir, '--json'])).stdout) as { chains: { chainId: number; unsafe: { number: Hex } }[] }
    assert.deepEqual(status.chains.map((c) => c.chainId), [901, 902, 903])

    // A clash is a config error that names the field.
    const clash = await plexus(['chain', 'add', '--chain-id', '902', '--datadir', net.datadir])
    assert.equal(clash.status, 1)
    assert.match(clash.stderr, /config error: chainId: chain 902 is already part of this network/)
  })

  it('messages 901→903 and 903→902 execute, and the SuperchainERC20 moves to the new chain at the same address', async () => {
    await sendTokenAcross(net, user, 901, 903, 5n * 10n ** 18n)
    await sendTokenAcross(net, user, 903, 902, 2n * 10n ** 18n)
  })

  it('the replica started before the join derives the new chain too, from L1 alone, identically, and verifies the super roots', async () => {
    const r = replica!.replica
    const node903 = await waitFor(async () => r.nodes.find((n) => n.chain.chainId === 903n), 60_000, 'the replica opens chain 903')
    for (const id of [901, 903]) {
      const head = await client(id).getBlockNumber()
      await safeAtLeast(net.l2Url(id), head, 90_000)
      const url = id === 903 ? node903!.rpcUrl() : r.node(id).rpcUrl()
      await safeAtLeast(url, head, 90_000)
      await assertSameChain(net.l2Url(id), url, head)
    }
    const status = await syncStatus(node903!.rpcUrl())
    assert.equal(status.skippedBatches?.total, 0, JSON.stringify(status.skippedBatches))
    assert.deepEqual(status.outputMismatches, [])
    assert.deepEqual(status.superRoots?.mismatches, [])
  })

  it('the registry is accepted by viem (defineChain) and drives a transaction; its files are in the datadir', async () => {
    const entry = registry.chains.find((c) => c.chainId === 903)!
    const chain = defineChain(entry.viemChain as unknown as Chain)
    assert.equal(chain.id, 903)
    const wallet = createWalletClient({ account: user, chain, transport: http() })
    const hash = await wallet.sendTransaction({ to: privateKeyToAccount(`0x${'44'.repeat(32)}`).address, value: 12345n })
    const receipt = await createPublicClient({ chain, transport: http() }).waitForTransactionReceipt({ hash, pollingInterval: 50 })
    assert.equal(receipt.status, 'success')
    assert.equal(entry.addEthereumChain.chainId, '0x387')
    assert.deepEqual(entry.addEthereumChain.rpcUrls, entry.rpcUrls.http)
    const { readFileSync } = await import('node:fs')
    const ts = readFileSync(`${net.datadir}/registry/903/chain.ts`, 'utf8')
    assert.match(ts, /export const gammaChain = defineChain\(\{ \.\.\.chainConfig, /)
    assert.deepEqual(JSON.parse(readFileSync(`${net.datadir}/registry/903/wallet.json`, 'utf8')), entry.addEthereumChain)
  })

  it('snapshot save, stop, restore: the same blocks and state roots on every chain and on L1', async () => {
    const file = `${tmp.dir}-snapshot.tar.gz`
    const saved = await plexus(['snapshot', 'save', file, '--datadir', net.datadir])
    assert.equal(saved.status, 0, saved.stderr)
    const heads = new Map<number, bigint>()
    for (const m of saved.stdout.matchAll(/(\d+)@(\d+)/g)) heads.set(Number(m[1]), BigInt(m[2]!))
    assert.deepEqual([...heads.keys()], [901, 902, 903])
    const l1 = createPublicClient({ transport: http(net.l1Url), cacheTime: 0 })
    const blocks = new Map<number, { hash: Hex; stateRoot: Hex }>()
    for (const [id, n] of heads) {
      const b = await client(id).getBlock({ blockNumber: n })
      blocks.set(id, { hash: b.hash, stateRoot: b.stateRoot })
    }
    const l1Block = await l1.getBlock({ blockNumber: 3n })
    await net.stop()

    const restored = tempDir()
    const l1Port = await freePort()
    let proc: ChildProcess | undefined
    let output = ''
    try {
      proc = spawn(process.execPath, [CLI, 'up', '--from-snapshot', file, '--datadir', `${restored.dir}/net`, '--l1-port', String(l1Port), '--log-level', 'warn'], { stdio: ['ignore', 'pipe', 'pipe'] })
      proc.stdout!.on('data', (d) => (output += d))
      proc.stderr!.on('data', (d) => (output += d))
      const urls = (await waitFor(async () => {
        const r = await plexus(['chains', '--datadir', `${restored.dir}/net`, '--json'])
        return r.status === 0 ? (JSON.parse(r.stdout) as { chainId: number; rpcUrl: string }[]) : undefined
      }, 90_000, 'the restored network'))!
      assert.deepEqual(urls.map((u) => u.chainId), [901, 902, 903], 'the joined chain comes back too')
      for (const { chainId, rpcUrl } of urls) {
        const b = await createPublicClient({ transport: http(rpcUrl) }).getBlock({ blockNumber: heads.get(chainId)! })
        assert.deepEqual({ hash: b.hash, stateRoot: b.stateRoot }, blocks.get(chainId), `chain ${chainId} block ${heads.get(chainId)}`)
      }
      const l1After = await createPublicClient({ transport: http(`http://127.0.0.1:${l1Port}`) }).getBlock({ blockNumber: 3n })
      assert.equal(l1After.hash, l1Block.hash)
      assert.equal(l1After.stateRoot, l1Block.stateRoot)
      // And it goes on: new blocks on the restored chains.
      const first = urls[0]!
      const c = createPublicClient({ transport: http(first.rpcUrl), cacheTime: 0 })
      await waitFor(async () => (await c.getBlockNumber()) > heads.get(first.chainId)! + 4n, 30_000, 'restored network builds blocks')
    } catch (err) {
      throw new Error(`${(err as Error).message}\nplexus up output:\n${output}`)
    } finally {
      if (proc && proc.exitCode === null) {
        const exited = new Promise((resolve) => proc!.once('exit', resolve))
        proc.kill('SIGTERM')
        await exited
      }
      restored.cleanup()
    }
  })
})
