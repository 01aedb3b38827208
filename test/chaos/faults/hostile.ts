import type { Hex } from 'viem'
import { HostileSession, hostileGenerator, registeredMethods, rpcCorpus, show, type CorpusFixture, type RpcCall } from '../../helpers/hostileRpc.js'
import { rpcCall } from '../../helpers/jsonRpc.js'
import { sleep } from '../../helpers/node.js'
import { ROLES } from '../accounts.js'
import type { ChaosContext, Fault, FaultResult } from '../context.js'
import { L2_FEES } from '../load.js'

export const WELL_FORMED = 'hostile requests get a well-formed answer, never a crash'
export const BOUNDED = 'unbounded work is refused at the door'

const BATCH = 50
const CONCURRENCY = 2
const TIMEOUT_MS = 20_000
const TWO_64 = '0x10000000000000000'

/**
 * Hostile requests over every RPC method of every chain, `plexus_*` included: the
 * fuzz corpus (test/helpers/hostileRpc.ts) filled with the network's real values (a
 * failed message, a bundle, a withdrawal, blocks and transactions of the load), sent
 * unmutated once, then mutated; a tenth are byte-mutated signed transactions. Every
 * answer must be well-formed JSON-RPC and none -32603; what the requests do to the
 * network (a relay gas limit of 2^64 used to stop every chain) shows in the invariants
 * checked afterwards, above all "producing again".
 */
export const hostileRequests: Fault = {
  name: 'hostile requests',
  description: 'mutated requests over every RPC method (plexus_* included) with the network\'s real values, and byte-mutated signed transactions',
  async run(ctx) {
    const violations: FaultResult['violations'] = []
    const rng = ctx.rng.fork(`hostile-${ctx.trial}`)
    const gen = hostileGenerator(rng.next)
    const chains = ctx.net.chainIds
    await ensureFailedMessage(ctx)
    const fixtures = new Map<number, CorpusFixture>()
    for (const chainId of chains) fixtures.set(chainId, await fixture(ctx, chainId))
    const corpora = new Map(chains.map((c) => [c, [...rpcCorpus(fixtures.get(c)!), ...targeted(fixtures.get(c)!)]]))
    const known = [...new Set(corpora.get(chains[0]!)!.map((c) => c.method))]
    const uncovered = registeredMethods().filter((m) => !known.includes(m))
    if (uncovered.length > 0) violations.push({ invariant: WELL_FORMED, detail: `methods the hostile corpus does not cover: ${uncovered.join(', ')}` })

    const sessions = new Map(chains.map((c) => [c, new HostileSession(() => ctx.net.url(c), TIMEOUT_MS)]))
    ctx.faultAt = performance.now()
    // 1. every corpus call once, unmutated (the targeted ones included)
    for (const c of chains) await sessions.get(c)!.sendBatch(corpora.get(c)!.map((call, i) => ({ jsonrpc: '2.0', id: i, ...call })))
    // 2. probes whose answer must be a refusal
    for (const c of chains) violations.push(...(await probes(ctx, c)))
    // 3. the mutated stream: batches alternate between chains; generated up front, so the randomness does not depend on timing
    const jobs: { chainId: number; entries: unknown[]; rawTx: boolean }[] = []
    for (let sent = 0, i = 0; sent < ctx.options.hostileRequests; i++) {
      const chainId = chains[i % chains.length]!
      const n = Math.min(BATCH, ctx.options.hostileRequests - sent)
      const rawTx = rng.chance(0.1)
      const base = Buffer.from(fixtures.get(chainId)!.rawTx.slice(2), 'hex')
      const entries = Array.from({ length: n }, (_, k) =>
        rawTx
          ? { jsonrpc: '2.0', id: `raw-${i}-${k}`, method: 'eth_sendRawTransaction', params: [`0x${Buffer.from(gen.mutateBytes(base)).toString('hex')}`] }
          : gen.mutatedRequest(corpora.get(chainId)!, known),
      )
      jobs.push({ chainId, entries, rawTx })
      sent += n
    }
    let next = 0
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < jobs.length) {
          const job = jobs[next++]!
          const session = sessions.get(job.chainId)!
          await session.sendBatch(job.entries, (entry, res) => {
            // geth answers every refusal of a hex-valid raw transaction with -32000
            if (job.rawTx && res.error && res.error.code !== -32000) session.failures.push({ kind: 'rawtx-code', detail: `${res.error.code} ${res.error.message}`, request: show(entry) })
          })
        }
      }),
    )
    await ctx.load.pause()
    const codes = new Map<number, number>()
    let sent = 0
    for (const [chainId, s] of sessions) {
      sent += s.sent
      for (const [code, n] of s.codes) codes.set(code, (codes.get(code) ?? 0) + n)
      const seen = new Set<string>()
      for (const f of s.failures) {
        if (seen.has(f.detail) || seen.size >= 10) continue
        seen.add(f.detail)
        violations.push({ invariant: WELL_FORMED, detail: `chain ${chainId}: ${f.kind}: ${f.detail}`, evidence: f.request ? [f.request.slice(0, 500)] : undefined })
      }
    }
    return {
      status: 'injected',
      checked: [WELL_FORMED, BOUNDED],
      note: `${sent} requests in ${Math.round(performance.now() - ctx.faultAt)} ms; error codes ${JSON.stringify(Object.fromEntries(codes))}`,
      violations,
      measured: { hostileRequests: sent, hostileMs: Math.round(performance.now() - ctx.faultAt) },
    }
  },
}

/**
 * A message whose relay failed, so `plexus_retryMessage` has something to act on (the
 * load sends some; if none has failed yet, one is sent to the reverting contract now).
 */
async function ensureFailedMessage(ctx: ChaosContext): Promise<void> {
  const failed = () => [...ctx.ledger.messages.values()].find((m) => m.status === 'failed')
  if (failed()) return
  const [a, b] = ctx.net.chainIds as [number, number]
  const hash = await ctx.load.sendMessage(a, b, 'reverting')
  if (!hash) throw new Error('hostile requests: the message to the reverting contract was refused')
  const deadline = Date.now() + ctx.options.timeouts.delivery
  for (;;) {
    await ctx.load.pollOnce()
    const m = [...ctx.ledger.messages.values()].find((x) => x.sourceTx === hash)
    if (m) {
      const got = await rpcCall<{ status: string } | null>(ctx.net.url(b), 'plexus_getMessage', [m.msgHash])
      m.status = got?.status
      if (m.status === 'failed') return
    }
    if (Date.now() > deadline) throw new Error(`hostile requests: the message of ${hash} to the reverting contract was not recorded failed in time (${m?.status ?? 'not seen'})`)
    await sleep(300)
  }
}

/** The corpus's values on one chain, taken from what the load did there. */
async function fixture(ctx: ChaosContext, chainId: number): Promise<CorpusFixture> {
  const url = ctx.net.url(chainId)
  const mined = ctx.ledger.withReceipt().filter((t) => t.chainId === chainId && t.receipt!.success)
  const first = mined[0]
  const last = mined.at(-1)
  if (!first || !last) throw new Error(`hostile requests: no transaction of the load is included on ${chainId} yet`)
  const pending = Number(BigInt(await rpcCall<Hex>(url, 'eth_getTransactionCount', [ROLES.hostile.address, 'pending'])))
  const rawTx = await ROLES.hostile.signTransaction({ chainId, type: 'eip1559', nonce: pending + 1000, to: ctx.revertingTarget, data: '0xabcd', gas: 100_000n, ...L2_FEES })
  const bundles = [...ctx.ledger.bundles.values()]
  const messages = [...ctx.ledger.messages.values()]
  const failed = messages.find((m) => m.status === 'failed') ?? messages.find((m) => m.expect === 'failed')
  return {
    account: ROLES.hostile.address,
    delegator: ROLES.untouched.address,
    contract: ctx.revertingTarget,
    txHashes: [first.hash, last.hash],
    blockHash: last.receipt!.blockHash,
    blockNumber: `0x${last.receipt!.blockNumber.toString(16)}`,
    logFilter: await rpcCall<Hex>(url, 'eth_newFilter', [{ fromBlock: '0x0', address: ctx.revertingTarget }]),
    blockFilter: await rpcCall<Hex>(url, 'eth_newBlockFilter', []),
    pendingFilter: await rpcCall<Hex>(url, 'eth_newPendingTransactionFilter', []),
    rawTx,
    chainId,
    bundleId: bundles.at(-1)?.bundleId,
    msgHash: messages.at(-1)?.msgHash,
    failedMsgHash: failed?.msgHash,
    withdrawalTx: [...ctx.ledger.withdrawals.values()].find((w) => w.chainId === chainId)?.l2TxHash,
  }
}

/**
 * Calls the mutations may never hit, aimed at known weak spots: relay gas limits at and
 * above the limits (a relay gas limit of 2^64 used to stop every chain; now every retry is
 * capped by what was paid, so these must be refused, as `probes` checks).
 */
function targeted(fx: CorpusFixture): RpcCall[] {
  if (!fx.failedMsgHash) return []
  return [
    { method: 'plexus_retryMessage', params: [fx.failedMsgHash, TWO_64] },
    { method: 'plexus_retryMessage', params: [fx.failedMsgHash, '0xffffffffffffffff'] },
    { method: 'plexus_retryMessage', params: [fx.failedMsgHash, '0x3938701'] }, // 60,000,001: one above the block gas limit
  ]
}

/** Requests that would make the network work without limit, each of which must be refused. */
async function probes(ctx: ChaosContext, chainId: number): Promise<FaultResult['violations']> {
  const url = ctx.net.url(chainId)
  const out: FaultResult['violations'] = []
  const nonce = Number(BigInt(await rpcCall<Hex>(url, 'eth_getTransactionCount', [ROLES.hostile.address, 'latest'])))
  // a bundle that can never succeed (its call reverts), retried every slot until a deadline 2^64 − 1 slots away
  const tx = await ROLES.hostile.signTransaction({ chainId, type: 'eip1559', nonce, to: ctx.revertingTarget, data: '0x01', gas: 5_000_000n, ...L2_FEES })
  const cases: { what: string; method: string; params: unknown[] }[] = [
    { what: 'a bundle that always reverts with deadlineSlot 2^64 − 1', method: 'plexus_sendBundle', params: [{ txs: [{ chainId: `0x${chainId.toString(16)}`, tx }], deadlineSlot: '0xffffffffffffffff' }] },
  ]
  // A message the network's own relay failed used up what was paid for it: relaying it
  // again would be work nobody paid for, with or without a gas limit.
  const failed = [...ctx.ledger.messages.values()].find((m) => m.status === 'failed' && m.destination === chainId)
  if (failed) {
    cases.push(
      { what: `a retry of ${failed.msgHash}, whose paid relay gas its failed relay used up`, method: 'plexus_retryMessage', params: [failed.msgHash] },
      { what: `a retry of ${failed.msgHash} with 2^64 gas`, method: 'plexus_retryMessage', params: [failed.msgHash, TWO_64] },
    )
  }
  for (const c of cases) {
    try {
      const result = await rpcCall(url, c.method, c.params)
      out.push({ invariant: BOUNDED, detail: `chain ${chainId}: ${c.method} accepted ${c.what}: ${show(result, 200)}` })
    } catch {
      // refused: as it should be
    }
  }
  return out
}
