import { parseGwei, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { devAccounts } from '../../src/execution/genesis.js'
import { rpc, sleep } from './node.js'

export interface SeenReceipt {
  chainId: number
  hash: Hex
  blockHash: Hex
  blockNumber: Hex
}

const RECIPIENT = '0x000000000000000000000000000000000000bEEF'

/**
 * Streams ETH transfers to chains from a few dev accounts, each sender waiting for its
 * receipt before the next, and records every receipt an RPC returned: what a crash must
 * never take back. Survives its target going away (it keeps retrying until stopped), so
 * a test can kill and restart the network under it.
 */
export class ReceiptLoad {
  readonly seen = new Map<Hex, SeenReceipt>()
  private running = true
  private readonly loops: Promise<void>[] = []

  constructor(targets: { chainId: number; url: string }[], senders: number[]) {
    for (const t of targets) for (const s of senders) this.loops.push(this.sender(t.chainId, t.url, s))
  }

  private async sender(chainId: number, url: string, index: number): Promise<void> {
    const account = privateKeyToAccount(devAccounts(10)[index]!.privateKey)
    while (this.running) {
      try {
        const nonce = Number(BigInt(await rpc<Hex>(url, 'eth_getTransactionCount', [account.address, 'pending'])))
        const raw = await account.signTransaction({
          chainId,
          type: 'eip1559',
          nonce,
          to: RECIPIENT,
          value: 1n,
          gas: 21_000n,
          maxFeePerGas: parseGwei('50'),
          maxPriorityFeePerGas: parseGwei('1'),
        })
        const hash = await rpc<Hex>(url, 'eth_sendRawTransaction', [raw])
        for (let i = 0; i < 400 && this.running; i++) {
          const r = await rpc<{ blockHash: Hex; blockNumber: Hex } | null>(url, 'eth_getTransactionReceipt', [hash])
          if (r) {
            this.seen.set(hash, { chainId, hash, blockHash: r.blockHash, blockNumber: r.blockNumber })
            break
          }
          await sleep(25)
        }
      } catch {
        // The network is down (killed by the test) or refused this one: try again.
        await sleep(100)
      }
    }
  }

  /** Records one more receipt the test got elsewhere (a deposit's). */
  record(r: SeenReceipt): void {
    this.seen.set(r.hash, r)
  }

  async stop(): Promise<void> {
    this.running = false
    await Promise.all(this.loops)
  }
}

/**
 * Every recorded receipt is returned again with the same block hash, and that block is
 * still canonical at its number. Returns the problems (empty when none).
 */
export async function lostReceipts(seen: Iterable<SeenReceipt>, urlOf: (chainId: number) => string): Promise<string[]> {
  const problems: string[] = []
  for (const r of seen) {
    const url = urlOf(r.chainId)
    const again = await rpc<{ blockHash: Hex } | null>(url, 'eth_getTransactionReceipt', [r.hash])
    if (!again) problems.push(`chain ${r.chainId}: receipt of ${r.hash} (block ${BigInt(r.blockNumber)}) is gone`)
    else if (again.blockHash !== r.blockHash) problems.push(`chain ${r.chainId}: ${r.hash} moved from block ${r.blockHash} to ${again.blockHash}`)
    else {
      const block = await rpc<{ hash: Hex } | null>(url, 'eth_getBlockByNumber', [r.blockNumber, false])
      if (block?.hash !== r.blockHash) problems.push(`chain ${r.chainId}: block ${BigInt(r.blockNumber)} is now ${block?.hash}, not ${r.blockHash}`)
    }
  }
  return problems
}
