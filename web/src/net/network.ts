import { createPublicClient, defineChain, http, webSocket, type Chain as ViemChain, type Hex, type PublicClient } from 'viem'
import type { AppConfig } from '../config'
import type { ChainRegistry, RegistryChain, RpcMessage, SyncStatus } from './registry'

/** What the network view keeps of each recent block. */
export interface BlockSummary {
  number: bigint
  hash: Hex
  timestamp: bigint
  /** Transactions, without the L1-info deposit every L2 block opens with. */
  txCount: number
  gasUsed: bigint
  gasLimit: bigint
}

type Listener<T> = (value: T) => void

/** A tiny typed event emitter: `on` returns the function that removes the listener. */
class Emitter<Events extends Record<string, unknown>> {
  private readonly listeners = new Map<keyof Events, Set<Listener<never>>>()
  on<K extends keyof Events>(event: K, listener: Listener<Events[K]>): () => void {
    let set = this.listeners.get(event)
    if (!set) this.listeners.set(event, (set = new Set()))
    set.add(listener as Listener<never>)
    return () => set.delete(listener as Listener<never>)
  }
  protected emit<K extends keyof Events>(event: K, value: Events[K]): void {
    for (const l of this.listeners.get(event) ?? []) (l as Listener<Events[K]>)(value)
  }
}

/** Most recent blocks kept per chain (TPS window and the live block list). */
const RECENT_BLOCKS = 64
/** Blocks read on first load. */
const FIRST_LOAD_BLOCKS = 21
/** The slot when the registry does not say (the default 250 ms). */
const DEFAULT_SLOT_MS = 250

/** Runs `fn` at most once per `ms`, always once more after the last call (trailing edge). */
export function throttle(fn: () => void, ms: number): () => void {
  let last = 0
  let timer: ReturnType<typeof setTimeout> | undefined
  return () => {
    const wait = last + ms - Date.now()
    if (wait <= 0) {
      last = Date.now()
      fn()
    } else if (!timer) {
      timer = setTimeout(() => {
        timer = undefined
        last = Date.now()
        fn()
      }, wait)
    }
  }
}

/** One chain of the network (the L1 or a rollup): its clients and what the page has seen of it. */
export class ChainConn extends Emitter<{ head: BlockSummary; sync: SyncStatus }> {
  readonly client: PublicClient
  readonly ws: PublicClient
  readonly viemChain: ViemChain
  head: BlockSummary | undefined
  /** Newest first. */
  readonly recent: BlockSummary[] = []
  sync: SyncStatus | undefined
  private unsubscribe: (() => void) | undefined
  private queue: Promise<void> = Promise.resolve()
  /** plexus_syncStatus is read again on a new head, at most once a slot. */
  private readonly refreshSync: () => void

  constructor(
    readonly id: number,
    readonly name: string,
    readonly kind: 'l1' | 'l2',
    readonly rpcUrl: string,
    readonly wsUrl: string,
    readonly nativeCurrency: { name: string; symbol: string; decimals: number },
    readonly registryEntry: RegistryChain | undefined,
    slotMs = DEFAULT_SLOT_MS,
  ) {
    super()
    this.refreshSync = throttle(() => void this.readSync(), slotMs)
    this.viemChain = defineChain({ id, name, nativeCurrency, rpcUrls: { default: { http: [rpcUrl], webSocket: [wsUrl] } } })
    this.client = createPublicClient({ chain: this.viemChain, transport: http(rpcUrl, { batch: { wait: 16 } }), cacheTime: 0 }) as PublicClient
    this.ws = createPublicClient({ chain: this.viemChain, transport: webSocket(wsUrl) }) as PublicClient
  }

  /**
   * Follows new heads over the WebSocket (no polling) and reads the newest blocks. The
   * subscription starts first and every head goes through one queue, which fills any gap
   * below it: no block is missing from `recent`, on first load (blocks made while the
   * first ones were read) or later (a notification the socket dropped).
   */
  async start(): Promise<void> {
    const transport = this.ws.transport as unknown as {
      subscribe(args: { params: unknown[]; onData: (d: { result: Record<string, Hex> }) => void; onError?: (e: unknown) => void }): Promise<{ unsubscribe(): Promise<unknown> }>
    }
    const sub = await transport.subscribe({
      params: ['newHeads'],
      onData: ({ result: h }) => this.enqueue(() => this.onHead(h)),
    })
    this.unsubscribe = () => void sub.unsubscribe().catch(() => undefined)
    this.enqueue(async () => {
      const latest = await this.client.getBlock({ blockTag: 'latest' })
      if (!this.head || latest.number > this.head.number) await this.ingest(latest.number, latest.hash, latest.timestamp, latest.transactions.length, latest.gasUsed, latest.gasLimit)
    })
    await this.queue
    if (this.kind === 'l2') void this.readSync()
  }

  /** Runs `task` after every earlier one (heads in order; a failed read does not stop the queue). */
  private enqueue(task: () => Promise<void>): void {
    this.queue = this.queue.then(task).catch((err) => console.error(`chain ${this.id}:`, err))
  }

  stop(): void {
    this.unsubscribe?.()
  }

  /** Transactions per second over the recent blocks (by their timestamps). */
  tps(): number {
    const r = this.recent
    if (r.length < 2) return 0
    const span = Number(r[0]!.timestamp - r[r.length - 1]!.timestamp)
    if (span <= 0) return 0
    return r.slice(0, -1).reduce((n, b) => n + b.txCount, 0) / span
  }

  /** Average seconds between the recent blocks. */
  blockTime(): number | undefined {
    const r = this.recent
    if (r.length < 2) return undefined
    return Number(r[0]!.timestamp - r[r.length - 1]!.timestamp) / (r.length - 1)
  }

  private async onHead(h: Record<string, Hex>): Promise<void> {
    // The header does not carry the transaction count; one small call per block does.
    const count = Number(await this.client.request({ method: 'eth_getBlockTransactionCountByHash', params: [h.hash!] }).catch(() => '0x0'))
    await this.ingest(BigInt(h.number!), h.hash!, BigInt(h.timestamp!), count, BigInt(h.gasUsed!), BigInt(h.gasLimit!))
    if (this.kind === 'l2') this.refreshSync()
  }

  /** Adds block `number`, after reading the blocks between the newest known one and it (at most a window's worth). */
  private async ingest(number: bigint, hash: Hex, timestamp: bigint, count: number, gasUsed: bigint, gasLimit: bigint): Promise<void> {
    const newest = this.recent[0]?.number
    const window = BigInt(this.recent.length === 0 ? FIRST_LOAD_BLOCKS : RECENT_BLOCKS)
    let from = newest === undefined ? number - window + 1n : newest + 1n
    if (from < number - window + 1n) from = number - window + 1n
    if (from < 0n) from = 0n
    if (from < number) {
      const missing = await Promise.all(Array.from({ length: Number(number - from) }, (_, i) => this.client.getBlock({ blockNumber: from + BigInt(i) })))
      for (const b of missing) this.push(this.summary(b.number!, b.hash!, b.timestamp, b.transactions.length, b.gasUsed, b.gasLimit))
    }
    this.push(this.summary(number, hash, timestamp, count, gasUsed, gasLimit))
  }

  private summary(number: bigint, hash: Hex, timestamp: bigint, count: number, gasUsed: bigint, gasLimit: bigint): BlockSummary {
    // Every rollup block opens with its L1-info deposit: not a user's transaction.
    const txCount = this.kind === 'l2' && number > 0n ? Math.max(0, count - 1) : count
    return { number, hash, timestamp, txCount, gasUsed, gasLimit }
  }

  private push(b: BlockSummary): void {
    // A reorg (or an out-of-order notification) replaces what is at or above it.
    while (this.recent.length > 0 && this.recent[0]!.number >= b.number) this.recent.shift()
    this.recent.unshift(b)
    if (this.recent.length > RECENT_BLOCKS) this.recent.length = RECENT_BLOCKS
    this.head = b
    this.emit('head', b)
  }

  private async readSync(): Promise<void> {
    try {
      this.sync = (await this.client.request({ method: 'plexus_syncStatus' as never })) as SyncStatus
      this.emit('sync', this.sync)
    } catch {
      // The next head tries again.
    }
  }
}

/**
 * The whole network as the page sees it, learned from one RPC URL: the registry (L1 and
 * every chain, kept current by the plexus_chains subscription), each chain's live heads,
 * and every cross-chain message (plexus_listMessages, then plexus_messages live).
 */
export class Network extends Emitter<{ chains: ChainConn[]; message: RpcMessage }> {
  readonly primary: PublicClient
  readonly primaryWs: PublicClient
  registry: ChainRegistry | undefined
  readonly chains: ChainConn[] = []
  readonly messages = new Map<Hex, RpcMessage>()

  constructor(readonly config: AppConfig) {
    super()
    this.primary = createPublicClient({ transport: http(config.rpc) }) as PublicClient
    this.primaryWs = createPublicClient({ transport: webSocket(wsUrlOf(config.rpc)) }) as PublicClient
  }

  /** A dev network: the page may sign with the test mnemonic's accounts. */
  get dev(): boolean {
    return this.config.dev || this.registry?.devAccounts === true
  }

  get l1(): ChainConn | undefined {
    return this.chains.find((c) => c.kind === 'l1')
  }

  get l2s(): ChainConn[] {
    return this.chains.filter((c) => c.kind === 'l2')
  }

  chain(id: number): ChainConn | undefined {
    return this.chains.find((c) => c.id === id)
  }

  /** One slot of the network: the most any view waits between reads it makes on new heads. */
  get slotMs(): number {
    return this.registry?.slotTimeMs ?? DEFAULT_SLOT_MS
  }

  /** The native currency symbol of chain `id` (ETH when unknown). */
  symbol(id: number): string {
    return this.chain(id)?.nativeCurrency.symbol ?? 'ETH'
  }

  async start(): Promise<void> {
    const registry = (await this.primary.request({ method: 'plexus_getChainRegistry' as never })) as ChainRegistry
    await this.apply(registry)
    const transport = this.primaryWs.transport as unknown as {
      subscribe(args: { params: unknown[]; onData: (d: { result: unknown }) => void }): Promise<unknown>
    }
    await transport.subscribe({ params: ['plexus_chains'], onData: ({ result }) => void this.apply(result as ChainRegistry) }).catch(() => undefined)
    await transport.subscribe({ params: ['plexus_messages'], onData: ({ result }) => this.upsert(result as RpcMessage) })
    const page = (await this.primary.request({ method: 'plexus_listMessages' as never, params: [{ limit: 200 }] as never })) as { messages: RpcMessage[] }
    // The subscription may already have delivered newer states: keep those.
    for (const m of page.messages.reverse()) if (!this.messages.has(m.msgHash)) this.upsert(m)
  }

  /** Messages newest first. */
  messageList(): RpcMessage[] {
    return [...this.messages.values()].sort((a, b) => b.index - a.index)
  }

  private upsert(m: RpcMessage): void {
    this.messages.set(m.msgHash, m)
    this.emit('message', m)
  }

  /** Adds the chains the registry names that the page does not follow yet. */
  private async apply(registry: ChainRegistry): Promise<void> {
    this.registry = registry
    const added: ChainConn[] = []
    if (!this.l1) {
      const eth = { name: 'Ether', symbol: 'ETH', decimals: 18 }
      added.push(new ChainConn(registry.l1.chainId, `L1 · ${registry.l1.chainId}`, 'l1', registry.l1.rpcUrl, wsUrlOf(registry.l1.rpcUrl), eth, undefined))
    }
    for (const c of registry.chains) {
      if (this.chain(c.chainId) || added.some((a) => a.id === c.chainId)) continue
      const rpc = c.rpcUrls.http[0]!
      added.push(new ChainConn(c.chainId, c.name, 'l2', rpc, c.rpcUrls.webSocket?.[0] ?? wsUrlOf(rpc), c.nativeCurrency, c, registry.slotTimeMs))
    }
    if (added.length === 0) return
    this.chains.push(...added)
    this.chains.sort((a, b) => (a.kind === b.kind ? a.id - b.id : a.kind === 'l1' ? -1 : 1))
    this.emit('chains', this.chains)
    await Promise.all(added.map((c) => c.start().catch((err) => console.error(`chain ${c.id}:`, err))))
  }
}

/** The WebSocket URL of an HTTP JSON-RPC URL on the same port (Plexus and anvil serve both). */
export function wsUrlOf(httpUrl: string): string {
  return httpUrl.replace(/^http/, 'ws')
}
