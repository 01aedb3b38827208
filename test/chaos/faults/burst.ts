import type { Hex } from 'viem'
import { rpcBatch } from '../../helpers/jsonRpc.js'
import { sleep } from '../../helpers/node.js'
import { pseudoRandom } from '../../helpers/random.js'
import { burstSenders, sink } from '../accounts.js'
import type { Fault } from '../context.js'
import { L2_FEES } from '../load.js'

/**
 * A burst far above normal: `burst.transfers` ETH transfers to one chain, pre-signed by
 * `burst.senders` accounts (funded at setup) and sent at once, in concurrent JSON-RPC
 * batches, one batch per group of senders so each sender's nonces arrive in order. The
 * suite then waits for every accepted one to be included; the invariants check that the
 * safe head catches up (it has to carry the burst's slots to L1) and that nothing was lost.
 */
export const burst: Fault = {
  name: 'burst',
  description: 'thousands of pre-signed transfers (with random calldata) from many senders sent at once to one chain',
  async run(ctx) {
    const { transfers, senders: count, calldataBytes } = ctx.options.burst
    const rng = ctx.rng.fork(`burst-${ctx.trial}`)
    const chainId = ctx.burstChain
    const url = ctx.net.url(chainId)
    const senders = burstSenders(count)
    const nonces = await rpcBatch<Hex>(url, senders.map((s) => ({ method: 'eth_getTransactionCount', params: [s.address, 'pending'] })))
    const perSender = Math.ceil(transfers / count)
    const signStart = performance.now()
    const groups: { raw: Hex; from: Hex; nonce: number }[][] = []
    let total = 0
    for (const [i, s] of senders.entries()) {
      const answer = nonces[i]!
      if (!answer.ok) throw new Error(`burst: nonce of ${s.address}: ${answer.error.message}`)
      const base = Number(BigInt(answer.result))
      if (i % 10 === 0) groups.push([])
      for (let k = 0; k < perSender && total < transfers; k++, total++) {
        const data = calldataBytes > 0 ? (`0x${Buffer.from(pseudoRandom(calldataBytes, rng.int(2 ** 32))).toString('hex')}` as Hex) : undefined
        const raw = await s.signTransaction({ chainId, type: 'eip1559', nonce: base + k, to: sink(`burst-${chainId}`), value: 1n, data, gas: intrinsicGas(data), ...L2_FEES })
        groups.at(-1)!.push({ raw, from: s.address, nonce: base + k })
      }
    }
    const signMs = performance.now() - signStart

    ctx.faultAt = performance.now()
    const refusedBy = new Map<string, number>()
    let accepted = 0
    const hashes: Hex[] = []
    await Promise.all(
      groups.map(async (group) => {
        const answers = await rpcBatch<Hex>(url, group.map((t) => ({ method: 'eth_sendRawTransaction', params: [t.raw] })), { chunk: 1000, timeoutMs: 120_000 })
        answers.forEach((a, i) => {
          const t = group[i]!
          if (a.ok) {
            accepted++
            hashes.push(a.result)
            ctx.ledger.accepted({ chainId, hash: a.result, kind: 'burst', from: t.from, nonce: t.nonce, trial: ctx.trial })
          } else {
            const why = `${a.error.code} ${a.error.message.replace(/0x[0-9a-fA-F]+|\d+/g, 'N')}`
            refusedBy.set(why, (refusedBy.get(why) ?? 0) + 1)
          }
        })
      }),
    )
    const sendMs = performance.now() - ctx.faultAt
    await ctx.load.pause()

    // every accepted transfer included (the receipt poller fills the ledger)
    const deadline = Date.now() + ctx.options.timeouts.safe
    const mine = () => hashes.map((h) => ctx.ledger.tx(chainId, h)!)
    while (mine().some((t) => !t.receipt && !t.broken) && Date.now() < deadline) await sleep(250)
    const included = mine().filter((t) => t.receipt)
    const blocks = new Map<bigint, number>()
    for (const t of included) blocks.set(t.receipt!.blockNumber, (blocks.get(t.receipt!.blockNumber) ?? 0) + 1)
    const inclusionMs = performance.now() - ctx.faultAt
    const refused = [...refusedBy].map(([why, n]) => `${n}× ${why}`)
    return {
      status: 'injected',
      note: `${accepted}/${total} (${calldataBytes} B of calldata each) accepted on ${chainId} in ${Math.round(sendMs)} ms; ${included.length} included in ${blocks.size} blocks (at most ${Math.max(0, ...blocks.values())} in one)${refused.length ? `; refused: ${refused.join('; ')}` : ''}`,
      violations: [],
      measured: { burstTxs: total, burstAccepted: accepted, burstIncluded: included.length, burstBlocks: blocks.size, burstMaxPerBlock: Math.max(0, ...blocks.values()), burstSignMs: Math.round(signMs), burstSendMs: Math.round(sendMs), burstInclusionMs: Math.round(inclusionMs) },
    }
  },
}

/** A transfer's gas: the larger of the calldata cost and the EIP-7623 calldata floor (Prague). */
function intrinsicGas(data: Hex | undefined): bigint {
  const bytes = data ? Buffer.from(data.slice(2), 'hex') : Buffer.alloc(0)
  const zeros = bytes.filter((b) => b === 0).length
  const nonZeros = bytes.length - zeros
  const standard = 21_000 + 4 * zeros + 16 * nonZeros
  const floor = 21_000 + 10 * (zeros + 4 * nonZeros)
  return BigInt(Math.max(standard, floor))
}
