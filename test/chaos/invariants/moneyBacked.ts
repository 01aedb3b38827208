import { rpcCall } from '../../helpers/jsonRpc.js'
import type { Invariant } from '../context.js'

interface Audit {
  ok: boolean
  assets: { asset: string; ok: boolean; surplus: string; chains: { chainId: string; ok: boolean; surplus: string }[] }[]
}

/**
 * Issue 14's money invariant through every fault: for every asset, what each chain owes
 * its users (on L2, on its way from other chains, withdrawn and not yet paid on L1) is
 * backed by L1 escrow — `plexus_audit`, computed by the network from L1 and every chain.
 */
export const moneyBacked: Invariant = {
  name: 'money backed',
  promise: 'every asset on every chain is backed by L1 escrow (plexus_audit): nothing minted, nothing drained',
  scope: 'after-fault',
  async check(ctx, fail) {
    const first = ctx.net.chains[0]!
    // The audit walks every account of every chain: give it longer than a plain call.
    const audit = await rpcCall<Audit>(first.url, 'plexus_audit', [], 60_000)
    if (!audit.ok) {
      const short = audit.assets.flatMap((a) => a.chains.filter((c) => !c.ok).map((c) => `${a.asset} on chain ${BigInt(c.chainId)}: short by ${BigInt(c.surplus.replace('-', ''))} wei`))
      fail('an asset is not backed by L1 escrow', [...short.slice(0, 6), ...ctx.net.problems(ctx.logMark, 3)])
    }
    return { checked: `${audit.assets.length} assets on ${ctx.net.chains.length} chains` }
  },
}
