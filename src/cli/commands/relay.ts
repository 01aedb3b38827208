import { createPublicClient, createWalletClient, defineChain, http, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { devAccounts } from '../../execution/genesis.js'
import { BaseError, ConfigError } from '../../primitives/errors.js'
import { chainRpcUrl, type NetworkTarget } from '../adminClient.js'
import { privateKeyFlag } from '../flags.js'

export interface RelayCommandOptions extends NetworkTarget {
  chain: number
  key?: string
  l2Rpc?: string
  json?: boolean
}

type RelayTx = { chainId: Hex; to: Hex; data: Hex; accessList: { address: Hex; storageKeys: Hex[] }[] }

/**
 * `plexus relay <msgHash> --chain <destination>`: relays a message by hand, as anyone may (an
 * unpaid message is never relayed by the network): asks the destination chain for the relay
 * transaction (`plexus_relayMessageTx`), estimates its gas, signs it with `--key` (default dev
 * account 0, which pays its gas) and waits for its receipt.
 */
export async function relay(msgHash: string, opts: RelayCommandOptions): Promise<void> {
  if (!/^0x[0-9a-fA-F]{64}$/.test(msgHash)) throw new ConfigError('<msgHash>', 'must be a 0x-prefixed 32-byte message hash (from plexus_getMessagesByTx or the dashboard)')
  const account = privateKeyToAccount(opts.key ? privateKeyFlag('--key', opts.key) : devAccounts()[0]!.privateKey)
  const url = opts.l2Rpc ?? (await chainRpcUrl(opts, opts.chain))
  const chain = defineChain({ id: opts.chain, name: `plexus-${opts.chain}`, nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 }, rpcUrls: { default: { http: [url] } } })
  const client = createPublicClient({ chain, transport: http(url) })
  const chainId = await client.getChainId().catch((err: unknown) => {
    throw new BaseError(`the RPC of chain ${opts.chain} (${url}) does not answer`, { cause: err as Error })
  })
  if (chainId !== opts.chain) throw new ConfigError('--l2-rpc', `${url} is chain ${chainId}, not ${opts.chain}`)

  const tx = await rpcRequest<RelayTx>(client, 'plexus_relayMessageTx', [msgHash])
  if (Number(BigInt(tx.chainId)) !== opts.chain) {
    throw new ConfigError('--chain', `message ${msgHash} goes to chain ${BigInt(tx.chainId)}; relay it there with --chain ${BigInt(tx.chainId)}`)
  }
  const request = { account, to: tx.to, data: tx.data, accessList: tx.accessList }
  // The estimate already finds the least gas that succeeds; the margin covers a base-fee or state change before inclusion.
  const gas = await client.estimateGas(request).catch((err: unknown) => {
    throw new BaseError(`the relay of ${msgHash} would fail on chain ${opts.chain}: ${(err as { shortMessage?: string }).shortMessage ?? String(err)}`)
  })
  const hash = await createWalletClient({ account, chain, transport: http(url) }).sendTransaction({ ...request, gas: gas + gas / 10n })
  const receipt = await client.waitForTransactionReceipt({ hash, pollingInterval: 100 })
  if (receipt.status !== 'success') throw new BaseError(`the relay transaction ${hash} reverted in block ${receipt.blockNumber}; see plexus_getMessage for the target's reason`)
  const out = { msgHash, chainId: opts.chain, tx: hash, block: Number(receipt.blockNumber), gasUsed: Number(receipt.gasUsed), relayer: account.address }
  process.stdout.write(opts.json ? JSON.stringify(out) + '\n' : `relayed     ${Object.entries(out).map(([k, v]) => `${k}=${v}`).join(' ')}\n`)
}

/** A JSON-RPC call whose error is the node's own message, in one line. */
async function rpcRequest<T>(client: { request: (args: { method: never; params: never }) => Promise<unknown> }, method: string, params: unknown[]): Promise<T> {
  try {
    return (await client.request({ method: method as never, params: params as never })) as T
  } catch (err) {
    const e = err as { details?: string; shortMessage?: string; code?: number; cause?: { code?: number } }
    throw new BaseError(`${method}: ${e.details ?? e.shortMessage ?? String(err)}`)
  }
}
