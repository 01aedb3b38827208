import type { Hex } from 'viem'
import { abortable, waitForSuccess, type L1Signer } from './l1Transactions.js'
import { inSendQueue } from './sendQueue.js'

/**
 * Sends `amount` of ETH from `from` to each of `addresses` that holds less than half of
 * it (a role key's running costs: batches, proposals). The sends go through `from`'s
 * queue and are all in flight before the first receipt is awaited.
 */
export async function fundRoles(from: L1Signer, addresses: Hex[], amount: bigint): Promise<void> {
  const hashes = await Promise.all(
    addresses.map(async (address) => {
      const balance = await from.publicClient.getBalance({ address })
      if (balance >= amount / 2n) return undefined
      return abortable(inSendQueue(from.sends, () => from.wallet.sendTransaction({ to: address, value: amount, account: from.account, chain: from.chain })), from.signal, 'fund')
    }),
  )
  for (const hash of hashes) if (hash) await waitForSuccess(from.publicClient, hash, 'fund', from.signal)
}
