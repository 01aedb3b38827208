import { keccak256, toHex, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { devAccounts } from '../../src/execution/genesis.js'
import type { PlexusNetwork } from '../../src/node/network.js'
import { pseudoRandom } from './random.js'

export interface BurstTx {
  chainId: number
  /** Signed raw transaction. */
  raw: Hex
  hash: Hex
}

export interface BurstOptions {
  chainId: number
  /** Transactions to sign. */
  count: number
  /** Dev accounts that send them, in turn (each keeps its own nonces). */
  senders: number[]
  /** Random calldata per transaction (default none: plain ETH transfers). */
  dataBytes?: number
  /** Seed of the calldata and recipients (runs reproduce). */
  seed?: number
  /** Nonce of each sender's first transaction (default 0). */
  firstNonce?: (sender: number) => number
}

/**
 * Pre-signs `count` transactions on `chainId`: ETH transfers of 1 wei to pseudo-random
 * recipients, each with `dataBytes` of incompressible calldata, dealt to `senders` in
 * turn with consecutive nonces. Gas covers the calldata at its EIP-7623 floor.
 */
export async function signBurst(opts: BurstOptions): Promise<BurstTx[]> {
  const dataBytes = opts.dataBytes ?? 0
  const seed = opts.seed ?? 1
  const accounts = opts.senders.map((i) => privateKeyToAccount(devAccounts()[i]!.privateKey))
  const nonces = opts.senders.map((i) => opts.firstNonce?.(i) ?? 0)
  const out: BurstTx[] = []
  for (let i = 0; i < opts.count; i++) {
    const s = i % accounts.length
    const data = dataBytes > 0 ? toHex(pseudoRandom(dataBytes, seed * 1_000_003 + i)) : undefined
    const raw = await accounts[s]!.signTransaction({
      type: 'eip1559',
      chainId: opts.chainId,
      nonce: nonces[s]!++,
      to: privateKeyToAccount(keccak256(toHex(`burst/${seed}/${i % 1000}`))).address,
      value: 1n,
      data,
      gas: 21_000n + 40n * BigInt(dataBytes),
      maxFeePerGas: 10n ** 11n,
      maxPriorityFeePerGas: 10n ** 9n,
    })
    out.push({ chainId: opts.chainId, raw, hash: keccak256(raw) })
  }
  return out
}

/**
 * Puts every transaction of `txs` into one slot: slot production is paused, the
 * transactions are sent to their chains' pools (JSON-RPC batches of `batchSize`), and
 * production resumes. Throws if a transaction is refused.
 */
export async function sendInOneSlot(network: PlexusNetwork, txs: readonly BurstTx[], batchSize = 100): Promise<void> {
  const sequencer = network.sequencing.sequencer
  await sequencer.pause()
  try {
    for (let i = 0; i < txs.length; i += batchSize) {
      const group = txs.slice(i, i + batchSize)
      const byChain = new Map<number, BurstTx[]>()
      for (const tx of group) byChain.set(tx.chainId, [...(byChain.get(tx.chainId) ?? []), tx])
      for (const [chainId, list] of byChain) {
        const res = await fetch(network.networkChain(chainId).rpcUrl(), {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(list.map((tx, id) => ({ jsonrpc: '2.0', id, method: 'eth_sendRawTransaction', params: [tx.raw] }))),
        })
        const replies = (await res.json()) as { id: number; error?: { message: string } }[]
        const refused = replies.find((r) => r.error)
        if (refused) throw new Error(`chain ${chainId} refused a burst transaction: ${refused.error!.message}`)
      }
    }
  } finally {
    sequencer.resume()
  }
}
