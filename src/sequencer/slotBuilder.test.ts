import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createFeeMarket1559Tx } from '@ethereumjs/tx'
import { encodeFunctionData, parseAbi } from 'viem'
import { Chain } from '../execution/chain.js'
import { toPooledTx } from '../execution/decodeTx.js'
import { devAccounts } from '../execution/genesis.js'
import type { TxSource } from '../execution/openBlock.js'
import type { PooledTx } from '../execution/pooledTx.js'
import { PREDEPLOYS } from '../execution/predeploys.js'
import { rollupGenesis } from '../execution/rollupGenesis.js'
import { ChainsView } from '../interop/chainsView.js'
import { MessageTracker } from '../interop/messageTracker.js'
import { Relayer } from '../interop/relayer.js'
import { executingMessageCheck } from '../interop/validation.js'
import { initCrypto } from '../primitives/crypto.js'
import { hexToBytes, toData, type Hex } from '../primitives/hex.js'
import { silentLogger } from '../primitives/logger.js'
import { ChainStore } from '../storage/chainStore.js'
import { openDatabase } from '../storage/database.js'
import { tempDir } from '../../test/helpers/tmp.js'
import { buildSlot, type SlotBundle, type SlotRules } from './slotBuilder.js'

await initCrypto()

const IDS = [901n, 902n]
const [alice, bob, relayerAccount] = devAccounts(3)
const messenger = parseAbi(['function sendMessage(uint256 destination, address target, bytes message) returns (bytes32)'])

function source(txs: PooledTx[]): TxSource {
  let i = 0
  return { next: () => (i < txs.length ? { done: false, value: txs[i++]! } : { done: true, value: undefined }), skipSender: () => undefined }
}

function signed(chain: Chain, nonce: number, fields: { to: Hex; data?: Hex; value?: bigint; gasLimit?: bigint }): PooledTx {
  const tx = createFeeMarket1559Tx(
    { chainId: chain.chainId, nonce, to: fields.to, value: fields.value ?? 0n, data: fields.data ? hexToBytes(fields.data) : undefined, gasLimit: fields.gasLimit ?? 21_000n, maxFeePerGas: 10n ** 10n, maxPriorityFeePerGas: 1n },
    { common: chain.common },
  ).sign(hexToBytes(alice!.privateKey))
  return toPooledTx(tx, tx.serialize())
}

/** A network of two chains in memory, with the rules the sequencer builds by. */
async function network() {
  const dirs = IDS.map(() => tempDir())
  const chains = new Map<bigint, Chain>()
  for (const [i, id] of IDS.entries()) {
    const genesis = rollupGenesis({ chainId: Number(id), gasLimit: 30_000_000n, l1Portal: '0x0000000000000000000000000000000000000001', timestamp: 1_000n })
    chains.set(id, await Chain.open(new ChainStore(openDatabase(dirs[i]!.dir)), genesis, silentLogger()))
  }
  const view = new ChainsView(() => chains)
  const tracker = new MessageTracker()
  for (const chain of chains.values()) tracker.follow(chain)
  const relayer = new Relayer({ key: relayerAccount!.privateKey })
  const rules: SlotRules = {
    checkTx: (chainId, block) => executingMessageCheck(view, chainId, block),
    relaysFor: async (chainId) => (await relayer.relayTxs(chains.get(chainId)!, tracker.waitingFor(chainId))).map((r) => r.ptx),
  }
  const slot = (n: bigint, txs: Map<bigint, PooledTx[]>, bundles: SlotBundle[] = []) =>
    buildSlot(
      {
        slot: n,
        timestamp: 1_000n + n,
        chains: IDS.map((id) => ({ chainId: id, chain: chains.get(id)!, coinbase: new Uint8Array(20), txs: source(txs.get(id) ?? []) })),
        bundles,
      },
      rules,
    )
  return { chains, tracker, slot, cleanup: () => dirs.forEach((d) => d.cleanup()) }
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
        return [id, [signed(net.chains.get(id)!, 0, { to: PREDEPLOYS.L2ToL2CrossDomainMessenger, data, gasLimit: 200_000n })]]
      }))
    for (const n of [1n, 2n]) {
      const [ra, rb] = [await a.slot(n, n === 1n ? inputs(a) : new Map()), await b.slot(n, n === 1n ? inputs(b) : new Map())]
      assert.deepEqual(ra.blocks.map((x) => toData(x.built.block.hash())), rb.blocks.map((x) => toData(x.built.block.hash())), `slot ${n} blocks`)
      for (const x of ra.blocks) assert.equal(x.built.block.header.timestamp, 1_000n + n, 'every chain has the slot timestamp')
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
    assert.equal(outcome.included === false && outcome.failed.chainId, 902n)
    for (const { built } of res.blocks) assert.equal(built.included.length, 0, 'nothing of the bundle in either block')
    assert.equal((await c901.headAccount(hexToBytes(alice!.address)))?.nonce ?? 0n, 0n)

    const again = await net.slot(2n, new Map(), [{ id: '0x02', txs: [{ chainId: 901n, ptx: ok }, { chainId: 902n, ptx: signed(c902, 0, { to: bob!.address, value: 7n }) }] }])
    assert.equal(again.bundles[0]!.included, true)
    assert.equal(again.blocks.every((b) => b.built.included.length === 1), true, 'one bundle transaction in each block')
  } finally {
    net.cleanup()
  }
})
