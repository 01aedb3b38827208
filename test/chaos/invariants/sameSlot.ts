import type { Hex } from 'viem'
import { rpcBatch } from '../../helpers/jsonRpc.js'
import { sleep } from '../../helpers/node.js'
import type { Invariant } from '../context.js'

/** How long the heads may take to line up (a slot in the middle of its commits is seen between chains). */
const CONVERGE_MS = 30_000
/** Slots below the last compared one that are compared again (a fault may have rewound them). */
const REWIND_WINDOW = 64n

/**
 * Every chain is at the same slot: the heads line up (block n of a chain is in slot
 * n + its genesisSlot), and each slot has one timestamp on every chain, for every slot
 * since the last check (and a window below it, in case the fault rewound it).
 */
export const sameSlot: Invariant = {
  name: 'same slot',
  promise: 'every chain is at the same slot, and a slot has the same timestamp on every chain',
  scope: 'after-fault',
  async check(ctx, fail) {
    const chains = ctx.net.chains
    const deadline = Date.now() + CONVERGE_MS
    let slots: Map<number, bigint | undefined> = new Map()
    for (;;) {
      const heads = await ctx.net.heads()
      slots = new Map(chains.map((c) => [c.chainId, heads.get(c.chainId) === undefined ? undefined : heads.get(c.chainId)! + c.genesisSlot]))
      const values = [...slots.values()]
      if (values.every((s) => s !== undefined && s === values[0])) break
      if (Date.now() > deadline) {
        fail(`the chains did not stand at one slot for ${CONVERGE_MS / 1000} s: ${[...slots].map(([c, s]) => `${c} at slot ${s ?? '?'}`).join(', ')}`, ctx.net.problems(ctx.logMark))
        break
      }
      await sleep(100)
    }
    const top = [...slots.values()].reduce<bigint>((m, s) => (s !== undefined && (m < 0n || s < m) ? s : m), -1n)
    const last = (ctx.memo.get('sameSlot.last') as bigint | undefined) ?? 0n
    const from = last > REWIND_WINDOW ? last - REWIND_WINDOW : 1n
    if (top < from) return { checked: 'heads' }
    // timestamps of every slot in [from, top] on every chain
    const times = new Map<bigint, Map<number, bigint>>()
    for (const c of chains) {
      const numbers: bigint[] = []
      for (let s = from > c.genesisSlot ? from : c.genesisSlot; s <= top; s++) numbers.push(s - c.genesisSlot)
      const blocks = await rpcBatch<{ timestamp: Hex } | null>(c.url, numbers.map((n) => ({ method: 'eth_getBlockByNumber', params: [`0x${n.toString(16)}`, false] })), { chunk: 500 })
      blocks.forEach((b, i) => {
        if (!b.ok || !b.result) return
        const slot = numbers[i]! + c.genesisSlot
        if (!times.has(slot)) times.set(slot, new Map())
        times.get(slot)!.set(c.chainId, BigInt(b.result.timestamp))
      })
    }
    const bad = [...times].filter(([, byChain]) => new Set(byChain.values()).size > 1)
    if (bad.length > 0) {
      fail(`${bad.length} slot(s) with different timestamps on different chains`, bad.slice(0, 5).map(([slot, byChain]) => `slot ${slot}: ${[...byChain].map(([c, t]) => `${c} ${t}`).join(', ')}`))
    }
    ctx.memo.set('sameSlot.last', top)
    return { checked: `${top - from + 1n} slots` }
  },
}
