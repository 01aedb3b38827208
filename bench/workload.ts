/**
 * Workload preparation (all untimed): derive sender accounts, fund them from the dev
 * accounts, deploy DevToken when needed, then pre-sign every benchmark transaction.
 */
import { readFileSync } from 'node:fs'
import {
  encodeDeployData,
  encodeFunctionData,
  keccak256,
  parseEther,
  parseGwei,
  toHex,
  type Abi,
  type Address,
  type Hex,
} from 'viem'
import { mnemonicToAccount, privateKeyToAccount, type HDAccount, type PrivateKeyAccount } from 'viem/accounts'
import { chunk, sleep, type Rpc } from './rpc.js'
import { DEV_MNEMONIC } from './targets.js'

export const WORKLOADS = ['eth', 'erc20'] as const
export type WorkloadKind = (typeof WORKLOADS)[number]

export const WORKLOAD_LABEL: Record<WorkloadKind, string> = {
  eth: 'ETH transfer',
  erc20: 'ERC-20 transfer',
}

export const MAX_FEE_PER_GAS = parseGwei('100')
export const MAX_PRIORITY_FEE_PER_GAS = parseGwei('1')
const ETH_TRANSFER_GAS = 21_000n
const ETH_VALUE = parseGwei('1')
const TOKEN_AMOUNT = parseEther('1')
const RECIPIENTS = 1_000
const DEV_ACCOUNTS = 10

type Account = HDAccount | PrivateKeyAccount

export type SignedTx = {
  /** Index in the workload (0..N-1). */
  index: number
  raw: Hex
  hash: Hex
}

export type PreparedWorkload = {
  kind: WorkloadKind
  chainId: number
  gasLimit: bigint
  senders: number
  /** All transactions, by index. */
  txs: SignedTx[]
  /**
   * The send order: one list per concurrent lane. A sender belongs to exactly one lane
   * and its nonces are in increasing order within it, so they arrive in order.
   */
  lanes: SignedTx[][]
  setupMs: number
  signMs: number
}

export type PrepareOptions = {
  kind: WorkloadKind
  count: number
  senders: number
  lanes: number
  log: (line: string) => void
}

type Artifact = { abi: Abi; bytecode: Hex }

function loadDevToken(): Artifact {
  const url = new URL('../contracts/DevToken.json', import.meta.url)
  try {
    return JSON.parse(readFileSync(url, 'utf8')) as Artifact
  } catch (cause) {
    throw new Error('dist/contracts/DevToken.json not found; run `npm run build`', { cause })
  }
}

/** Deterministic benchmark sender keys: keccak256("plexus-bench/sender/<i>"). */
export function senderAccount(i: number): PrivateKeyAccount {
  return privateKeyToAccount(keccak256(toHex(`plexus-bench/sender/${i}`)))
}

/** Deterministic recipient addresses with no known key. */
function recipientAddress(i: number): Address {
  return `0x${keccak256(toHex(`plexus-bench/recipient/${i}`)).slice(26)}` as Address
}

type TxFields = { to?: Address; value?: bigint; data?: Hex; gas: bigint; nonce: number }

async function sign(account: Account, chainId: number, tx: TxFields, maxFeePerGas: bigint): Promise<SignedTx & { index: -1 }> {
  const raw = await account.signTransaction({
    type: 'eip1559',
    chainId,
    nonce: tx.nonce,
    to: tx.to,
    value: tx.value ?? 0n,
    data: tx.data,
    gas: tx.gas,
    maxFeePerGas,
    maxPriorityFeePerGas: MAX_PRIORITY_FEE_PER_GAS,
  })
  return { index: -1, raw, hash: keccak256(raw) }
}

/** Sends raw transactions in batches and waits until all have successful receipts. */
export async function sendAndWait(rpc: Rpc, raws: Hex[], what: string, timeoutMs = 120_000): Promise<Array<Record<string, unknown>>> {
  const hashes: Hex[] = []
  for (const batch of chunk(raws, 100)) {
    const answers = await rpc.batch(batch.map((raw) => ({ method: 'eth_sendRawTransaction', params: [raw] })))
    answers.forEach((a, i) => {
      if (a.error) throw new Error(`${what}: eth_sendRawTransaction rejected: ${a.error.message} (code ${a.error.code})`)
      hashes.push((a.result as Hex) ?? keccak256(batch[i]!))
    })
  }
  const receipts = new Array<Record<string, unknown> | null>(hashes.length).fill(null)
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const missing = receipts.flatMap((r, i) => (r ? [] : [i]))
    if (missing.length === 0) break
    if (Date.now() > deadline) throw new Error(`${what}: ${missing.length} of ${hashes.length} transactions not mined within ${timeoutMs / 1000}s`)
    for (const idx of chunk(missing, 100)) {
      const answers = await rpc.batch(idx.map((i) => ({ method: 'eth_getTransactionReceipt', params: [hashes[i]] })))
      answers.forEach((a, j) => {
        if (a.result) receipts[idx[j]!] = a.result as Record<string, unknown>
      })
    }
    if (receipts.some((r) => !r)) await sleep(100)
  }
  const failed = receipts.filter((r) => r!['status'] !== '0x1').length
  if (failed > 0) throw new Error(`${what}: ${failed} of ${hashes.length} transactions reverted`)
  return receipts as Array<Record<string, unknown>>
}

async function pendingNonces(rpc: Rpc, addresses: Address[]): Promise<number[]> {
  const out: number[] = []
  for (const batch of chunk(addresses, 100)) {
    const answers = await rpc.batch(batch.map((a) => ({ method: 'eth_getTransactionCount', params: [a, 'pending'] })))
    for (const a of answers) {
      if (a.error) throw new Error(`eth_getTransactionCount failed: ${a.error.message}`)
      out.push(Number(a.result as Hex))
    }
  }
  return out
}

/** Sets up the chain for one workload and pre-signs its `count` transactions. */
export async function prepareWorkload(rpc: Rpc, opts: PrepareOptions): Promise<PreparedWorkload> {
  const setupStart = performance.now()
  const chainId = Number(await rpc.call<Hex>('eth_chainId'))
  const latest = await rpc.call<{ baseFeePerGas?: Hex }>('eth_getBlockByNumber', ['latest', false])
  const baseFee = BigInt(latest.baseFeePerGas ?? '0x0')
  // Well above the base fee, so a rising base fee under load never strands a tx.
  const maxFeePerGas = MAX_FEE_PER_GAS > baseFee * 10n ? MAX_FEE_PER_GAS : baseFee * 10n

  const senderCount = Math.max(1, Math.min(opts.senders, opts.count))
  const devs = Array.from({ length: DEV_ACCOUNTS }, (_, i) => mnemonicToAccount(DEV_MNEMONIC, { addressIndex: i }))
  const senders = Array.from({ length: senderCount }, (_, i) => senderAccount(i))
  const perSender = senders.map((_, i) => Math.floor(opts.count / senderCount) + (i < opts.count % senderCount ? 1 : 0))
  const devNonces = await pendingNonces(rpc, devs.map((d) => d.address))

  // ERC-20: deploy DevToken from dev account 0, then measure one transfer's gas.
  let token: Address | undefined
  let gasLimit = ETH_TRANSFER_GAS
  let abi: Abi | undefined
  if (opts.kind === 'erc20') {
    const artifact = loadDevToken()
    abi = artifact.abi
    const data = encodeDeployData({ abi, bytecode: artifact.bytecode, args: ['Bench Token', 'BENCH'] })
    const deployGas = BigInt(await rpc.call<Hex>('eth_estimateGas', [{ from: devs[0]!.address, data }]))
    const deploy = await sign(devs[0]!, chainId, { data, gas: (deployGas * 12n) / 10n, nonce: devNonces[0]!++ }, maxFeePerGas)
    const [receipt] = await sendAndWait(rpc, [deploy.raw], 'deploy DevToken')
    token = receipt!['contractAddress'] as Address
    if (!token) throw new Error('deploy DevToken: receipt has no contractAddress')
    const transfer = encodeFunctionData({ abi, functionName: 'transfer', args: [recipientAddress(RECIPIENTS), TOKEN_AMOUNT] })
    const estimate = BigInt(await rpc.call<Hex>('eth_estimateGas', [{ from: devs[0]!.address, to: token, data: transfer }]))
    gasLimit = (estimate * 12n) / 10n
  }

  // Fund every sender with ETH (from the dev accounts in turn) and, for ERC-20, tokens.
  const funding: Hex[] = []
  for (const [i, sender] of senders.entries()) {
    const dev = i % DEV_ACCOUNTS
    const cost = BigInt(perSender[i]!) * (gasLimit * maxFeePerGas + (opts.kind === 'eth' ? ETH_VALUE : 0n))
    const value = cost * 2n + parseEther('0.1')
    funding.push((await sign(devs[dev]!, chainId, { to: sender.address, value, gas: ETH_TRANSFER_GAS, nonce: devNonces[dev]!++ }, maxFeePerGas)).raw)
  }
  if (token && abi) {
    for (const [i, sender] of senders.entries()) {
      const data = encodeFunctionData({ abi, functionName: 'transfer', args: [sender.address, BigInt(perSender[i]!) * TOKEN_AMOUNT] })
      funding.push((await sign(devs[0]!, chainId, { to: token, data, gas: gasLimit * 2n, nonce: devNonces[0]!++ }, maxFeePerGas)).raw)
    }
  }
  await sendAndWait(rpc, funding, `fund ${senderCount} senders`)
  const setupMs = performance.now() - setupStart
  opts.log(`  setup: ${senderCount} senders funded${token ? `, DevToken at ${token}` : ''}, gas limit ${gasLimit} per tx (${(setupMs / 1000).toFixed(1)}s)`)

  // Pre-sign: sender s signs perSender[s] txs with consecutive nonces.
  const signStart = performance.now()
  const senderNonces = await pendingNonces(rpc, senders.map((s) => s.address))
  const bySender: SignedTx[][] = senders.map(() => [])
  let index = 0
  const rounds = Math.max(...perSender)
  for (let round = 0; round < rounds; round++) {
    for (const [s, sender] of senders.entries()) {
      if (round >= perSender[s]!) continue
      const to = recipientAddress(index % RECIPIENTS)
      const fields: TxFields =
        token && abi
          ? { to: token, data: encodeFunctionData({ abi, functionName: 'transfer', args: [to, TOKEN_AMOUNT] }), gas: gasLimit, nonce: senderNonces[s]! + round }
          : { to, value: ETH_VALUE, gas: gasLimit, nonce: senderNonces[s]! + round }
      const signed = await sign(sender, chainId, fields, maxFeePerGas)
      bySender[s]!.push({ ...signed, index: index++ })
      // Signing is synchronous CPU work: yield now and then so signals and timers run.
      if (index % 200 === 0) await new Promise<void>((resolve) => setImmediate(resolve))
    }
  }
  const txs = bySender.flat().sort((a, b) => a.index - b.index)

  // Lanes: sender s goes to lane s % lanes; within a lane, nonce-major order.
  const laneCount = Math.max(1, Math.min(opts.lanes, senderCount))
  const lanes: SignedTx[][] = Array.from({ length: laneCount }, () => [])
  for (let round = 0; round < rounds; round++) {
    for (let s = 0; s < senderCount; s++) {
      const tx = bySender[s]![round]
      if (tx) lanes[s % laneCount]!.push(tx)
    }
  }
  const signMs = performance.now() - signStart
  opts.log(`  signed ${txs.length} txs (${(signMs / 1000).toFixed(1)}s)`)

  return { kind: opts.kind, chainId, gasLimit, senders: senderCount, txs, lanes, setupMs, signMs }
}
