// Issue 15: every command that acts on a running network finds it through --datadir (or the
// --config that started it), never through the dev ports; errors are one line. And the dev
// accounts' genesis ETH is withdrawable to L1 on the first try (issue 14's genesis backing).
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { createPublicClient, http, parseEther } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { devAccounts } from '../../src/execution/genesis.js'
import { DEV_NETWORK } from '../../src/node/networkOptions.js'
import { startTestNetwork, type TestNetwork } from '../helpers/network.js'
import { CLI } from '../helpers/node.js'
import { tempDir } from '../helpers/tmp.js'

/** Runs a `plexus` command to completion (asynchronously: the network under test runs in this process). */
function plexus(args: string[], timeout = 240_000): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout }, (err, stdout, stderr) => {
      resolve({ status: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr })
    })
  })
}

/** The invariant of every failure: exit 1, one line on stderr, no stack frame. */
function assertOneLineError(r: { status: number | null; stderr: string }, pattern: RegExp, what: string): void {
  assert.equal(r.status, 1, `${what}: exit code`)
  const lines = r.stderr.trimEnd().split('\n')
  assert.equal(lines.length, 1, `${what}: one line, got:\n${r.stderr}`)
  assert.doesNotMatch(r.stderr, /\n\s+at |HttpRequestError|unexpected error/, what)
  assert.match(lines[0]!, pattern, what)
}

const stages = (stdout: string) => stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown> & { stage: string })

describe('commands find their network: deposit, withdraw and the rest with --datadir / --config', { timeout: 400_000 }, () => {
  let net: TestNetwork
  const tmp = tempDir()
  let configFile: string

  before(async () => {
    net = await startTestNetwork({ chainIds: [901, 902], datadir: path.join(tmp.dir, 'net'), keep: true, challengeWindowSeconds: 3 })
    // The network runs on free ports: nothing of it is on the dev ports a guess would use.
    assert.notEqual(net.l2Url(901), `http://127.0.0.1:${DEV_NETWORK.firstPort}`)
    configFile = path.join(tmp.dir, 'plexus.yaml')
    writeFileSync(configFile, 'datadir: ./net\n')
  })
  let stopped = false
  after(async () => {
    if (!stopped) await net?.stop()
    tmp.cleanup()
  })

  it('deposit --datadir reaches the chain on its own port; the L2 balance shows it', async () => {
    const user = privateKeyToAccount(devAccounts()[6]!.privateKey)
    const l2 = createPublicClient({ transport: http(net.l2Url(902)), cacheTime: 0 })
    const before = await l2.getBalance({ address: user.address })
    const r = await plexus(['deposit', '--datadir', net.datadir, '--chain', '902', '--amount', '0.25', '--key', devAccounts()[6]!.privateKey, '--json'])
    assert.equal(r.status, 0, r.stderr)
    assert.deepEqual(stages(r.stdout).map((s) => s.stage), ['l1-included', 'arrived'])
    // Invariant: the deposit landed on 902 of this network, in full.
    assert.ok((await l2.getBalance({ address: user.address })) - before >= parseEther('0.25'))
  })

  it('a burst of deposits from four processes at once, each its own key: every one arrives in full', async () => {
    const keys = [1, 2, 3, 8].map((i) => devAccounts()[i]!)
    const l2 = createPublicClient({ transport: http(net.l2Url(901)), cacheTime: 0 })
    const before = await Promise.all(keys.map((k) => l2.getBalance({ address: k.address })))
    const runs = await Promise.all(keys.map((k) => plexus(['deposit', '--datadir', net.datadir, '--chain', '901', '--amount', '0.125', '--key', k.privateKey, '--json'])))
    for (const r of runs) assert.equal(r.status, 0, r.stderr)
    // Invariant: no deposit was lost or merged with another: each account gained its own amount.
    const after = await Promise.all(keys.map((k) => l2.getBalance({ address: k.address })))
    after.forEach((b, i) => assert.ok(b - before[i]! >= parseEther('0.125'), `account ${keys[i]!.address}`))
  })

  it("withdraw --config --wait: a dev account's genesis ETH (never deposited) is proven and finalized on L1", async () => {
    const user = privateKeyToAccount(devAccounts()[7]!.privateKey)
    const l1 = createPublicClient({ transport: http(net.l1Url), cacheTime: 0 })
    const l1Before = await l1.getBalance({ address: user.address })
    const r = await plexus(['withdraw', '--config', configFile, '--chain', '901', '--amount', '2', '--key', devAccounts()[7]!.privateKey, '--wait', '--json'])
    assert.equal(r.status, 0, `${r.stderr}\n${r.stdout}`)
    assert.deepEqual(stages(r.stdout).map((s) => s.stage), ['initiated', 'output', 'proven', 'finalized'])
    // Invariant: the L1 account received the 2 ETH (less the L1 gas of proving and finalizing, far under 0.1 ETH).
    const gained = (await l1.getBalance({ address: user.address })) - l1Before
    assert.ok(gained > parseEther('1.9') && gained <= parseEther('2'), `gained ${gained}`)
  })

  it('status, chains, addresses and audit take --config as well as --datadir', async () => {
    for (const args of [['status'], ['chains'], ['addresses'], ['audit']]) {
      for (const target of [['--datadir', net.datadir], ['--config', configFile]]) {
        const r = await plexus([...args, ...target, '--json'])
        assert.equal(r.status, 0, `${args.join(' ')} ${target.join(' ')}: ${r.stderr}`)
        JSON.parse(r.stdout)
      }
    }
  })

  it('bad input: a wrong --chain, a malformed or hostile --amount, both --datadir and --config, a wrong --l2-rpc: one line each', async () => {
    assertOneLineError(await plexus(['withdraw', '--datadir', net.datadir, '--chain', '999', '--amount', '1']), /--chain: no chain 999 in the running network \(it has 901, 902\)/, 'wrong chain')
    for (const amount of ['1x', '-1', '0x10', '1e18', '', '9'.repeat(5000), '1.0000000000000000001', '0']) {
      const r = await plexus(['deposit', '--datadir', net.datadir, '--chain', '901', '--amount', amount])
      assertOneLineError(r, /--amount: /, `amount ${amount.slice(0, 20)}`)
    }
    assertOneLineError(await plexus(['deposit', '--datadir', net.datadir, '--config', configFile, '--chain', '901', '--amount', '1']), /either --datadir or --config/, 'both')
    // Chain 902's RPC named as 901's.
    assertOneLineError(await plexus(['deposit', '--l2-rpc', net.l2Url(902), '--chain', '901', '--amount', '1']), /--l2-rpc: .* is chain 902, not 901/, 'wrong rpc')
    assertOneLineError(await plexus(['withdraw', '--l2-rpc', 'http://127.0.0.1:1', '--chain', '901', '--amount', '1']), /the RPC of chain 901 \(http:\/\/127\.0\.0\.1:1\) does not answer/, 'dead rpc')
  })

  it('a datadir where no network runs: one line naming the datadir and the fix, for every command', async () => {
    const empty = tempDir()
    try {
      const commands = [
        ['deposit', '--chain', '901', '--amount', '1'],
        ['withdraw', '--chain', '901', '--amount', '1'],
        ['relay', `0x${'11'.repeat(32)}`, '--chain', '902'],
        ['status'],
        ['chains'],
        ['audit'],
      ]
      for (const args of commands) {
        const r = await plexus([...args, '--datadir', empty.dir])
        assertOneLineError(r, new RegExp(`no Plexus network is running in ${empty.dir} .*plexus up --datadir`), args[0]!)
      }
      assertOneLineError(await plexus(['addresses', '--datadir', empty.dir]), new RegExp(`no L1 deployment recorded in ${empty.dir}`), 'addresses')
    } finally {
      empty.cleanup()
    }
  })

  it('a network that stopped: its stale admin record is named, not a connection stack', async () => {
    stopped = true
    await net.stop()
    const r = await plexus(['withdraw', '--datadir', net.datadir, '--chain', '901', '--amount', '1'])
    assertOneLineError(r, new RegExp(`no Plexus network is running in ${net.datadir} .*plexus up --datadir`), 'stopped network')
  })
})
