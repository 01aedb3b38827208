import { test } from 'node:test'
import assert from 'node:assert/strict'
import { encodeFunctionData, parseAbi } from 'viem'
import { devAccounts } from '../execution/genesis.js'
import { PREDEPLOYS } from '../execution/predeploys.js'
import { initCrypto } from '../primitives/crypto.js'
import { buildMemorySlot, openMemoryChains, signedTx } from '../../test/helpers/memoryChains.js'
import { tempDir } from '../../test/helpers/tmp.js'
import { ChainsView } from './chainsView.js'
import { MessageTracker } from './messageTracker.js'
import { messageHash } from './messages.js'
import { payForRelayTx } from '../../test/helpers/relayPayment.js'
import { Relayer } from './relayer.js'
import { interopSlotRules } from './slotRules.js'

await initCrypto()

const IDS = [901n, 902n]
const [alice, bob, relayerAccount] = devAccounts(3)
const messenger = parseAbi(['function sendMessage(uint256 destination, address target, bytes message) returns (bytes32)'])
const REVERTS = PREDEPLOYS.SuperchainTokenBridge // no function 0xdeadbeef: a relay to it reverts

/**
 * Slot 1: 902 sends one message to 901 that relays fine and one whose target reverts;
 * both are relayed (and one fails) in slot 2, on 901. What a restart must read back.
 */
async function chainsWithRelays(dirs: { dir: string }[], opts: { payAfterSend?: boolean; topUpInSlot3?: boolean; oneSecond?: boolean } = {}) {
  const chains = await openMemoryChains(IDS, dirs)
  const tracker = new MessageTracker({ relayer: relayerAccount!.address })
  for (const chain of chains.values()) tracker.follow(chain)
  const rules = interopSlotRules({ chains: () => chains, view: new ChainsView(() => chains), tracker, relayer: new Relayer({ key: relayerAccount!.privateKey }) })
  const pay = (nonce: number, target: `0x${string}`, data: `0x${string}`, txNonce = nonce) =>
    payForRelayTx(chains.get(902n)!, txNonce, { from: 1, destination: 901n, gasLimit: 300_000n, msgHash: messageHash({ destination: 901n, source: 902n, nonce: BigInt(nonce), sender: alice!.address.toLowerCase() as `0x${string}`, target: target.toLowerCase() as `0x${string}`, message: data }) })
  const send = (nonce: number, target: `0x${string}`, data: `0x${string}`) =>
    signedTx(chains.get(902n)!, nonce, { to: PREDEPLOYS.L2ToL2CrossDomainMessenger, gasLimit: 200_000n, data: encodeFunctionData({ abi: messenger, functionName: 'sendMessage', args: [901n, target, data] }) })
  const pays = () => [pay(0, bob!.address, '0x'), pay(1, REVERTS, '0xdeadbeef')]
  const sends = () => [send(0, bob!.address, '0x'), send(1, REVERTS, '0xdeadbeef')]
  const txsOf = (id: bigint, n: bigint) => {
    if (id !== 902n) return []
    if (n === 1n) return opts.payAfterSend ? [...sends(), ...pays()] : [...pays(), ...sends()]
    // A top-up of the failed message, a slot after its relay failed.
    if (n === 3n && opts.topUpInSlot3) return [pay(1, REVERTS, '0xdeadbeef', 2)]
    return []
  }
  for (const n of opts.topUpInSlot3 ? [1n, 2n, 3n] : [1n, 2n]) {
    const res = await buildMemorySlot(chains, rules, {relayer: relayerAccount!.address.toLowerCase() as `0x${string}`, 
        slot: n,
        // Slots shorter than a second share a timestamp: what orders them is the slot.
        timestamp: opts.oneSecond ? 1_000n : 1_000n + n,
        chains: IDS.map((id) => ({ chainId: id, txs: txsOf(id, n) })),
        bundles: [],
      })
    await res.commit()
  }
  return { chains, tracker }
}

test('at start-up a relay read before the message it delivers is not lost: the message is relayed (or failed), not waiting to be relayed again', async () => {
  const dirs = IDS.map(() => tempDir())
  try {
    const { chains, tracker: live } = await chainsWithRelays(dirs)
    const statuses = live.list({ limit: 10 }).map((m) => m.status).sort()
    assert.deepEqual(statuses, ['failed', 'relayed'], 'the live tracker saw one relayed, one failed')
    // A restart reads the destination (901) before the source (902): chain-id order.
    for (const order of [[901n, 902n], [902n, 901n]]) {
      const rebuilt = new MessageTracker()
      for (const id of order) rebuilt.follow(chains.get(id)!)
      assert.deepEqual(rebuilt.list({ limit: 10 }).map((m) => m.status).sort(), ['failed', 'relayed'], `read in order ${order.join(', ')}`)
      assert.equal(rebuilt.waitingFor(901n).length, 0, 'nothing to relay again (it would revert: MessageAlreadyRelayed)')
      for (const m of rebuilt.list({ limit: 10 })) assert.ok(m.destinationTx, `${m.status} message has its destination transaction`)
    }
  } finally {
    dirs.forEach((d) => d.cleanup())
  }
})

test('at start-up a payment made with a message does not reopen its failed relay, whatever order the chains are read in; a later top-up does', async () => {
  // The message is sent, then paid for, in one block; the network's relay of it reverts a
  // slot later and uses up what was paid. A restart that read the destination first used
  // to take the payment for a top-up: the message went back to "sent" with no gas left to
  // relay it, neither failed nor ever relayed.
  const rebuiltIn = (chains: Map<bigint, unknown>, order: bigint[]) => {
    const rebuilt = new MessageTracker({ relayer: relayerAccount!.address })
    for (const id of order) rebuilt.follow((chains as Map<bigint, Parameters<MessageTracker['follow']>[0]>).get(id)!)
    return rebuilt
  }
  const failedOf = (t: MessageTracker) => t.list({ limit: 10 }).find((m) => m.target.toLowerCase() === REVERTS.toLowerCase())!
  for (const [topUp, oneSecond] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    const dirs = IDS.map(() => tempDir())
    try {
      const { chains, tracker: live } = await chainsWithRelays(dirs, { payAfterSend: true, topUpInSlot3: topUp, oneSecond })
      const expected = topUp ? 'sent' : 'failed'
      assert.equal(failedOf(live).status, expected, `live (top-up: ${topUp})`)
      for (const order of [[901n, 902n], [902n, 901n]]) {
        const rebuilt = rebuiltIn(chains, order)
        const m = failedOf(rebuilt)
        assert.equal(m.status, expected, `read in order ${order.join(', ')} (top-up: ${topUp})`)
        assert.equal(m.relayGas, failedOf(live).relayGas, 'the same gas left to relay it')
        assert.equal(m.attempts, 1, 'one relay by the network')
        assert.deepEqual(rebuilt.waitingFor(901n).map((w) => w.msgHash), topUp ? [m.msgHash] : [], 'waiting to be relayed again only after a top-up')
      }
    } finally {
      dirs.forEach((d) => d.cleanup())
    }
  }
})
