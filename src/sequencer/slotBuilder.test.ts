import { test } from 'node:test'
import assert from 'node:assert/strict'
import { encodeFunctionData, parseAbi } from 'viem'
import { Chain } from '../execution/chain.js'
import { devAccounts } from '../execution/genesis.js'
import type { TxSource } from '../execution/openBlock.js'
import type { PooledTx } from '../execution/pooledTx.js'
import { PREDEPLOYS } from '../execution/predeploys.js'
import { ChainsView } from '../interop/chainsView.js'
import { MessageTracker } from '../interop/messageTracker.js'
import { Relayer } from '../interop/relayer.js'
import { interopSlotRules } from '../interop/slotRules.js'
import { initCrypto } from '../primitives/crypto.js'
import { hexToBytes, toData, type Hex } from '../primitives/hex.js'
import { tempDir } from '../../test/helpers/tmp.js'
import { payForRelayTx } from '../../test/helpers/relayPayment.js'
import { messageHash } from '../interop/messages.js'
import { buildMemorySlot, openMemoryChains, signedTx, type MemorySlot, type MemorySlotChain } from '../../test/helpers/memoryChains.js'
import { relayDataReserve } from './payloadBuilder.js'
import { ChainTurnError, relayGasBudget, type SlotBundle, type SlotRules } from './slotBuilder.js'

await initCrypto()

const IDS = [901n, 902n]
const [alice, bob, relayerAccount] = devAccounts(3)
const messenger = parseAbi(['function sendMessage(uint256 destination, address target, bytes message) returns (bytes32)'])

const signed = (chain: Chain, nonce: number, fields: { to: Hex; data?: Hex; value?: bigint; gasLimit?: bigint }) => signedTx(chain, nonce, fields)

/** A network of two chains in memory, with the rules the sequencer builds by. */
async function network(alloc?: Parameters<typeof openMemoryChains>[2]) {
  const dirs = IDS.map(() => tempDir())
  const chains = await openMemoryChains(IDS, dirs, alloc)
  const view = new ChainsView(() => chains)
  const tracker = new MessageTracker()
  for (const chain of chains.values()) tracker.follow(chain)
  const relayer = new Relayer({ key: relayerAccount!.privateKey })
  const rules: SlotRules = interopSlotRules({ chains: () => chains, view, tracker, relayer })
  /** Builds slot `n` and commits it (as the shared sequencer does once the slot is recorded). */
  const slot = async (n: bigint, txs: Map<bigint, PooledTx[]>, bundles: SlotBundle[] = [], extra: Partial<MemorySlotChain> = {}): Promise<MemorySlot> => {
    const res = await buildMemorySlot(chains, rules, {relayer: relayerAccount!.address.toLowerCase() as Hex, 
        slot: n,
        timestamp: 1_000n + n,
        chains: IDS.map((id) => ({ chainId: id, txs: (txs.get(id) ?? []), ...extra })),
        bundles,
      })
    await res.commit()
    return res
  }
  return { chains, tracker, rules, slot, cleanup: () => dirs.forEach((d) => d.cleanup()) }
}

/** Bob pays (with his nonce `bobNonce`) for the relay of alice's `nonce`-th message from `source` to `destination` (to bob, empty): paid before it is sent, which the paymaster allows. */
const payFor = (chain: Chain, bobNonce: number, nonce: bigint, destination: bigint, gasLimit = 400_000n) =>
  payForRelayTx(chain, bobNonce, { from: 1, destination, gasLimit, msgHash: messageHash({ destination, source: chain.chainId, nonce, sender: alice!.address.toLowerCase() as Hex, target: bob!.address.toLowerCase() as Hex, message: '0x' }) })

const sendTo = (destination: bigint) => encodeFunctionData({ abi: messenger, functionName: 'sendMessage', args: [destination, bob!.address, '0x'] })

/** Relay transactions (the relayer's) in `chain`'s block `n`. */
function relaysIn(chain: Chain, n: bigint): bigint[] {
  return chain
    .getBlockByNumber(n)!
    .transactions.filter((t) => t.to?.toString() === PREDEPLOYS.L2ToL2CrossDomainMessenger && t.getSenderAddress().toString() === relayerAccount!.address.toLowerCase())
    .map((t) => t.nonce)
}

test('a slot is reproducible: the same parents, inputs and rules give the same blocks on another node', async () => {
  const a = await network()
  const b = await network()
  try {
    // Slot 1: 901 sends a message to 902 (relayed in the same slot) and 902 one to 901 (next slot).
    const inputs = (net: Awaited<ReturnType<typeof network>>) =>
      new Map(IDS.map((id) => {
        const other = IDS.find((x) => x !== id)!
        const data = encodeFunctionData({ abi: messenger, functionName: 'sendMessage', args: [other, bob!.address, '0x'] })
        return [id, [payFor(net.chains.get(id)!, 0, 0n, other), signed(net.chains.get(id)!, 0, { to: PREDEPLOYS.L2ToL2CrossDomainMessenger, data, gasLimit: 200_000n })]]
      }))
    for (const n of [1n, 2n]) {
      const [ra, rb] = [await a.slot(n, n === 1n ? inputs(a) : new Map()), await b.slot(n, n === 1n ? inputs(b) : new Map())]
      assert.deepEqual(ra.blocks.map((x) => toData(x.sealed.block.hash())), rb.blocks.map((x) => toData(x.sealed.block.hash())), `slot ${n} blocks`)
      for (const x of ra.blocks) assert.equal(x.sealed.block.header.timestamp, 1_000n + n, 'every chain has the slot timestamp')
    }
    const relays = (net: Awaited<ReturnType<typeof network>>, id: bigint, n: bigint) =>
      net.chains.get(id)!.getBlockByNumber(n)!.transactions.filter((t) => t.to?.toString() === PREDEPLOYS.L2ToL2CrossDomainMessenger && t.getSenderAddress().toString() === relayerAccount!.address.toLowerCase()).length
    assert.equal(relays(a, 902n, 1n), 1, '901→902 relayed in slot 1 (902 builds after 901)')
    assert.equal(relays(a, 901n, 1n), 0)
    assert.equal(relays(a, 901n, 2n), 1, '902→901 relayed in slot 2')
  } finally {
    a.cleanup()
    b.cleanup()
  }
})

test('a bundle whose second transaction reverts is taken back on every chain', async () => {
  const net = await network()
  try {
    const c901 = net.chains.get(901n)!
    const c902 = net.chains.get(902n)!
    const ok = signed(c901, 0, { to: bob!.address, value: 5n })
    // sendMessage to its own chain reverts.
    const reverting = signed(c902, 0, {
      to: PREDEPLOYS.L2ToL2CrossDomainMessenger,
      data: encodeFunctionData({ abi: messenger, functionName: 'sendMessage', args: [902n, bob!.address, '0x'] }),
      gasLimit: 200_000n,
    })
    const res = await net.slot(1n, new Map(), [{ id: '0x01', txs: [{ chainId: 901n, ptx: ok }, { chainId: 902n, ptx: reverting }] }])
    const outcome = res.bundles[0]!
    assert.equal(outcome.included, false)
    assert.equal('failed' in outcome && outcome.failed.chainId, 902n)
    for (const { sealed } of res.blocks) assert.equal(sealed.included.length, 0, 'nothing of the bundle in either block')
    assert.equal((await c901.headAccount(hexToBytes(alice!.address)))?.nonce ?? 0n, 0n)

    const again = await net.slot(2n, new Map(), [{ id: '0x02', txs: [{ chainId: 901n, ptx: ok }, { chainId: 902n, ptx: signed(c902, 0, { to: bob!.address, value: 7n }) }] }])
    assert.equal(again.bundles[0]!.included, true)
    assert.equal(again.blocks.every((b) => b.sealed.included.length === 1), true, 'one bundle transaction in each block')
  } finally {
    net.cleanup()
  }
})

/** Slot 1: 901 sends `count` messages to 902, which carries only its deposits, so the messages wait. */
async function messagesWaiting(net: Awaited<ReturnType<typeof network>>, count: number, gas: bigint[] = []): Promise<`0x${string}`[]> {
  const c901 = net.chains.get(901n)!
  const sends = Array.from({ length: count }, (_, i) => signed(c901, i, { to: PREDEPLOYS.L2ToL2CrossDomainMessenger, data: sendTo(902n), gasLimit: 200_000n }))
  const pays = Array.from({ length: count }, (_, i) => payFor(c901, i, BigInt(i), 902n, gas[i] ?? 400_000n))
  const res = await buildMemorySlot(net.chains, net.rules, {relayer: relayerAccount!.address.toLowerCase() as Hex, 
      slot: 1n,
      timestamp: 1_001n,
      chains: IDS.map((id) => ({ chainId: id, txs: (id === 901n ? [...pays, ...sends] : []), depositsOnly: id === 902n })),
      bundles: [],
    })
  await res.commit()
  const waiting = net.tracker.waitingFor(902n).map((m) => m.msgHash)
  assert.equal(waiting.length, count, 'every message waits for 902')
  return waiting
}

test('a relay paid for more gas than one relay may have in a block gets that much (maxRelayGas), and the next relay waits: no nonce gap', async () => {
  const net = await network()
  try {
    // 16,777,216 is the most the paymaster takes for one message; a 30M block lets one relay have 15M.
    const [big, fine] = await messagesWaiting(net, 2, [16_777_216n, 100_000n])
    const res = await net.slot(2n, new Map())
    assert.deepEqual(res.blocks.map((b) => b.sealed.block.header.number), [2n, 2n], 'every chain built slot 2')
    const byMsg = new Map(res.relays.map((r) => [r.msgHash, r]))
    assert.equal(byMsg.get(big!)!.included, true)
    assert.equal(byMsg.get(big!)!.ptx!.gasLimit, relayGasBudget(30_000_000n), 'capped at what one relay may use')
    assert.equal(byMsg.get(fine!)!.kind, 'no-room', 'the budget is spent: the next relay waits')
    await net.slot(3n, new Map())
    assert.deepEqual(relaysIn(net.chains.get(902n)!, 2n), [0n])
    assert.deepEqual(relaysIn(net.chains.get(902n)!, 3n), [1n], 'the waiting relay took nonce 1: no gap')
  } finally {
    net.cleanup()
  }
})

test('relays past the block relay budget wait for the next slot, and nonces stay consecutive', async () => {
  const net = await network()
  try {
    // 30M gas blocks: relays may use 15M; each relay asks for 400k paid + its fixed cost.
    await messagesWaiting(net, 40)
    const second = await net.slot(2n, new Map())
    const perRelay = second.relays[0]!.ptx!.gasLimit
    const fit = Number(relayGasBudget(30_000_000n) / perRelay)
    assert.ok(fit > 20 && fit < 40, `${fit} relays of ${perRelay} fit`)
    assert.equal(second.relays.filter((r) => r.included).length, fit)
    assert.equal(second.relays.filter((r) => r.kind === 'no-room').length, 40 - fit)
    assert.deepEqual(relaysIn(net.chains.get(902n)!, 2n), Array.from({ length: fit }, (_, i) => BigInt(i)))
    await net.slot(3n, new Map())
    assert.deepEqual(relaysIn(net.chains.get(902n)!, 3n), Array.from({ length: 40 - fit }, (_, i) => BigInt(fit + i)))
    assert.equal(net.tracker.waitingFor(902n).length, 0, 'every message relayed')
  } finally {
    net.cleanup()
  }
})

test('bundles beyond a block bundle gas budget are deferred, not tried', async () => {
  const net = await network()
  try {
    const c901 = net.chains.get(901n)!
    // Each asks for 6M gas on 901: two fit in the 15M bundle budget of a 30M block.
    const bundles: SlotBundle[] = [0, 1, 2].map((nonce) => ({ id: `0x0${nonce + 1}`, txs: [{ chainId: 901n, ptx: signed(c901, nonce, { to: bob!.address, value: 1n, gasLimit: 6_000_000n }) }] }))
    const res = await net.slot(1n, new Map(), bundles)
    assert.deepEqual(res.bundles.map((b) => (b.included ? 'included' : 'deferred' in b ? 'deferred' : 'failed')), ['included', 'included', 'deferred'])
    assert.equal(res.blocks[0]!.sealed.included.length, 2)
  } finally {
    net.cleanup()
  }
})

test("a chain's turn that throws rejects the slot as ChainTurnError and leaves every chain at its head; deposits-only builds it", async () => {
  const net = await network()
  try {
    const throwing: TxSource = { next: () => { throw new Error('pool exploded') }, skipSender: () => undefined }
    const input = (depositsOnly: boolean) => ({
      relayer: relayerAccount!.address.toLowerCase() as Hex,
      slot: 1n,
      timestamp: 1_001n,
      chains: IDS.map((id) => ({ chainId: id, txs: id === 902n ? throwing : [], depositsOnly: depositsOnly && id === 902n })),
    })
    await assert.rejects(buildMemorySlot(net.chains, net.rules, input(false)), (err: unknown) => err instanceof ChainTurnError && err.chainId === 902n)
    for (const chain of net.chains.values()) assert.equal(chain.headHeader().number, 0n, 'nothing committed')
    const res = await buildMemorySlot(net.chains, net.rules, input(true))
    await res.commit()
    for (const chain of net.chains.values()) assert.equal(chain.headHeader().number, 1n, 'both chains built slot 1')
  } finally {
    net.cleanup()
  }
})

test("a block's data share leaves what does not fit in the pool, with a quarter kept for same-slot relays; an aborted slot leaves no trace", async () => {
  const net = await network()
  try {
    const c901 = net.chains.get(901n)!
    const txs = Array.from({ length: 10 }, (_, i) => signed(c901, i, { to: bob!.address, value: 1n }))
    // Room for four transactions; the pool may use three quarters of it: three.
    const cap = txs[0]!.raw.length * 4 + 10
    const built = await buildMemorySlot(net.chains, net.rules, { slot: 1n, timestamp: 1_001n, chains: [{ chainId: 901n, txs, maxTxDataBytes: cap }] })
    assert.equal(built.blocks[0]!.sealed.included.length, 3)
    assert.ok(built.blocks[0]!.sealed.txDataBytes <= cap - relayDataReserve(cap))
    // Sealed but never committed: the chain is where it was.
    await built.abort()
    assert.equal(c901.headHeader().number, 0n)
    assert.equal((await c901.headAccount(hexToBytes(alice!.address)))?.nonce ?? 0n, 0n)
  } finally {
    net.cleanup()
  }
})

test('a burst of same-slot messages beyond the pool\'s reserve: the pool keeps its block, what fits is relayed in the slot, the rest in the next with consecutive nonces', async () => {
  // A contract that burns all the gas it is given (INVALID): pool transactions that fill a block.
  const burner: Hex = '0x00000000000000000000000000000000000000bb'
  const net = await network({ [burner]: { balance: '0x0', code: '0xfe' } })
  try {
    const c901 = net.chains.get(901n)!
    const c902 = net.chains.get(902n)!
    // Each relay asks for ~480k gas and uses ~70k: 2M gas left fits about twenty-three of forty.
    const count = 40
    const sends = Array.from({ length: count }, (_, i) => signed(c901, i, { to: PREDEPLOYS.L2ToL2CrossDomainMessenger, data: sendTo(902n), gasLimit: 200_000n }))
    const pays = Array.from({ length: count }, (_, i) => payFor(c901, i, BigInt(i), 902n))
    // 902's pool asks for the whole block: 30 × 1M gas.
    const burners = Array.from({ length: 30 }, (_, i) => signedTx(c902, i, { to: burner, gasLimit: 1_000_000n, from: 3 }))
    const s1 = await net.slot(1n, new Map([[901n, [...pays, ...sends]], [902n, burners]]))
    const relayed1 = relaysIn(c902, 1n)
    assert.ok(relayed1.length > 0 && relayed1.length < count, `${relayed1.length} of ${count} same-slot relays fit the default reserve`)
    assert.deepEqual(relayed1, Array.from({ length: relayed1.length }, (_, i) => BigInt(i)))
    // The pool kept everything but the reserve: 28 burners (2M gas left for the relays).
    const burnt = s1.blocks[1]!.sealed.included.filter((p) => p.sender !== relayerAccount!.address.toLowerCase()).length
    assert.equal(burnt, 28)
    // What the same-slot relays asked for is reported, for the next slot's reserve.
    assert.ok(s1.blocks[1]!.sameSlotDemand.gas >= BigInt(count) * 400_000n)
    assert.equal(s1.relays.filter((r) => r.chainId === 902n && r.kind === 'no-room').length, count - relayed1.length)
    // The rest go in the next slot, the nonces following on.
    await net.slot(2n, new Map())
    assert.deepEqual(relaysIn(c902, 2n), Array.from({ length: count - relayed1.length }, (_, i) => BigInt(relayed1.length + i)))
    assert.equal(net.tracker.waitingFor(902n).length, 0, 'every message relayed, each once')
  } finally {
    net.cleanup()
  }
})
