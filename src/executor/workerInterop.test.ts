import assert from 'node:assert/strict'
import { after, describe, it } from 'node:test'
import { createFeeMarket1559Tx } from '@ethereumjs/tx'
import { encodeFunctionData, parseAbi } from 'viem'
import { toPooledTx } from '../execution/decodeTx.js'
import { devAccounts } from '../execution/genesis.js'
import type { PooledTx } from '../execution/pooledTx.js'
import { PREDEPLOYS } from '../execution/predeploys.js'
import { rollupGenesis } from '../execution/rollupGenesis.js'
import { StoreChainReader } from '../execution/storeChainReader.js'
import { executingMessagesAccessList } from '../interop/accessList.js'
import { ChainsView } from '../interop/chainsView.js'
import { payloadHashOf, type MessageIdentifier } from '../interop/identifier.js'
import { interopCheckTx } from '../interop/slotRules.js'
import { initCrypto } from '../primitives/crypto.js'
import { RpcErrorCode } from '../primitives/errors.js'
import { hexToBytes, toData, type Hex } from '../primitives/hex.js'
import { silentLogger } from '../primitives/logger.js'
import { createChainCommon } from '../execution/genesis.js'
import type { ChainExecutor, SealedPayload } from '../sequencer/chainExecutor.js'
import { buildSlot, STANDALONE_SLOT_RULES, type SlotBundle, type SlotResult, type SlotRules } from '../sequencer/slotBuilder.js'
import { ChainStore } from '../storage/chainStore.js'
import { openDatabase } from '../storage/database.js'
import { tempDir } from '../../test/helpers/tmp.js'
import { PeerCallError } from './peer.js'
import { NETWORK_CHANGED } from './protocol.js'
import type { NetworkChainData } from './workerData.js'
import { WorkerExecutor } from './workerExecutor.js'

await initCrypto()

/** Recent, so the pool's admission check (at the wall clock) finds the messages unexpired. */
const T0 = BigInt(Math.floor(Date.now() / 1000)) - 100_000n
const accounts = devAccounts(10)
const relayer = accounts[9]!
const RELAYER = relayer.address.toLowerCase() as Hex
const sink: Hex = '0x00000000000000000000000000000000000000aa'
const messenger = parseAbi(['function sendMessage(uint256 destination, address target, bytes message) returns (bytes32)'])
const genesisOf = (id: bigint) => rollupGenesis({ chainId: Number(id), gasLimit: 30_000_000n, l1Portal: '0x0000000000000000000000000000000000000001', timestamp: T0 })
const commonOf = (id: bigint) => createChainCommon(genesisOf(id))

const dirs: { dir: string; cleanup(): void }[] = []
const workers: WorkerExecutor[] = []
const stores: ChainStore[] = []
function dir(): string {
  const d = tempDir()
  dirs.push(d)
  return d.dir
}

/** A network of chains, each in a worker that knows every other one's datadir (genesis slot 0). */
async function network(ids: readonly bigint[]): Promise<{ datadirs: Map<bigint, string>; ws: Map<bigint, WorkerExecutor> }> {
  const datadirs = new Map(ids.map((id) => [id, dir()]))
  const ws = new Map<bigint, WorkerExecutor>()
  // Started one after the other: the first ones open their readers of the later ones lazily.
  for (const id of ids) {
    const chains = ids.filter((o) => o !== id).map((o) => chainData(o, datadirs.get(o)!))
    const w = await WorkerExecutor.start({ datadir: datadirs.get(id)!, genesis: genesisOf(id), relayer: RELAYER, logger: silentLogger(), recoveryThreads: 1, txpool: { maxPending: 8192 }, network: { genesisSlot: 0n, chains } })
    workers.push(w)
    ws.set(id, w)
  }
  return { datadirs, ws }
}
const chainData = (id: bigint, datadir: string): NetworkChainData => ({ datadir, genesis: genesisOf(id), genesisSlot: 0n })

/** The coordinator's side: readers of the workers' stores in this thread, and its check (the in-process rule). */
function coordinatorView(datadirs: Map<bigint, string>): { view: ChainsView; advance(): void; readers: Map<bigint, StoreChainReader> } {
  const readers = new Map<bigint, StoreChainReader>()
  for (const [id, d] of [...datadirs].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    const store = new ChainStore(openDatabase(d))
    stores.push(store)
    readers.set(id, StoreChainReader.open(store, genesisOf(id), silentLogger()))
  }
  return { view: new ChainsView(() => readers), advance: () => readers.forEach((r) => r.advance()), readers }
}

function slot(n: bigint, ws: Map<bigint, WorkerExecutor>, opts: { rules?: SlotRules; bundles?: SlotBundle[] } = {}): Promise<SlotResult> {
  const executors: ChainExecutor[] = [...ws.values()].map((w) => w.executor)
  return buildSlot({ slot: n, timestamp: T0 + n, chains: executors.map((executor) => ({ chainId: executor.chainId, executor, attrs: { coinbase: new Uint8Array(20) } })), bundles: opts.bundles ?? [] }, opts.rules ?? STANDALONE_SLOT_RULES)
}

async function commit(res: SlotResult, ws: Map<bigint, WorkerExecutor>): Promise<void> {
  for (const b of res.blocks) await ws.get(b.chainId)!.executor.commitPayload(toData(b.payload.block.hash()))
}

/** A message 901 → 902 sent and committed in slot 1 (its identifier, as an executing transaction names it). */
async function messageCommittedInSlot1(ws: Map<bigint, WorkerExecutor>) {
  await ws.get(901n)!.sendRawTransactions([sendMessage(901n, 0, 0, 902n).raw])
  const s1 = await slot(1n, ws)
  await commit(s1, ws)
  return messagesOf(901n, blockOf(s1, 901n))[0]
}

function tx(chainId: bigint, from: number, nonce: number, fields: { to: Hex; data?: Hex; gasLimit?: bigint; executes?: { id: MessageIdentifier; msgHash: Hex }[] }): PooledTx {
  const t = createFeeMarket1559Tx(
    {
      chainId,
      nonce,
      to: fields.to,
      data: fields.data ? hexToBytes(fields.data) : undefined,
      gasLimit: fields.gasLimit ?? 100_000n,
      maxFeePerGas: 10n ** 10n,
      maxPriorityFeePerGas: 1n,
      accessList: fields.executes ? executingMessagesAccessList(fields.executes) : [],
    },
    { common: commonOf(chainId) },
  ).sign(hexToBytes(accounts[from]!.privateKey))
  return toPooledTx(t, t.serialize())
}

const sendMessage = (chainId: bigint, from: number, nonce: number, destination: bigint): PooledTx =>
  tx(chainId, from, nonce, { to: PREDEPLOYS.L2ToL2CrossDomainMessenger, gasLimit: 200_000n, data: encodeFunctionData({ abi: messenger, functionName: 'sendMessage', args: [destination, sink, '0x'] }) })

/** Every log of a sealed block as an executing message would name it. */
function messagesOf(chainId: bigint, payload: Pick<SealedPayload, 'block' | 'receipts'>): { id: MessageIdentifier; msgHash: Hex }[] {
  const logs = payload.receipts.flatMap((r) => r.logs)
  return logs.map(([address, topics, data], logIndex) => ({
    id: { origin: toData(address) as Hex, blockNumber: payload.block.header.number, logIndex, timestamp: payload.block.header.timestamp, chainId },
    msgHash: payloadHashOf(topics.map((t) => toData(t) as Hex), toData(data) as Hex),
  }))
}

const blockOf = (res: SlotResult, chainId: bigint) => res.blocks.find((b) => b.chainId === chainId)!.payload
const hashesIn = (res: SlotResult, chainId: bigint) => blockOf(res, chainId).block.transactions.map((t) => toData(t.hash()))

describe('executor workers check executing messages against their replica of the network', { timeout: 300_000 }, () => {
  after(async () => {
    for (const w of workers) await w.stop()
    for (const s of stores) await s.close()
    dirs.forEach((d) => d.cleanup())
  })

  it('a message of an earlier slot executes on the other chain; forged identifiers are refused with the coordinator\'s reason', async () => {
    // Invariant: a worker includes an executing message iff the coordinator's own check (over the same chains) accepts it, and refuses with the same reason.
    const { datadirs, ws } = await network([901n, 902n])
    // Slot 1: 901 sends a message.
    const send = sendMessage(901n, 0, 0, 902n)
    assert.deepEqual(await ws.get(901n)!.sendRawTransactions([send.raw]), [{ hash: send.hash }])
    const s1 = await slot(1n, ws)
    await commit(s1, ws)
    const [sent] = messagesOf(901n, blockOf(s1, 901n))
    assert.ok(sent, 'the message was sent')
    const coordinator = coordinatorView(datadirs)
    coordinator.advance()

    const forged: [string, { id: MessageIdentifier; msgHash: Hex }][] = [
      ['wrong log index', { id: { ...sent.id, logIndex: sent.id.logIndex + 5 }, msgHash: sent.msgHash }],
      ['wrong payload hash', { id: sent.id, msgHash: `0x${'11'.repeat(32)}` }],
      ['a block that does not exist', { id: { ...sent.id, blockNumber: 50n, timestamp: T0 + 50n }, msgHash: sent.msgHash }],
      ['a future slot', { id: { ...sent.id, blockNumber: 2n, timestamp: T0 + 2n }, msgHash: sent.msgHash }],
      ['a chain outside the network', { id: { ...sent.id, chainId: 999n }, msgHash: sent.msgHash }],
    ]
    // Through the pool: each forged one refused at admission, with the reason the coordinator's check gives.
    const w902 = ws.get(902n)!
    const head902 = coordinator.readers.get(902n)!.headHeader()
    const now = BigInt(Math.floor(Date.now() / 1000))
    const expected = (t: PooledTx, at: { number: bigint; timestamp: bigint }) => interopCheckTx(coordinator.view)(902n, at, new Map())(t.tx)
    for (const [i, [what, msg]] of forged.entries()) {
      const t = tx(902n, 1, i, { to: sink, executes: [msg] })
      const [res] = await w902.sendRawTransactions([t.raw])
      const want = expected(t, { number: head902.number + 1n, timestamp: now })
      assert.ok(want, `${what}: the coordinator refuses it`)
      assert.ok(res && 'error' in res, `${what}: refused by the worker's pool`)
      assert.equal(res.error.code, RpcErrorCode.Server)
      assert.equal(res.error.message, want, what)
    }
    // Into the block (a bundle leg bypasses the pool): refused by the block check with the same reason.
    const bundles: SlotBundle[] = forged.map(([, msg], i) => ({ id: `0x${(i + 1).toString(16).padStart(64, '0')}` as Hex, txs: [{ chainId: 902n, ptx: tx(902n, 2 + i, 0, { to: sink, executes: [msg] }) }] }))
    const valid = tx(902n, 1, 0, { to: sink, executes: [sent] })
    assert.deepEqual(await w902.sendRawTransactions([valid.raw]), [{ hash: valid.hash }])
    const s2 = await slot(2n, ws, { bundles })
    for (const [i, o] of s2.bundles.entries()) {
      const t = bundles[i]!.txs[0]!.ptx
      assert.ok(!o.included && 'failed' in o, `${forged[i]![0]}: not included`)
      // The in-process check of the same tx at the same block (slot 2 is not committed: the view is at slot 1).
      assert.equal(o.failed.reason, expected(t, { number: 2n, timestamp: T0 + 2n }), forged[i]![0])
    }
    assert.deepEqual(hashesIn(s2, 902n), [valid.hash], 'the valid executing message is included, nothing forged')
    await commit(s2, ws)
  })

  it('freshness: a message committed in slot N executes in slot N+1 with nothing else moving the worker\'s view (a bundle, no pool call)', async () => {
    // Invariant: when a payload opens, the worker's view holds every slot committed before it.
    const { ws } = await network([901n, 902n])
    const m = await messageCommittedInSlot1(ws)
    const leg = tx(902n, 1, 0, { to: sink, executes: [m!] })
    const s2 = await slot(2n, ws, { bundles: [{ id: `0x${'ab'.repeat(32)}`, txs: [{ chainId: 902n, ptx: leg }] }] })
    assert.deepEqual(s2.bundles.map((b) => ('failed' in b ? b.failed.reason : b.included)), [true])
    assert.deepEqual(hashesIn(s2, 902n), [leg.hash])
    await commit(s2, ws)
  })

  it('same slot: 901\'s message relayed on 902 in the slot it was sent (through sealed); a forged same-slot relay is refused', async () => {
    // Invariant: a same-slot executing message is valid iff the log it names is in the block sealed earlier in the slot.
    const { ws } = await network([901n, 902n])
    await ws.get(901n)!.sendRawTransactions([sendMessage(901n, 0, 0, 902n).raw])
    const rules: SlotRules = {
      ...STANDALONE_SLOT_RULES,
      sameSlotRelaysFor: async (chainId, _block, sealed) => {
        const s = sealed.get(901n)
        if (chainId !== 902n || !s) return { relays: [] }
        const [m] = messagesOf(901n, s)
        if (!m) return { relays: [] }
        const relayOf = (msg: { id: MessageIdentifier; msgHash: Hex }, hash: Hex) => ({
          msgHash: hash,
          gasLimit: 100_000n,
          initiating: { chainId: 901n, blockNumber: m.id.blockNumber, logIndex: m.id.logIndex, origin: m.id.origin, payloadHash: m.msgHash },
          sign: (nonce: bigint) => tx(902n, 9, Number(nonce), { to: sink, executes: [msg] }),
        })
        return { relays: [relayOf(m, `0x${'01'.repeat(32)}`), relayOf({ ...m, id: { ...m.id, logIndex: m.id.logIndex + 1 } }, `0x${'02'.repeat(32)}`)] }
      },
    }
    const s1 = await slot(1n, ws, { rules })
    const outcomes = s1.relays.filter((r) => r.chainId === 902n)
    assert.equal(outcomes.length, 2)
    assert.equal(outcomes[0]!.ok, true, `the same-slot relay is included: ${outcomes[0]!.reason}`)
    assert.equal(outcomes[1]!.ok, false, 'the forged same-slot relay is refused')
    assert.match(outcomes[1]!.reason ?? '', /^invalid executing message: /)
    assert.equal(hashesIn(s1, 902n).length, 1)
    await commit(s1, ws)
    // The same message executed from the pool in the next slot: now through the committed log index.
    const [m] = messagesOf(901n, blockOf(s1, 901n))
    const again = tx(902n, 1, 0, { to: sink, executes: [m!] })
    assert.deepEqual(await ws.get(902n)!.sendRawTransactions([again.raw]), [{ hash: again.hash }])
    const s2 = await slot(2n, ws)
    assert.deepEqual(hashesIn(s2, 902n), [again.hash])
    await commit(s2, ws)
  })

  it('a burst: 300 messages sent in one slot, 300 executing transactions and 60 forged ones at once; exactly the valid ones are included', async () => {
    // Invariant: every valid executing message is included exactly once; no forged one is admitted or included.
    const { ws } = await network([901n, 902n])
    const sends = Array.from({ length: 300 }, (_, i) => sendMessage(901n, i % 6, Math.floor(i / 6), 902n))
    const pooled = await ws.get(901n)!.sendRawTransactions(sends.map((t) => t.raw))
    assert.ok(pooled.every((r) => 'hash' in r))
    const sent: { id: MessageIdentifier; msgHash: Hex }[] = []
    let n = 1n
    for (; sent.length < 300; n++) {
      assert.ok(n < 6n, `only ${sent.length} messages sent after ${n - 1n} slots`)
      const res = await slot(n, ws)
      sent.push(...messagesOf(901n, blockOf(res, 901n)))
      await commit(res, ws)
    }
    // 300 valid (senders 0..5 on 902) interleaved with 60 forged (sender 6..7: wrong payload hash).
    const valid = sent.map((m, i) => tx(902n, i % 6, Math.floor(i / 6), { to: sink, executes: [m] }))
    const forged = sent.slice(0, 60).map((m, i) => tx(902n, 6 + (i % 2), Math.floor(i / 2), { to: sink, executes: [{ id: m.id, msgHash: `0x${'22'.repeat(32)}` }] }))
    const batch = valid.flatMap((t, i) => (i % 5 === 0 && forged[i / 5] ? [t, forged[i / 5]!] : [t]))
    const results = await ws.get(902n)!.sendRawTransactions(batch.map((t) => t.raw))
    const forgedHashes = new Set(forged.map((t) => t.hash))
    for (const [i, r] of results.entries()) {
      if (forgedHashes.has(batch[i]!.hash)) assert.ok('error' in r && /^invalid executing message: /.test(r.error.message), `forged #${i} refused`)
      else assert.deepEqual(r, { hash: batch[i]!.hash }, `valid #${i} pooled`)
    }
    const included = new Set<Hex>()
    for (const until = n + 5n; included.size < valid.length; n++) {
      assert.ok(n < until, `only ${included.size} of ${valid.length} included`)
      const res = await slot(n, ws)
      for (const h of hashesIn(res, 902n)) {
        assert.ok(!included.has(h), `${h} included twice`)
        assert.ok(!forgedHashes.has(h), 'a forged message was included')
        included.add(h)
      }
      await commit(res, ws)
    }
    assert.ok(valid.every((t) => included.has(t.hash)))
  })

  it('the other chain\'s worker died: its blocks it never committed are unknown (refused), its committed ones still execute; the worker keeps serving', async () => {
    // Invariant: a dead peer chain never crashes a worker; the check answers from what that chain committed.
    const { ws } = await network([901n, 902n])
    const m = await messageCommittedInSlot1(ws)
    await ws.get(901n)!.terminate()
    const alone = new Map([[902n, ws.get(902n)!]])
    const w902 = ws.get(902n)!
    // A message of a 901 block that never was (901 died at block 1).
    const never = tx(902n, 1, 0, { to: sink, executes: [{ id: { ...m!.id, blockNumber: 2n, timestamp: T0 + 2n }, msgHash: m!.msgHash }] })
    const [refused] = await w902.sendRawTransactions([never.raw])
    assert.ok(refused && 'error' in refused && /^invalid executing message: /.test(refused.error.message), JSON.stringify(refused))
    const ok = tx(902n, 2, 0, { to: sink, executes: [m!] })
    assert.deepEqual(await w902.sendRawTransactions([ok.raw]), [{ hash: ok.hash }])
    const s2 = await slot(2n, alone)
    assert.deepEqual(hashesIn(s2, 902n), [ok.hash])
    await commit(s2, alone)
    assert.equal(w902.lost, undefined)
  })

  it('a chain that joins later: plexus_networkChanged opens its reader; malformed changes are refused whole', async () => {
    // Invariant: a message from a chain is accepted only once the worker was told the chain is in the network; a bad change changes nothing.
    const { ws } = await network([901n, 902n])
    const d903 = dir()
    const w903 = await WorkerExecutor.start({ datadir: d903, genesis: genesisOf(903n), relayer: RELAYER, logger: silentLogger(), recoveryThreads: 1, network: { genesisSlot: 0n, chains: [] } })
    workers.push(w903)
    const all = new Map([...ws, [903n, w903]])
    await w903.sendRawTransactions([sendMessage(903n, 0, 0, 902n).raw])
    const s1 = await slot(1n, all)
    await commit(s1, all)
    const [m] = messagesOf(903n, blockOf(s1, 903n))
    const exec = tx(902n, 1, 0, { to: sink, executes: [m!] })
    const w902 = ws.get(902n)!
    const [before] = await w902.sendRawTransactions([exec.raw])
    assert.ok(before && 'error' in before, '903 is not in 902\'s network yet')
    for (const bad of [[{ chains: [{ datadir: d903, genesis: { config: {} }, genesisSlot: '0x0' }] }], [{ chains: [chainData(903n, d903), chainData(903n, d903)] }].map((p) => ({ chains: p.chains.map((c) => ({ ...c, genesisSlot: '0x0' })) })), 'x', [{ chains: Array.from({ length: 5000 }, () => ({})) }]]) {
      await assert.rejects(w902.peer.request(NETWORK_CHANGED, bad), (err: unknown) => err instanceof PeerCallError && err.code === RpcErrorCode.InvalidParams)
    }
    await w902.networkChanged([chainData(903n, d903)])
    assert.deepEqual(await w902.sendRawTransactions([exec.raw]), [{ hash: exec.hash }])
    const s2 = await slot(2n, all)
    assert.deepEqual(hashesIn(s2, 902n), [exec.hash])
    await commit(s2, all)
  })
})
