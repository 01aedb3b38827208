// Eight chains in one network on one machine (issue 5: at least 16 work; CI runs 8):
// every chain builds every slot with the same timestamp, they are batched to L1 together,
// and a message crosses from the first chain to the last and back.
import { after, before, describe, it } from 'node:test'
import { privateKeyToAccount } from 'viem/accounts'
import { devAccounts } from '../../src/execution/genesis.js'
import { sendTokenAcross } from '../helpers/crossChain.js'
import { assertLockstep, startTestNetwork, type TestNetwork } from '../helpers/network.js'
import { safeAtLeast } from '../helpers/sync.js'

const CHAINS = Array.from({ length: 8 }, (_, i) => 901 + i)
const user = privateKeyToAccount(devAccounts()[6]!.privateKey)

describe('eight chains in one network', () => {
  let net: TestNetwork

  before(async () => {
    net = await startTestNetwork({ chainIds: CHAINS })
  })
  after(async () => {
    await net?.stop()
  })

  it('every chain builds every slot, with the slot timestamp, and all are batched to L1', async () => {
    const target = await assertLockstep(net, CHAINS, 12n)
    for (const id of CHAINS) await safeAtLeast(net.l2Url(id), target, 90_000)
  })

  it('a message crosses from the first chain to the last and back', async () => {
    await sendTokenAcross(net, user, 901, 908, 3n)
    await sendTokenAcross(net, user, 908, 901, 1n)
  })
})
