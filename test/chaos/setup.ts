import { getContractAddress, parseEther, type Hex } from 'viem'
import { loadArtifact } from '../helpers/artifacts.js'
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
 * chain (the deployer's nonce 0 everywhere), a RelayGasProbe (nonce 1) that sends a message
 * and pays for its relay in one transaction (the network relays only paid messages, and a
 * payment sent apart could be lost to a fault while its message is not), and the burst's
 * senders funded on the burst chain. All are ordinary transactions, recorded in the
 * ledger like the rest.
 */
export async function prepareNetwork(net: NetworkProcess, ledger: Ledger, load: LoadGenerator, burst: { chainId: number; senders: number }): Promise<{ revertingTarget: Hex; paidSender: Hex }> {
  const deployer = ROLES.deployer
  const revertingTarget = getContractAddress({ from: deployer.address, nonce: 0n })
  const paidSender = getContractAddress({ from: deployer.address, nonce: 1n })
  const sent: { chainId: number; hash: Hex }[] = []
  const must = async (p: Promise<Hex | undefined>, chainId: number, what: string) => {
    const hash = await p
    if (!hash) throw new Error(`setup: ${what} on ${chainId} was refused`)
    sent.push({ chainId, hash })
  }
  for (const chainId of net.chainIds) {
    const code = await rpcCall<Hex>(net.url(chainId), 'eth_getCode', [revertingTarget, 'latest'])
    if (code === '0x') await must(load.send('setup', deployer, chainId, { data: REVERTING_INITCODE, gas: 200_000n }), chainId, 'deploying the reverting contract')
    const senderCode = await rpcCall<Hex>(net.url(chainId), 'eth_getCode', [paidSender, 'latest'])
    if (senderCode === '0x') await must(load.send('setup', deployer, chainId, { data: loadArtifact('RelayGasProbe').bytecode, gas: 3_000_000n }), chainId, 'deploying the paid message sender')
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
  for (const chainId of net.chainIds) {
    // the deployer's nonces are 0 and 1 on a fresh network: anything else would leave the load sending to an empty address
    if ((await rpcCall<Hex>(net.url(chainId), 'eth_getCode', [paidSender, 'latest'])) === '0x') throw new Error(`setup: no RelayGasProbe at ${paidSender} on ${chainId} (the deployer's nonce 1 went elsewhere)`)
  }
  return { revertingTarget, paidSender }
}
