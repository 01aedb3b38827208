import assert from 'node:assert/strict'
import path from 'node:path'
import { after, describe, test } from 'node:test'
import { parseEther, parseEventLogs, parseAbiItem, type Hex } from 'viem'
import { mnemonicToAccount } from 'viem/accounts'
import { initCrypto } from '../../src/primitives/crypto.js'
import { toData } from '../../src/primitives/hex.js'
import { createBridgeContext, type BridgeContext } from '../../src/settlement/actions/bridge.js'
import { abiOf } from '../../src/settlement/l1/abis.js'
import { waitForSuccess } from '../../src/settlement/l1/l1Transactions.js'
import { depositFromLog, TRANSACTION_DEPOSITED_EVENT } from '../../src/settlement/deposits.js'
import { rpc, sleep, waitFor } from '../helpers/node.js'
import { mulberry32 } from '../helpers/random.js'
import { lostReceipts, ReceiptLoad } from '../helpers/receiptLoad.js'
import { tempDir } from '../helpers/tmp.js'
import { anvilPid, freeNetworkPorts, headOf, killHard, killNetwork, spawnUp, waitGone, writeNetworkConfig, type UpProcess } from '../helpers/upProcess.js'

const DEV_MNEMONIC = 'test test test test test test test test test test test junk'
const DEPOSIT_EVENT = parseAbiItem(TRANSACTION_DEPOSITED_EVENT)
const TRIALS = 4

/**
 * L1 deposits to a chain, one after another, each followed to its L2 receipt, which is
 * recorded: a deposit's L2 block depends on its L1 origin, the block a crash of the
 * embedded L1 could take back.
 */
function depositLoop(l2Url: string, load: ReceiptLoad, chainId: number): { stop(): Promise<void>; count(): number } {
  let running = true
  let count = 0
  const loop = (async () => {
    let ctx: BridgeContext | undefined
    while (running) {
      try {
        ctx ??= await createBridgeContext({ l2Url, account: mnemonicToAccount(DEV_MNEMONIC, { addressIndex: 1 }) })
        // Sent here rather than with depositETH, whose wait has no end when the L1 loses the
        // transaction with its tail: waitForSuccess gives up once the L1 no longer knows it.
        const sent = await ctx.l1Wallet.writeContract({
          address: ctx.addresses.Portal,
          abi: abiOf('Portal'),
          functionName: 'depositETH',
          args: [ctx.l2ChainId, ctx.account.address],
          value: parseEther('0.001'),
          account: ctx.account,
          chain: ctx.l1Wallet.chain,
        } as never)
        const receipt = await waitForSuccess(ctx.l1, sent, 'depositETH')
        const [log] = parseEventLogs({ abi: [DEPOSIT_EVENT], logs: receipt.logs })
        const hash = toData(depositFromLog(log!).tx.hash()) as Hex
        const r = await waitFor(
          async () => (running ? rpc<{ blockHash: Hex; blockNumber: Hex } | null>(l2Url, 'eth_getTransactionReceipt', [hash]) : { blockHash: '0x' as Hex, blockNumber: '0x' as Hex }),
          20_000,
          'deposit on L2',
        )
        if (r.blockHash !== '0x') {
          load.record({ chainId, hash, blockHash: r.blockHash, blockNumber: r.blockNumber })
          count++
        }
      } catch {
        // The network (or its L1) was killed under us: the deposit may be gone with the L1's tail.
        ctx = undefined
        await sleep(200)
      }
    }
  })()
  return {
    count: () => count,
    async stop() {
      running = false
      await loop
    },
  }
}

describe('a crash of the whole network (node and embedded L1)', () => {
  const { dir, cleanup } = tempDir()
  const datadir = path.join(dir, 'data')
  let up: UpProcess | undefined
  after(async () => {
    await killNetwork(up, datadir)
    cleanup()
  })

  test('kill -9 of node and anvil at random moments under load: every receipt returned before is returned after, in the same block', { timeout: 900_000 }, async () => {
    await initCrypto()
    const ports = await freeNetworkPorts(2)
    const config = writeNetworkConfig(dir, ports, 1)
    const urls = ports.chains.map((p) => `http://127.0.0.1:${p}`)
    const urlOf = (chainId: number) => urls[chainId - 901]!
    const args = ['--config', config, '--datadir', datadir, '--no-dashboard', '--log-level', 'info']
    up = await spawnUp(args, urls)
    const load = new ReceiptLoad([{ chainId: 901, url: urls[0]! }, { chainId: 902, url: urls[1]! }], [0, 2, 3, 4])
    const deposits = depositLoop(urls[0]!, load, 901)
    const random = mulberry32(6)
    try {
      for (let trial = 0; trial < TRIALS; trial++) {
        const seen = load.seen.size
        const depositsSeen = deposits.count()
        await waitFor(async () => load.seen.size >= seen + 30 && deposits.count() > depositsSeen, 120_000, `trial ${trial}: receipts and a deposit`).catch((err: Error) => {
          throw new Error(`${err.message} (receipts ${load.seen.size - seen}, deposits ${deposits.count() - depositsSeen}); Plexus said:\n${up!.output().slice(-6000)}`)
        })
        await sleep(Math.floor(random() * 2_000))
        // Both die, in a random order, a random moment apart (anvil first leaves the node a
        // moment on a dead L1; the node first leaves anvil running for the next start to find).
        const anvil = anvilPid(datadir)
        const node = up.proc.pid
        const [first, second] = random() < 0.5 ? [node, anvil] : [anvil, node]
        killHard(first)
        await sleep(Math.floor(random() * 400))
        killHard(second)
        await up.exited
        if (anvil !== undefined) await waitGone(anvil)
        // Everything an RPC returned up to now was returned before the crash.
        const returned = [...load.seen.values()]

        up = await spawnUp(args, urls)
        const problems = await lostReceipts(returned, urlOf)
        assert.deepEqual(problems, [], `trial ${trial}: ${problems.length} of ${returned.length} receipts taken back`)
        // Nothing was rewound for want of an L1 origin (the bug: "rewound 37 → 30").
        assert.deepEqual(up.logs('rewound'), [], `trial ${trial}: a chain rewound after the restart`)
        assert.deepEqual(up.logs('L1 was reset'), [])
      }
      // The network goes on: both chains produce and the deposits keep arriving.
      const heads = await Promise.all(urls.map(headOf))
      const depositsNow = deposits.count()
      await waitFor(async () => (await Promise.all(urls.map(headOf))).every((h, i) => h > heads[i]! + 4n) && deposits.count() > depositsNow, 60_000, 'production after the last restart')
    } finally {
      await deposits.stop()
      await load.stop()
    }
    const problems = await lostReceipts(load.seen.values(), urlOf)
    assert.deepEqual(problems, [])
    up.proc.kill('SIGTERM')
    assert.equal((await up.exited).code, 0)
  })
})
