import type { Hex } from 'viem'
import { DEV_BALANCE } from '../../../src/execution/genesis.js'
import { rpcCall } from '../../helpers/jsonRpc.js'
import { ROLES } from '../accounts.js'
import type { Invariant } from '../context.js'

/** Nothing moves what nobody sent: a dev account the run never used still holds its genesis balance on every chain. */
export const untouched: Invariant = {
  name: 'untouched account',
  promise: 'an account nobody used keeps its genesis balance on every chain',
  scope: 'final',
  async check(ctx, fail) {
    for (const c of ctx.net.chains) {
      const balance = BigInt(await rpcCall<Hex>(c.url, 'eth_getBalance', [ROLES.untouched.address, 'latest']))
      if (balance !== DEV_BALANCE) fail(`chain ${c.chainId}: ${ROLES.untouched.address} holds ${balance} wei, not the genesis ${DEV_BALANCE}`)
    }
    return { checked: `${ctx.net.chains.length} balances` }
  },
}
