import { encodeFunctionData, keccak256, parseAbi, type Hex, type PrivateKeyAccount } from 'viem'
import { PREDEPLOYS, REFERENCE_SUPERCHAIN_TOKEN } from '../../src/execution/predeploys.js'
import { abiOf } from '../../src/settlement/l1/abis.js'
import { rpcBatch, rpcCall, RpcCallError } from '../helpers/jsonRpc.js'
import { sleep } from '../helpers/node.js'
import { ROLES, sink } from './accounts.js'
import type { Ledger, TrackedBundle, TxKind } from './ledger.js'
import type { NetworkProcess } from './networkProcess.js'
import type { Rng } from './rng.js'

/**
 * The mixed load: ETH transfers on every chain, cross-chain messages (ETH and PLX
 * through the interop bridges, and paid messages to a reverting target), atomic bundles over
 * two chains, withdrawals, and L1 deposits. Every accepted transaction, receipt, bundle,
 * message, deposit and withdrawal goes into the ledger. The load keeps going while the
 * network is down (a send that fails is retried later with a fresh nonce) and pauses
 * while a fault is injected and checked, so the checks see a settled picture.
 */

const ethBridgeAbi = parseAbi(['function sendETH(address to, uint256 chainId) payable returns (bytes32)'])
const tokenBridgeAbi = parseAbi(['function sendERC20(address token, address to, uint256 amount, uint256 chainId) returns (bytes32)'])
const paidSenderAbi = parseAbi(['function sendPaid(uint256 destination, address target, bytes message, uint256 gasLimit) payable returns (bytes32)'])
const passerAbi = parseAbi(['function initiateWithdrawal(address target, uint256 gasLimit, bytes data) payable'])

const GWEI = 1_000_000_000n
/** Generous fee caps: a burst raises the base fee, and a transaction that waits out a fault must still be includable. */
export const L2_FEES = { maxFeePerGas: 200n * GWEI, maxPriorityFeePerGas: 1n }
const L1_FEES = { maxFeePerGas: 100n * GWEI, maxPriorityFeePerGas: GWEI }
/** Relay gas paid for a message to the reverting target (it reverts at once: the relay must run and be recorded failed, not go unrelayed). */
const REVERTING_RELAY_GAS = 50_000n
/** Covers the paymaster's quote, `(gas + 100k) × baseFee × 2`, at the highest base fee the load's fee cap lets a transaction in at; the change stays in the sender contract. */
const REVERTING_RELAY_VALUE = (REVERTING_RELAY_GAS + 100_000n) * 2n * L2_FEES.maxFeePerGas

export interface LoadEnv {
  net: NetworkProcess
  ledger: Ledger
  /** The trial now running (0 before the first fault). */
  trial(): number
  l1ChainId: number
  portal: Hex
  /** A contract that reverts on any call, at the same address on every chain. */
  revertingTarget: Hex
  /** A RelayGasProbe at the same address on every chain: sends a message and pays for its relay in one transaction. */
  paidSender: Hex
}

/** Mean milliseconds between two actions of each kind (per worker). */
export interface LoadRates {
  transferMs: number
  messageMs: number
  bundleMs: number
  withdrawalMs: number
  depositMs: number
  /** Most unconfirmed transactions one sender keeps in flight on one chain. */
  maxInFlight: number
}

export const DEFAULT_RATES: LoadRates = { transferMs: 300, messageMs: 1500, bundleMs: 1200, withdrawalMs: 3000, depositMs: 3000, maxInFlight: 16 }

export interface LoadStats {
  sent: Record<string, number>
  refused: Record<string, number>
  /** Refusals by JSON-RPC code (transport failures while the network is down are `down`). */
  refusedBy: Record<string, number>
  bundlesDecided: Record<string, number>
  /** Bundles built to succeed that the network rejected, by reason (not a failure by itself: reported). */
  unexpectedRejections: string[]
}

export class LoadGenerator {
  private readonly nonces = new Map<string, number>()
  private paused = true
  private stopped = false
  private inFlight = 0
  private readonly loops: Promise<void>[] = []
  private pendingBundle: TrackedBundle | undefined
  readonly stats: LoadStats = { sent: {}, refused: {}, refusedBy: {}, bundlesDecided: {}, unexpectedRejections: [] }

  constructor(
    private readonly env: LoadEnv,
    private readonly rng: Rng,
    private readonly rates: LoadRates = DEFAULT_RATES,
  ) {}

  /** Starts the workers (paused until `resume`) and the receipt poller (always on). */
  start(): void {
    const [a, b] = this.env.net.chainIds
    if (a === undefined || b === undefined) throw new Error('the load needs two chains')
    for (const account of ROLES.transfers) {
      for (const chainId of this.env.net.chainIds) this.worker(this.rates.transferMs, () => this.transfer(account, chainId))
    }
    for (const [from, to] of [
      [a, b],
      [b, a],
    ] as const) {
      this.worker(this.rates.messageMs, () => this.message(from, to))
      this.worker(this.rates.withdrawalMs, () => this.withdrawal(from))
    }
    this.worker(this.rates.bundleMs, () => this.bundleStep())
    this.worker(this.rates.depositMs, () => this.deposit(this.rng.pick(this.env.net.chainIds)))
    this.loops.push(this.pollLoop())
  }

  /** Stops new actions and waits until those in flight are done. */
  async pause(): Promise<void> {
    this.paused = true
    while (this.inFlight > 0) await sleep(20)
  }

  /** Resumes with every nonce read again from the chains (a fault may have lost or kept anything). */
  resume(): void {
    this.nonces.clear()
    this.paused = false
  }

  async stop(): Promise<void> {
    this.stopped = true
    this.paused = true
    await Promise.all(this.loops)
  }

  private worker(meanMs: number, action: () => Promise<void>): void {
    const rng = this.rng
    this.loops.push(
      (async () => {
        while (!this.stopped) {
          // exponential gaps: a Poisson stream of actions, mean `meanMs`
          await sleep(Math.min(meanMs * 5, -Math.log(1 - rng.next()) * meanMs))
          if (this.paused || this.stopped) continue
          this.inFlight++
          try {
            await action()
          } catch {
            // a worker never dies: the network being down is the normal case during faults
          } finally {
            this.inFlight--
          }
        }
      })(),
    )
  }

  // ---------------------------------------------------------------- sending

  private url(chainId: number): string {
    return chainId === this.env.l1ChainId ? this.env.net.l1Url : this.env.net.url(chainId)
  }

  private async nonce(account: PrivateKeyAccount, chainId: number): Promise<number> {
    const k = `${chainId}:${account.address}`
    const known = this.nonces.get(k)
    if (known !== undefined) return known
    const n = Number(BigInt(await rpcCall<Hex>(this.url(chainId), 'eth_getTransactionCount', [account.address, 'pending'], 5000)))
    this.nonces.set(k, n)
    return n
  }

  private inFlightOf(account: PrivateKeyAccount, chainId: number): number {
    return this.env.ledger.awaitingReceipt(chainId).filter((t) => t.from === account.address).length
  }

  /**
   * Signs and sends one transaction with the sender's next nonce; records it when
   * accepted. A refusal or a dead network makes the next send read the nonce again.
   */
  async send(kind: TxKind, account: PrivateKeyAccount, chainId: number, tx: { to?: Hex; value?: bigint; data?: Hex; gas: bigint }): Promise<Hex | undefined> {
    const nonce = await this.nonce(account, chainId)
    const fees = chainId === this.env.l1ChainId ? L1_FEES : L2_FEES
    const raw = await account.signTransaction({ chainId, type: 'eip1559', nonce, ...fees, ...tx })
    this.stats.sent[kind] = (this.stats.sent[kind] ?? 0) + 1
    try {
      const hash = await rpcCall<Hex>(this.url(chainId), 'eth_sendRawTransaction', [raw], 10_000)
      this.env.ledger.accepted({ chainId, hash, kind, from: account.address, nonce, trial: this.env.trial() })
      this.nonces.set(`${chainId}:${account.address}`, nonce + 1)
      return hash
    } catch (err) {
      this.nonces.delete(`${chainId}:${account.address}`)
      this.stats.refused[kind] = (this.stats.refused[kind] ?? 0) + 1
      const code = err instanceof RpcCallError && err.code !== undefined ? String(err.code) : 'down'
      this.stats.refusedBy[code] = (this.stats.refusedBy[code] ?? 0) + 1
      return undefined
    }
  }

  private async transfer(account: PrivateKeyAccount, chainId: number): Promise<void> {
    if (this.inFlightOf(account, chainId) >= this.rates.maxInFlight) return
    await this.send('transfer', account, chainId, { to: sink(`transfer-${chainId}`), value: BigInt(1 + this.rng.int(1000)), gas: 21_000n })
  }

  private async message(from: number, to: number): Promise<void> {
    if (this.inFlightOf(ROLES.messages, from) >= this.rates.maxInFlight) return
    const r = this.rng.next()
    await this.sendMessage(from, to, r < 0.45 ? 'eth' : r < 0.9 ? 'token' : 'reverting')
  }

  /**
   * Sends one cross-chain message: ETH through SuperchainETHBridge, one PLX through the
   * SuperchainTokenBridge (both relayed on the network's allowance), or a message to the
   * reverting contract, sent and paid for in one transaction by the paid sender (the
   * network relays it, the relay fails, and the network must record it `failed`; an unpaid
   * one would never be relayed). Returns the sending transaction's hash.
   */
  async sendMessage(from: number, to: number, kind: 'eth' | 'token' | 'reverting'): Promise<Hex | undefined> {
    const recipient = sink(`message-${to}`)
    const call =
      kind === 'eth'
        ? { to: PREDEPLOYS.SuperchainETHBridge as Hex, value: 1000n, data: encodeFunctionData({ abi: ethBridgeAbi, functionName: 'sendETH', args: [recipient, BigInt(to)] }) }
        : kind === 'token'
          ? { to: PREDEPLOYS.SuperchainTokenBridge as Hex, data: encodeFunctionData({ abi: tokenBridgeAbi, functionName: 'sendERC20', args: [REFERENCE_SUPERCHAIN_TOKEN, recipient, 1n, BigInt(to)] }) }
          : { to: this.env.paidSender, value: REVERTING_RELAY_VALUE, data: encodeFunctionData({ abi: paidSenderAbi, functionName: 'sendPaid', args: [BigInt(to), this.env.revertingTarget, '0x1234', REVERTING_RELAY_GAS] }) }
    const hash = await this.send('message', ROLES.messages, from, { ...call, gas: 400_000n })
    if (hash) this.messageTxs.set(hash, { from, to, expect: kind === 'reverting' ? 'failed' : 'relayed' })
    return hash
  }

  /** Message-sending transactions not yet resolved into message hashes. */
  private readonly messageTxs = new Map<Hex, { from: number; to: number; expect: 'relayed' | 'failed' }>()

  private async withdrawal(chainId: number): Promise<void> {
    const account = ROLES.withdrawals
    if (this.inFlightOf(account, chainId) >= this.rates.maxInFlight) return
    await this.send('withdrawal', account, chainId, {
      to: PREDEPLOYS.L2ToL1MessagePasser,
      value: GWEI,
      data: encodeFunctionData({ abi: passerAbi, functionName: 'initiateWithdrawal', args: [account.address, 100_000n, '0x'] }),
      gas: 200_000n,
    })
  }

  private async deposit(chainId: number): Promise<void> {
    const account = ROLES.deposits
    if (this.inFlightOf(account, this.env.l1ChainId) >= 4) return
    const hash = await this.send('deposit', account, this.env.l1ChainId, {
      to: this.env.portal,
      value: GWEI,
      data: encodeFunctionData({ abi: abiOf('Portal'), functionName: 'depositETH', args: [BigInt(chainId), account.address] }),
      gas: 300_000n,
    })
    if (hash) this.depositTargets.set(hash, chainId)
  }

  /** The L2 chain of each deposit sent. */
  private readonly depositTargets = new Map<Hex, number>()

  // ---------------------------------------------------------------- bundles

  private async bundleStep(): Promise<void> {
    // one bundle at a time: its legs' nonces depend on whether the last one was included
    if (this.pendingBundle && (this.pendingBundle.status === undefined || this.pendingBundle.status === 'pending')) return
    await this.sendBundle(this.rng.chance(0.15) ? 'rejected' : 'included', 4)
  }

  /** The next slot the network builds (the newest head's slot + 1). */
  async nextSlot(): Promise<bigint> {
    let next = 0n
    for (const c of this.env.net.chains) {
      const head = BigInt(await rpcCall<Hex>(c.url, 'eth_blockNumber', [], 5000))
      if (head + c.genesisSlot + 1n > next) next = head + c.genesisSlot + 1n
    }
    return next
  }

  /**
   * Sends one bundle with a leg on each of the first two chains: two transfers, or (to
   * be rejected) a transfer and a call that reverts. Nonces are read from the chains
   * (bundle legs never sit in a pool). `deadlineSlots` ahead of the next slot.
   */
  async sendBundle(expect: 'included' | 'rejected', deadlineSlots: number): Promise<TrackedBundle | undefined> {
    const account = ROLES.bundles
    const [a, b] = this.env.net.chainIds as [number, number]
    const legs: { chainId: number; tx: Hex }[] = []
    // a value of its own: a rejected bundle's legs must never be byte for byte the legs of a later one (same nonces)
    const value = BigInt(1 + this.rng.int(1_000_000_000))
    for (const chainId of [a, b]) {
      const nonce = Number(BigInt(await rpcCall<Hex>(this.url(chainId), 'eth_getTransactionCount', [account.address, 'latest'], 5000)))
      const reverting = expect === 'rejected' && chainId === b
      const tx = await account.signTransaction({
        chainId,
        type: 'eip1559',
        nonce,
        ...L2_FEES,
        ...(reverting ? { to: this.env.revertingTarget, data: '0x01', gas: 60_000n } : { to: sink(`bundle-${chainId}`), value, gas: 21_000n }),
      })
      legs.push({ chainId, tx })
    }
    const deadlineSlot = (await this.nextSlot()) + BigInt(deadlineSlots)
    this.stats.sent.bundle = (this.stats.sent.bundle ?? 0) + 1
    try {
      const { bundleId } = await rpcCall<{ bundleId: Hex }>(this.url(a), 'plexus_sendBundle', [
        { txs: legs.map((l) => ({ chainId: `0x${l.chainId.toString(16)}`, tx: l.tx })), deadlineSlot: `0x${deadlineSlot.toString(16)}` },
      ], 10_000)
      const bundle: TrackedBundle = { bundleId, legs: legs.map((l) => ({ chainId: l.chainId, hash: keccak256(l.tx) })), expect, trial: this.env.trial() }
      this.env.ledger.bundles.set(bundleId, bundle)
      this.pendingBundle = bundle
      return bundle
    } catch {
      this.stats.refused.bundle = (this.stats.refused.bundle ?? 0) + 1
      return undefined
    }
  }

  // ---------------------------------------------------------------- following up

  private async pollLoop(): Promise<void> {
    while (!this.stopped) {
      await sleep(400)
      try {
        await this.pollOnce()
      } catch {
        // down: try again next round
      }
    }
  }

  /** One round of reading back what was sent: receipts, bundle decisions, message hashes. */
  async pollOnce(): Promise<void> {
    const chains = [...this.env.net.chainIds, this.env.l1ChainId]
    await Promise.all(chains.map((c) => this.pollReceipts(c).catch(() => undefined)))
    await this.pollBundles().catch(() => undefined)
    await this.resolveMessages().catch(() => undefined)
  }

  private async pollReceipts(chainId: number): Promise<void> {
    const waiting = this.env.ledger.awaitingReceipt(chainId).slice(0, 2000)
    if (waiting.length === 0) return
    const answers = await rpcBatch<{ blockHash: Hex; blockNumber: Hex; status: Hex } | null>(
      this.url(chainId),
      waiting.map((t) => ({ method: 'eth_getTransactionReceipt', params: [t.hash] })),
    )
    answers.forEach((a, i) => {
      if (!a.ok || !a.result) return
      const t = waiting[i]!
      t.receipt = { blockHash: a.result.blockHash, blockNumber: BigInt(a.result.blockNumber), success: a.result.status === '0x1', trial: this.env.trial() }
      if (!t.receipt.success) return
      const target = this.depositTargets.get(t.hash)
      if (t.kind === 'deposit' && target !== undefined) this.env.ledger.deposits.set(t.hash, { l1TxHash: t.hash, chainId: target, trial: this.env.trial() })
      if (t.kind === 'withdrawal') this.env.ledger.withdrawals.set(t.hash, { chainId, l2TxHash: t.hash, trial: this.env.trial() })
    })
  }

  private async pollBundles(): Promise<void> {
    const open = [...this.env.ledger.bundles.values()].filter((b) => !b.broken && (b.status === undefined || b.status === 'pending'))
    if (open.length === 0) return
    const [a] = this.env.net.chainIds as [number]
    const answers = await rpcBatch<{ status: string; reason?: string } | null>(
      this.url(a),
      open.map((b) => ({ method: 'plexus_getBundle', params: [b.bundleId] })),
    )
    answers.forEach((ans, i) => {
      if (!ans.ok) return
      const b = open[i]!
      // a bundle the network no longer knows (its records do not survive a restart) is decided as far as the load goes
      if (!ans.result) {
        b.status = 'unknown'
        return
      }
      b.status = ans.result.status
      if (b.status === 'pending') return
      this.stats.bundlesDecided[b.status] = (this.stats.bundlesDecided[b.status] ?? 0) + 1
      if (b.status === 'rejected' && b.expect === 'included') this.stats.unexpectedRejections.push(ans.result.reason ?? '?')
      if (b.status === 'included') {
        for (const leg of b.legs) {
          if (!this.env.ledger.tx(leg.chainId, leg.hash)) {
            this.env.ledger.accepted({ chainId: leg.chainId, hash: leg.hash, kind: 'bundle-leg', from: ROLES.bundles.address, nonce: -1, trial: b.trial })
          }
        }
      }
    })
  }

  private async resolveMessages(): Promise<void> {
    for (const [hash, m] of this.messageTxs) {
      const t = this.env.ledger.tx(m.from, hash)
      if (!t || t.broken) {
        this.messageTxs.delete(hash)
        continue
      }
      if (!t.receipt) continue
      const msgs = t.receipt.success ? await rpcCall<{ msgHash: Hex }[]>(this.url(m.from), 'plexus_getMessagesByTx', [`0x${m.from.toString(16)}`, hash], 5000) : []
      this.messageTxs.delete(hash)
      for (const msg of msgs) {
        this.env.ledger.messages.set(msg.msgHash, { msgHash: msg.msgHash, source: m.from, destination: m.to, sourceTx: hash, expect: m.expect, trial: t.trial })
      }
    }
  }
}
