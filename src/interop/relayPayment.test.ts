import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createFeeMarket1559Tx } from '@ethereumjs/tx'
import { encodeFunctionData, parseAbi } from 'viem'
import type { Chain } from '../execution/chain.js'
import { toPooledTx } from '../execution/decodeTx.js'
import { devAccounts } from '../execution/genesis.js'
import type { PooledTx } from '../execution/pooledTx.js'
import { PREDEPLOYS } from '../execution/predeploys.js'
import { loadArtifact } from '../primitives/artifacts.js'
import { initCrypto } from '../primitives/crypto.js'
import { hexToBytes, type Hex } from '../primitives/hex.js'
import { relayGasBudget } from '../sequencer/slotBuilder.js'
import { buildMemorySlot, openMemoryChains, signedTx, type MemorySlot } from '../../test/helpers/memoryChains.js'
import { payForRelayTx } from '../../test/helpers/relayPayment.js'
import { tempDir } from '../../test/helpers/tmp.js'
import { ChainsView } from './chainsView.js'
import { messageHash } from './messages.js'
import { MessageTracker } from './messageTracker.js'
import { relayCallOf, Relayer } from './relayer.js'
import { RELAY_POST_CALL_GAS, relayExecutionOverhead } from './relayPayment.js'
import { interopSlotRules } from './slotRules.js'

await initCrypto()

const IDS = [901n, 902n]
const accounts = devAccounts(10)
const relayerAccount = accounts[9]!
const PROBE = '0x00000000000000000000000000000000000beef1' as Hex
const probeAbi = parseAbi([
  'function sendPaid(uint256 destination, address target, bytes message, uint256 gasLimit) payable returns (bytes32)',
  'function sendMany(uint256 destination, address target, uint256 count, uint256 gasLimit) payable',
  'function record()',
  'function burn()',
])
const messengerAbi = parseAbi(['function sendMessage(uint256 destination, address target, bytes message) returns (bytes32)'])
const RECORD = encodeFunctionData({ abi: probeAbi, functionName: 'record' })
const BURN = encodeFunctionData({ abi: probeAbi, functionName: 'burn' })

/** Two chains in memory with the probe contract on both, and the rules the sequencer builds by. */
async function network() {
  const dirs = IDS.map(() => tempDir())
  const alloc = { [PROBE]: { balance: `0x${(10n ** 21n).toString(16)}`, code: loadArtifact('RelayGasProbe').deployedBytecode } }
  const chains = await openMemoryChains(IDS, dirs, alloc)
  const relayer = new Relayer({ key: relayerAccount.privateKey })
  const tracker = new MessageTracker({ relayer: relayer.address })
  for (const chain of chains.values()) tracker.follow(chain)
  const rules = interopSlotRules({ chains: () => chains, view: new ChainsView(() => chains), tracker, relayer })
  let n = 0n
  /** Builds and commits the next slot with these pool transactions per chain. */
  const slot = async (txs: Partial<Record<string, PooledTx[]>> = {}): Promise<MemorySlot> => {
    n++
    const res = await buildMemorySlot(chains, rules, {relayer: relayer.address,  slot: n, timestamp: 1_000n + n, chains: IDS.map((id) => ({ chainId: id, txs: (txs[String(id)] ?? []) })) })
    await res.commit()
    return res
  }
  const nonces = new Map<string, number>()
  /** A signed tx from dev account `from` on `chainId`, with the next nonce. */
  const tx = (chainId: bigint, from: number, fields: { to: Hex; data?: Hex; value?: bigint; gasLimit?: bigint }) => {
    const key = `${chainId}:${from}`
    const nonce = nonces.get(key) ?? 0
    nonces.set(key, nonce + 1)
    return signedTx(chains.get(chainId)!, nonce, { gasLimit: 1_000_000n, ...fields, from })
  }
  const pay = (chainId: bigint, from: number, p: { msgHash: Hex; destination: bigint; gasLimit: bigint }) => {
    const key = `${chainId}:${from}`
    const nonce = nonces.get(key) ?? 0
    nonces.set(key, nonce + 1)
    return payForRelayTx(chains.get(chainId)!, nonce, { ...p, from })
  }
  const word = async (chainId: bigint, slotIndex: bigint) => BigInt(`0x${Buffer.from(await chains.get(chainId)!.headStorage(hexToBytes(PROBE), hexToBytes(`0x${slotIndex.toString(16).padStart(64, '0')}`))).toString('hex') || '0'}`)
  return { chains, tracker, relayer, rules, slot, tx, pay, probe: { gasAtEntry: (c: bigint) => word(c, 0n), calls: (c: bigint) => word(c, 1n) }, cleanup: () => dirs.forEach((d) => d.cleanup()) }
}

type Net = Awaited<ReturnType<typeof network>>

/** The network relayer's transactions in `chain`'s block `n`, with their receipts' gas used. */
function relaysIn(net: Net, chainId: bigint, n: bigint): { gasLimit: bigint; gasUsed: bigint; status: number | undefined }[] {
  const chain = net.chains.get(chainId)!
  const block = chain.getBlockByNumber(n)!
  const receipts = chain.getReceipts(block.hash())!
  const out = []
  for (const [i, t] of block.transactions.entries()) {
    const gasUsed = receipts[i]!.cumulativeGasUsed - (i === 0 ? 0n : receipts[i - 1]!.cumulativeGasUsed)
    if (t.getSenderAddress().toString() === net.relayer.address) out.push({ gasLimit: t.gasLimit, gasUsed, status: receipts[i]!.status })
  }
  return out
}

/** Everything a relay transaction spends besides what was paid: its intrinsic gas and the messenger's overhead. */
function fixedCostOf(chain: Chain, m: { id: never; payload: Hex; payloadHash: Hex } | Parameters<typeof relayCallOf>[0]): bigint {
  const call = relayCallOf(m)
  const probe = createFeeMarket1559Tx({ chainId: chain.chainId, to: call.to, data: hexToBytes(call.data), accessList: call.accessList, gasLimit: 0n }, { common: chain.common })
  return probe.getIntrinsicGas() + relayExecutionOverhead((m.payload.length - 2) / 2)
}

/** The hash of the `i`-th message `sender` (the probe or an account) sends from 901 to 902 on a fresh chain. */
const hashOf = (nonce: bigint, sender: Hex, target: Hex, message: Hex, source = 901n, destination = 902n) =>
  messageHash({ destination, source, nonce, sender: sender.toLowerCase() as Hex, target: target.toLowerCase() as Hex, message })

test('a paid message is relayed with exactly the gas paid: the target gets no more (a 300k and a 30k payment), and the relay costs at most paid + fixed overhead', async () => {
  const net = await network()
  try {
    // The last: a 4 KiB message (record() ignores the extra calldata), for the per-word part of the overhead.
    for (const [paid, message] of [[300_000n, RECORD], [30_000n, RECORD], [500_000n, `${RECORD}${'ab'.repeat(4096)}`]] as const) {
      const before = await net.probe.calls(902n)
      const res = await net.slot({ '901': [net.tx(901n, 0, { to: PROBE, gasLimit: 2_000_000n, data: encodeFunctionData({ abi: probeAbi, functionName: 'sendPaid', args: [902n, PROBE, message as Hex, paid] }) })] })
      const relay = res.relays.find((r) => r.chainId === 902n)
      assert.ok(relay?.ok, `the ${paid} relay ran in the same slot and succeeded: ${relay?.reason}`)
      const m = net.tracker.get(relay.msgHash)!
      assert.equal(m.status, 'relayed')
      assert.equal(m.paidGas, paid)
      const [r] = relaysIn(net, 902n, res.blocks[1]!.sealed.block.header.number)
      // Invariant: the relay transaction is limited to what was paid plus the computed fixed cost.
      assert.equal(r!.gasLimit, paid + fixedCostOf(net.chains.get(902n)!, m), 'gas limit = paid + intrinsic + messenger overhead')
      assert.ok(r!.gasUsed <= r!.gasLimit)
      // Invariant: the target never gets more than paid, but for the post-call reserve (below ~0.3M paid).
      const got = await net.probe.gasAtEntry(902n)
      console.log(`paid ${paid}, message ${(message.length - 2) / 2} bytes: the target got ${got}`)
      assert.ok(got <= paid + RELAY_POST_CALL_GAS, `target got ${got} for ${paid} paid`)
      assert.ok(got >= paid - paid / 10n - 2_000n, `the overhead formula is not far above the real cost (target got ${got} for ${paid})`)
      assert.equal(await net.probe.calls(902n), before + 1n)
    }
  } finally {
    net.cleanup()
  }
})

test('a target that burns everything: the relay spends at most paid + overhead, fails, the budget is used up; a retry cannot relay it again, a top-up can, with the top-up only', async () => {
  const net = await network()
  try {
    const res = await net.slot({ '901': [net.tx(901n, 0, { to: PROBE, data: encodeFunctionData({ abi: probeAbi, functionName: 'sendPaid', args: [902n, PROBE, BURN, 1_000_000n] }) })] })
    const relay = res.relays.find((r) => r.chainId === 902n)!
    assert.equal(relay.ok, false)
    const m = net.tracker.get(relay.msgHash)!
    const fixed = fixedCostOf(net.chains.get(902n)!, m)
    const [r] = relaysIn(net, 902n, 1n)
    assert.equal(r!.status, 0)
    assert.ok(r!.gasUsed <= 1_000_000n + fixed, `relay used ${r!.gasUsed} for 1,000,000 paid + ${fixed}`)
    assert.equal(m.status, 'failed')
    assert.equal(m.relayGas, 0n, 'the failed relay used up what was paid')

    net.tracker.retry(m.msgHash)
    await net.slot()
    assert.equal(relaysIn(net, 902n, 2n).length, 0, 'a retry with nothing paid left relays nothing')

    await net.slot({ '901': [net.pay(901n, 1, { msgHash: m.msgHash, destination: 902n, gasLimit: 200_000n })] })
    await net.slot()
    const again = [...relaysIn(net, 902n, 3n), ...relaysIn(net, 902n, 4n)]
    assert.equal(again.length, 1, 'the top-up queued it again')
    assert.equal(again[0]!.gasLimit, 200_000n + fixed, 'with the top-up, not the spent 1M on top')

    // A rebuilt tracker (restart) reaches the same budget from chain data alone.
    const rebuilt = new MessageTracker({ relayer: net.relayer.address })
    for (const id of [902n, 901n]) rebuilt.follow(net.chains.get(id)!)
    assert.equal(rebuilt.get(m.msgHash)!.relayGas, 0n)
    assert.equal(rebuilt.get(m.msgHash)!.paidGas, 1_200_000n)
    assert.equal(rebuilt.waitingFor(902n).length, 0, 'nothing to relay after a restart')
  } finally {
    net.cleanup()
  }
})

test('an unpaid message is never relayed by the network; anyone relays it by hand with plexus_relayMessageTx’s call; a later top-up would have relayed it', async () => {
  const net = await network()
  try {
    const alice = accounts[0]!.address
    const send = (n: number) => net.tx(901n, 0, { to: PREDEPLOYS.L2ToL2CrossDomainMessenger, data: encodeFunctionData({ abi: messengerAbi, functionName: 'sendMessage', args: [902n, PROBE, RECORD] }), gasLimit: 200_000n + BigInt(n) })
    await net.slot({ '901': [send(0), send(1)] })
    await net.slot()
    const [byHand, toppedUp] = [hashOf(0n, alice, PROBE, RECORD), hashOf(1n, alice, PROBE, RECORD)]
    for (const h of [byHand, toppedUp]) {
      const m = net.tracker.get(h)!
      assert.equal(m.status, 'sent')
      assert.equal(m.relayGas, 0n)
    }
    assert.equal(relaysIn(net, 902n, 1n).length + relaysIn(net, 902n, 2n).length, 0, 'no relay of unpaid messages')

    // By hand: bob signs the relay call on 902 (the access list declares the message).
    const call = relayCallOf(net.tracker.get(byHand)!)
    const chain902 = net.chains.get(902n)!
    const handTx = createFeeMarket1559Tx(
      { chainId: 902n, nonce: 0n, to: call.to, data: hexToBytes(call.data), accessList: call.accessList, gasLimit: 400_000n, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 1n },
      { common: chain902.common },
    ).sign(hexToBytes(accounts[1]!.privateKey))
    await net.slot({ '902': [toPooledTx(handTx, handTx.serialize())] })
    assert.equal(net.tracker.get(byHand)!.status, 'relayed')
    assert.equal(await net.probe.calls(902n), 1n)

    // A top-up two slots later: relayed once paid.
    await net.slot({ '901': [net.pay(901n, 2, { msgHash: toppedUp, destination: 902n, gasLimit: 100_000n })] })
    await net.slot()
    assert.equal(net.tracker.get(toppedUp)!.status, 'relayed')
    assert.equal(await net.probe.calls(902n), 2n)
  } finally {
    net.cleanup()
  }
})

test('payments that do not match are never relayed: a hash never sent, the wrong destination, another chain', async () => {
  const net = await network()
  try {
    const alice = accounts[0]!.address
    const h = hashOf(0n, alice, PROBE, RECORD)
    await net.slot({
      '901': [
        net.pay(901n, 1, { msgHash: `0x${'ab'.repeat(32)}`, destination: 902n, gasLimit: 100_000n }),
        net.pay(901n, 1, { msgHash: h, destination: 903n, gasLimit: 100_000n }),
        net.tx(901n, 0, { to: PREDEPLOYS.L2ToL2CrossDomainMessenger, data: encodeFunctionData({ abi: messengerAbi, functionName: 'sendMessage', args: [902n, PROBE, RECORD] }) }),
      ],
      // Paid on the destination, not the source: the network does not count it.
      '902': [net.pay(902n, 1, { msgHash: h, destination: 901n, gasLimit: 100_000n })],
    })
    await net.slot()
    assert.equal(net.tracker.get(h)!.relayGas, 0n)
    assert.equal(relaysIn(net, 902n, 1n).length + relaysIn(net, 902n, 2n).length, 0)
  } finally {
    net.cleanup()
  }
})

test("a flood of unpaid and of cheap paid messages does not delay users' transactions: they are in the slot they were sent in; relays stay within the relay budget", async () => {
  const net = await network()
  try {
    // Slot 1: 901 sends 800 unpaid messages to 902 (two transactions of 400).
    const flood = (count: bigint, gas: bigint, value = 0n) => net.tx(901n, 0, { to: PROBE, gasLimit: 14_000_000n, value, data: encodeFunctionData({ abi: probeAbi, functionName: 'sendMany', args: [902n, PROBE, count, gas] }) })
    const users = (chainId: bigint) => Array.from({ length: 20 }, () => net.tx(chainId, 1, { to: accounts[2]!.address, value: 1n, gasLimit: 21_000n }))
    const s1 = await net.slot({ '901': [flood(400n, 0n), flood(400n, 0n)], '902': users(902n) })
    assert.equal(net.tracker.size, 800)
    assert.equal(s1.blocks[1]!.sealed.included.length, 20, "902's users are in slot 1")
    // Slot 2: 120 cheap paid messages (50k gas each) on 901; users on both chains.
    const s2 = await net.slot({ '901': [flood(120n, 50_000n), ...users(901n)], '902': users(902n) })
    const paidHashes = net.tracker.list({ limit: 2_000 }).filter((m) => m.paidGas > 0n).map((m) => m.msgHash)
    assert.equal(paidHashes.length, 120)
    assert.equal(s2.blocks[0]!.sealed.included.length, 21, "901's users are in slot 2 with the flood")
    assert.equal(s2.blocks[1]!.sealed.included.filter((t) => t.sender !== net.relayer.address).length, 20, "902's users are in slot 2 beside the relays")
    const relayGas = relaysIn(net, 902n, 2n).reduce((a, r) => a + r.gasLimit, 0n)
    assert.ok(relayGas <= relayGasBudget(30_000_000n), `relays asked for ${relayGas}`)
    // Every paid message is relayed within a few slots; no unpaid one ever is.
    for (let i = 0; i < 3 && paidHashes.some((h) => net.tracker.get(h)!.status !== 'relayed'); i++) {
      const s = await net.slot({ '902': users(902n) })
      assert.equal(s.blocks[1]!.sealed.included.filter((t) => t.sender !== net.relayer.address).length, 20, "902's users are never pushed out")
    }
    assert.equal(paidHashes.filter((h) => net.tracker.get(h)!.status === 'relayed').length, 120)
    assert.equal(net.tracker.list({ limit: 2_000, status: 'relayed' }).length, 120, 'no unpaid message relayed')
    assert.equal(await net.probe.calls(902n), 120n)
  } finally {
    net.cleanup()
  }
})
