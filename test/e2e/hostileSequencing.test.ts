import { after, before, describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { createPublicClient, createWalletClient, defineChain, encodeFunctionData, http, parseAbi, type Hex, type PublicClient } from 'viem'
import { generatePrivateKey, privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts'
import { devAccounts } from '../../src/execution/genesis.js'
import { PREDEPLOYS } from '../../src/execution/predeploys.js'
import { paymasterAbi } from '../../src/interop/relayPayment.js'
import { MAX_BUNDLE_DEADLINE_SLOTS, MAX_PENDING_BUNDLES_PER_SENDER } from '../../src/sequencer/bundles.js'
import { maxRelayGas } from '../../src/sequencer/slotBuilder.js'
import { DEFAULT_GAS_LIMIT } from '../../src/node/options.js'
import { abiOf } from '../../src/settlement/l1/abis.js'
import { assertBacked } from '../helpers/audit.js'
import { startTestNetwork, type TestNetwork } from '../helpers/network.js'
import { rpc, waitFor } from '../helpers/node.js'

const CHAINS = [901, 902] as const
const messenger = parseAbi(['function sendMessage(uint256 destination, address target, bytes message) returns (bytes32)'])

type RpcError = Error & { code?: number }

/**
 * What a hostile caller can do to the shared sequencer through the plexus_* methods,
 * and the invariant each attack must keep: every chain goes on building a block in every
 * slot, and no request is accepted that the network could never honour.
 */
describe('hostile requests to the shared sequencer', { timeout: 300_000 }, () => {
  let net: TestNetwork
  const clients: Record<number, PublicClient> = {}
  const user = privateKeyToAccount(devAccounts()[4]!.privateKey)

  before(async () => {
    net = await startTestNetwork({ chainIds: [...CHAINS], rpc: { expose: ['operator'] } })
    for (const id of CHAINS) clients[id] = createPublicClient({ transport: http(net.l2Url(id)), cacheTime: 0 })
  })
  after(async () => {
    await net?.stop()
  })

  const heads = async () => Promise.all(CHAINS.map(async (id) => (await clients[id]!.getBlock()).number))
  /** Every chain builds `slots` more blocks (the network never stopped). */
  async function keepsBuilding(slots = 4n): Promise<void> {
    const start = await heads()
    await waitFor(async () => (await heads()).every((n, i) => n >= start[i]! + slots), 30_000, 'every chain keeps building')
  }

  async function sign(account: PrivateKeyAccount, chainId: number, req: { to: Hex; data?: Hex; value?: bigint; gas?: bigint; nonce?: number }): Promise<Hex> {
    const client = clients[chainId]!
    const nonce = req.nonce ?? (await client.getTransactionCount({ address: account.address, blockTag: 'pending' }))
    const fees = await client.estimateFeesPerGas()
    return account.signTransaction({ to: req.to, data: req.data, value: req.value, gas: req.gas ?? 21_000n, nonce, chainId, type: 'eip1559', maxFeePerGas: fees.maxFeePerGas * 4n, maxPriorityFeePerGas: 1n })
  }

  const sendBundle = (txs: { chainId: number; tx: Hex }[], deadlineSlot?: bigint) =>
    rpc<{ bundleId: Hex }>(net.l2Url(901), 'plexus_sendBundle', [
      { txs: txs.map((t) => ({ chainId: `0x${t.chainId.toString(16)}`, tx: t.tx })), ...(deadlineSlot === undefined ? {} : { deadlineSlot: `0x${deadlineSlot.toString(16)}` }) },
    ])
  const nextSlot = async () => BigInt(await rpc<Hex>(net.l2Url(901), 'eth_blockNumber', [])) + 1n

  async function rejectsWith(p: Promise<unknown>, code: number, message: RegExp): Promise<void> {
    await assert.rejects(p, (err: RpcError) => {
      assert.equal(err.code, code, err.message)
      assert.match(err.message, message)
      return true
    })
  }

  it('a retry never gets more relay gas than was paid (2^64 used to stop every chain), a top-up relays again, and no retry stops a slot', async () => {
    // A message whose relay reverts (the token bridge has no function 0xdeadbeef), paid for 100,000 gas.
    const hash = await rpc<Hex>(net.l2Url(901), 'eth_sendRawTransaction', [
      await sign(user, 901, { to: PREDEPLOYS.L2ToL2CrossDomainMessenger, gas: 300_000n, data: encodeFunctionData({ abi: messenger, functionName: 'sendMessage', args: [902n, PREDEPLOYS.SuperchainTokenBridge, '0xdeadbeef'] }) }),
    ])
    await clients[901]!.waitForTransactionReceipt({ hash, pollingInterval: 50 })
    const [msg] = await rpc<{ msgHash: Hex }[]>(net.l2Url(901), 'plexus_getMessagesByTx', ['0x385', hash])
    const pay = async (gasLimit: bigint) => {
      const h = await rpc<Hex>(net.l2Url(901), 'eth_sendRawTransaction', [
        await sign(user, 901, { to: PREDEPLOYS.RelayGasPaymaster, gas: 200_000n, value: 10n ** 17n, data: encodeFunctionData({ abi: paymasterAbi, functionName: 'payForRelay', args: [msg!.msgHash, 902n, gasLimit] }) }),
      ])
      await clients[901]!.waitForTransactionReceipt({ hash: h, pollingInterval: 50 })
    }
    await pay(100_000n)
    const failed = await waitFor(async () => {
      const m = await rpc<{ status: string; relayAttempts: Hex; relayGas: Hex } | null>(net.l2Url(902), 'plexus_getMessage', [msg!.msgHash])
      return m?.status === 'failed' ? m : undefined
    }, 30_000, 'the relay failed')
    // Invariant: what the failed relay gave the target is used up; no retry can spend more.
    assert.equal(BigInt(failed.relayGas), 0n)
    // A gas limit wider than 64 bits is malformed, as geth's hexutil.Uint64 says.
    for (const gas of [2n ** 320n - 1n, 2n ** 64n]) await rejectsWith(rpc(net.l2Url(902), 'plexus_retryMessage', [msg!.msgHash, `0x${gas.toString(16)}`]), -32602, /gasLimit/)
    for (const gas of [undefined, 2n ** 64n - 1n, maxRelayGas(DEFAULT_GAS_LIMIT), 21_000n]) {
      await rejectsWith(rpc(net.l2Url(902), 'plexus_retryMessage', gas === undefined ? [msg!.msgHash] : [msg!.msgHash, `0x${gas.toString(16)}`]), -32000, /no relay gas left/)
    }
    // A top-up queues it again by itself (and it fails again: the target still reverts).
    await pay(50_000n)
    await waitFor(async () => {
      const m = await rpc<{ status: string; relayAttempts: Hex; paidGas: Hex }>(net.l2Url(902), 'plexus_getMessage', [msg!.msgHash])
      return m.status === 'failed' && BigInt(m.paidGas) === 150_000n && BigInt(m.relayAttempts) > BigInt(failed.relayAttempts) ? m : undefined
    }, 30_000, 'the top-up was relayed')
    await keepsBuilding()
  })

  it('refuses, on arrival, bundles that could never be included: far deadlines, low nonces, too much gas, too many per sender', async () => {
    const to = '0x00000000000000000000000000000000000b0b00' as Hex
    const next = await nextSlot()
    const leg = async (chainId: number, extra: { nonce?: number; gas?: bigint } = {}) => ({ chainId, tx: await sign(user, chainId, { to, value: 1n, ...extra }) })

    await rejectsWith(sendBundle([await leg(901), await leg(902)], next + MAX_BUNDLE_DEADLINE_SLOTS + 10n), -32602, /too far ahead/)
    // The user has sent a transaction on 901 above: nonce 0 is spent there.
    await rejectsWith(sendBundle([await leg(901, { nonce: 0 })]), -32602, /nonce too low/)
    await rejectsWith(sendBundle([await leg(901, { gas: DEFAULT_GAS_LIMIT })]), -32602, /gas limit too high/)
    const n901 = await clients[901]!.getTransactionCount({ address: user.address })
    await rejectsWith(sendBundle([await leg(901, { nonce: n901, gas: 16_000_000n }), await leg(901, { nonce: n901 + 1, gas: 16_000_000n })]), -32602, /bundles may use at most/)
    const n = await clients[902]!.getTransactionCount({ address: user.address })
    await rejectsWith(sendBundle([await leg(902, { nonce: n }), await leg(902, { nonce: n + 2 })]), -32602, /does not follow/)
    await rejectsWith(sendBundle(Array.from({ length: 65 }, () => ({ chainId: 901, tx: '0x02' as Hex }))), -32602, /at most 64/)

    // Bundles that wait (a nonce gap keeps them failing) up to a deadline: one sender may have only so many.
    const waiting = await clients[901]!.getTransactionCount({ address: user.address })
    const deadline = (await nextSlot()) + 40n
    for (let i = 0; i < MAX_PENDING_BUNDLES_PER_SENDER; i++) await sendBundle([await leg(901, { nonce: waiting + 1 + i })], deadline)
    await rejectsWith(sendBundle([await leg(901, { nonce: waiting + 100 })], deadline), -32005, /waiting bundles/)
    await keepsBuilding()
  })

  it('a burst of 600 bundles from 60 senders with distant deadlines: every chain keeps building and every bundle is decided', async () => {
    const deadline = (await nextSlot()) + 60n
    const senders = Array.from({ length: 60 }, () => privateKeyToAccount(generatePrivateKey()))
    // Unfunded senders: every attempt fails (cheaply) until the deadline.
    const ids: Hex[] = []
    const sends: Promise<void>[] = []
    for (const sender of senders) {
      for (let i = 0; i < 10; i++) {
        sends.push(
          (async () => {
            const legs = [
              { chainId: 901, tx: await sign(sender, 901, { to: sender.address, value: 1n, nonce: i }) },
              { chainId: 902, tx: await sign(sender, 902, { to: sender.address, value: 1n, nonce: i }) },
            ]
            ids.push((await sendBundle(legs, deadline)).bundleId)
          })(),
        )
      }
    }
    await Promise.all(sends)
    assert.equal(ids.length, 600)
    await keepsBuilding(8n)
    await waitFor(async () => {
      const statuses = await Promise.all(ids.map((id) => rpc<{ status: string }>(net.l2Url(902), 'plexus_getBundle', [id])))
      return statuses.every((s) => s.status === 'rejected') ? true : undefined
    }, 120_000, 'every bundle rejected by its deadline')
    await keepsBuilding()
  })

  it('after the hostile bundles, relays and retries above, every asset is still backed by L1 escrow', async () => {
    await assertBacked(net.network)
  })
})

describe('an L1 reorg under an included bundle', { timeout: 300_000 }, () => {
  let net: TestNetwork

  before(async () => {
    net = await startTestNetwork({ chainIds: [...CHAINS] })
  })
  after(async () => {
    await net?.stop()
  })

  it('queues the bundle again and includes it whole, never its transactions one by one', async () => {
    const l1Chain = defineChain({ id: 900, name: 'L1', nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [net.l1Url] } } })
    const l1 = createPublicClient({ chain: l1Chain, transport: http(net.l1Url), cacheTime: 0 })
    const clients = Object.fromEntries(CHAINS.map((id) => [id, createPublicClient({ transport: http(net.l2Url(id)), cacheTime: 0 })])) as Record<number, PublicClient>
    // A deposit whose L1 block the reorg removes: every L2 block from its inclusion on is rewound.
    const depositor = privateKeyToAccount(devAccounts()[3]!.privateKey)
    const recipient = privateKeyToAccount(generatePrivateKey()).address
    const depositHash = await createWalletClient({ account: depositor, chain: l1Chain, transport: http(net.l1Url) }).writeContract({
      address: net.network.deployment.contracts.Portal,
      abi: abiOf('Portal'),
      functionName: 'depositETH',
      args: [901n, recipient],
      value: 10n ** 18n,
    })
    const depositBlock = (await l1.waitForTransactionReceipt({ hash: depositHash })).blockNumber
    await waitFor(async () => (await clients[901]!.getBalance({ address: recipient })) > 0n, 30_000, 'deposit on L2')

    const sender = privateKeyToAccount(devAccounts()[7]!.privateKey)
    const to = '0x0000000000000000000000000000000000c0ffee' as Hex
    const legs = await Promise.all(
      CHAINS.map(async (chainId) => {
        const client = clients[chainId]!
        const fees = await client.estimateFeesPerGas()
        const nonce = await client.getTransactionCount({ address: sender.address })
        // A fee cap that still pays the base fee of the rewound chain.
        const tx = await sender.signTransaction({ chainId, nonce, to, value: 5n, gas: 21_000n, type: 'eip1559', maxFeePerGas: fees.maxFeePerGas * 10n + 10n ** 10n, maxPriorityFeePerGas: 1n })
        return { chainId: `0x${chainId.toString(16)}`, tx }
      }),
    )
    const { bundleId } = await rpc<{ bundleId: Hex }>(net.l2Url(901), 'plexus_sendBundle', [{ txs: legs, deadlineSlot: `0x${((await clients[901]!.getBlockNumber()) + 20n).toString(16)}` }])
    type Included = { status: 'included'; txs: { chainId: Hex; hash: Hex; blockNumber: Hex; blockHash: Hex }[] }
    const first = await waitFor(async () => {
      const s = await rpc<Included | { status: string }>(net.l2Url(902), 'plexus_getBundle', [bundleId])
      return s.status === 'included' ? (s as Included) : undefined
    }, 30_000, 'bundle included')

    const l1Head = await l1.getBlockNumber()
    await l1.request({ method: 'anvil_reorg' as never, params: [Number(l1Head - depositBlock + 1n), []] as never })

    const again = await waitFor(async () => {
      const s = await rpc<Included | { status: string }>(net.l2Url(902), 'plexus_getBundle', [bundleId])
      return s.status === 'included' && (s as Included).txs[0]!.blockHash !== first.txs[0]!.blockHash ? (s as Included) : undefined
    }, 60_000, 'bundle included again after the reorg')
    assert.equal(again.txs[0]!.blockNumber, again.txs[1]!.blockNumber, 'both legs in one slot again')
    for (const t of again.txs) {
      const receipt = await clients[Number(t.chainId)]!.getTransactionReceipt({ hash: t.hash })
      assert.equal(receipt.blockHash, t.blockHash, `chain ${Number(t.chainId)} has the leg where the bundle says`)
      assert.equal(receipt.status, 'success')
    }
    assert.equal(await clients[901]!.getBalance({ address: recipient }), 0n, 'the deposit is gone with its L1 block')
  })

  it('after the L1 reorg requeued the bundle, every asset is still backed by L1 escrow', async () => {
    await assertBacked(net.network)
  })
})
