import type { Hex } from 'viem'
import { abiOf } from './abis.js'
import { writeAndWait, type L1Signer } from './l1Transactions.js'

/** The registry's network batcher: the one account the BatchInbox takes batches from (zero: none set). */
export async function readNetworkBatcher(signer: Pick<L1Signer, 'publicClient'>, registry: Hex): Promise<Hex> {
  return (await signer.publicClient.readContract({ address: registry, abi: abiOf('ChainRegistry'), functionName: 'networkBatcher' })) as Hex
}

/**
 * Makes `batcher` the registry's network batcher, unless it already is. `owner` must be
 * the registry's owner (the deployer, on a network Plexus deployed).
 */
export async function ensureNetworkBatcher(owner: L1Signer, registry: Hex, batcher: Hex): Promise<void> {
  if ((await readNetworkBatcher(owner, registry)).toLowerCase() === batcher.toLowerCase()) return
  await writeAndWait(owner, { address: registry, abi: abiOf('ChainRegistry'), functionName: 'setNetworkBatcher', args: [batcher] })
}
