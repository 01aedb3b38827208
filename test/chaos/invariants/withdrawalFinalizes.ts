import path from 'node:path'
import { CliProcess } from '../../helpers/cliProcess.js'
import { ROLES } from '../accounts.js'
import { devAccounts } from '../../../src/execution/genesis.js'
import type { Invariant } from '../context.js'

/**
 * A withdrawal goes all the way after everything the run did: `plexus withdraw --wait`
 * (the operator's command) initiates it on L2, waits for the output root, proves it on
 * L1, waits out the challenge window and finalizes. The chain is the one the load
 * deposited to most (a chain can only pay out what was deposited to it on L1).
 */
export const withdrawalFinalizes: Invariant = {
  name: 'withdrawal finalizes',
  promise: 'a withdrawal started after the run is proven and finalized on L1 (plexus withdraw --wait)',
  scope: 'final',
  async check(ctx, fail) {
    if (!ctx.options.finalizeWithdrawal) return { checked: 'not in this run' }
    const deposited = [...ctx.ledger.deposits.values()].filter((d) => d.arrived)
    const chain = ctx.net.chainIds.reduce((best, c) => (deposited.filter((d) => d.chainId === c).length > deposited.filter((d) => d.chainId === best).length ? c : best))
    const key = devAccounts(10).find((a) => a.address === ROLES.withdrawals.address)!.privateKey
    const started = performance.now()
    const proc = new CliProcess(
      ['withdraw', '--chain', String(chain), '--amount', '0.000000001', '--key', key, '--wait', '--json', '--l2-rpc', ctx.net.url(chain), '--l1-rpc', ctx.net.l1Url],
      path.join(ctx.net.layout.workdir, 'withdraw.log'),
    )
    const timeout = ctx.options.timeouts.safe * 2
    const done = await Promise.race([proc.exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), timeout).unref())])
    if (!done) {
      proc.killGroup('SIGKILL')
      await proc.exited
      fail(`plexus withdraw --wait on ${chain} did not finish within ${Math.round(timeout / 1000)} s`, proc.tail(6))
    } else if (done.code !== 0) {
      fail(`plexus withdraw --wait on ${chain} exited with code ${done.code}`, proc.tail(6))
    }
    return { checked: `1 withdrawal on ${chain}`, measured: { withdrawalRoundTripMs: Math.round(performance.now() - started) } }
  },
}
