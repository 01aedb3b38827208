import { decodeErrorResult, decodeFunctionResult, encodeFunctionData, parseAbi, type Hex } from 'viem'
import { PREDEPLOYS } from '../../../src/execution/predeploys.js'
import { loadArtifact } from '../../helpers/artifacts.js'
import { rpcBatch, rpcCall } from '../../helpers/jsonRpc.js'
import type { Invariant } from '../context.js'
import { settle } from './settle.js'

type Message = { status: string; failure: string | null; destinationTx: Hex | null; relayAttempts?: unknown } | null

const messengerAbi = parseAbi(['function successfulMessages(bytes32) view returns (bool)'])

/** L2ToL2CrossDomainMessenger.successfulMessages(msgHash) on the destination. */
async function successful(url: string, msgHash: Hex): Promise<boolean> {
  const data = encodeFunctionData({ abi: messengerAbi, functionName: 'successfulMessages', args: [msgHash] })
  const out = await rpcCall<Hex>(url, 'eth_call', [{ to: PREDEPLOYS.L2ToL2CrossDomainMessenger, data }, 'latest'])
  return decodeFunctionResult({ abi: messengerAbi, functionName: 'successfulMessages', data: out })
}

/** A revert reason with its custom error named, when it is one of the messenger's (e.g. MessageAlreadyRelayed()). */
function explain(failure: string | null): string {
  const data = /0x[0-9a-fA-F]{8,}/.exec(failure ?? '')?.[0] as Hex | undefined
  if (!data) return String(failure)
  try {
    const e = decodeErrorResult({ abi: loadArtifact('L2ToL2CrossDomainMessenger').abi, data })
    return `${failure} = ${e.errorName}(${e.args?.map(String).join(', ') ?? ''})`
  } catch {
    return String(failure)
  }
}

/**
 * Every cross-chain message the load sent (its sending transaction included) is relayed
 * by the network — or, aimed at a reverting target, recorded `failed` — through every
 * fault. A message whose sending transaction was itself lost is not counted (that loss
 * is reported by the receipt invariants).
 */
export const messagesDelivered: Invariant = {
  name: 'messages delivered',
  promise: 'every message sent is relayed (or recorded failed when its target reverts)',
  scope: 'after-fault',
  async check(ctx, fail) {
    const timeoutMs = ctx.options.timeouts.delivery
    const still = await settle(ctx, {
      open: () => [...ctx.ledger.messages.values()].filter((m) => !m.broken && m.status !== m.expect && !ctx.ledger.tx(m.source, m.sourceTx)?.broken),
      chainOf: (m) => m.destination,
      timeoutMs,
      read: async (url, mine) => {
        const answers = await rpcBatch<Message>(url, mine.map((m) => ({ method: 'plexus_getMessage', params: [m.msgHash] })), { chunk: 1000 })
        for (const [i, a] of answers.entries()) {
          const m = mine[i]!
          m.status = a.ok && a.result ? a.result.status : 'unknown'
          if (!(a.ok && a.result?.status === 'failed' && m.expect === 'relayed')) continue
          m.broken = `trial ${ctx.trial}`
          // the messenger's own record says whether the message was relayed after all (then the status is what is wrong)
          const relayed = await successful(url, m.msgHash)
          fail(
            `message ${m.msgHash} ${m.source}→${m.destination} (sent in trial ${m.trial}) recorded failed: ${explain(a.result.failure)}` +
              (relayed ? `, yet the messenger on ${m.destination} has it relayed (successfulMessages = true): relayed twice, the status is wrong` : ''),
            [`destinationTx ${a.result.destinationTx}, relayAttempts ${JSON.stringify(a.result.relayAttempts)}`],
          )
        }
      },
    })
    if (still.length > 0) {
      for (const m of still) m.broken = `trial ${ctx.trial}`
      const byStatus = [...new Set(still.map((m) => m.status))].map((s) => `${still.filter((m) => m.status === s).length} ${s}`).join(', ')
      fail(`${still.length} message(s) not delivered after ${Math.round(timeoutMs / 1000)} s (${byStatus})`, [
        ...still.slice(0, 4).map((m) => `${m.msgHash} ${m.source}→${m.destination}, sent in trial ${m.trial} by ${m.sourceTx}, expected ${m.expect}, now ${m.status}`),
        ...ctx.net.problems(ctx.logMark, 3),
      ])
    }
    return { checked: `${ctx.ledger.messages.size} messages` }
  },
}
