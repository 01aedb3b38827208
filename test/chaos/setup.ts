import { getContractAddress, parseEther, type Hex } from 'viem'
import { rpcCall } from '../helpers/jsonRpc.js'
import { sleep } from '../helpers/node.js'
import { burstSenders, ROLES } from './accounts.js'
import type { Ledger } from './ledger.js'
import type { LoadGenerator } from './load.js'
import type { NetworkProcess } from './networkProcess.js'

/** PUSH1 0 PUSH1 0 REVERT: a contract every call to which reverts. */
const REVERTING_RUNTIME = '60006000fd'
/** Init code that copies the 5-byte runtime after it into memory and returns it. */
const REVERTING_INITCODE = `0x6005600c60003960056000f3${REVERTING_RUNTIME}` as Hex

/**
 * What the load needs before it starts: a reverting contract at one address on every
 * chain (the deployer's nonce 0 everywhere), and the burst's senders funded on the burst
 * chain. Both are ordinary transactions, recorded in the ledger like the rest.
 */
export async function prepareNetwork(net: NetworkProcess, ledger: Ledger, load: LoadGenerator, burst: { chainId: number; senders: number }): Promise<{ revertingTarget: Hex }> {
  const deployer = ROLES.deployer
  const revertingTarget = getContractAddress({ from: deployer.address, nonce: 0n })
  const sent: { chainId: number; hash: Hex }[] = []
  const must = async (p: Promise<Hex | undefined>, chainId: number, what: string) => {
    const hash = await p
    if (!hash) throw new Error(`setup: ${what} on ${chainId} was refused`)
    sent.push({ chainId, hash })
  }
  for (const chainId of net.chainIds) {
    const code = await rpcCall<Hex>(net.url(chainId), 'eth_getCode', [revertingTarget, 'latest'])
    if (code === '0x') await must(load.send('setup', deployer, chainId, { data: REVERTING_INITCODE, gas: 200_000n }), chainId, 'deploying the reverting contract')
  }
  for (const s of burstSenders(burst.senders)) {
    await must(load.send('setup', ROLES.funder, burst.chainId, { to: s.address, value: parseEther('2'), gas: 21_000n }), burst.chainId, 'funding a burst sender')
  }
  const deadline = Date.now() + 120_000
  for (;;) {
    await load.pollOnce()
    const open = sent.filter((s) => !ledger.tx(s.chainId, s.hash)?.receipt)
    if (open.length === 0) break
    if (Date.now() > deadline) throw new Error(`setup: ${open.length} setup transactions not included after 120 s`)
    await sleep(250)
  }
  const failed = sent.filter((s) => !ledger.tx(s.chainId, s.hash)!.receipt!.success)
  if (failed.length > 0) throw new Error(`setup: ${failed.length} setup transactions reverted (e.g. ${failed[0]!.hash} on ${failed[0]!.chainId})`)
  return { revertingTarget }
}
