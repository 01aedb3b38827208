import type { AssetAudit, AuditReport, ChainAudit } from '../../settlement/audit.js'
import { toQuantity } from '../../primitives/hex.js'
import type { RpcApi } from '../api.js'
import { networkOf } from './network.js'

/**
 * plexus_audit: the money invariant of the whole network, computed from L1 and every chain
 * (see settlement/audit.ts) — per asset and per chain, the L2 supply and what is in flight
 * to L1 against the L1 escrow that backs it. Walks every chain's state: costly.
 */
export async function audit(api: RpcApi): Promise<unknown> {
  return formatAudit(await networkOf(api, 'plexus_audit').audit())
}

/** The audit as JSON: amounts and numbers as hex quantities, as every RPC answer. */
export function formatAudit(r: AuditReport): Record<string, unknown> {
  const chain = (c: ChainAudit) => ({
    chainId: toQuantity(c.chainId),
    l2Supply: toQuantity(c.l2Supply),
    inFlightToL1: toQuantity(c.inFlightToL1),
    backing: toQuantity(c.backing),
    surplus: signedQuantity(c.surplus),
    ok: c.ok,
  })
  const asset = (a: AssetAudit) => ({
    asset: a.asset,
    kind: a.kind,
    l1Token: a.l1Token ?? null,
    l2Supply: toQuantity(a.l2Supply),
    l1Escrow: toQuantity(a.l1Escrow),
    inFlightToL1: toQuantity(a.inFlightToL1),
    surplus: signedQuantity(a.surplus),
    ok: a.ok,
    chains: a.chains.map(chain),
  })
  return {
    ok: r.ok,
    l1Block: toQuantity(r.l1Block),
    l2Blocks: r.l2Blocks.map((b) => ({ chainId: toQuantity(b.chainId), number: toQuantity(b.number) })),
    portalEthBalance: toQuantity(r.portalEthBalance),
    assets: r.assets.map(asset),
  }
}

/** A quantity that may be negative (a shortfall): `-0x…`. */
function signedQuantity(v: bigint): string {
  return v < 0n ? `-${toQuantity(-v)}` : toQuantity(v)
}
