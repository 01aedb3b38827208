// A 32-chain network starts and runs: the chains register and open at once,
// every chain builds its block in every shared slot, a transaction lands on each chain,
// a message crosses from the first chain to the last, and the network stops cleanly.
import assert from 'node:assert/strict'
import { after, before, describe, it } from 'node:test'
import { createPublicClient, createWalletClient, defineChain, http, parseEther, type PublicClient } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { devAccounts } from '../../src/execution/genesis.js'
import { sendTokenAcross } from '../helpers/crossChain.js'
import { assertLockstep, startTestNetwork, type TestNetwork } from '../helpers/network.js'
import { waitFor } from '../helpers/node.js'
import { portTaken } from '../helpers/upProcess.js'

const CHAINS = Array.from({ length: 32 }, (_, i) => 901 + i)
const FIRST = CHAINS[0]!
const LAST = CHAINS[CHAINS.length - 1]!
const user = privateKeyToAccount(devAccounts()[6]!.privateKey)
const sender = privateKeyToAccount(devAccounts()[5]!.privateKey)

describe('thirty-two chains in one network', { timeout: 240_000 }, () => {
  let net: TestNetwork | undefined
  const client = (id: number) => createPublicClient({ transport: http(net!.l2Url(id)), cacheTime: 0 }) as PublicClient

  before(async () => {
    net = await startTestNetwork({ chainIds: CHAINS })
  })
  after(async () => {
    await net?.stop()
  })

  it('every chain builds its block in every shared slot', async () => {
    // Invariant: slot n holds block n of every chain (all chains started at slot 0), and
    // they all carry the slot's timestamp.
    await assertLockstep(net!, CHAINS, 8n)
    // Read at one instant (one JS turn): every chain's head in one slot. A slot being
    // committed can be seen half done, so wait for an instant between two slots.
    await waitFor(async () => {
      const heads = net!.network.nodes.map((n) => n.chain.headHeader())
      return heads.length === CHAINS.length && new Set(heads.map((h) => h.number)).size === 1 && new Set(heads.map((h) => h.timestamp)).size === 1
    }, 30_000, 'every head in the same slot')
  })

  it('a transaction on each chain lands', async () => {
    const to = privateKeyToAccount(`0x${'11'.repeat(32)}`).address
    const hashes = await Promise.all(
      CHAINS.map((id) => {
        const chain = defineChain({ id, name: `L2 ${id}`, nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [net!.l2Url(id)] } } })
        return createWalletClient({ account: sender, chain, transport: http(net!.l2Url(id)) }).sendTransaction({ to, value: parseEther('1') })
      }),
    )
    const receipts = await Promise.all(hashes.map((hash, i) => client(CHAINS[i]!).waitForTransactionReceipt({ hash, pollingInterval: 100, timeout: 60_000 })))
    for (const [i, r] of receipts.entries()) assert.equal(r.status, 'success', `chain ${CHAINS[i]}`)
    for (const id of CHAINS) assert.equal(await client(id).getBalance({ address: to }), parseEther('1'), `chain ${id}: the transfer's amount, once`)
  })

  it('a message crosses from the first chain to the last', async () => {
    await sendTokenAcross(net!, user, FIRST, LAST, 3n)
  })

  it('stops cleanly: every RPC port freed', async () => {
    const ports = CHAINS.map((id) => Number(new URL(net!.l2Url(id)).port))
    await net!.stop()
    net = undefined
    for (const port of ports) assert.equal(await portTaken(port), false, `port ${port} is free`)
  })
})
