import assert from 'node:assert/strict'
import type { PlexusNetwork } from '../../src/node/network.js'
import type { AuditReport } from '../../src/settlement/audit.js'

/**
 * Runs the money audit of `network` and fails the test unless every asset on every chain
 * is backed by L1 escrow (the invariant of issue 14: L2 supply ≤ L1 escrow − in flight to L1).
 * For the end of every test that moves value.
 */
export async function assertBacked(network: PlexusNetwork): Promise<AuditReport> {
  const report = await network.audit()
  const short = report.assets.flatMap((a) => a.chains.filter((c) => !c.ok).map((c) => `${a.asset} on ${c.chainId}: surplus ${c.surplus}`))
  assert.ok(report.ok, `not backed by L1 escrow: ${short.join('; ') || report.assets.filter((a) => !a.ok).map((a) => `${a.asset}: surplus ${a.surplus}`).join('; ')}`)
  assert.ok(report.portalEthBalance >= (report.assets.find((a) => a.kind === 'eth')?.l1Escrow ?? 0n), 'the Portal holds less ETH than it escrows')
  return report
}
