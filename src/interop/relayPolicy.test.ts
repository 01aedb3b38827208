import { test } from 'node:test'
import assert from 'node:assert/strict'
import { encodeFunctionData, parseAbi, type Hex } from 'viem'
import { devAccounts } from '../execution/genesis.js'
import { PREDEPLOYS } from '../execution/predeploys.js'
import { initCrypto } from '../primitives/crypto.js'
import { buildMemorySlot, openMemoryChains, signedTx, type MemorySlot } from '../../test/helpers/memoryChains.js'
import { payForRelayTx } from '../../test/helpers/relayPayment.js'
import { tempDir } from '../../test/helpers/tmp.js'
import { ChainsView } from './chainsView.js'
import { messageHash } from './messages.js'
import { MessageTracker, type TrackedMessage } from './messageTracker.js'
import { Relayer } from './relayer.js'
import { interopSlotRules } from './slotRules.js'

await initCrypto()

const IDS = [901n, 902n]
const [alice, bob, relayerAccount] = devAccounts(3)
const messenger = parseAbi(['function sendMessage(uint256 destination, address target, bytes message) returns (bytes32)'])
const REVERTS = PREDEPLOYS.SuperchainTokenBridge // no function 0xdeadbeef: a relay to it reverts
const GENERIC = 'the relay transaction reverted'

/**
 * Slot 1: 902 sends (and pays for) one message to 901 that relays fine and one whose
 * target reverts; slot 2 relays both on 901. Every change the tracker announces is kept.
 */
async function network() {
  const dirs = IDS.map(() => tempDir())
  const chains = await openMemoryChains(IDS, dirs)
  const relayer = new Relayer({ key: relayerAccount!.privateKey })
  const tracker = new MessageTracker({ relayer: relayer.address })
  for (const chain of chains.values()) tracker.follow(chain)
  const changes: { msgHash: Hex; status: string; failure?: string }[] = []
  tracker.onChange((m) => changes.push({ msgHash: m.msgHash, status: m.status, ...(m.failure ? { failure: m.failure } : {}) }))
  const rules = interopSlotRules({ chains: () => chains, view: new ChainsView(() => chains), tracker, relayer })
  const hashOf = (nonce: number, target: Hex, data: Hex) => messageHash({ destination: 901n, source: 902n, nonce: BigInt(nonce), sender: alice!.address.toLowerCase() as Hex, target: target.toLowerCase() as Hex, message: data })
  const pay = (nonce: number, target: Hex, data: Hex) => payForRelayTx(chains.get(902n)!, nonce, { from: 1, destination: 901n, gasLimit: 300_000n, msgHash: hashOf(nonce, target, data) })
  const send = (nonce: number, target: Hex, data: Hex) =>
    signedTx(chains.get(902n)!, nonce, { to: PREDEPLOYS.L2ToL2CrossDomainMessenger, gasLimit: 200_000n, data: encodeFunctionData({ abi: messenger, functionName: 'sendMessage', args: [901n, target, data] }) })
  const results: MemorySlot[] = []
  for (const n of [1n, 2n]) {
    const res = await buildMemorySlot(chains, rules, {relayer: relayer.address, 
        slot: n,
        timestamp: 1_000n + n,
        chains: IDS.map((id) => ({ chainId: id, txs: (id === 902n && n === 1n ? [pay(0, bob!.address, '0x'), pay(1, REVERTS, '0xdeadbeef'), send(0, bob!.address, '0x'), send(1, REVERTS, '0xdeadbeef')] : []) })),
        bundles: [],
      })
    await res.commit()
    // What the network wires: the sequencer's onSlot, after the commit.
    rules.slotCommitted(res)
    results.push(res)
  }
  const ok = tracker.get(hashOf(0, bob!.address, '0x'))!
  const reverted = tracker.get(hashOf(1, REVERTS, '0xdeadbeef'))!
  return { chains, tracker, relayer, rules, changes, results, ok, reverted, cleanup: () => dirs.forEach((d) => d.cleanup()) }
}

test('a relay in a block is recorded once, from the block: one status change per outcome, one attempt; the slot adds only the revert reason', { timeout: 60_000 }, async () => {
  const net = await network()
  try {
    const outcome = net.results[1]!.relays.find((r) => r.msgHash === net.reverted.msgHash)!
    assert.equal(outcome.included, true)
    assert.equal(outcome.ok, false)
    // Invariant: each message went sent → (relayed | failed) exactly once.
    for (const [m, status] of [[net.ok, 'relayed'], [net.reverted, 'failed']] as const) {
      const statuses = net.changes.filter((c) => c.msgHash === m.msgHash).map((c) => c.status)
      assert.deepEqual(statuses.filter((s, i) => s !== statuses[i - 1]), ['sent', status], `${m.msgHash}: ${statuses.join(' → ')}`)
      assert.equal(m.status, status)
      assert.equal(m.attempts, 1, 'one relay, one attempt')
      assert.ok(m.destinationTx && m.destinationBlock === 2n)
    }
    // The reason is the one the slot saw executing the relay, not the block's bare "reverted".
    assert.equal(net.reverted.failure, outcome.reason)
    assert.notEqual(net.reverted.failure, GENERIC)
  } finally {
    net.cleanup()
  }
})

test('after a restart the outcomes and the attempts are rebuilt from the chains alone, in any read order', { timeout: 60_000 }, async () => {
  const net = await network()
  try {
    for (const order of [[901n, 902n], [902n, 901n]]) {
      const rebuilt = new MessageTracker({ relayer: net.relayer.address })
      for (const id of order) rebuilt.follow(net.chains.get(id)!)
      const ok = rebuilt.get(net.ok.msgHash)!
      const reverted = rebuilt.get(net.reverted.msgHash)!
      assert.deepEqual([ok.status, ok.attempts, ok.destinationTx], ['relayed', 1, net.ok.destinationTx], `order ${order.join(', ')}`)
      assert.deepEqual([reverted.status, reverted.attempts, reverted.destinationTx], ['failed', 1, net.reverted.destinationTx], `order ${order.join(', ')}`)
      // The revert reason was never on chain: the rebuilt tracker says what the block says.
      assert.equal(reverted.failure, GENERIC)
      assert.equal(rebuilt.waitingFor(901n).length, 0)
    }
  } finally {
    net.cleanup()
  }
})

test('a rewind of the destination takes the relays back: messages wait again and their attempts are gone', { timeout: 60_000 }, async () => {
  const net = await network()
  try {
    await net.chains.get(901n)!.rewindTo(1n)
    for (const m of [net.ok, net.reverted]) {
      assert.equal(m.status, 'sent')
      assert.equal(m.attempts, 0)
      assert.equal(m.destinationTx, undefined)
    }
    assert.equal(net.tracker.waitingFor(901n).length, 2)
  } finally {
    net.cleanup()
  }
})

test('hostile or stale slot reports change nothing the blocks recorded; refused relays fail with their reason and count', { timeout: 60_000 }, async () => {
  const net = await network()
  try {
    const before = JSON.stringify(snapshot(net.tracker.list({ limit: 10 })), bigints)
    const changes = net.changes.length
    const unknown = `0x${'ab'.repeat(32)}` as Hex
    net.rules.slotCommitted({
      relays: [
        // A reason for a transaction that is not the failure the tracker holds.
        { msgHash: net.reverted.msgHash, ptx: { hash: `0x${'11'.repeat(32)}` }, kind: 'included', included: true, ok: false, reason: 'forged' },
        // A relay of a message already relayed, reported refused: a relayed message stays relayed.
        { msgHash: net.ok.msgHash, kind: 'invalid', included: false, ok: false, reason: 'forged' },
        // Unknown messages, with and without a transaction.
        { msgHash: unknown, kind: 'unsignable', included: false, ok: false },
        { msgHash: unknown, ptx: { hash: unknown }, kind: 'included', included: true, ok: false, reason: 'x' },
        // No room: it waits, not an outcome.
        { msgHash: net.reverted.msgHash, kind: 'no-room', included: false, ok: false },
      ],
    })
    assert.equal(JSON.stringify(snapshot(net.tracker.list({ limit: 10 })), bigints), before)
    assert.equal(net.changes.length, changes, 'nothing announced')

    // A failed message retried and then refused by the next block: failed with that reason, one more attempt.
    net.tracker.retry(net.reverted.msgHash)
    net.rules.slotCommitted({ relays: [{ msgHash: net.reverted.msgHash, kind: 'invalid', included: false, ok: false, reason: 'nonce too low' }] })
    assert.deepEqual([net.reverted.status, net.reverted.failure, net.reverted.attempts], ['failed', 'nonce too low', 2])
    net.rules.slotCommitted({ relays: [{ msgHash: net.reverted.msgHash, kind: 'unsignable', included: false, ok: false }] })
    assert.equal(net.reverted.attempts, 3)
    assert.match(net.reverted.failure!, /unsignable/)
  } finally {
    net.cleanup()
  }
})

function snapshot(list: TrackedMessage[]) {
  return list.map(({ msgHash, status, failure, attempts, destinationTx, destinationBlock, relayGas }) => ({ msgHash, status, failure, attempts, destinationTx, destinationBlock, relayGas }))
}

function bigints(_key: string, v: unknown) {
  return typeof v === 'bigint' ? v.toString() : v
}
