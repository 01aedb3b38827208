/**
 * Where the time goes, in process (no RPC): for N pre-signed ETH transfers and N ERC-20
 * transfers from many senders, the cost of each phase of the node's hot path —
 * decoding, signature recovery, pool admission, execution, state root, tries, storage —
 * and of answering receipts. `npm run bench:profile [-- --count N]`.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { createTxFromRLP, type TypedTransaction } from '@ethereumjs/tx'
import { encodeFunctionData, type Hex } from 'viem'
import { privateKeyToAccount } from 'viem/accounts'
import { Chain, type BuildTimings } from '../src/execution/chain.js'
import { decodeRawTransaction } from '../src/execution/decodeTx.js'
import { devAccounts, devGenesis } from '../src/execution/genesis.js'
import { sharedTxCommon } from '../src/execution/txCommon.js'
import { initCrypto, keccak256 } from '../src/primitives/crypto.js'
import { silentLogger } from '../src/primitives/logger.js'
import { hexToBytes } from '../src/primitives/hex.js'
import { TxPool } from '../src/sequencer/txpool/index.js'
import { ChainStore } from '../src/storage/chainStore.js'
import { openDatabase } from '../src/storage/database.js'
import { formatBlockReceipts } from '../src/rpc/format.js'
import { loadArtifact } from '../test/helpers/artifacts.js'

const args = process.argv.slice(2)
const COUNT = Number(args[args.indexOf('--count') + 1] ?? 0) || 2000
const SENDERS = 200
const CHAIN_ID = 901

type Row = Record<string, number>

async function main(): Promise<void> {
  await initCrypto()
  const keys = Array.from({ length: SENDERS }, (_, i) => `0x${Buffer.from(keccak256(Buffer.from(`sender-${i}`))).toString('hex')}` as Hex)
  const senders = keys.map((k) => privateKeyToAccount(k))
  const alloc: Record<string, { balance: string }> = {}
  for (const s of senders) alloc[s.address.toLowerCase()] = { balance: `0x${(10n ** 24n).toString(16)}` }
  const genesis = devGenesis({ chainId: CHAIN_ID, gasLimit: 60_000_000n, alloc })
  const dir = mkdtempSync(path.join(tmpdir(), 'plexus-profile-'))
  const store = new ChainStore(openDatabase(dir))
  try {
    const chain = await Chain.open(store, genesis, silentLogger())
    const pool = new TxPool({
      chainId: BigInt(CHAIN_ID),
      common: chain.common,
      state: {
        getNonce: async (s) => (await chain.headAccount(hexToBytes(s)))?.nonce ?? 0n,
        getBalance: async (s) => (await chain.headAccount(hexToBytes(s)))?.balance ?? 0n,
      },
      head: () => ({ baseFee: chain.nextBaseFee(), gasLimit: 60_000_000n }),
    })
    const fee = { maxFeePerGas: 100_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n }

    // Setup (not measured): deploy DevToken and give every sender tokens.
    const token = loadArtifact('DevToken')
    const deployer = privateKeyToAccount(devAccounts(1)[0]!.privateKey)
    const deployRaw = await deployer.signTransaction({ chainId: CHAIN_ID, type: 'eip1559', nonce: 0, gas: 3_000_000n, data: deployData(token), ...fee })
    await mine(chain, pool, [deployRaw])
    const tokenAddress = contractAddress(deployer.address)
    const fund = await Promise.all(
      senders.map((s, i) =>
        deployer.signTransaction({ chainId: CHAIN_ID, type: 'eip1559', nonce: i + 1, gas: 100_000n, to: tokenAddress, data: transferData(token, s.address, 10n ** 24n), ...fee }),
      ),
    )
    await mine(chain, pool, fund)

    const rows: Record<string, Row> = {}
    for (const workload of ['ETH transfer', 'ERC-20 transfer'] as const) {
      const raws = await Promise.all(
        Array.from({ length: COUNT }, (_, i) => {
          const s = senders[i % SENDERS]!
          const nonce = Math.floor(i / SENDERS) + (workload === 'ETH transfer' ? 0 : Math.ceil(COUNT / SENDERS))
          return workload === 'ETH transfer'
            ? s.signTransaction({ chainId: CHAIN_ID, type: 'eip1559', nonce, gas: 21_000n, to: senders[(i + 1) % SENDERS]!.address, value: 1n, ...fee })
            : s.signTransaction({ chainId: CHAIN_ID, type: 'eip1559', nonce, gas: 60_000n, to: tokenAddress, data: transferData(token, senders[(i + 1) % SENDERS]!.address, 1n), ...fee })
        }),
      )
      rows[workload] = await profile(chain, pool, raws.map(hexToBytes))
    }
    printTable(rows)
  } finally {
    await store.close()
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Times each phase for one batch of raw transactions mined as blocks. */
async function profile(chain: Chain, pool: TxPool, raws: Uint8Array[]): Promise<Row> {
  const common = sharedTxCommon(chain.common)
  let t = performance.now()
  const decoded: TypedTransaction[] = raws.map((r) => createTxFromRLP(r, { common }) as TypedTransaction)
  const decode = performance.now() - t
  t = performance.now()
  for (const tx of decoded) tx.getSenderAddress()
  const recover = performance.now() - t
  // The real ingest path (decode + recover + envelope checks), on fresh objects.
  t = performance.now()
  const ptxs = raws.map((r) => decodeRawTransaction(r, chain.common, pool.checkEnvelope))
  const ingest = performance.now() - t
  t = performance.now()
  for (const p of ptxs) await pool.add(p)
  const poolAdd = performance.now() - t
  const phases: BuildTimings = { execution: 0, stateRoot: 0, tries: 0, storage: 0 }
  let mined = 0
  let receiptsMs = 0
  while (pool.size > 0) {
    const built = await chain.buildBlock({ timestamp: chain.headHeader().timestamp + 1n, coinbase: new Uint8Array(20), txs: pool.selectForBlock(chain.nextBaseFee()) })
    await pool.onNewHead({ included: built.included.map((p) => ({ hash: p.hash, sender: p.sender, nonce: p.nonce })) })
    if (built.included.length === 0) throw new Error(`no progress: ${built.invalid[0]?.reason ?? 'pool stuck'}`)
    mined += built.included.length
    for (const k of Object.keys(phases) as (keyof BuildTimings)[]) phases[k] += built.timings[k] * 1000
    t = performance.now()
    formatBlockReceipts(built.block, chain.getReceipts(built.block.hash())!)
    receiptsMs += performance.now() - t
  }
  const per = (ms: number) => (ms * 1000) / mined
  const total = ingest + poolAdd + phases.execution + phases.stateRoot + phases.tries + phases.storage + receiptsMs
  return {
    txs: mined,
    'decode µs': per(decode),
    'recover µs': per(recover),
    'ingest µs': per(ingest),
    'pool µs': per(poolAdd),
    'execution µs': per(phases.execution),
    'state root µs': per(phases.stateRoot),
    'tries µs': per(phases.tries),
    'storage µs': per(phases.storage),
    'receipts JSON µs': per(receiptsMs),
    'total µs': per(total),
    'ceiling tx/s': (mined / total) * 1000,
  }
}

async function mine(chain: Chain, pool: TxPool, raws: Hex[]): Promise<void> {
  for (const r of raws) await pool.add(decodeRawTransaction(hexToBytes(r), chain.common))
  while (pool.size > 0) {
    const built = await chain.buildBlock({ timestamp: chain.headHeader().timestamp + 1n, coinbase: new Uint8Array(20), txs: pool.selectForBlock(chain.nextBaseFee()) })
    await pool.onNewHead({ included: built.included.map((p) => ({ hash: p.hash, sender: p.sender, nonce: p.nonce })) })
    if (built.invalid.length > 0) throw new Error(`setup tx failed: ${built.invalid[0]!.reason}`)
  }
}

function deployData(token: ReturnType<typeof loadArtifact>): Hex {
  const ctor = encodeFunctionData({ abi: [{ type: 'function', name: 'x', inputs: [{ type: 'string' }, { type: 'string' }], outputs: [], stateMutability: 'nonpayable' }], args: ['Bench', 'BNC'] })
  return `${token.bytecode}${ctor.slice(10)}` as Hex
}

function transferData(token: ReturnType<typeof loadArtifact>, to: Hex, amount: bigint): Hex {
  return encodeFunctionData({ abi: token.abi, functionName: 'transfer', args: [to, amount] })
}

function contractAddress(deployer: Hex): Hex {
  // the first contract of a fresh account: nonce 0
  const rlp = Buffer.concat([Buffer.from([0xd6, 0x94]), hexToBytes(deployer), Buffer.from([0x80])])
  return `0x${Buffer.from(keccak256(rlp)).subarray(12).toString('hex')}` as Hex
}

function printTable(rows: Record<string, Row>): void {
  const cols = Object.keys(Object.values(rows)[0]!)
  console.log(`| workload | ${cols.join(' | ')} |`)
  console.log(`|---|${cols.map(() => '---:').join('|')}|`)
  for (const [name, row] of Object.entries(rows)) {
    console.log(`| ${name} | ${cols.map((c) => (c === 'txs' ? String(row[c]) : row[c]!.toFixed(c === 'ceiling tx/s' ? 0 : 1))).join(' | ')} |`)
  }
}

main().catch((err) => {
  console.error(err)
  process.exit(1)
})
