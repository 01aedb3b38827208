import assert from 'node:assert/strict'
import { existsSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { after, describe, test } from 'node:test'
import { createPublicClient, createWalletClient, defineChain, encodeFunctionData, http, parseAbi, parseEther, toHex, type Hex, type PublicClient } from 'viem'
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts'
import { genesisBlockHash } from '../../src/execution/chain.js'
import { PREDEPLOYS } from '../../src/execution/predeploys.js'
import { initCrypto } from '../../src/primitives/crypto.js'
import { toData } from '../../src/primitives/hex.js'
import { storedGenesis } from '../../src/node/datadir.js'
import { datadirLockFile } from '../../src/node/datadirLock.js'
import { createBridgeContext, depositETH, initiateWithdrawal } from '../../src/settlement/actions/bridge.js'
import { abiOf } from '../../src/settlement/l1/abis.js'
import { readDeployment } from '../../src/settlement/l1/deploy.js'
import { genesisNativeSupply } from '../../src/settlement/l1/genesisEscrow.js'
import { CliProcess } from '../helpers/cliProcess.js'
import { duplicatedKeys } from '../helpers/jsonKeys.js'
import { rpc, waitFor } from '../helpers/node.js'
import { freePorts } from '../helpers/processes.js'
import { tempDir } from '../helpers/tmp.js'
import { anvilPid, headOf, isAlive, killHard, portTaken, waitGone } from '../helpers/upProcess.js'
import { proveAndFinalize } from '../helpers/withdraw.js'

/**
 * `npm start` as a user runs it: scripts/start.mjs builds, then runs `plexus up` in the
 * same process (it imports dist/src/cli/main.js with the arguments `up …`). Here the same
 * entry runs after the build: the build (tsc, solc, vite; incremental, still ~25 s on this
 * machine) belongs to the test run's own `npm run build`, and a build inside a test would
 * rewrite dist/ under the tests running beside it. Only the ports differ from `npm start`'s
 * defaults (a config file with free ports, and --dashboard-port 0), so the test never
 * meets another network on 8545/9545.
 */
describe('npm start: a real network process, used and attacked during start-up', { timeout: 600_000 }, () => {
  const { dir, cleanup } = tempDir('plexus-npm-start-')
  const running: CliProcess[] = []
  const datadirs: string[] = []
  after(async () => {
    for (const p of running) if (p.running) p.killGroup('SIGKILL')
    await Promise.all(running.map((p) => p.exited))
    // anvil runs in a process group of its own: a test that failed half-way may have left one.
    for (const datadir of datadirs) killHard(anvilPid(datadir))
    cleanup()
  })

  interface Network {
    datadir: string
    l1Port: number
    chainPorts: number[]
    config: string
  }

  async function newNetwork(name: string, chains = 2): Promise<Network> {
    const [l1Port, ...chainPorts] = await freePorts(chains + 1)
    const datadir = path.join(dir, name, 'data')
    datadirs.push(datadir)
    const config = path.join(dir, `${name}.yaml`)
    // npm start's network (L1 900 with 2 s blocks, chains 901 and 902), on free ports.
    writeFileSync(config, `l1:\n  embedded: { port: ${l1Port}, blockTime: 2s }\nchains:\n${chainPorts.map((p) => `  - rpc: { port: ${p} }`).join('\n')}\n`)
    return { datadir, l1Port: l1Port!, chainPorts, config }
  }

  /** `plexus up` on `net` (what scripts/start.mjs runs after its build); `onLine` sees every output line. */
  function start(net: Network, onLine?: (line: string, proc: CliProcess) => void): CliProcess {
    let proc: CliProcess | undefined
    proc = new CliProcess(['up', '--config', net.config, '--datadir', net.datadir, '--dashboard-port', '0'], path.join(dir, 'npm-start.log'), (line) => proc && onLine?.(line, proc))
    running.push(proc)
    return proc
  }

  /** Waits for "network is up" in the output (polling it), and for every RPC to answer. */
  async function whenUp(net: Network, proc: CliProcess): Promise<void> {
    await waitFor(
      async () => {
        if (!proc.running) throw new Error(`plexus exited before the network was up:\n${proc.tail(40).join('\n')}`)
        if (!proc.tail(2000).some((l) => l.includes('Plexus network is up'))) return false
        for (const port of [net.l1Port, ...net.chainPorts]) if (!(await rpc(`http://127.0.0.1:${port}`, 'eth_chainId', []).catch(() => undefined))) return false
        return true
      },
      120_000,
      'the network to be up',
    )
  }

  async function stopGracefully(net: Network, proc: CliProcess): Promise<void> {
    const anvil = anvilPid(net.datadir)
    proc.kill('SIGINT')
    const { code } = await proc.exited
    assert.equal(code, 0, proc.tail(20).join('\n'))
    if (anvil) await waitGone(anvil, 15_000)
  }

  const url = (port: number) => `http://127.0.0.1:${port}`
  const l1Chain = defineChain({ id: 900, name: 'L1', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [] } } })

  /**
   * The L1 holds every chain's registration exactly as the datadir does: registered, with
   * the genesis the chain starts from, and that genesis' supply escrowed once (not twice).
   */
  async function assertRegistrationsConsistent(net: Network): Promise<void> {
    const chainIds = net.chainPorts.map((_, i) => 901 + i)
    await initCrypto()
    const deployment = readDeployment(net.datadir)
    assert.ok(deployment, 'the deployment is recorded')
    const l1 = createPublicClient({ transport: http(url(net.l1Port)) }) as PublicClient
    for (const chainId of chainIds) {
      const genesis = storedGenesis(net.datadir, chainId)
      assert.ok(genesis, `chain ${chainId}'s genesis is kept`)
      const info = (await l1.readContract({ address: deployment.contracts.ChainRegistry, abi: abiOf('ChainRegistry'), functionName: 'getChain', args: [BigInt(chainId)] })) as { registered: boolean; genesisHash: Hex }
      assert.ok(info.registered, `chain ${chainId} is registered`)
      assert.equal(info.genesisHash, toData(await genesisBlockHash(genesis)), `chain ${chainId} is registered with the genesis it runs`)
      const escrowed = (await l1.readContract({ address: deployment.contracts.Portal, abi: abiOf('Portal'), functionName: 'escrowAdded', args: [BigInt(chainId)] })) as bigint
      assert.equal(escrowed, genesisNativeSupply(genesis), `chain ${chainId}'s genesis is escrowed exactly once`)
    }
  }

  /** A deposit L1 → `chainId` of a fresh account arrives in full. */
  async function assertDepositArrives(net: Network, chainId: number, port: number): Promise<void> {
    const account = privateKeyToAccount(generatePrivateKey())
    await rpc(url(net.l1Port), 'anvil_setBalance', [account.address, toHex(parseEther('10'))])
    const ctx = await createBridgeContext({ l1Url: url(net.l1Port), l2Url: url(port), account })
    assert.equal((await depositETH(ctx, { amount: parseEther('1') })).status, 'success')
    const l2 = createPublicClient({ transport: http(url(port)) })
    await waitFor(async () => (await l2.getBalance({ address: account.address })) === parseEther('1'), 60_000, `the deposit to ${chainId}`)
  }

  test('the key scanner finds what JSON.parse hides (a duplicated key at any depth)', () => {
    assert.deepEqual(duplicatedKeys('{"level":30,"module":"network","module":"sequencer","msg":"x"}'), ['module'])
    assert.deepEqual(duplicatedKeys('{"a":{"b":1,"c":[{"d":1,"d":2}],"b":2},"s":"\\"a\\":1,\\"a\\":2"}'), ['a.c[0].d', 'a.b'])
    assert.deepEqual(duplicatedKeys('{"a":1,"b":{"a":1}}'), [])
    assert.throws(() => duplicatedKeys('{"a":1'), SyntaxError)
  })

  test('started like npm start: up, then a deposit, a message 901 → 902 and a withdrawal 901 → L1 each arrive in full; no log line repeats a key', async () => {
    const net = await newNetwork('main')
    const proc = start(net)
    await whenUp(net, proc)
    const [p901, p902] = net.chainPorts as [number, number]

    // Deposit L1 → 901: a fresh account's L2 balance is exactly what it deposited.
    const alice = privateKeyToAccount(generatePrivateKey())
    await rpc(url(net.l1Port), 'anvil_setBalance', [alice.address, toHex(parseEther('100'))])
    const ctx901 = await createBridgeContext({ l1Url: url(net.l1Port), l2Url: url(p901), account: alice })
    assert.equal((await depositETH(ctx901, { amount: parseEther('10') })).status, 'success')
    const l2a = createPublicClient({ transport: http(url(p901)) })
    await waitFor(async () => (await l2a.getBalance({ address: alice.address })) === parseEther('10'), 60_000, 'the deposit on 901')

    // A message 901 → 902 (the ETH bridge): the recipient on 902 gets exactly what was sent.
    const bob = privateKeyToAccount(generatePrivateKey()).address
    const c901 = defineChain({ id: 901, name: 'L2 901', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [url(p901)] } } })
    const hash = await createWalletClient({ account: alice, chain: c901, transport: http(url(p901)) }).sendTransaction({
      to: PREDEPLOYS.SuperchainETHBridge,
      data: encodeFunctionData({ abi: parseAbi(['function sendETH(address to, uint256 chainId) payable returns (bytes32)']), functionName: 'sendETH', args: [bob, 902n] }),
      value: parseEther('2'),
    })
    assert.equal((await l2a.waitForTransactionReceipt({ hash })).status, 'success')
    const l2b = createPublicClient({ transport: http(url(p902)) })
    await waitFor(async () => (await l2b.getBalance({ address: bob })) === parseEther('2'), 60_000, 'the ETH on 902')

    // A withdrawal 901 → L1, proved and finalized: the L1 recipient gets exactly the amount.
    const carol = privateKeyToAccount(generatePrivateKey()).address
    const w = await initiateWithdrawal(ctx901, { amount: parseEther('3'), to: carol })
    assert.equal((await proveAndFinalize(ctx901, w, { timeoutMs: 180_000 })).status, 'success')
    const l1 = createPublicClient({ chain: l1Chain, transport: http(url(net.l1Port)) })
    assert.equal(await l1.getBalance({ address: carol }), parseEther('3'))

    // Not a terminal: the log is JSON, one object a line, and none repeats a key (the
    // sequencer's lines once had "module" twice).
    const json = proc.tail(2000).filter((l) => l.startsWith('{'))
    assert.ok(json.length > 10, 'the network logged JSON lines')
    const bad = json.map((l) => ({ l, dups: duplicatedKeys(l) })).filter((x) => x.dups.length > 0)
    assert.deepEqual(bad, [], 'log lines with a duplicated key')
    assert.ok(json.some((l) => l.includes('"module":"sequencer"')), "the sequencer's lines are among those checked")
    await stopGracefully(net, proc)
  })

  test('a second start on the same datadir refuses in one line, and the running network is untouched', async () => {
    const net = await newNetwork('twice')
    const first = start(net)
    await whenUp(net, first)
    const anvil = anvilPid(net.datadir)
    const second = start(net)
    const { code } = await second.exited
    assert.equal(code, 1)
    const out = second.tail(200).filter((l) => l.trim() !== '')
    assert.equal(out.length, 1, `one line, no stack trace:\n${out.join('\n')}`)
    assert.match(out[0]!, /^error: the datadir .* is in use by another Plexus \(pid \d+\)/)
    // The first network kept its L1 (same anvil, never stopped) and keeps building blocks.
    assert.equal(anvilPid(net.datadir), anvil)
    assert.ok(anvil && isAlive(anvil))
    const head = await headOf(url(net.chainPorts[0]!))
    await waitFor(async () => (await headOf(url(net.chainPorts[0]!))) > head + 2n, 30_000, 'the first network to go on')
    await assertDepositArrives(net, 902, net.chainPorts[1]!)
    await stopGracefully(net, first)
    assert.ok(!existsSync(datadirLockFile(net.datadir)), 'a stopped network leaves no lock')
  })

  // Where in the start-up the kill lands: the L1 deploys, or between the chains' registrations.
  for (const [when, marker, whole] of [
    ['as the L1 contracts are being deployed (Plexus and its anvil killed together)', 'deploying the L1 contracts', true],
    ['right after the first chain is registered (Plexus and its anvil killed together)', 'chain registered on L1', true],
    ['right after the first chain is registered (Plexus alone: its anvil is orphaned)', 'chain registered on L1', false],
  ] as const) {
    test(`kill -9 ${when}: the next start comes up with every chain registered once, consistently`, async () => {
      const net = await newNetwork(`kill-${running.length}`)
      let killed = false
      const proc = start(net, (line, p) => {
        if (killed || !line.includes(marker)) return
        killed = true
        p.kill('SIGKILL')
        // anvil runs in a process group of its own: a crash of the machine's whole network kills it too.
        if (whole) killHard(anvilPid(net.datadir))
      })
      const { signal } = await proc.exited
      assert.equal(signal, 'SIGKILL', `killed mid-start, not exited by itself:\n${proc.tail(20).join('\n')}`)
      assert.ok(!proc.tail(2000).some((l) => l.includes('Plexus network is up')), 'the kill landed before the network was up')

      const again = start(net)
      await whenUp(net, again)
      await assertRegistrationsConsistent(net)
      await assertDepositArrives(net, 902, net.chainPorts[1]!)
      await stopGracefully(net, again)
    })
  }

  test('a burst: 16 chains at once, killed -9 halfway through their registrations, then started again: every chain registered once, consistently, and up', async () => {
    const net = await newNetwork('sixteen', 16)
    let registered = 0
    const proc = start(net, (line, p) => {
      if (!line.includes('chain registered on L1') || ++registered !== 8) return
      p.kill('SIGKILL')
      killHard(anvilPid(net.datadir))
    })
    const { signal } = await proc.exited
    assert.equal(signal, 'SIGKILL', proc.tail(20).join('\n'))
    const again = start(net)
    await whenUp(net, again)
    await assertRegistrationsConsistent(net)
    // Every chain builds blocks, the last one registered included.
    for (const port of net.chainPorts) await waitFor(async () => (await headOf(url(port))) > 2n, 60_000, `chain on ${port} to build blocks`)
    await assertDepositArrives(net, 916, net.chainPorts[15]!)
    await stopGracefully(net, again)
  })

  // The chains register at once (one deployer key, its sends queued): a kill while many
  // registrations, fundings and escrows are in flight, Plexus alone (its anvil orphaned,
  // still mining what was sent). Invariant: every chain ends registered once, with the
  // genesis its datadir keeps, escrowed once, and the network comes up whole.
  test('a burst: 16 chains registering at once, Plexus killed -9 with registrations in flight, then started again: every chain registered once, consistently, and up', async () => {
    const net = await newNetwork('sixteen-in-flight', 16)
    let registering = 0
    const proc = start(net, (line, p) => {
      if (!line.includes('registering the chain on L1') || ++registering !== 12) return
      p.kill('SIGKILL')
    })
    const { signal } = await proc.exited
    assert.equal(signal, 'SIGKILL', proc.tail(20).join('\n'))
    const registered = proc.tail(2000).filter((l) => l.includes('chain registered on L1')).length
    assert.ok(registered < 16, `the kill landed with registrations still to come (${registered} of 16 done)`)
    const again = start(net)
    await whenUp(net, again)
    await assertRegistrationsConsistent(net)
    for (const port of net.chainPorts) await waitFor(async () => (await headOf(url(port))) > 2n, 60_000, `chain on ${port} to build blocks`)
    await assertDepositArrives(net, 916, net.chainPorts[15]!)
    await stopGracefully(net, again)
  })

  test('SIGINT during start-up stops cleanly: exit 0, anvil stopped, ports and datadir free, and the next start works', async () => {
    const net = await newNetwork('sigint')
    let sent = false
    const proc = start(net, (line, p) => {
      if (sent || !line.includes('L1 (anvil) started')) return
      sent = true
      p.kill('SIGINT')
    })
    const { code } = await proc.exited
    assert.equal(code, 0, proc.tail(20).join('\n'))
    assert.ok(sent)
    const anvil = anvilPid(net.datadir)
    assert.ok(anvil === undefined || !isAlive(anvil), 'the embedded anvil was stopped')
    for (const port of [net.l1Port, ...net.chainPorts]) assert.equal(await portTaken(port), false, `port ${port} is free`)
    assert.ok(!existsSync(datadirLockFile(net.datadir)), 'the datadir lock is released')

    const again = start(net)
    await whenUp(net, again)
    await assertRegistrationsConsistent(net)
    await stopGracefully(net, again)
  })
})
