import { Block, createBlockHeaderFromBytesArray, createBlockHeaderFromRLP, type BlockHeader } from '@ethereumjs/block'
import type { Common, Proof } from '@ethereumjs/common'
import { RLP } from '@ethereumjs/rlp'
import { createTxFromBlockBodyData, type TypedTransaction } from '@ethereumjs/tx'
import { Address, KECCAK256_NULL, createAccountFromRLP, createWithdrawal, type Account } from '@ethereumjs/util'
import { getMerkleStateProof } from '@ethereumjs/statemanager'
import { createVM, type VM } from '@ethereumjs/vm'
import type { Logger } from '../primitives/logger.js'
import { toData } from '../primitives/hex.js'
import type { ChainStore, TxLocation } from '../storage/chainStore.js'
import { TrieNodeDB } from '../storage/trieNodeDB.js'
import { nextBaseFee, type BaseFeeParams } from './baseFee.js'
import { decodeDepositTx, DEPOSIT_TX_TYPE } from './depositTx.js'
import { decodeDevTx, DEV_TX_TYPE } from './devTx.js'
import { unpackReceipts, type StoredReceipt } from './receipts.js'
import { HeadStateManager, createStateTrie } from './stateManager.js'
import { sharedTxCommon } from './txCommon.js'
import type { BlockListener, ChainCaller, ChainReader, RewindListener } from './chainReader.js'

const CODE_PREFIX = new Uint8Array([0x63]) // 'c', ethereumjs' code-hash key prefix
const BLOCK_CACHE_SIZE = 256

/**
 * Every `ChainReader` and `ChainCaller` answer of a chain, read from its `ChainStore` as
 * of the head the subclass names: the one read path of `Chain` (which writes the store)
 * and `StoreChainReader` (which follows a store another thread writes), so the two
 * cannot answer differently.
 *
 * Block data is that of the named head's chain: a store written by another thread may
 * already hold blocks this view has not announced (a reader must never see a block
 * before its `onBlock`), or have rewound below blocks it announced (they stay readable by
 * hash, as orphans are, and the canonical index answers them until the view follows).
 * For `Chain` the store's head is its head, and none of this cuts. The exception, until
 * the view follows a rewind of the writer: the transaction and log indexes (`txLocation`,
 * `blocksMentioning`) are the store's, so the blocks the writer removed are missing from
 * them (never the writer's new blocks in their place).
 */
export abstract class StoredChainView implements ChainReader, ChainCaller {
  readonly chainId: bigint
  private readonly blockCache = new Map<string, Block>()
  private readonly blockListeners = new Set<BlockListener>()
  private readonly rewindListeners = new Set<RewindListener>()

  protected constructor(
    protected readonly store: ChainStore,
    readonly common: Common,
    /** EIP-1559 elasticity and max-change denominator, from the genesis config. */
    readonly baseFeeParams: BaseFeeParams,
    protected readonly logger: Logger,
  ) {
    this.chainId = common.chainId()
  }

  abstract headHeader(): BlockHeader

  /**
   * Whether the flat tables hold exactly the state at `stateRoot` now, so one LMDB read
   * answers instead of a trie walk. Asked and followed by the read in one synchronous
   * step (one LMDB read snapshot).
   */
  protected abstract flatAt(stateRoot: Uint8Array): boolean

  // ---- the head and its events ------------------------------------------------------

  nextBaseFee(): bigint {
    return this.baseFeeAfter(this.headHeader())
  }

  baseFeeAfter(header: BlockHeader): bigint {
    if (header.baseFeePerGas === undefined) return 0n
    return nextBaseFee(header, this.baseFeeParams)
  }

  onBlock(listener: BlockListener): () => void {
    this.blockListeners.add(listener)
    return () => this.blockListeners.delete(listener)
  }

  onRewind(listener: RewindListener): () => void {
    this.rewindListeners.add(listener)
    return () => this.rewindListeners.delete(listener)
  }

  /** `block` became the head (the subclass moved its head first): cache it, tell the listeners. */
  protected announceBlock(block: Block, receipts: StoredReceipt[]): void {
    this.cacheBlock(block)
    this.notify(this.blockListeners, (listener) => listener(block, receipts), 'block')
  }

  /** The head moved back to `head` (moved by the subclass first), `removed` oldest first. */
  protected announceRewind(head: BlockHeader, removed: Block[]): void {
    // Orphans stay readable by hash from storage; the cache is for the canonical chain.
    for (const block of removed) this.blockCache.delete(toData(block.hash()))
    this.notify(this.rewindListeners, (listener) => listener(head, removed), 'rewind')
  }

  /** A listener's failure is logged, never the chain's: the change is already committed. */
  private notify<L>(listeners: ReadonlySet<L>, call: (listener: L) => void, event: string): void {
    for (const listener of listeners) {
      try {
        call(listener)
      } catch (err) {
        this.logger.error({ err }, `${event} listener failed`)
      }
    }
  }

  // ---- blocks and their indexes (synchronous) -------------------------------------------

  getBlockByHash(hash: Uint8Array): Block | undefined {
    const key = toData(hash)
    const cached = this.blockCache.get(key)
    if (cached) return cached
    const headerRlp = this.store.getHeaderRlp(hash)
    const bodyRlp = this.store.getBodyRlp(hash)
    if (!headerRlp || !bodyRlp) return undefined
    const block = decodeStoredBlock(headerRlp, bodyRlp, this.common)
    this.cacheBlock(block)
    return block
  }

  getBlockByNumber(number: bigint): Block | undefined {
    const hash = this.canonicalHash(number)
    return hash ? this.getBlockByHash(hash) : undefined
  }

  getHeaderByHash(hash: Uint8Array): BlockHeader | undefined {
    const cached = this.blockCache.get(toData(hash))
    if (cached) return cached.header
    const rlp = this.store.getHeaderRlp(hash)
    return rlp ? createBlockHeaderFromRLP(rlp, { common: this.common, setHardfork: true }) : undefined
  }

  getReceipts(blockHash: Uint8Array): StoredReceipt[] | undefined {
    const packed = this.store.getReceiptsRlp(blockHash)
    return packed ? unpackReceipts(packed) : undefined
  }

  canonicalHash(number: bigint): Uint8Array | undefined {
    let header: BlockHeader | undefined = this.headHeader()
    if (number > header.number) return undefined
    // Down this view's own chain while the store's canonical chain has left it (the writer
    // rewound and this view has not followed yet): those blocks stay readable by hash.
    while (header && number < header.number && !this.storeHolds(header)) header = this.getHeaderByHash(header.parentHash)
    if (!header) return undefined
    return number === header.number ? header.hash() : this.store.canonicalHash(number)
  }

  txLocation(txHash: Uint8Array): TxLocation | undefined {
    const location = this.store.getTxLocation(txHash)
    if (!location || this.storeAtHead()) return location
    // The store moved on: only a transaction of a block this view announced counts.
    const header = this.getHeaderByHash(location.blockHash)
    const canonical = header && this.canonicalHash(header.number)
    return canonical && equal(canonical, location.blockHash) ? location : undefined
  }

  blocksMentioning(key: Uint8Array, from: bigint, to: bigint): Iterable<bigint> {
    const head = this.headHeader().number
    return this.store.blocksMentioning(key, from, to < head ? to : head)
  }

  /** Whether the store's canonical chain holds `header`. */
  protected storeHolds(header: BlockHeader): boolean {
    const hash = this.store.canonicalHash(header.number)
    return hash !== undefined && equal(hash, header.hash())
  }

  /** Whether the store's head is this view's head (nothing committed or rewound past it). */
  protected storeAtHead(): boolean {
    const stored = this.store.headHash()
    return stored !== undefined && equal(stored, this.headHeader().hash())
  }

  private cacheBlock(block: Block): void {
    const key = toData(block.hash())
    this.blockCache.set(key, block)
    if (this.blockCache.size > BLOCK_CACHE_SIZE) {
      const oldest = this.blockCache.keys().next().value
      if (oldest !== undefined) this.blockCache.delete(oldest)
    }
  }

  // ---- state at a committed state root (asynchronous) ------------------------------------

  /** Where the flat tables hold the state asked for: one LMDB read; elsewhere a trie walk. */
  async accountAt(stateRoot: Uint8Array, address: Uint8Array): Promise<Account | undefined> {
    if (this.flatAt(stateRoot)) {
      const rlp = this.store.getAccountRlp(address)
      return rlp ? createAccountFromRLP(rlp) : undefined
    }
    return this.stateAt(stateRoot).getAccount(new Address(address))
  }

  async storageAt(stateRoot: Uint8Array, address: Uint8Array, slot: Uint8Array): Promise<Uint8Array> {
    if (this.flatAt(stateRoot)) return this.store.getStorageValue(address, slot) ?? new Uint8Array(0)
    return this.stateAt(stateRoot).getStorage(new Address(address), slot)
  }

  async codeAt(stateRoot: Uint8Array, address: Uint8Array): Promise<Uint8Array> {
    const account = await this.accountAt(stateRoot, address)
    if (!account || equal(account.codeHash, KECCAK256_NULL)) return new Uint8Array(0)
    // Code is stored among the trie nodes under ethereumjs' code-hash key ('c' + hash).
    return this.store.getTrieNode(Buffer.concat([CODE_PREFIX, account.codeHash])) ?? new Uint8Array(0)
  }

  async proofAt(stateRoot: Uint8Array, address: Uint8Array, slots: readonly Uint8Array[]): Promise<Proof> {
    return getMerkleStateProof(this.stateAt(stateRoot), new Address(address), [...slots])
  }

  /**
   * The sum of every account's balance at `stateRoot`: a walk of the whole account trie
   * (for the money audit; cost grows with the number of accounts, and the walk yields to
   * the event loop every 2,000 accounts so slots keep their time).
   */
  async totalBalanceAt(stateRoot: Uint8Array): Promise<bigint> {
    let total = 0n
    let seen = 0
    await createStateTrie(new TrieNodeDB(this.store.tables.trie), stateRoot).walkAllValueNodes(async (node) => {
      const value = node.value()
      if (value) total += createAccountFromRLP(value).balance
      // The walk runs on the thread that builds blocks: let the slot clock in now and then.
      if (++seen % 2_000 === 0) await new Promise((resolve) => setImmediate(resolve))
    })
    return total
  }

  /** A VM over a read-only copy of the state at `stateRoot`, for calls and tracing. */
  async vmAt(stateRoot: Uint8Array): Promise<VM> {
    const common = this.common.copy()
    return createVM({ common, stateManager: this.stateAt(stateRoot), blockchain: this.blockchain() as never })
  }

  /** A read-only state view at a committed state root (calls and the reads above). */
  protected stateAt(stateRoot: Uint8Array): HeadStateManager {
    return new HeadStateManager(this.common, createStateTrie(new TrieNodeDB(this.store.tables.trie), stateRoot))
  }

  /** BLOCKHASH for a VM over this chain: the canonical hashes this view answers. */
  protected blockchain(): StoreBlockchain {
    return new StoreBlockchain((number) => this.canonicalHash(number))
  }
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(a, b) === 0
}

/** BLOCKHASH for the EVM, served from storage. */
class StoreBlockchain {
  constructor(private readonly canonicalHash: (number: bigint) => Uint8Array | undefined) {}

  async getBlock(blockId: number | bigint | Uint8Array): Promise<{ hash(): Uint8Array }> {
    if (blockId instanceof Uint8Array) return { hash: () => blockId }
    const hash = this.canonicalHash(BigInt(blockId))
    if (!hash) throw new Error(`block ${blockId} not found`)
    return { hash: () => hash }
  }

  async putBlock(): Promise<void> {}

  shallowCopy(): StoreBlockchain {
    return this
  }

  // runBlock calls this only when header validation is on; we validate before.
  async validateHeader(): Promise<void> {}
}

/**
 * A stored block back into an ethereumjs `Block`. Deposits and dev transactions are not
 * ethereumjs transactions: they are decoded here and put back in their places. Signed
 * transactions share one `Common` per hardfork (`sharedTxCommon`): ethereumjs' own block
 * decoding gives each its own copy, three quarters of the decoding time.
 */
export function decodeStoredBlock(headerRlp: Uint8Array, bodyRlp: Uint8Array, common: Common): Block {
  const header = createBlockHeaderFromBytesArray(RLP.decode(headerRlp) as Uint8Array[], { common, setHardfork: true })
  const [txData = [], uncleData = [], withdrawalData] = RLP.decode(bodyRlp) as unknown as [Uint8Array[], Uint8Array[][], Uint8Array[][] | undefined]
  const blockCommon = header.common
  const txCommon = sharedTxCommon(common, blockCommon.hardfork())
  const txs = txData.map((t) =>
    t instanceof Uint8Array && t[0] === DEPOSIT_TX_TYPE
      ? decodeDepositTx(t, blockCommon)
      : t instanceof Uint8Array && t[0] === DEV_TX_TYPE
        ? decodeDevTx(t, blockCommon)
        : createTxFromBlockBodyData(t, { common: txCommon }),
  )
  const uncles = uncleData.map((u) => createBlockHeaderFromBytesArray(u, { common: blockCommon, setHardfork: true }))
  const withdrawals = blockCommon.isActivatedEIP(4895)
    ? (withdrawalData ?? []).map(([index, validatorIndex, address, amount]) => createWithdrawal({ index: index!, validatorIndex: validatorIndex!, address: address!, amount: amount! }))
    : undefined
  return new Block(header, txs as TypedTransaction[], uncles, withdrawals, { common: blockCommon })
}
