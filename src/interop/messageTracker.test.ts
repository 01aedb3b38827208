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
async function chainsWithRelays(dirs: { dir: string }[]) {
  const chains = await openMemoryChains(IDS, dirs)
  const tracker = new MessageTracker()
  for (const chain of chains.values()) tracker.follow(chain)
  const rules = interopSlotRules({ chains: () => chains, view: new ChainsView(() => chains), tracker, relayer: new Relayer({ key: relayerAccount!.privateKey }) })
  const pay = (nonce: number, target: `0x${string}`, data: `0x${string}`) =>
    payForRelayTx(chains.get(902n)!, nonce, { from: 1, destination: 901n, gasLimit: 300_000n, msgHash: messageHash({ destination: 901n, source: 902n, nonce: BigInt(nonce), sender: alice!.address.toLowerCase() as `0x${string}`, target: target.toLowerCase() as `0x${string}`, message: data }) })
  const send = (nonce: number, target: `0x${string}`, data: `0x${string}`) =>
    signedTx(chains.get(902n)!, nonce, { to: PREDEPLOYS.L2ToL2CrossDomainMessenger, gasLimit: 200_000n, data: encodeFunctionData({ abi: messenger, functionName: 'sendMessage', args: [901n, target, data] }) })
  for (const n of [1n, 2n]) {
    const res = await buildMemorySlot(chains, rules, {relayer: relayerAccount!.address.toLowerCase() as `0x${string}`, 
        slot: n,
        timestamp: 1_000n + n,
        chains: IDS.map((id) => ({ chainId: id, txs: (id === 902n && n === 1n ? [pay(0, bob!.address, '0x'), pay(1, REVERTS, '0xdeadbeef'), send(0, bob!.address, '0x'), send(1, REVERTS, '0xdeadbeef')] : []) })),
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
