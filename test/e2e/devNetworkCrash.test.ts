import assert from 'node:assert/strict'
import path from 'node:path'
import { after, describe, test } from 'node:test'
import { createPublicClient, createWalletClient, defineChain, http, parseEther, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { devAccounts } from '../../src/execution/genesis.js'
import { createBridgeContext, depositETH } from '../../src/settlement/actions/bridge.js'
import { rpc, waitFor } from '../helpers/node.js'
import { tempDir } from '../helpers/tmp.js'
import { freeNetworkPorts, headOf, killNetwork, oneSlot, spawnUp, writeNetworkConfig, type UpProcess } from '../helpers/upProcess.js'

const user = privateKeyToAccount(devAccounts()[3]!.privateKey)
const payee = privateKeyToAccount(`0x${'31'.repeat(32)}`).address

describe('kill -9 of a dev network around evm_revert', () => {
  const { dir, cleanup } = tempDir()
  const datadir = path.join(dir, 'data')
  let up: UpProcess | undefined
  after(async () => {
    await killNetwork(up, datadir)
    cleanup()
  })

  test('right after a revert, and while one runs: restarted, every chain is at one slot, the L1 is durable, deposits land', { timeout: 600_000 }, async () => {
    const ports = await freeNetworkPorts(2)
    const config = writeNetworkConfig(dir, ports, 1)
    const urls = ports.chains.map((p) => `http://127.0.0.1:${p}`)
    const l1Url = `http://127.0.0.1:${ports.l1}`
    const args = ['--config', config, '--datadir', datadir, '--no-dashboard', '--log-level', 'info']
    const l2 = (i: number) => {
      const chain = defineChain({ id: 901 + i, name: `L2 ${901 + i}`, nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [urls[i]!] } } })
      return { pub: createPublicClient({ chain, transport: http(urls[i]), cacheTime: 0, pollingInterval: 50 }), wallet: createWalletClient({ account: user, chain, transport: http(urls[i]) }) }
    }
    const l1 = createPublicClient({ transport: http(l1Url), cacheTime: 0 })
    const l1Wallet = createWalletClient({ account: user, transport: http(l1Url) })

    for (const during of [false, true]) {
      up = await spawnUp(args, urls)
      const id = await rpc<Hex>(urls[0]!, 'evm_snapshot', [])
      const l2Before = await l2(0).pub.getBalance({ address: payee })
      const l1Before = await l1.getBalance({ address: payee })
      const hash = await l2(0).wallet.sendTransaction({ to: payee, value: 7n })
      await l2(0).pub.waitForTransactionReceipt({ hash })
      const l1Tx = await l1Wallet.sendTransaction({ to: payee, value: 11n, chain: null })
      await l1.waitForTransactionReceipt({ hash: l1Tx })

      const reverting = rpc<boolean>(urls[1]!, 'evm_revert', [id])
      // Killed mid-call, the request fails: that is expected, not a test failure.
      const answered = reverting.catch(() => undefined)
      // `during`: killed while the revert runs (anywhere in it); otherwise once it answered.
      if (!during) assert.equal(await reverting, true)
      await killNetwork(up, datadir)
      await answered

      up = await spawnUp(args, urls)
      // Invariant: every chain at one slot, and the L2 and the L1 agree about the revert:
      // either both kept what followed the snapshot, or neither did.
      await oneSlot(urls)
      const l2Kept = (await l2(0).pub.getBalance({ address: payee })) !== l2Before
      const l1Kept = (await l1.getBalance({ address: payee })) !== l1Before
      if (!during) {
        assert.equal(l2Kept, false, 'the reverted L2 transfer stayed gone')
        assert.equal(l1Kept, false, 'the reverted L1 transfer stayed gone (the state file was rewritten)')
        assert.equal(await rpc(urls[0]!, 'eth_getTransactionReceipt', [hash]), null)
      } else if (!l1Kept) {
        // The L1 went back before the crash: so did the L2 (at the latest at start-up, as after an L1 reorg).
        assert.equal(await rpc(urls[0]!, 'eth_getTransactionReceipt', [hash]), null)
      }
      // The L1 goes on: a deposit after the restart lands; both chains build.
      const ctx = await createBridgeContext({ l1Url, l2Url: urls[1]!, account: user })
      const before = await l2(1).pub.getBalance({ address: payee })
      await depositETH(ctx, { amount: parseEther('1'), to: payee })
      await waitFor(async () => (await l2(1).pub.getBalance({ address: payee })) === before + parseEther('1'), 60_000, 'a deposit after the restart')
      const h = await oneSlot(urls)
      await waitFor(async () => (await Promise.all(urls.map(headOf))).every((x) => x > h + 4n), 30_000, 'production')
      await killNetwork(up, datadir)
      up = undefined
    }
  })
})
