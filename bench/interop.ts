/**
 * The interop part of `npm run bench`, on whole networks started in this process (the
 * dev network's options: embedded anvil with 2 s L1 blocks; rollups with the default
 * 250 ms slot, all built by one shared sequencer):
 *
 * - **Message latency.** On a network of 901 and 902, cross-chain messages both ways
 *   (`MessageProbe.sendPaid` / `sendManyPaid` to the MessageProbe on the other chain, each
 *   message's relay paid for `RELAY_GAS` on its source, as the network relays only paid
 *   messages), sent by
 *   several senders in transactions at random moments over many slots. For each message,
 *   the slots and milliseconds from the source block holding the send to the destination
 *   block holding the network's relay; every message must end relayed.
 * - **Two chains vs one.** The same pre-signed ETH-transfer workload (bench/workload.ts)
 *   pushed to a one-chain network, then to both chains of the two-chain network at once.
 */
import { encodeDeployData, encodeFunctionData, keccak256, parseEther, toHex, type Abi, type Address, type Hex } from 'viem'
import { mnemonicToAccount, privateKeyToAccount, type PrivateKeyAccount } from 'viem/accounts'
import { ephemeralDatadir } from '../src/node/datadir.js'
import { PlexusNetwork } from '../src/node/network.js'
import { devChainOptions, devL1Options } from '../src/node/networkOptions.js'
import { loadArtifact } from '../src/primitives/artifacts.js'
import { silentLogger } from '../src/primitives/logger.js'
import { prepareChains, measureChains, type ThroughputRun } from './chainsLoad.js'
import { percentile, type MeasureOptions } from './measure.js'
import { chunk, createRpc, sleep, type Rpc } from './rpc.js'
import { DEV_MNEMONIC } from './targets.js'
import { MAX_FEE_PER_GAS, MAX_PRIORITY_FEE_PER_GAS, sendAndWait } from './workload.js'
import { mulberry32 } from '../test/helpers/random.js'

export type Spread = { p50: number; p99: number; max: number }

/** A message that missed its direction's goal, and what its blocks held. */
export type LateMessage = {
  msgHash: Hex
  status: MessageStatus
  sourceBlock: number
  destinationBlock: number | null
  slots: number | null
  /** Messages of this direction sent in the same source block. */
  sentInSourceBlock: number
  /** Messages of this direction relayed in the same destination block. */
  relayedInDestinationBlock: number
  failure: string | null
}

export type DirectionLatency = {
  source: number
  destination: number
  messages: number
  txs: number
  relayed: number
  failed: number
  /** Still `sent` (waiting for a relay) when the bench stopped looking. */
  pending: number
  /** Relayed messages by slots from source block to destination block: { "0": n, "1": m, … }. */
  slotHistogram: Record<string, number>
  /** Over relayed messages: destination block − source block. */
  slots: Spread | null
  /** Over relayed messages: destination block committed − source block committed. */
  ms: Spread | null
  /** The goal: relayed within `goalSlots` slots (0 = the same slot) for at least `goalShare` of the messages. */
  goalSlots: number
  goalShare: number
  /** Share of all the direction's messages relayed within `goalSlots` (a message not relayed counts against it). */
  withinGoal: number
  goalMet: boolean
  /** Up to 20 messages outside the goal. */
  late: LateMessage[]
  /** Distinct failure reasons, at most 5. */
  failures: string[]
}

export type { ChainThroughput, ThroughputRun } from './chainsLoad.js'

export type InteropResult = {
  chainIds: number[]
  slotTimeMs: number
  l1BlockTimeSeconds: number
  latency: {
    /** Messages per direction. */
    messagesPerDirection: number
    sendersPerDirection: number
    /** Sends fall at random moments over this many seconds. */
    spreadSeconds: number
    maxMessagesPerTx: number
    directions: DirectionLatency[]
  }
  throughput: {
    txsPerChain: number
    senders: number
    oneChain: ThroughputRun | null
    twoChains: ThroughputRun | null
    /** twoChains.totalTps / oneChain.totalTps. */
    ratio: number | null
  }
  durationMs: number
  /** Set when a part did not complete, or a message was not relayed; what did is still reported. */
  error: string | null
}

export type InteropOptions = {
  /** Messages per direction. */
  messages: number
  /** ETH transfers per chain for the throughput comparison. */
  txs: number
  senders: number
  lanes: number
  measure: MeasureOptions
  log: (line: string) => void
}

type MessageStatus = 'sent' | 'relayed' | 'failed'

/** What plexus_getMessage / plexus_getMessagesByTx report (the fields used here). */
type RpcMessage = {
  msgHash: Hex
  status: MessageStatus
  identifier: { blockNumber: Hex }
  destinationBlock: Hex | null
  failure: string | null
}

const CHAIN_IDS = [901, 902] as const
const SENDERS_PER_DIRECTION = 8
const SPREAD_SECONDS = 15
/** A transaction sends 1 (`send`) to this many (`sendMany`) messages. */
const MAX_MESSAGES_PER_TX = 3
const GOAL_SHARE = 0.99
/**
 * Relay gas paid per message: what `receiveValue` needs with every slot of the probe
 * written from zero (~100k), with room to spare so no relay fails for want of gas.
 */
const RELAY_GAS = 150_000n
/**
 * Value sent per message for its relay payment: the paymaster's quote at the highest base
 * fee a pre-signed transaction can be included at (`(gas + 100k) × baseFee × 2`), so the
 * payment never falls short however the base fee moves; the change stays in the probe.
 */
const RELAY_VALUE_PER_MESSAGE = (RELAY_GAS + 100_000n) * MAX_FEE_PER_GAS * 2n
/** How long after the last send's receipt every message must be relayed. */
const RELAY_TIMEOUT_MS = 30_000
/** Deploys the probes and funds the interop senders (its nonces are read, so the workload may share it). */
const DEV_INDEX = 0
/** Fixed, so every run sends the same pattern of transactions. */
const SEED = 0x5eed

/** Runs the whole interop part. Never throws: a failure becomes the result's error. */
export async function runInterop(opts: InteropOptions): Promise<InteropResult> {
  const started = performance.now()
  const l1 = devL1Options({ embedded: { port: 0 } })
  const result: InteropResult = {
    chainIds: [...CHAIN_IDS],
    slotTimeMs: devChainOptions(0).slotTimeMs,
    l1BlockTimeSeconds: l1.embedded.blockTimeSeconds,
    latency: {
      messagesPerDirection: opts.messages,
      sendersPerDirection: SENDERS_PER_DIRECTION,
      spreadSeconds: SPREAD_SECONDS,
      maxMessagesPerTx: MAX_MESSAGES_PER_TX,
      directions: [],
    },
    throughput: { txsPerChain: opts.txs, senders: Math.min(opts.senders, opts.txs), oneChain: null, twoChains: null, ratio: null },
    durationMs: 0,
    error: null,
  }
  const fail = (what: string, err: unknown) => {
    const message = `${what}: ${(err as Error).message ?? String(err)}`
    result.error = result.error ? `${result.error}; ${message}` : message
    opts.log(`  failed: ${message}`)
  }

  opts.log(`interop — one-chain network (${CHAIN_IDS[0]}) and its L1, in process: ETH transfer × ${opts.txs}`)
  try {
    result.throughput.oneChain = await withNetwork(1, (network) => throughputOn(network, opts))
  } catch (err) {
    fail('one chain', err)
  }

  opts.log(`interop — two-chain network (${CHAIN_IDS.join(', ')}) and its L1, in process`)
  try {
    await withNetwork(2, async (network) => {
      opts.log(`  ${opts.messages} messages each way, ${SENDERS_PER_DIRECTION} senders per chain, sent over ${SPREAD_SECONDS}s`)
      try {
        result.latency.directions = await messageLatency(network, opts)
        for (const d of result.latency.directions) {
          opts.log(
            `  ${d.source}→${d.destination}: ${d.relayed}/${d.messages} relayed (${d.failed} failed, ${d.pending} pending); ` +
              `slots p50 ${d.slots?.p50 ?? '—'} p99 ${d.slots?.p99 ?? '—'} max ${d.slots?.max ?? '—'}; ` +
              `ms p50 ${d.ms?.p50 ?? '—'} p99 ${d.ms?.p99 ?? '—'} max ${d.ms?.max ?? '—'}; ${goalText(d)}`,
          )
          const unrelayed = d.messages - d.relayed
          if (unrelayed > 0) {
            fail(
              `${d.source}→${d.destination}`,
              new Error(`${unrelayed} of ${d.messages} messages not relayed (${d.failed} failed, ${d.pending} still waiting after ${RELAY_TIMEOUT_MS / 1000}s)` +
                (d.failures.length ? `; first failure: ${d.failures[0]}` : '')),
            )
          }
        }
      } catch (err) {
        // The throughput comparison is still worth running.
        fail('message latency', err)
      }
      opts.log(`  ETH transfer × ${opts.txs} on each chain at once`)
      result.throughput.twoChains = await throughputOn(network, opts)
    })
  } catch (err) {
    fail('two chains', err)
  }
  const { oneChain, twoChains } = result.throughput
  if (oneChain && twoChains && oneChain.totalTps > 0) {
    result.throughput.ratio = round(twoChains.totalTps / oneChain.totalTps, 2)
    opts.log(`  two chains / one chain: ${result.throughput.ratio.toFixed(2)}× (${twoChains.totalTps.toFixed(0)} vs ${oneChain.totalTps.toFixed(0)} TPS)`)
  }
  result.durationMs = Math.round(performance.now() - started)
  return result
}

/** "901→902 same slot: 99.5% (goal ≥ 99%): met". */
export function goalText(d: DirectionLatency): string {
  const what = d.goalSlots === 0 ? 'same slot' : `within ${d.goalSlots} slot${d.goalSlots === 1 ? '' : 's'}`
  return `${d.source}→${d.destination} ${what}: ${(d.withinGoal * 100).toFixed(1)}% (goal ≥ ${d.goalShare * 100}%): ${d.goalMet ? 'met' : 'MISSED'}`
}

// ---- networks -----------------------------------------------------------------

/** The network of the interop run in progress, so a signal can stop it too. */
let running: { network: PlexusNetwork; cleanup: () => void; stopped?: Promise<void> } | undefined

/** Stops the interop run's network (its anvil is a child process) and removes its datadir. */
export function stopInterop(): Promise<void> {
  const current = running
  if (!current) return Promise.resolve()
  current.stopped ??= current.network.stop().finally(() => current.cleanup())
  return current.stopped
}

/** Starts a dev network of the first `chains` rollups on free ports, runs `fn` on it, stops it. */
async function withNetwork<T>(chains: number, fn: (network: PlexusNetwork) => Promise<T>): Promise<T> {
  const { datadir, cleanup } = ephemeralDatadir()
  const network = new PlexusNetwork({
    datadir,
    l1: devL1Options({ embedded: { port: 0 } }),
    chains: Array.from({ length: chains }, (_, i) => devChainOptions(i, { rpcPort: 0 })),
    logger: silentLogger(),
  })
  running = { network, cleanup }
  try {
    await network.start()
    return await fn(network)
  } finally {
    await stopInterop()
    running = undefined
  }
}

function rpcOf(network: PlexusNetwork, chainId: number): Rpc {
  return createRpc(network.node(chainId).rpcUrl())
}

// ---- two chains vs one ----------------------------------------------------------

/** The ETH-transfer workload on every chain of `network` at once (prepared one chain after another first). */
async function throughputOn(network: PlexusNetwork, opts: InteropOptions): Promise<ThroughputRun> {
  const chains = network.nodes.map((n) => ({ chainId: Number(n.chain.chainId), rpc: rpcOf(network, Number(n.chain.chainId)) }))
  return measureChains(chains, await prepareChains(chains, opts), opts)
}

// ---- message latency ----------------------------------------------------------

type Direction = { source: number; destination: number }

/** One planned transaction: who sends it, when (ms after the start), how many messages. */
type PlannedTx = { sender: number; at: number; count: number }

type SentTx = PlannedTx & { raw: Hex; hash: Hex }

/** Sender `i` of messages from `source`: a deterministic key with no other use. */
function interopSender(source: number, i: number): PrivateKeyAccount {
  return privateKeyToAccount(keccak256(toHex(`plexus-bench/interop-sender/${source}/${i}`)))
}


/**
 * `messages` split into transactions of 1..MAX_MESSAGES_PER_TX messages, dealt to the
 * senders in turn, each at a uniformly random moment of the spread (a Poisson arrival
 * with a fixed count), in send order per sender.
 */
function planTxs(messages: number, rand: () => number): PlannedTx[][] {
  const perSender: PlannedTx[][] = Array.from({ length: SENDERS_PER_DIRECTION }, () => [])
  let left = messages
  let i = 0
  while (left > 0) {
    const count = Math.min(left, 1 + Math.floor(rand() * MAX_MESSAGES_PER_TX))
    const sender = i++ % SENDERS_PER_DIRECTION
    perSender[sender]!.push({ sender, at: rand() * SPREAD_SECONDS * 1000, count })
    left -= count
  }
  for (const txs of perSender) txs.sort((a, b) => a.at - b.at)
  return perSender
}

function callData(direction: Direction, probe: Address, abi: Abi, count: number): Hex {
  return count === 1
    ? encodeFunctionData({ abi, functionName: 'sendPaid', args: [BigInt(direction.destination), probe, 1n, RELAY_GAS] })
    : encodeFunctionData({ abi, functionName: 'sendManyPaid', args: [BigInt(direction.destination), probe, BigInt(count), RELAY_GAS] })
}

/** The value a transaction sending `count` messages carries to pay for their relays. */
function relayValue(count: number): bigint {
  return BigInt(count) * RELAY_VALUE_PER_MESSAGE
}

async function pendingNonce(rpc: Rpc, address: Address): Promise<number> {
  return Number(await rpc.call<Hex>('eth_getTransactionCount', [address, 'pending']))
}

/**
 * Deploys a MessageProbe on both chains, plans and pre-signs both directions' sends,
 * sends them (both directions at once), and reads what became of every message.
 */
async function messageLatency(network: PlexusNetwork, opts: InteropOptions): Promise<DirectionLatency[]> {
  // When each block was committed, per chain: what a relay's latency is measured between.
  const committedAt = new Map<number, Map<number, number>>()
  const unsubscribe = CHAIN_IDS.map((id) => {
    const times = new Map<number, number>()
    committedAt.set(id, times)
    return network.node(id).chain.onBlock((block) => times.set(Number(block.header.number), performance.now()))
  })
  try {
    const rpcs = new Map<number, Rpc>(CHAIN_IDS.map((id) => [id, rpcOf(network, id)]))
    const directions: Direction[] = [
      { source: CHAIN_IDS[0], destination: CHAIN_IDS[1] },
      { source: CHAIN_IDS[1], destination: CHAIN_IDS[0] },
    ]
    const probeArtifact = loadArtifact('MessageProbe')
    const abi = probeArtifact.abi
    const dev = mnemonicToAccount(DEV_MNEMONIC, { addressIndex: DEV_INDEX })
    const setupStart = performance.now()

    // Setup (untimed): a probe on each chain, the senders of each direction funded on its source.
    const probes = new Map<number, Address>()
    const devNonce = new Map<number, number>()
    await Promise.all(
      CHAIN_IDS.map(async (id) => {
        const rpc = rpcs.get(id)!
        let nonce = await pendingNonce(rpc, dev.address)
        const data = encodeDeployData({ abi, bytecode: probeArtifact.bytecode })
        const gas = BigInt(await rpc.call<Hex>('eth_estimateGas', [{ from: dev.address, data }]))
        const raw = await dev.signTransaction({
          type: 'eip1559', chainId: id, nonce: nonce++, data, gas: (gas * 12n) / 10n,
          maxFeePerGas: MAX_FEE_PER_GAS, maxPriorityFeePerGas: MAX_PRIORITY_FEE_PER_GAS,
        })
        const [receipt] = await sendAndWait(rpc, [raw], `deploy MessageProbe on ${id}`)
        const address = receipt!['contractAddress'] as Address | undefined
        if (!address) throw new Error(`deploy MessageProbe on ${id}: receipt has no contractAddress`)
        probes.set(id, address)
        devNonce.set(id, nonce)
      }),
    )

    const rand = mulberry32(SEED)
    const plans = directions.map(() => planTxs(opts.messages, rand))
    const gasFor = new Map<number, Map<number, bigint>>()
    await Promise.all(
      directions.map(async (d) => {
        const rpc = rpcs.get(d.source)!
        const gas = new Map<number, bigint>()
        for (let count = 1; count <= MAX_MESSAGES_PER_TX; count++) {
          const data = callData(d, probes.get(d.destination)!, abi, count)
          const estimate = BigInt(await rpc.call<Hex>('eth_estimateGas', [{ from: dev.address, to: probes.get(d.source)!, data, value: toHex(relayValue(count)) }]))
          gas.set(count, (estimate * 13n) / 10n)
        }
        gasFor.set(d.source, gas)
      }),
    )
    await Promise.all(
      directions.map(async (d, di) => {
        const rpc = rpcs.get(d.source)!
        const gas = gasFor.get(d.source)!
        const raws: Hex[] = []
        let nonce = devNonce.get(d.source)!
        for (const [s, txs] of plans[di]!.entries()) {
          const cost = txs.reduce((sum, t) => sum + gas.get(t.count)! * MAX_FEE_PER_GAS + relayValue(t.count), 0n)
          raws.push(
            await dev.signTransaction({
              type: 'eip1559', chainId: d.source, nonce: nonce++, to: interopSender(d.source, s).address, value: cost * 2n + parseEther('0.1'),
              gas: 21_000n, maxFeePerGas: MAX_FEE_PER_GAS, maxPriorityFeePerGas: MAX_PRIORITY_FEE_PER_GAS,
            }),
          )
        }
        await sendAndWait(rpc, raws, `fund ${SENDERS_PER_DIRECTION} interop senders on ${d.source}`)
      }),
    )

    // Pre-sign (untimed): each sender's transactions with consecutive nonces, in send order.
    const signed: SentTx[][][] = []
    for (const [di, d] of directions.entries()) {
      const bySender: SentTx[][] = []
      for (const [s, txs] of plans[di]!.entries()) {
        const sender = interopSender(d.source, s)
        let nonce = await pendingNonce(rpcs.get(d.source)!, sender.address)
        const out: SentTx[] = []
        for (const t of txs) {
          const raw = await sender.signTransaction({
            type: 'eip1559', chainId: d.source, nonce: nonce++, to: probes.get(d.source)!,
            data: callData(d, probes.get(d.destination)!, abi, t.count), value: relayValue(t.count), gas: gasFor.get(d.source)!.get(t.count)!,
            maxFeePerGas: MAX_FEE_PER_GAS, maxPriorityFeePerGas: MAX_PRIORITY_FEE_PER_GAS,
          })
          out.push({ ...t, raw, hash: keccak256(raw) })
        }
        bySender.push(out)
      }
      signed.push(bySender)
    }
    const txCount = signed.flat(2).length
    opts.log(`  setup: probes deployed, ${directions.length * SENDERS_PER_DIRECTION} senders funded, ${txCount} txs signed (${((performance.now() - setupStart) / 1000).toFixed(1)}s)`)

    // Timed: every sender sends its transactions at their planned moments, one after another.
    const start = performance.now() + 100
    const sendErrors: string[] = []
    await Promise.all(
      directions.flatMap((d, di) =>
        signed[di]!.map(async (txs) => {
          const rpc = rpcs.get(d.source)!
          for (const t of txs) {
            await sleep(Math.max(0, start + t.at - performance.now()))
            try {
              await rpc.call('eth_sendRawTransaction', [t.raw])
            } catch (err) {
              sendErrors.push(`${d.source}: ${(err as Error).message}`)
            }
          }
        }),
      ),
    )
    if (sendErrors.length > 0) throw new Error(`${sendErrors.length} message txs not accepted (first: ${sendErrors[0]})`)
    opts.log(`  sent in ${((performance.now() - start) / 1000).toFixed(1)}s`)

    // Every send's receipt, then the messages each one sent, then what became of them.
    const out: DirectionLatency[] = []
    const perDirection: { d: Direction; txs: SentTx[]; messages: RpcMessage[] }[] = []
    for (const [di, d] of directions.entries()) {
      const rpc = rpcs.get(d.source)!
      const txs = signed[di]!.flat()
      await receiptsOk(rpc, txs.map((t) => t.hash), `${d.source}→${d.destination} sends`)
      const byTx = await batchCall<RpcMessage[]>(rpc, txs.map((t) => ({ method: 'plexus_getMessagesByTx', params: [toHex(d.source), t.hash] })))
      const messages: RpcMessage[] = []
      for (const [i, list] of byTx.entries()) {
        if (list.length !== txs[i]!.count) throw new Error(`plexus_getMessagesByTx lists ${list.length} messages for ${txs[i]!.hash}, which sent ${txs[i]!.count}`)
        messages.push(...list)
      }
      perDirection.push({ d, txs, messages })
    }
    const all = perDirection.flatMap((p) => p.messages)
    const rpc = rpcs.get(CHAIN_IDS[0])!
    const final = new Map<Hex, RpcMessage>()
    const deadline = performance.now() + RELAY_TIMEOUT_MS
    for (;;) {
      const open = all.filter((m) => final.get(m.msgHash)?.status !== 'relayed' && final.get(m.msgHash)?.status !== 'failed')
      if (open.length === 0 || performance.now() > deadline) break
      const now = await batchCall<RpcMessage | null>(rpc, open.map((m) => ({ method: 'plexus_getMessage', params: [m.msgHash] })))
      for (const m of now) if (m) final.set(m.msgHash, m)
      if (now.some((m) => m?.status === 'sent' || !m)) await sleep(100)
    }

    for (const { d, txs, messages } of perDirection) {
      out.push(summarize(d, txs.length, messages.map((m) => final.get(m.msgHash) ?? m), committedAt))
    }
    return out
  } finally {
    for (const off of unsubscribe) off()
  }
}

function summarize(d: Direction, txs: number, messages: RpcMessage[], committedAt: Map<number, Map<number, number>>): DirectionLatency {
  const goalSlots = d.destination > d.source ? 0 : 1
  const sourceBlock = (m: RpcMessage) => Number(m.identifier.blockNumber)
  const destBlock = (m: RpcMessage) => (m.destinationBlock === null ? null : Number(m.destinationBlock))
  const relayed = messages.filter((m) => m.status === 'relayed' && m.destinationBlock !== null)
  const slots = relayed.map((m) => destBlock(m)! - sourceBlock(m))
  const ms = relayed.map((m) => {
    const from = committedAt.get(d.source)!.get(sourceBlock(m))
    const to = committedAt.get(d.destination)!.get(destBlock(m)!)
    if (from === undefined || to === undefined) throw new Error(`no commit time for ${d.source}#${sourceBlock(m)} or ${d.destination}#${destBlock(m)}`)
    return to - from
  })
  const histogram: Record<string, number> = {}
  for (const s of [...slots].sort((a, b) => a - b)) histogram[String(s)] = (histogram[String(s)] ?? 0) + 1
  const within = slots.filter((s) => s <= goalSlots).length
  const withinGoal = messages.length ? within / messages.length : 0
  const count = (pick: (m: RpcMessage) => number | null, value: number) => messages.filter((m) => pick(m) === value).length
  const late = messages
    .filter((m) => m.status !== 'relayed' || destBlock(m)! - sourceBlock(m) > goalSlots)
    .slice(0, 20)
    .map((m): LateMessage => ({
      msgHash: m.msgHash,
      status: m.status,
      sourceBlock: sourceBlock(m),
      destinationBlock: destBlock(m),
      slots: destBlock(m) === null ? null : destBlock(m)! - sourceBlock(m),
      sentInSourceBlock: count(sourceBlock, sourceBlock(m)),
      relayedInDestinationBlock: destBlock(m) === null ? 0 : count(destBlock, destBlock(m)!),
      failure: m.failure,
    }))
  return {
    source: d.source,
    destination: d.destination,
    messages: messages.length,
    txs,
    relayed: relayed.length,
    failed: messages.filter((m) => m.status === 'failed').length,
    pending: messages.filter((m) => m.status === 'sent').length,
    slotHistogram: histogram,
    slots: spread(slots, 0),
    ms: spread(ms, 1),
    goalSlots,
    goalShare: GOAL_SHARE,
    withinGoal: round(withinGoal, 4),
    goalMet: withinGoal >= GOAL_SHARE,
    late,
    failures: [...new Set(messages.flatMap((m) => (m.failure ? [m.failure] : [])))].slice(0, 5),
  }
}

function spread(values: number[], digits: number): Spread | null {
  if (values.length === 0) return null
  const sorted = [...values].sort((a, b) => a - b)
  return { p50: round(percentile(sorted, 50), digits), p99: round(percentile(sorted, 99), digits), max: round(sorted[sorted.length - 1]!, digits) }
}

/** Calls in batches of 100; any error answer throws. */
async function batchCall<T>(rpc: Rpc, requests: { method: string; params: unknown[] }[]): Promise<T[]> {
  const out: T[] = []
  for (const part of chunk(requests, 100)) {
    const answers = await rpc.batch(part)
    for (const [i, a] of answers.entries()) {
      if (a.error) throw new Error(`${part[i]!.method} failed: ${a.error.message} (code ${a.error.code})`)
      out.push(a.result as T)
    }
  }
  return out
}

/** Waits for every receipt of `hashes`; throws if one is missing after the timeout or reverted. */
async function receiptsOk(rpc: Rpc, hashes: Hex[], what: string, timeoutMs = 60_000): Promise<void> {
  const done = new Set<number>()
  const deadline = performance.now() + timeoutMs
  for (;;) {
    const missing = hashes.flatMap((_, i) => (done.has(i) ? [] : [i]))
    if (missing.length === 0) return
    if (performance.now() > deadline) throw new Error(`${what}: ${missing.length} of ${hashes.length} receipts missing after ${timeoutMs / 1000}s`)
    const receipts = await batchCall<{ status: Hex } | null>(rpc, missing.map((i) => ({ method: 'eth_getTransactionReceipt', params: [hashes[i]] })))
    for (const [j, r] of receipts.entries()) {
      if (!r) continue
      if (r.status !== '0x1') throw new Error(`${what}: ${hashes[missing[j]!]} reverted`)
      done.add(missing[j]!)
    }
    await sleep(100)
  }
}

function round(value: number, digits: number): number {
  const scale = 10 ** digits
  return Math.round(value * scale) / scale
}
