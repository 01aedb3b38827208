/**
 * The RPC read bench: how many of the hot read methods (eth_getBalance at the head and at
 * an old block, eth_call, eth_getLogs, eth_getTransactionReceipt, eth_getBlockByNumber)
 * one standalone node answers per second, in batches over HTTP. It exists to show that a
 * change to how the RPC reads a chain (the `ChainReader`) costs nothing on these paths:
 * run it before and after and compare.
 *
 *   node dist/bench/reads.js [--rounds N]
 */
import { parseArgs } from 'node:util'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { getContractAddress } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { devAccounts, devGenesis } from '../src/execution/genesis.js'
import { PlexusNode } from '../src/node/node.js'
import { silentLogger } from '../src/primitives/logger.js'
import { createRpc, type RpcRequest } from './rpc.js'

const BATCH = 200
const TXS = 200

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '20' } } })
const rounds = Number(values.rounds)

const dir = mkdtempSync(path.join(tmpdir(), 'plexus-reads-'))
const node = new PlexusNode({
  datadir: dir,
  genesis: devGenesis({ chainId: 901, gasLimit: 60_000_000n }),
  slotTimeMs: 100,
  feeRecipient: '0x4200000000000000000000000000000000000011',
  rpc: { host: '127.0.0.1', port: 0 },
  produceBlocks: true,
  logger: silentLogger(),
})
await node.start()
try {
  const rpc = createRpc(node.rpcUrl())
  const dev = devAccounts(1)[0]!
  const account = privateKeyToAccount(dev.privateKey)
  // A contract that logs once per call (LOG1, topic 1), then calls to it: each leaves a
  // receipt and a log to read back.
  const emitter = getContractAddress({ from: account.address, nonce: 0n })
  const hashes: string[] = []
  for (let nonce = 0; nonce <= TXS; nonce++) {
    const raw = await account.signTransaction({
      chainId: 901,
      type: 'eip1559',
      nonce,
      ...(nonce === 0 ? { data: '0x6008600c60003960086000f3600160006000a100' } : { to: emitter }),
      gas: 200_000n,
      maxFeePerGas: 10n ** 10n,
      maxPriorityFeePerGas: 1n,
    })
    hashes.push(await rpc.call<string>('eth_sendRawTransaction', [raw]))
  }
  for (;;) {
    const r = await rpc.call<{ status: string } | null>('eth_getTransactionReceipt', [hashes.at(-1)])
    if (r) break
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  const head = await rpc.call<string>('eth_blockNumber')
  const cases: [string, (i: number) => RpcRequest][] = [
    ['eth_getBalance latest', () => ({ method: 'eth_getBalance', params: [dev.address, 'latest'] })],
    ['eth_getBalance 0x1', () => ({ method: 'eth_getBalance', params: [dev.address, '0x1'] })],
    ['eth_call', () => ({ method: 'eth_call', params: [{ to: emitter }, 'latest'] })],
    ['eth_getLogs', () => ({ method: 'eth_getLogs', params: [{ fromBlock: '0x1', toBlock: head, address: emitter }] })],
    ['eth_getTransactionReceipt', (i) => ({ method: 'eth_getTransactionReceipt', params: [hashes[i % hashes.length]] })],
    ['eth_getBlockByNumber', (i) => ({ method: 'eth_getBlockByNumber', params: [`0x${((i % Number(head)) + 1).toString(16)}`, false] })],
  ]
  for (const [name, request] of cases) {
    const batch = Array.from({ length: BATCH }, (_, i) => request(i))
    const first = await rpc.batch(batch)
    if (name === 'eth_getLogs') console.log(`  (${(first[0]!.result as unknown[]).length} logs per call)`)
    if (first.some((r) => r.error)) throw new Error(`${name}: ${JSON.stringify(first.find((r) => r.error))}`)
    const start = process.hrtime.bigint()
    for (let r = 0; r < rounds; r++) await rpc.batch(batch)
    const seconds = Number(process.hrtime.bigint() - start) / 1e9
    console.log(`${name.padEnd(28)} ${Math.round((rounds * BATCH) / seconds).toString().padStart(8)} calls/s`)
  }
} finally {
  await node.stop()
  rmSync(dir, { recursive: true, force: true })
}
